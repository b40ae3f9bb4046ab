"""Pickers that offer only what the form will accept.

An autocomplete's answers come from the admin of the model picked (PlacementAdmin answers a
campaign's placement picker), which cannot know the asking form's rules. So the admin whose form
asks narrows them: `offer_for_picker(field_name, queryset)`, if it has one, is applied to every
autocomplete answer for its fields. The form's own validation still gives the reason for a refusal.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet
from django.http import HttpRequest


class PickerLimitsAdmin:
    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        asking = self._asking_admin(request)
        narrow = getattr(asking, "offer_for_picker", None)
        if narrow is not None:
            queryset = narrow(request.GET.get("field_name", ""), queryset)
        return queryset, may_have_duplicates

    def _asking_admin(self, request: HttpRequest) -> object | None:
        """The admin of the form whose picker is asking, on the admin's autocomplete view."""
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "autocomplete":
            return None
        try:
            model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError):
            return None  # Django's autocomplete view answers that with its own 403
        return self.admin_site._registry.get(model)
