"""Segments count the employees a campaign would reach now, after the suppression list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import consent
from campaigns.models import ConsentState, MediaPreference, Medium, Segment, SuppressionReason
from campaigns.selectors import segment_members
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_a_segment_counts_subscribed_matching_and_unsuppressed_people(internal_client):
    wellbeing = TopicFactory(name="Wellbeing", slug="wellbeing")
    match = SubscriberFactory(department="Sales", sms=ConsentState.SUBSCRIBED)
    match.topics.add(wellbeing)
    unreachable = SubscriberFactory(department="Sales", sms=ConsentState.SUBSCRIBED)
    unreachable.topics.add(wellbeing)
    consent.suppress(medium=Medium.SMS, address=unreachable.phone, reason=SuppressionReason.UNREACHABLE)
    SubscriberFactory(department="Sales", sms=ConsentState.PENDING).topics.add(wellbeing)
    SubscriberFactory(department="Finance", sms=ConsentState.SUBSCRIBED).topics.add(wellbeing)
    segment = Segment.objects.create(
        name="Sales wellbeing", departments=["Sales"], medium=MediaPreference.SMS
    )
    segment.topics.add(wellbeing)

    assert list(segment_members(segment)) == [match]
    page = internal_client.get(reverse("admin:campaigns_segment_changelist")).content.decode()
    assert "department: Sales; topics: Wellbeing" in page
    assert '<td class="field-members">1</td>' in page


def test_an_empty_rule_is_everyone_reachable_on_either_medium():
    by_text = SubscriberFactory(sms=ConsentState.SUBSCRIBED)
    by_email = SubscriberFactory(email_consent=ConsentState.SUBSCRIBED)
    SubscriberFactory(sms=ConsentState.OPTED_OUT)

    assert set(segment_members(Segment.objects.create(name="Everyone"))) == {by_text, by_email}
