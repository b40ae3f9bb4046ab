"""Curators as the admin shows them: by their names, their username only when no name is held."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model


def person_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or user.get_username()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        return person_name(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        return person_name(obj)


class PersonListFilter(admin.RelatedFieldListFilter):
    """A list's "By owner" (or any user) filter, in names."""

    def field_choices(self, field, request, model_admin) -> list[tuple[object, str]]:
        ordering = self.field_admin_ordering(field, request, model_admin) or ["first_name", "username"]
        users = field.related_model._default_manager.filter(
            pk__in=model_admin.get_queryset(request).values(field.name)
        ).order_by(*ordering)
        return [(user.pk, person_name(user)) for user in users]


class PeopleByNameAdmin:
    """A ModelAdmin mixin: every user picker of the admin's forms lists people by name."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs: object):
        if _is_user_field(db_field):
            kwargs.setdefault("form_class", PersonChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs: object):
        if _is_user_field(db_field):
            kwargs.setdefault("form_class", PeopleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _is_user_field(db_field) -> bool:
    return db_field.related_model is get_user_model()
