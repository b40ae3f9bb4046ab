"""The consent ledger and the suppression list: who may be messaged, on which medium.

Every change of mind is a ConsentEvent row; a subscriber's state per medium is the latest row's
word, written back to the subscriber in the same transaction so audiences are one query away.
Suppression is global and keyed by a hash of the address, so it outlives erasure and blocks
re-imports. Only the person's own verified action (a confirmed code, a clicked link, a START
text) lifts it: an import or a curator never can.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns import signup_sessions
from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.hashing import address_hash
from campaigns.models import (
    SELF_CONSENT_ONLY,
    STATE_AFTER,
    STATE_FIELD,
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Medium,
    Subscriber,
    Suppression,
    SuppressionReason,
)

# Sources that are the employee acting for themselves, on an address they proved they hold.
SELF_SOURCES = frozenset(
    {
        ConsentSource.SIGNUP_PAGE,
        ConsentSource.SMS_KEYWORD,
        ConsentSource.EMAIL_LINK,
        ConsentSource.SELF_SERVICE,
        ConsentSource.WHATSAPP_KEYWORD,
    }
)


def is_suppressed(medium: str, address: str) -> bool:
    return bool(address) and Suppression.objects.filter(address_hash=address_hash(medium, address)).exists()


def suppress(*, medium: str, address: str, reason: str) -> None:
    if address:
        Suppression.objects.get_or_create(
            address_hash=address_hash(medium, address), defaults={"medium": medium, "reason": reason}
        )


def note_provider_refusal(*, medium: str, address: str, error: DeliveryError) -> None:
    """Suppress an address the provider says is opted out there, or cannot receive messages."""
    reason = {
        DeliveryOutcome.SUPPRESS: SuppressionReason.PROVIDER_OPTED_OUT,
        DeliveryOutcome.INVALID_NUMBER: SuppressionReason.UNREACHABLE,
    }.get(error.outcome)
    if reason:
        suppress(medium=medium, address=address, reason=reason)


def derived_state(subscriber: Subscriber, medium: str) -> str:
    """The state the ledger says, read from the rows themselves (the stored field mirrors it)."""
    latest = (
        ConsentEvent.objects.filter(subscriber=subscriber, medium=medium)
        .order_by("-occurred_at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return STATE_AFTER[latest] if latest else ConsentState.NONE


@transaction.atomic
def record_consent(
    *,
    subscriber: Subscriber,
    medium: str,
    action: str,
    source: str,
    evidence: str,
    at: datetime | None = None,
    provider_message_id: str = "",
) -> ConsentEvent:
    """Append to the ledger and bring the subscriber's state and the suppression list along."""
    address = subscriber.address(medium)
    if not address:
        raise ValidationError(f"There is no {Medium(medium).label} address to record consent for.")
    gives_consent = action in (ConsentAction.CONFIRMED, ConsentAction.OPTED_IN)
    if gives_consent and source not in SELF_SOURCES and medium in SELF_CONSENT_ONLY:
        raise ValidationError(
            "Only the employee can opt in to WhatsApp: from their own page or by messaging START."
        )
    if gives_consent and source not in SELF_SOURCES and is_suppressed(medium, address):
        raise ValidationError(
            f"This {Medium(medium).label} address is on the suppression list: only the employee "
            "can subscribe it again, from the sign-up page or by texting START."
        )
    # Lock the subscriber so two webhooks for one person cannot interleave their ledger rows.
    Subscriber.objects.select_for_update().filter(pk=subscriber.pk).first()
    event = ConsentEvent.objects.create(
        subscriber=subscriber,
        medium=medium,
        action=action,
        source=source,
        evidence=evidence[:300],
        occurred_at=at or timezone.now(),
        provider_message_id=provider_message_id,
    )
    state = derived_state(subscriber, medium)
    field = STATE_FIELD[medium]
    setattr(subscriber, field, state)
    subscriber.save(update_fields=[field])
    if action == ConsentAction.OPTED_OUT:
        suppress(medium=medium, address=address, reason=SuppressionReason.OPTED_OUT)
    elif gives_consent and source in SELF_SOURCES:
        Suppression.objects.filter(address_hash=address_hash(medium, address)).delete()
    return event


def opt_out(
    *, subscriber: Subscriber, media: list[str], source: str, evidence: str, provider_message_id: str = ""
) -> None:
    """Opt out of each medium not already opted out; repeating it changes nothing."""
    for medium in media:
        if subscriber.address(medium) and subscriber.state(medium) != ConsentState.OPTED_OUT:
            record_consent(
                subscriber=subscriber,
                medium=medium,
                action=ConsentAction.OPTED_OUT,
                source=source,
                evidence=evidence,
                provider_message_id=provider_message_id,
            )


def may_message(subscriber: Subscriber, medium: str) -> bool:
    """Checked at send time, not only when the audience was chosen."""
    address = subscriber.address(medium)
    return (
        bool(address)
        and subscriber.state(medium) == ConsentState.SUBSCRIBED
        and not is_suppressed(medium, address)
    )


@transaction.atomic
def erase_subscriber(*, subscriber: Subscriber) -> None:
    """Forget an employee: only the keyed hashes of their addresses stay, so nobody re-adds them."""
    for medium in Medium:
        suppress(medium=medium, address=subscriber.address(medium), reason=SuppressionReason.ERASED)
    # A sign-up still waiting for its code would otherwise keep what they typed in a session.
    signup_sessions.forget_pending_for(subscriber)
    subscriber.history.all().delete()
    subscriber.delete()
