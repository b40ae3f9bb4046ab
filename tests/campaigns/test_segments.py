"""Segments count the employees a campaign would reach now, after the suppression list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from campaigns import consent
from campaigns.models import ConsentState, MediaPreference, Medium, Segment, SuppressionReason
from campaigns.selectors import segment_members
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

SEGMENTS = "admin:campaigns_segment_changelist"


def listed_counts(page: str) -> dict[str, int]:
    """Segment name -> the "Members now" column, as the curator reads the list."""
    rows = re.findall(
        r'<th class="field-name"><a [^>]*>([^<]+)</a></th>.*?<td class="field-members">(\d+)</td>', page
    )
    return {name: int(count) for name, count in rows}


def test_a_segment_counts_subscribed_matching_and_unsuppressed_people(internal_client):
    wellbeing = TopicFactory(name="Wellbeing", slug="wellbeing")
    match = SubscriberFactory(department="Sales", sms=ConsentState.SUBSCRIBED)
    match.topics.add(wellbeing)
    unreachable = SubscriberFactory(department="Sales", sms=ConsentState.SUBSCRIBED)
    unreachable.topics.add(wellbeing)
    consent.suppress(medium=Medium.SMS, address=unreachable.phone, reason=SuppressionReason.UNREACHABLE)
    SubscriberFactory(department="Sales", sms=ConsentState.PENDING).topics.add(wellbeing)
    SubscriberFactory(department="Finance", sms=ConsentState.SUBSCRIBED).topics.add(wellbeing)
    SubscriberFactory(department="Sales", sms=ConsentState.SUBSCRIBED)  # no topic
    segment = Segment.objects.create(
        name="Sales wellbeing", departments=["Sales"], medium=MediaPreference.SMS
    )
    segment.topics.add(wellbeing)

    assert list(segment_members(segment)) == [match]
    page = internal_client.get(reverse(SEGMENTS)).content.decode()
    assert "department: Sales; topics: Wellbeing" in page
    assert listed_counts(page) == {"Sales wellbeing": 1}


def test_an_empty_rule_is_everyone_reachable_on_either_medium():
    by_text = SubscriberFactory(sms=ConsentState.SUBSCRIBED)
    by_email = SubscriberFactory(email_consent=ConsentState.SUBSCRIBED)
    SubscriberFactory(sms=ConsentState.OPTED_OUT)
    SubscriberFactory()  # an invitee

    assert set(segment_members(Segment.objects.create(name="Everyone"))) == {by_text, by_email}


def test_suppression_on_one_medium_leaves_the_other_reachable():
    both = SubscriberFactory(sms=ConsentState.SUBSCRIBED, email_consent=ConsentState.SUBSCRIBED)
    consent.suppress(medium=Medium.SMS, address=both.phone, reason=SuppressionReason.UNREACHABLE)

    by_text = Segment.objects.create(name="Texts", medium=MediaPreference.SMS)
    by_email = Segment.objects.create(name="Emails", medium=MediaPreference.EMAIL)

    assert list(segment_members(by_text)) == []
    assert list(segment_members(by_email)) == [both]


def test_any_listed_location_or_topic_matches_and_each_person_counts_once(internal_client):
    wellbeing, leadership = TopicFactory(name="Wellbeing"), TopicFactory(name="Leadership")
    in_leeds = SubscriberFactory(location="Leeds", email_consent=ConsentState.SUBSCRIBED)
    in_leeds.topics.add(wellbeing, leadership)
    in_dublin = SubscriberFactory(location="Dublin", email_consent=ConsentState.SUBSCRIBED)
    in_dublin.topics.add(leadership)
    SubscriberFactory(location="Paris", email_consent=ConsentState.SUBSCRIBED).topics.add(wellbeing)
    segment = Segment.objects.create(
        name="Islands", locations=["Leeds", "Dublin"], medium=MediaPreference.EMAIL
    )
    segment.topics.add(wellbeing, leadership)

    assert sorted(segment_members(segment), key=lambda s: s.pk) == [in_leeds, in_dublin]
    page = internal_client.get(reverse(SEGMENTS)).content.decode()
    assert listed_counts(page) == {"Islands": 2}


def test_the_segment_list_counts_every_segment_in_one_query(internal_client, django_assert_max_num_queries):
    SubscriberFactory(department="Sales", sms=ConsentState.SUBSCRIBED)
    SubscriberFactory(department="Finance", email_consent=ConsentState.SUBSCRIBED)
    for n in range(2):
        Segment.objects.create(name=f"Sales {n}", departments=["Sales"])
    with django_assert_max_num_queries(30) as few:
        internal_client.get(reverse(SEGMENTS))

    for n in range(8):
        Segment.objects.create(name=f"Finance {n}", departments=["Finance"], medium=MediaPreference.EMAIL)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = internal_client.get(reverse(SEGMENTS)).content.decode()

    counts = listed_counts(page)
    assert len(counts) == 10
    assert counts == {segment.name: segment_members(segment).count() for segment in Segment.objects.all()}
    assert set(counts.values()) == {1}


def test_a_curator_types_departments_separated_by_commas(internal_client):
    response = internal_client.post(
        reverse("admin:campaigns_segment_add"),
        {"name": "Front line", "medium": "both", "departments": "Retail, Warehouse ,", "locations": ""},
    )

    assert response.status_code == 302
    segment = Segment.objects.get()
    assert (segment.departments, segment.locations) == (["Retail", "Warehouse"], [])
    page = internal_client.get(reverse("admin:campaigns_segment_change", args=[segment.pk])).content.decode()
    assert 'value="Retail, Warehouse"' in page
