"""The two curator roles: what each may open and change."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR, can_see_contact_data, is_internal_curator

pytestmark = pytest.mark.django_db


def codenames(role: str, app_label: str) -> set[str]:
    return set(
        Group.objects.get(name=role)
        .permissions.filter(content_type__app_label=app_label)
        .values_list("codename", flat=True)
    )


def test_migrations_create_both_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {INTERNAL_CURATOR, AGENCY_CURATOR}


def test_both_roles_curate_the_catalogue():
    for role in (INTERNAL_CURATOR, AGENCY_CURATOR):
        assert {"add_contentitem", "change_contentitem", "view_placement", "change_channel"} <= codenames(
            role, "curation"
        ) | codenames(role, "channels")


def test_no_curator_role_may_see_or_change_schedules():
    """The periodic task tables are the operators' (superusers')."""
    assert codenames(INTERNAL_CURATOR, "django_celery_beat") == set()
    assert codenames(AGENCY_CURATOR, "django_celery_beat") == set()


def test_only_the_internal_curator_sees_contact_data(internal_curator, agency_curator, admin_user):
    assert can_see_contact_data(internal_curator)
    assert can_see_contact_data(admin_user)
    assert not can_see_contact_data(agency_curator)
    assert not can_see_contact_data(AnonymousUser())


def test_a_deactivated_internal_curator_loses_the_role(internal_curator):
    internal_curator.is_active = False
    internal_curator.save()

    assert not is_internal_curator(internal_curator)


def test_agency_curator_opens_the_catalogue_but_not_user_accounts(agency_client):
    assert agency_client.get(reverse("admin:curation_contentitem_changelist")).status_code == 200
    assert agency_client.get(reverse("admin:channels_channel_changelist")).status_code == 200
    assert agency_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert agency_client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 403


def test_only_an_operator_opens_the_schedules(internal_client, admin_client):
    schedules = reverse("admin:django_celery_beat_periodictask_changelist")

    assert internal_client.get(schedules).status_code == 403
    assert admin_client.get(schedules).status_code == 200


def test_permissions_granted_by_hand_are_brought_back_to_the_policy():
    agency = Group.objects.get(name=AGENCY_CURATOR)
    agency.permissions.add(Permission.objects.get(codename="change_periodictask"))

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert "change_periodictask" not in codenames(AGENCY_CURATOR, "django_celery_beat")
    assert apps.is_installed("django_celery_beat")
