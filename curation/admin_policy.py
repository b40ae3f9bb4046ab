"""The admin side of curation.roles: every permission a ModelAdmin is asked goes to `permits`.

Put `PolicyAdmin` first among an admin's bases. It also closes three holes the libraries leave:
simple_history saves a POST to a historical record's page (a "revert" that goes round the
services, e.g. turning a launched campaign back into a draft), so history is read-only here;
django-import-export reads an export page's address as the list's filters and fails on any other
parameter, trusts the confirm step's hidden format and resource numbers, and fails when the
confirm step is pressed twice. Through PeopleByNameAdmin every user picker shows names, and
through PickerLimitsAdmin an autocomplete offers only what the asking form accepts.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect

from curation.admin_pickers import PickerLimitsAdmin
from curation.people import PeopleByNameAdmin
from curation.roles import permits, permits_in_bulk


class PolicyAdmin(PeopleByNameAdmin, PickerLimitsAdmin):
    def _subject(self, obj: Model | None) -> type[Model] | Model:
        return self.model if obj is None else obj

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permits(request.user, "view", self._subject(obj))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "add", self.model)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permits(request.user, "change", self._subject(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permits(request.user, "delete", self._subject(obj))

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not permits_in_bulk(request.user, "delete", self.model):
            actions.pop("delete_selected", None)
        return actions

    # simple_history: the record can be read, never written back.
    def has_view_history_or_change_history_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return permits(request.user, "history", self._subject(obj))

    def has_view_history_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permits(request.user, "history", self._subject(obj))

    def has_change_history_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied("A past version is shown, not restored: change the record itself.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    # django-import-export.
    def has_export_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "export", self.model)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "import", self.model)

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            given = ", ".join(sorted(request.GET))
            return HttpResponseBadRequest(
                f"The export page's address takes only the list's own filters, not: {given}. "
                "Open Export from the list, then choose the file format on the export page."
            )

    def process_import(self, request: HttpRequest, **kwargs: object) -> HttpResponse:
        """The confirm step reads the file kept from the preview; pressed twice, it is gone."""
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            messages.error(
                request, "That file is no longer held (already imported, or left too long): upload it again."
            )
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def create_confirm_form(self, request: HttpRequest, import_form: forms.Form | None = None) -> forms.Form:
        """The confirm step's hidden numbers index lists of formats and resources: only those."""
        form = super().create_confirm_form(request, import_form)
        formats = self.get_import_formats()
        resources = self.get_import_resource_classes(request)
        form.fields["format"] = forms.ChoiceField(
            choices=[(str(index), str(index)) for index in range(len(formats))], widget=forms.HiddenInput
        )
        form.fields["resource"] = forms.ChoiceField(
            choices=[(str(index), str(index)) for index in range(len(resources))],
            widget=forms.HiddenInput,
            required=False,
        )
        return form
