"""The agency curator never sees an employee's phone or email; the internal curator's look is logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import consent
from campaigns.imports import SubscriberResource, SubscriberWithoutContactResource
from campaigns.models import (
    ConsentSource,
    ConsentState,
    ContactAccessAction,
    ContactAccessLog,
    Medium,
    Subscriber,
    Suppression,
)
from tests.factories import SubscriberFactory, TopicFactory

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


def test_agency_curator_cannot_filter_by_contact_fields_in_the_address(agency_client, grace):
    for lookup in ("phone", "email__iexact", "display_name__icontains", "phone_hash"):
        by_real = agency_client.get(reverse(CHANGELIST), {lookup: getattr(grace, lookup.split("__")[0])})
        by_noise = agency_client.get(reverse(CHANGELIST), {lookup: "+447400987654"})

        assert by_real.status_code == by_noise.status_code == 400
        assert by_real.content == by_noise.content


def test_agency_curators_filters_offer_no_contact_data(agency_client, grace):
    page = agency_client.get(reverse(CHANGELIST), {"department": "Finance"}).content.decode()

    assert f"Subscriber #{grace.pk}" in page
    assert not shows_contact(page)


def test_agency_curators_autocomplete_finds_by_number_what_it_finds_by_noise(agency_client, grace):
    def autocomplete(term: str) -> dict:
        query = {
            "app_label": "campaigns",
            "model_name": "consentevent",
            "field_name": "subscriber",
            "term": term,
        }
        return agency_client.get(reverse("admin:autocomplete"), query).json()

    assert (
        autocomplete(PHONE) == autocomplete("+447400987654") == {"results": [], "pagination": {"more": False}}
    )
    assert autocomplete(EMAIL) == autocomplete("nobody@example.org")
    assert autocomplete("Finance")["results"] == [{"id": str(grace.pk), "text": f"Subscriber #{grace.pk}"}]


def test_agency_curators_history_pages_have_no_contact_data(agency_client, grace):
    grace.department = "People"
    grace.save()
    history = agency_client.get(reverse("admin:campaigns_subscriber_history", args=[grace.pk]))
    version = grace.history.earliest()
    old = agency_client.get(
        reverse("admin:campaigns_subscriber_simple_history", args=[grace.pk, version.history_id])
    )

    assert "People" in history.content.decode()
    assert old.status_code == 200 and "Finance" in old.content.decode()
    assert not shows_contact(history.content.decode())
    assert not shows_contact(old.content.decode())


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

    assert PHONE in listed and EMAIL in listed and NAME in listed
    assert PHONE in record
    assert list(
        ContactAccessLog.objects.order_by("pk").values_list("user", "action", "subscriber_count")
    ) == [
        (internal_curator.pk, ContactAccessAction.SEARCHED, 1),
        (internal_curator.pk, ContactAccessAction.VIEWED, 1),  # the list of results
        (internal_curator.pk, ContactAccessAction.VIEWED, 1),  # the record
    ]


def test_internal_curator_finds_an_employee_by_the_number_as_typed(internal_client, grace):
    page = internal_client.get(reverse(CHANGELIST), {"q": "07400 123456"}).content.decode()

    assert f"Subscriber #{grace.pk}" in page and PHONE in page
    assert ContactAccessLog.objects.filter(action=ContactAccessAction.SEARCHED).get().subscriber_count == 1


def test_internal_export_has_contact_columns_and_is_logged(internal_client, grace):
    response = internal_client.post(
        reverse("admin:campaigns_subscriber_export"), export_form(SubscriberResource)
    )

    assert PHONE in response.content.decode()
    assert ContactAccessLog.objects.filter(action=ContactAccessAction.EXPORTED).count() == 1


def test_internal_curators_autocomplete_finds_by_number_and_is_logged(internal_client, grace):
    query = {
        "app_label": "campaigns",
        "model_name": "consentevent",
        "field_name": "subscriber",
        "term": PHONE,
    }
    found = internal_client.get(reverse("admin:autocomplete"), query).json()

    assert found["results"] == [{"id": str(grace.pk), "text": f"Subscriber #{grace.pk}"}]
    assert ContactAccessLog.objects.get().action == ContactAccessAction.SEARCHED


@pytest.mark.parametrize("curator_client", ["internal_client", "agency_client"])
def test_subscriber_list_does_not_query_per_row(curator_client, request, django_assert_max_num_queries):
    client = request.getfixturevalue(curator_client)
    wellbeing = TopicFactory(name="Wellbeing")
    for _ in range(5):
        SubscriberFactory().topics.add(wellbeing)
    with django_assert_max_num_queries(30) as few:
        page = client.get(reverse(CHANGELIST)).content.decode()
    assert page.count('<td class="field-topic_names">Wellbeing</td>') == 5

    for _ in range(45):
        SubscriberFactory().topics.add(wellbeing)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse(CHANGELIST)).content.decode()
    assert page.count('<td class="field-topic_names">Wellbeing</td>') == 50


def test_a_number_a_curator_types_is_stored_like_a_sign_up(internal_client):
    response = internal_client.post(
        reverse("admin:campaigns_subscriber_add"),
        {
            "phone": "07400 123456",
            "email": "New.Starter@Acme-Learning.example",
            "time_zone": "Europe/London",
            "language": "en-gb",
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


def test_the_suppression_list_shows_fingerprints_and_cannot_be_edited_or_emptied(internal_client, grace):
    consent.opt_out(subscriber=grace, media=[Medium.SMS], source=ConsentSource.CURATOR, evidence="Asked HR")
    suppression = Suppression.objects.get()

    page = internal_client.get(reverse("admin:campaigns_suppression_changelist")).content.decode()

    assert f"{suppression.address_hash[:12]}…" in page and "Opted out" in page
    assert suppression.address_hash not in page and not shows_contact(page)
    delete = reverse("admin:campaigns_suppression_delete", args=[suppression.pk])
    assert internal_client.post(delete, {"post": "yes"}).status_code == 403
    assert internal_client.get(reverse("admin:campaigns_suppression_add")).status_code == 403
    assert Suppression.objects.exists()


def test_the_access_log_is_read_only(internal_client, grace):
    internal_client.get(reverse("admin:campaigns_subscriber_change", args=[grace.pk]))
    entry = ContactAccessLog.objects.get()

    page = internal_client.get(reverse("admin:campaigns_contactaccesslog_changelist")).content.decode()

    assert f"Subscriber #{grace.pk}" in page
    delete = reverse("admin:campaigns_contactaccesslog_delete", args=[entry.pk])
    assert internal_client.post(delete, {"post": "yes"}).status_code == 403
    assert ContactAccessLog.objects.filter(pk=entry.pk).exists()


def test_deleting_an_employee_in_the_admin_erases_them_and_keeps_them_suppressed(internal_client):
    employee = SubscriberFactory(phone="+447400123456", email="leaver@acme-learning.example")

    response = internal_client.post(
        reverse("admin:campaigns_subscriber_delete", args=[employee.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    assert consent.is_suppressed(Medium.SMS, "+447400123456")
    assert consent.is_suppressed(Medium.EMAIL, "leaver@acme-learning.example")
