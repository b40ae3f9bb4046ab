"""What an employee can do for themselves from the link in their messages, without a password."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from campaigns import consent
from campaigns.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    MediaPreference,
    Medium,
    Subscriber,
)
from campaigns.tokens import Purpose, subscriber_from_token
from curation.models import Topic


def subscriber_for_account_link(token: str) -> Subscriber | None:
    found = subscriber_from_token(token, Purpose.ACCOUNT)
    return found[0] if found else None


def unsubscribe_link(token: str) -> tuple[Subscriber, str] | None:
    """The subscriber and the medium an unsubscribe link stops, or None if it is not ours."""
    found = subscriber_from_token(token, Purpose.UNSUBSCRIBE)
    if not found or found[1].get("m") not in Medium.values:
        return None
    return found[0], found[1]["m"]


@dataclass(frozen=True)
class HeldMedium:
    medium: str
    address: str
    state: str
    changed: ConsentEvent | None


def held_media(subscriber: Subscriber) -> list[HeldMedium]:
    """Each address we hold, its consent state and the ledger row that put it there."""
    latest: dict[str, ConsentEvent] = {}
    for event in subscriber.consent_events.order_by("occurred_at", "pk"):
        latest[event.medium] = event
    return [
        HeldMedium(medium, subscriber.address(medium), subscriber.state(medium), latest.get(medium))
        for medium in Medium
        if subscriber.address(medium)
        # WhatsApp is listed once they have chosen it: the number is the same as for texts.
        and (medium != Medium.WHATSAPP or subscriber.state(medium) != ConsentState.NONE)
    ]


@transaction.atomic
def update_preferences(
    *,
    subscriber: Subscriber,
    topics: Iterable[Topic],
    preferred_media: str,
    time_zone: str,
    language: str | None = None,
) -> Subscriber:
    subscriber.preferred_media = preferred_media
    subscriber.time_zone = time_zone
    subscriber.language = language or subscriber.language
    subscriber.full_clean()
    subscriber.save(update_fields=["preferred_media", "time_zone", "language"])
    subscriber.topics.set(topics)
    wants_whatsapp = MediaPreference(preferred_media).includes(Medium.WHATSAPP)
    if wants_whatsapp and subscriber.whatsapp_state != ConsentState.SUBSCRIBED:
        consent.record_consent(
            subscriber=subscriber,
            medium=Medium.WHATSAPP,
            action=ConsentAction.OPTED_IN,
            source=ConsentSource.SELF_SERVICE,
            evidence=f"Chose “{MediaPreference(preferred_media).label}” on their own page",
        )
    return subscriber


def stop(*, subscriber: Subscriber, medium: str, source: str, evidence: str) -> None:
    consent.opt_out(subscriber=subscriber, media=[medium], source=source, evidence=evidence)


def stop_from_account_page(*, subscriber: Subscriber, medium: str) -> None:
    stop(
        subscriber=subscriber,
        medium=medium,
        source=ConsentSource.SELF_SERVICE,
        evidence="Pressed stop on their own page",
    )


def stop_from_unsubscribe_link(*, subscriber: Subscriber, medium: str, one_click: bool) -> None:
    how = "one-click (RFC 8058) POST" if one_click else "button on the unsubscribe page"
    stop(
        subscriber=subscriber,
        medium=medium,
        source=ConsentSource.EMAIL_LINK,
        evidence=f"Unsubscribe link, {how}",
    )
