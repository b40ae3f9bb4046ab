"""What a text from an employee means: STOP, START, HELP, or nothing we act on.

An opt-out is committed before the webhook answers. Twilio retries webhooks and may deliver the
same message twice, even after a later one: a text whose MessageSid the ledger already names is
not acted on again, so a STOP replayed after the employee texted START does not undo the START.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from campaigns import consent
from campaigns.keywords import Keyword, parse_keyword
from campaigns.languages import language_of
from campaigns.models import (
    ConsentAction,
    ConsentSource,
    ConsentState,
    Medium,
    Subscriber,
    SuppressionReason,
)
from campaigns.phones import normalise_phone
from campaigns.replies import answer_reply
from campaigns.services import find_subscriber


def help_reply(language: str = settings.LANGUAGE_CODE) -> str:
    """In the sender's language; STOP stays STOP in every language, the word carriers act on."""
    with translation.override(language):
        return gettext("%(programme)s: learning tips by text from your organisation. Reply STOP to stop.") % {
            "programme": settings.PROGRAMME_NAME
        }


def already_acted_on(*, subscriber: Subscriber, message_sid: str) -> bool:
    return bool(message_sid) and subscriber.consent_events.filter(provider_message_id=message_sid).exists()


@transaction.atomic
def handle_inbound_sms(*, sender: str, body: str, message_sid: str) -> str | None:
    """Act on an inbound text; returns the reply to send back, if any."""
    keyword = parse_keyword(body)
    if keyword is None:
        return answer_reply(sender=sender, body=body, message_sid=message_sid)
    try:
        phone = normalise_phone(sender)
    except ValidationError:
        # Not a number we could ever text.
        return help_reply() if keyword is Keyword.HELP else None
    subscriber = find_subscriber(phone=phone)
    if keyword is Keyword.HELP:
        return help_reply(language_of(subscriber))
    if subscriber and already_acted_on(subscriber=subscriber, message_sid=message_sid):
        return None
    obey_opt_keyword(
        keyword=keyword,
        subscriber=subscriber,
        phone=phone,
        medium=Medium.SMS,
        source=ConsentSource.SMS_KEYWORD,
        evidence=f"Texted {body.strip()!r} ({message_sid})",
        message_sid=message_sid,
    )
    return None


def obey_opt_keyword(
    *,
    keyword: Keyword,
    subscriber: Subscriber | None,
    phone: str,
    medium: str,
    source: str,
    evidence: str,
    message_sid: str,
) -> Keyword | None:
    """STOP or START on one medium, texts or WhatsApp (each has consent of its own): the keyword
    acted on, or None when nothing changed (START from someone already subscribed)."""
    if keyword is Keyword.OPT_OUT:
        if subscriber:
            consent.opt_out(
                subscriber=subscriber,
                media=[medium],
                source=source,
                evidence=evidence,
                provider_message_id=message_sid,
            )
        # Suppressed even if we hold no record: they asked us never to message this number this way.
        consent.suppress(medium=medium, address=phone, reason=SuppressionReason.OPTED_OUT)
        return Keyword.OPT_OUT
    if subscriber and subscriber.state(medium) != ConsentState.SUBSCRIBED:
        consent.record_consent(
            subscriber=subscriber,
            medium=medium,
            action=ConsentAction.OPTED_IN,
            source=source,
            evidence=evidence,
            provider_message_id=message_sid,
        )
        return Keyword.OPT_IN
    return None
