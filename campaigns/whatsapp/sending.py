"""Sending a campaign's WhatsApp rows: campaigns.sending's pipeline, with WhatsApp's window rule.

The ledger, claims, leases, consent re-read under lock, working hours, the weekly cap and the rate
limit are campaigns.sending's, unchanged: this module only says what one person's message is and
how the reconciler recognises it in Twilio's log.

The window rule: a person who wrote to us on WhatsApp in the last 24 hours may get free text;
anyone else only the approved template (free text would fail with 63016). The window is judged a
little short, so a message that waits in the provider's queue does not arrive after it closed.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from campaigns import compose, consent, pipeline
from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import Campaign, Delivery, DeliveryStatus, Medium, Subscriber
from campaigns.tokens import public_url
from campaigns.whatsapp import get_backend, templates
from campaigns.whatsapp.base import WhatsAppMessage

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=15)


def window_open(subscriber: Subscriber, now: datetime) -> bool:
    """True while the person's last WhatsApp message to us is recent enough for free text."""
    wrote = subscriber.whatsapp_inbound_at
    return wrote is not None and now < wrote + WINDOW - WINDOW_MARGIN


def message_for(
    campaign: Campaign, subscriber: Subscriber, *, links: str, now: datetime, **options: object
) -> WhatsAppMessage:
    """Free text inside the person's window (when the campaign has some), else the template; each
    in the person's language where the campaign has it (a variant's free text, a template of the
    same name in their language)."""
    name, language = compose.first_name(subscriber), subscriber.language
    if campaign.whatsapp_text.strip() and window_open(subscriber, now):
        body = templates.free_text(campaign, name=name, links=links, language=language)
        return WhatsAppMessage(to=subscriber.phone, body=body, **options)
    return WhatsAppMessage(
        to=subscriber.phone,
        content_sid=templates.template_for(campaign, language).content_sid,
        content_variables=templates.content_variables(campaign, name=name, links=links),
        **options,
    )


def not_sendable(campaign: Campaign) -> str:
    """Why nobody can be sent this campaign's WhatsApp message now, or "" (checked per part: a
    template WhatsApp paused after launch must not be tried on the whole audience)."""
    template = campaign.whatsapp_template
    if template is None:
        return "The campaign has no WhatsApp template."
    if not isinstance(campaign.whatsapp_variables, dict):
        return "The WhatsApp template's variables are not a list of number: words pairs."
    if not template.is_approved:
        approval = template.get_approval_display().lower()
        return f"The WhatsApp template “{template.name}” is {approval}, not approved."
    return ""


def send_whatsapp(
    context: pipeline.BatchContext, ready: list[pipeline.Ready], outcomes: dict, *, until: float
) -> bool:
    """As campaigns.sending.send_texts, for WhatsApp: one rate-limit token per message, taken."""
    campaign = context.campaign
    blocked = not_sendable(campaign)
    if blocked:
        for row, _, _ in ready:
            outcomes[row.pk] = pipeline.Outcome(DeliveryStatus.FAILED, error=blocked)
        return True
    backend = get_backend()
    status_callback = public_url(reverse("campaigns:twilio-status"))
    links = templates.links_line(context.tracked_links)
    for index, (row, subscriber, closes) in enumerate(ready):
        if index and time.monotonic() > until:
            break
        now = timezone.now()
        message = message_for(
            campaign,
            subscriber,
            links=links,
            now=now,
            status_callback=status_callback,
            # Expires in the provider's queue rather than arriving after working hours.
            validity_seconds=max(60, min(settings.SMS_VALIDITY_SECONDS, int((closes - now).total_seconds()))),
        )
        try:
            sent = backend.send(message)
        except DeliveryError as error:
            outcomes[row.pk] = pipeline.outcome_of(row, error, now)
            consent.note_provider_refusal(medium=Medium.WHATSAPP, address=subscriber.phone, error=error)
            if error.outcome is DeliveryOutcome.RETRY:
                return False  # the provider is busy or down: the rest of the batch waits too
        else:
            outcomes[row.pk] = pipeline.Outcome(
                DeliveryStatus.ACCEPTED,
                provider_id=sent.provider_id,
                handed_over=True,
                free_text=not message.is_template,
            )
    return True


def settleable_unknowns() -> Q:
    """Unknown outcomes the reconciler can settle: only with a provider log to ask."""
    if hasattr(get_backend(), "sent_to"):
        return Q(status=DeliveryStatus.UNKNOWN, medium=Medium.WHATSAPP)
    return Q(pk__in=[])


def expected_bodies(campaign: Campaign, subscriber: Subscriber) -> dict[str, bool]:
    """What Twilio's log shows for this person's message, the filled template or the free text,
    each with whether it is the free text."""
    links = templates.links_line(pipeline.links_for(campaign, Medium.WHATSAPP))
    name = compose.first_name(subscriber)
    language = subscriber.language
    bodies = {templates.template_body(campaign, name=name, links=links, language=language): False}
    if campaign.whatsapp_text.strip():
        bodies[templates.free_text(campaign, name=name, links=links, language=language)] = True
    bodies.pop("", None)
    return bodies


def settle_claim(row: Delivery, unchanged, result: pipeline.Reconciled) -> None:
    """As campaigns.sending.settle_claim for texts: Twilio's log by To=whatsapp:+E164 decides."""
    backend = get_backend()
    if not hasattr(backend, "sent_to"):
        if row.status == DeliveryStatus.CLAIMED:
            unchanged.update(
                status=DeliveryStatus.UNKNOWN,
                claim=None,
                error="The sender stopped before recording the outcome; not re-sent in case it went.",
            )
        result.left_unknown += 1
        return
    try:
        logged = backend.sent_to(to=row.subscriber.phone, since=row.claimed_at - timedelta(minutes=1))
    except DeliveryError as error:
        logger.warning("Could not read the provider's log for delivery %s: %s", row.pk, error.message)
        result.left_unknown += 1
        return
    bodies = expected_bodies(row.campaign, row.subscriber)
    match = next((sent for sent in logged if sent.body in bodies), None)
    if match:
        result.found_sent += unchanged.update(
            status=DeliveryStatus.ACCEPTED,
            claim=None,
            provider_id=match.provider_id,
            sent_at=row.claimed_at,
            error="",
            free_text=bodies[match.body],
        )
    else:
        result.requeued += unchanged.update(
            status=DeliveryStatus.PENDING, claim=None, not_before=timezone.now(), error=""
        )
