"""The change history pages every audited model shares in the admin."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history's admin, whose history page is a 404 for an id that is no id.

    simple_history (3.13) looks the object up with the text as given, so /channel/abc/history/ raised
    a ValueError, a 500; Django's own change page already answers that with a 404.
    """

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404(f"No {self.model._meta.verbose_name} has the id “{object_id}”.") from None
        return super().history_view(request, object_id, extra_context)
