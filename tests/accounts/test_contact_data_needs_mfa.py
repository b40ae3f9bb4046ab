"""An internal curator sees employees' contact data only once a second factor is enrolled."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.imports import SubscriberResource, SubscriberWithoutContactResource
from campaigns.models import ConsentState
from curation.roles import can_see_contact_data
from tests.factories import SubscriberFactory
from tests.helpers import enrol_totp

pytestmark = pytest.mark.django_db

PHONE, EMAIL, NAME = "+447400123456", "ada.lovelace@acme-learning.example", "Ada Lovelace"


@pytest.fixture
def ada():
    return SubscriberFactory(
        phone=PHONE, email=EMAIL, display_name=NAME, department="Finance", sms=ConsentState.SUBSCRIBED
    )


@pytest.fixture
def client_without_mfa(client, internal_curator_without_mfa):
    client.force_login(internal_curator_without_mfa)
    return client


def shows_contact(page: str) -> bool:
    return any(secret in page for secret in (PHONE, "7400 123456", EMAIL, NAME))


def export_form(resource: type) -> dict[str, str]:
    prefix = resource.__name__.lower()
    return {"format": "0", "resource": "0", **{f"{prefix}_{name}": "on" for name in resource.Meta.fields}}


def test_internal_curator_without_mfa_sees_no_contact_data_in_the_list_or_record(client_without_mfa, ada):
    listed = client_without_mfa.get(reverse("admin:campaigns_subscriber_changelist")).content.decode()
    searched = client_without_mfa.get(
        reverse("admin:campaigns_subscriber_changelist"), {"q": PHONE}
    ).content.decode()
    record = client_without_mfa.get(
        reverse("admin:campaigns_subscriber_change", args=[ada.pk])
    ).content.decode()

    assert f"Subscriber #{ada.pk}" in listed and "Finance" in record
    assert f"Subscriber #{ada.pk}" not in searched
    for page in (listed, searched.replace(PHONE, ""), record):  # the search box repeats the query
        assert not shows_contact(page)


def test_internal_curator_without_mfa_sees_no_contact_data_in_history(client_without_mfa, ada):
    ada.department = "People"
    ada.save()
    history = client_without_mfa.get(reverse("admin:campaigns_subscriber_history", args=[ada.pk]))
    old = client_without_mfa.get(
        reverse("admin:campaigns_subscriber_simple_history", args=[ada.pk, ada.history.earliest().history_id])
    )

    assert "People" in history.content.decode() and "Finance" in old.content.decode()
    assert not shows_contact(history.content.decode())
    assert not shows_contact(old.content.decode())


def test_internal_curator_without_mfa_exports_no_contact_data(client_without_mfa, ada):
    export = reverse("admin:campaigns_subscriber_export")
    offered = client_without_mfa.get(export).content.decode()
    exported = client_without_mfa.post(export, export_form(SubscriberWithoutContactResource))
    asked_for_contacts = client_without_mfa.post(export, export_form(SubscriberResource))

    body = exported.content.decode()
    assert exported.status_code == 200 and "department" in body.splitlines()[0]
    assert "subscriberresource_phone" not in offered
    for page in (body, asked_for_contacts.content.decode()):
        assert not shows_contact(page)


def test_the_admin_asks_a_curator_without_mfa_to_set_it_up(client_without_mfa):
    page = client_without_mfa.get(reverse("admin:index")).content.decode()

    assert "Set up a second factor" in page
    assert f'href="{reverse("mfa_index")}"' in page
    assert "phone numbers and emails stay hidden" in page


def test_the_agency_curator_is_asked_too_without_the_contact_data_line(agency_client):
    page = agency_client.get(reverse("admin:index")).content.decode()

    assert "Set up a second factor" in page
    assert "phone numbers and emails stay hidden" not in page


def test_enrolling_an_authenticator_app_shows_contact_data(
    client_without_mfa, internal_curator_without_mfa, ada
):
    enrol_totp(internal_curator_without_mfa)

    listed = client_without_mfa.get(reverse("admin:campaigns_subscriber_changelist")).content.decode()
    index = client_without_mfa.get(reverse("admin:index")).content.decode()

    assert PHONE in listed and NAME in listed
    assert "Set up a second factor" not in index


def test_a_superuser_without_mfa_sees_no_contact_data(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@acme-learning.example", "a-long-password")

    assert not can_see_contact_data(boss)
    enrol_totp(boss)
    assert can_see_contact_data(django_user_model.objects.get(pk=boss.pk))
