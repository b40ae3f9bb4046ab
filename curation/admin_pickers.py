"""Pickers that offer only what the form will accept.

An autocomplete's answers come from the admin of the model picked (PlacementAdmin answers a
campaign's placement picker), which cannot know the asking form's rules. So the admin whose form
asks narrows them: `offer_for_picker(field_name, queryset)`, if it has one, is applied to every
autocomplete answer for its fields. The form's own validation still gives the reason for a refusal.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest


class _OddValuesLeftOut:
    """Django's autocomplete widget looks up the submitted id to show it again, and a value that is
    no id (" ", "abc", a NUL) fails that lookup with a 500 where the form would have said "Select a
    valid choice". Such values are left out of the lookup; the form's own error still shows."""

    def optgroups(self, name: str, value: list, attr: dict | None = None) -> list:
        field = self.choices.field  # the form's ModelChoiceField (or ModelMultipleChoiceField)
        kept = []
        for each in value:
            try:
                ModelChoiceField.to_python(field, each)
            except ValidationError:
                continue
            kept.append(each)
        return super().optgroups(name, kept, attr)


class SafeAutocompleteSelect(_OddValuesLeftOut, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_OddValuesLeftOut, AutocompleteSelectMultiple):
    pass


class OddPickerValuesAdmin:
    """Every autocomplete picker of an admin (or inline) shows an odd submitted id as a form error."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PickerLimitsAdmin(OddPickerValuesAdmin):
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
