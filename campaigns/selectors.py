"""Reads about employees: audiences, counted in SQL."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from campaigns.models import ConsentState, MediaPreference, Medium, Segment, Subscriber, Suppression


def reachable_on(medium: str) -> Q:
    """Subscribed on the medium, and the address is not on the suppression list."""
    hash_field = "phone_hash" if medium == Medium.SMS else "email_hash"
    state_field = "sms_state" if medium == Medium.SMS else "email_state"
    suppressed = Exists(Suppression.objects.filter(address_hash=OuterRef(hash_field)))
    return Q(**{state_field: ConsentState.SUBSCRIBED}) & ~Q(suppressed)


def segment_members(segment: Segment) -> QuerySet[Subscriber]:
    media = [Medium.SMS, Medium.EMAIL] if segment.medium == MediaPreference.BOTH else [segment.medium]
    reachable = Q(pk__in=[])
    for medium in media:
        reachable |= reachable_on(medium)
    members = Subscriber.objects.filter(reachable)
    if segment.departments:
        members = members.filter(department__in=segment.departments)
    if segment.locations:
        members = members.filter(location__in=segment.locations)
    topic_ids = [topic.pk for topic in segment.topics.all()]
    if topic_ids:
        members = members.filter(topics__in=topic_ids).distinct()
    return members
