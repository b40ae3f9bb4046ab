"""What an email service reports after an email left: delivered, bounced, complained, rejected.

anymail checks each service's signature or basic auth and hands us its events normalised (the
`tracking` signal); here each moves its Delivery forward only, on two tracks: the status (a late
"deferred" never undoes "delivered") and the feedback (a complaint is never undone by a late
bounce). Services retry their webhooks and send them out of order, so a repeat changes nothing.

- delivered: the email reached the mailbox.
- hard bounce: the address does not exist. Suppressed now, whatever the row's status (a server
  may accept an email and bounce it later).
- soft bounce (deferred, or a bounce the service calls soft or transient): the service retries.
  The address is suppressed once EMAIL_SOFT_BOUNCE_LIMIT of its emails in a row soft-bounced
  with none delivered since; each email counts once however often it was deferred.
- complained (marked as spam): suppressed now, and the consent ledger records the email opt-out
  (source: provider report) in the same request. A send whose complaints pass
  EMAIL_COMPLAINT_PAUSE_RATE of the emails handed over (and EMAIL_COMPLAINT_PAUSE_MIN) is paused.
- rejected or failed at the service: failed, with its reason.
Opens and clicks are never recorded: they are per person (and tracking is off when sending).
Events for emails we do not know (a sign-up confirmation, another app's mail) are acknowledged
and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from anymail.signals import AnymailTrackingEvent, EventType
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q

from campaigns import consent
from campaigns.models import (
    DELIVERY_PROGRESS,
    FEEDBACK_PROGRESS,
    HANDED_OVER,
    Campaign,
    CampaignStatus,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    EmailFeedback,
    Medium,
    Subscriber,
    SuppressionReason,
)
from ops import counters

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """Where an event would take a delivery; None leaves that track as it is."""

    status: str | None = None
    feedback: str | None = None
    error: str = ""


def is_soft(event: AnymailTrackingEvent) -> bool:
    """A bounce the service itself calls temporary: anymail normalises these to "bounced" for some
    services, so their own words are read (Postmark's SoftBounce, Brevo's soft_bounce, SendGrid's
    blocked, Amazon SES's Transient, Mailjet's hard_bounce false)."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    return (
        raw.get("Type") == "SoftBounce"
        or raw.get("event") == "soft_bounce"
        or (raw.get("event") == "bounce" and raw.get("type") == "blocked")
        or raw.get("hard_bounce") is False
        or (event.description or "").startswith("Transient")
    )


def change_for(event: AnymailTrackingEvent) -> Change | None:
    kind = event.event_type
    why = (event.description or event.mta_response or "").strip()
    if kind == EventType.DELIVERED:
        return Change(status=DeliveryStatus.DELIVERED)
    if kind == EventType.DEFERRED:
        return Change(feedback=EmailFeedback.SOFT_BOUNCE)
    if kind == EventType.BOUNCED and is_soft(event):
        return Change(
            status=DeliveryStatus.UNDELIVERED,
            feedback=EmailFeedback.SOFT_BOUNCE,
            error=f"Soft bounce: the mailbox was full or the server busy. {why}",
        )
    if kind == EventType.BOUNCED:
        return Change(
            status=DeliveryStatus.UNDELIVERED,
            feedback=EmailFeedback.HARD_BOUNCE,
            error=f"Hard bounce: the address does not exist or refuses our email. {why}",
        )
    if kind == EventType.COMPLAINED:
        # A complaint proves the email arrived.
        return Change(status=DeliveryStatus.DELIVERED, feedback=EmailFeedback.COMPLAINED)
    if kind in (EventType.REJECTED, EventType.FAILED):
        reason = f" ({event.reject_reason})" if event.reject_reason else ""
        return Change(
            status=DeliveryStatus.FAILED, error=f"The sending service did not send it{reason}. {why}"
        )
    return None  # queued, sent, opened, clicked, unsubscribed, unknown...: nothing to record


def record_event(*, event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Apply one webhook event; True if it moved a delivery forward. Runs in the webhook's request,
    so a complaint's suppression is committed before the service gets its 200."""
    change = change_for(event)
    message_id = (event.message_id or "")[:64]
    if change is None or not message_id:
        return False
    found = (
        Delivery.objects.filter(provider_id=message_id, medium=Medium.EMAIL)
        .values_list("pk", "subscriber_id")
        .first()
    )
    if found is None:
        logger.info("%s event %s for an email we did not send; ignored.", esp_name, event.event_type)
        return False
    delivery_id, subscriber_id = found
    with transaction.atomic():
        # The person before their row: the order sending and erasure lock them in.
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        moved = apply(delivery, change)
        address = event.recipient or (subscriber.email if subscriber else "")
        if change.feedback == EmailFeedback.HARD_BOUNCE:
            # Said of the address, so obeyed even when the row had already moved on.
            consent.suppress(medium=Medium.EMAIL, address=address, reason=SuppressionReason.HARD_BOUNCE)
        if moved and delivery.feedback == EmailFeedback.SOFT_BOUNCE and subscriber:
            suppress_after_soft_bounces(subscriber, address)
        if moved and delivery.feedback == EmailFeedback.COMPLAINED:
            obey_complaint(delivery, subscriber, address, esp_name=esp_name, message_id=message_id)
    return moved


def apply(delivery: Delivery, change: Change) -> bool:
    """Move the row forward on each track; True if anything moved."""
    fields = []
    if change.status and DELIVERY_PROGRESS[change.status] > DELIVERY_PROGRESS[delivery.status]:
        delivery.status = change.status
        fields.append("status")
        if change.error:
            delivery.error = change.error.strip()[:300]
            fields.append("error")
    # A deferral reported after the email was delivered is stale, not a bounce.
    stale_deferral = (
        change.feedback == EmailFeedback.SOFT_BOUNCE and delivery.status == DeliveryStatus.DELIVERED
    )
    if (
        change.feedback
        and not stale_deferral
        and FEEDBACK_PROGRESS[change.feedback] > FEEDBACK_PROGRESS[delivery.feedback]
    ):
        delivery.feedback = change.feedback
        fields.append("feedback")
    if fields:
        delivery.save(update_fields=[*fields, "updated_at"])
        reached = [getattr(delivery, name) for name in fields if name != "error"]
        transaction.on_commit(lambda: counters.count_receipt(delivery.medium, *reached))  # /metrics
    return bool(fields)


def suppress_after_soft_bounces(subscriber: Subscriber, address: str) -> None:
    """Suppress once the person's last EMAIL_SOFT_BOUNCE_LIMIT emails all soft-bounced: counted
    since their latest email that was delivered, each email once."""
    theirs = Delivery.objects.filter(subscriber=subscriber, medium=Medium.EMAIL)
    last_delivered = theirs.filter(status=DeliveryStatus.DELIVERED).aggregate(at=Max("sent_at"))["at"]
    bounced = theirs.filter(feedback=EmailFeedback.SOFT_BOUNCE).exclude(status=DeliveryStatus.DELIVERED)
    if last_delivered:
        bounced = bounced.filter(sent_at__gt=last_delivered)
    if bounced.count() >= settings.EMAIL_SOFT_BOUNCE_LIMIT:
        consent.suppress(medium=Medium.EMAIL, address=address, reason=SuppressionReason.SOFT_BOUNCES)


def obey_complaint(
    delivery: Delivery, subscriber: Subscriber | None, address: str, *, esp_name: str, message_id: str
) -> None:
    """Never email them again, from any campaign: suppressed, and opted out in the ledger."""
    # Before the opt-out, whose own suppression would otherwise name the reason "opted out".
    consent.suppress(medium=Medium.EMAIL, address=address, reason=SuppressionReason.COMPLAINED)
    if subscriber and subscriber.email.lower() == address.lower():
        consent.opt_out(
            subscriber=subscriber,
            media=[Medium.EMAIL],
            source=ConsentSource.PROVIDER,
            evidence=f"Marked campaign #{delivery.campaign_id}'s email as spam "
            f"(complaint reported by {esp_name}).",
            provider_message_id=message_id,
        )
    pause_if_complaints_pass_the_limit(delivery)


def complaint_counts(campaign_id: int, occurrence: int) -> dict[str, int]:
    emails = Delivery.objects.filter(campaign_id=campaign_id, occurrence=occurrence, medium=Medium.EMAIL)
    return emails.aggregate(
        handed=Count("pk", filter=Q(status__in=HANDED_OVER)),
        complaints=Count("pk", filter=Q(feedback=EmailFeedback.COMPLAINED)),
    )


def too_many(complaints: int, handed: int) -> bool:
    return (
        complaints >= settings.EMAIL_COMPLAINT_PAUSE_MIN
        and complaints > handed * settings.EMAIL_COMPLAINT_PAUSE_RATE
    )


def pause_if_complaints_pass_the_limit(delivery: Delivery) -> None:
    """Pause the send (or next week's) when this complaint takes it past the limit. Only on
    crossing it: a curator who resumes after reading why is not paused again by the same send's
    next complaint, only if it falls back under the limit and passes it again."""
    # One complaint at a time per campaign: two arriving together would each miss the other's row
    # and both count under the limit.
    Campaign.objects.select_for_update().filter(pk=delivery.campaign_id).first()
    counts = complaint_counts(delivery.campaign_id, delivery.occurrence)
    handed, complaints = counts["handed"], counts["complaints"]
    if not too_many(complaints, handed) or too_many(complaints - 1, handed):
        return
    Campaign.objects.filter(
        pk=delivery.campaign_id, status__in=[CampaignStatus.SENDING, CampaignStatus.SCHEDULED]
    ).update(
        status=CampaignStatus.PAUSED,
        paused_reason=(
            f"Paused: {complaints} of {handed:,} emails sent were marked as spam "
            f"({complaints / handed:.1%}, above {settings.EMAIL_COMPLAINT_PAUSE_RATE:.1%}). "
            "Check the audience and the message before resuming."
        )[:300],
    )
