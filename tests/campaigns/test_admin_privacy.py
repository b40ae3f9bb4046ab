"""The agency curator never sees an employee's phone or email; the internal curator's look is logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.imports import SubscriberResource, SubscriberWithoutContactResource
from campaigns.models import ConsentState, ContactAccessAction, ContactAccessLog, Subscriber
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

PHONE, EMAIL, NAME = "+447400123456", "grace.hopper@acme-learning.example", "Grace Hopper"
CHANGELIST = "admin:campaigns_subscriber_changelist"


def export_form(resource: type) -> dict[str, str]:
    """The export page's form with every column of the resource ticked, as CSV."""
    prefix = resource.__name__.lower()
    return {"format": "0", "resource": "0", **{f"{prefix}_{name}": "on" for name in resource.Meta.fields}}


@pytest.fixture
def grace():
    return SubscriberFactory(
        phone=PHONE, email=EMAIL, display_name=NAME, department="Finance", sms=ConsentState.SUBSCRIBED
    )


def shows_contact(page: str) -> bool:
    return any(secret in page for secret in (PHONE, "7400 123456", EMAIL, NAME))


def test_agency_curator_sees_the_list_without_contact_data(agency_client, grace):
    page = agency_client.get(reverse(CHANGELIST)).content.decode()

    assert "Finance" in page and f"Subscriber #{grace.pk}" in page
    assert not shows_contact(page)


def test_agency_curator_sees_the_record_without_contact_data(agency_client, grace):
    page = agency_client.get(reverse("admin:campaigns_subscriber_change", args=[grace.pk])).content.decode()

    assert "Finance" in page
    assert not shows_contact(page)


def test_agency_curator_cannot_find_subscriber_by_phone(agency_client, grace):
    by_number = agency_client.get(reverse(CHANGELIST), {"q": PHONE}).content.decode()
    by_noise = agency_client.get(reverse(CHANGELIST), {"q": "+447400987654"}).content.decode()
    by_email = agency_client.get(reverse(CHANGELIST), {"q": EMAIL}).content.decode()

    assert f"Subscriber #{grace.pk}" not in by_number
    for page in (by_number, by_email):
        assert page.replace(PHONE, "").replace(EMAIL, "").count("Subscriber #") == by_noise.count(
            "Subscriber #"
        )
        assert "0 subscribers" in page or "0 results" in page


def test_agency_curators_history_page_has_no_contact_data(agency_client, grace):
    page = agency_client.get(reverse("admin:campaigns_subscriber_history", args=[grace.pk])).content.decode()

    assert not shows_contact(page)


def test_agency_export_has_no_contact_columns(agency_client, grace):
    response = agency_client.post(
        reverse("admin:campaigns_subscriber_export"), export_form(SubscriberWithoutContactResource)
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "department" in body.splitlines()[0]
    assert not shows_contact(body)


def test_agency_curator_cannot_import_or_see_the_suppression_list(agency_client):
    assert agency_client.get(reverse("admin:campaigns_subscriber_import")).status_code == 403
    assert agency_client.get(reverse("admin:campaigns_suppression_changelist")).status_code == 403
    assert agency_client.get(reverse("admin:campaigns_contactaccesslog_changelist")).status_code == 403


def test_internal_curator_sees_contact_data_and_each_look_is_logged(internal_client, internal_curator, grace):
    listed = internal_client.get(reverse(CHANGELIST), {"q": "grace.hopper"}).content.decode()
    record = internal_client.get(
        reverse("admin:campaigns_subscriber_change", args=[grace.pk])
    ).content.decode()

    assert PHONE in listed and EMAIL in listed
    assert PHONE in record
    assert list(
        ContactAccessLog.objects.order_by("pk").values_list("user", "action", "subscriber_count")
    ) == [
        (internal_curator.pk, ContactAccessAction.SEARCHED, 1),
        (internal_curator.pk, ContactAccessAction.VIEWED, 1),  # the list of results
        (internal_curator.pk, ContactAccessAction.VIEWED, 1),  # the record
    ]


def test_internal_export_has_contact_columns_and_is_logged(internal_client, grace):
    response = internal_client.post(
        reverse("admin:campaigns_subscriber_export"), export_form(SubscriberResource)
    )

    assert PHONE in response.content.decode()
    assert ContactAccessLog.objects.filter(action=ContactAccessAction.EXPORTED).count() == 1


def test_subscriber_list_does_not_query_per_row(internal_client, django_assert_max_num_queries):
    for _ in range(5):
        SubscriberFactory()
    with django_assert_max_num_queries(30) as few:
        internal_client.get(reverse(CHANGELIST))

    for _ in range(45):
        SubscriberFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        internal_client.get(reverse(CHANGELIST))


def test_a_number_a_curator_types_is_stored_like_a_sign_up(internal_client):
    response = internal_client.post(
        reverse("admin:campaigns_subscriber_add"),
        {
            "phone": "07400 123456",
            "email": "New.Starter@Acme-Learning.example",
            "time_zone": "Europe/London",
            "preferred_media": "both",
            "consent_events-TOTAL_FORMS": "0",
            "consent_events-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    added = Subscriber.objects.get()
    assert (added.phone, added.email) == ("+447400123456", "new.starter@acme-learning.example")


def test_a_bad_number_typed_by_a_curator_is_refused_with_the_reason(internal_client):
    response = internal_client.post(
        reverse("admin:campaigns_subscriber_add"),
        {
            "phone": "call me",
            "time_zone": "Europe/London",
            "preferred_media": "both",
            "consent_events-TOTAL_FORMS": "0",
            "consent_events-INITIAL_FORMS": "0",
        },
    )

    assert "That does not look like a phone number." in response.content.decode()
    assert not Subscriber.objects.exists()
