"""What a WhatsApp message from an employee means, and the window it opens.

Twilio posts WhatsApp messages to the same inbound webhook as texts, From=whatsapp:+E164. Each one
opens the person's 24-hour customer-service window, so we keep when they last wrote (never what).
STOP opts them out of WhatsApp only (texts and emails have consent of their own) and START back in;
a MessageSid the ledger already names is not acted on twice, as for texts. Anything else may answer
what a WhatsApp message asked ("1"/"2", a check's letter): campaigns.replies, as for texts.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from campaigns import replies
from campaigns.inbound import already_acted_on, obey_opt_keyword
from campaigns.keywords import Keyword, parse_keyword
from campaigns.models import ConsentSource, Medium, Subscriber
from campaigns.phones import normalise_phone
from campaigns.services import find_subscriber
from campaigns.whatsapp.base import PREFIX

STOPPED = gettext_lazy("You will get no more WhatsApp messages from us. Reply START to have them again.")
STARTED = gettext_lazy("You will get our learning tips on WhatsApp. Reply STOP at any time to stop.")


def is_whatsapp(sender: str) -> bool:
    return sender.startswith(PREFIX)


def help_reply() -> str:
    return gettext("%(programme)s: learning tips on WhatsApp from your organisation. Reply STOP to stop.") % {
        "programme": settings.PROGRAMME_NAME
    }


@transaction.atomic
def handle_inbound_whatsapp(*, sender: str, body: str, message_sid: str) -> str | None:
    """Act on an inbound WhatsApp message; returns the reply to send back, if any, in the sender's
    language (a number we do not know hears the programme's default)."""
    try:
        phone = normalise_phone(sender.removeprefix(PREFIX))
    except ValidationError:
        return None
    subscriber = find_subscriber(phone=phone)
    with translation.override(subscriber.language if subscriber else settings.LANGUAGE_CODE):
        reply = act_on_whatsapp(subscriber=subscriber, phone=phone, body=body, message_sid=message_sid)
    return str(reply) if reply is not None else None


def act_on_whatsapp(*, subscriber: Subscriber | None, phone: str, body: str, message_sid: str) -> str | None:
    """We are inside the window the message just opened, so a plain reply is allowed."""
    if subscriber:
        Subscriber.objects.filter(pk=subscriber.pk).update(whatsapp_inbound_at=timezone.now())
    keyword = parse_keyword(body)
    if keyword is None:
        # "1"/"2" to "useful?" or a check's letter, counted exactly as a text reply is.
        return replies.answer(subscriber=subscriber, body=body, medium=Medium.WHATSAPP)
    if keyword is Keyword.HELP:
        return help_reply()
    if subscriber and already_acted_on(subscriber=subscriber, message_sid=message_sid):
        return None
    obeyed = obey_opt_keyword(
        keyword=keyword,
        subscriber=subscriber,
        phone=phone,
        medium=Medium.WHATSAPP,
        source=ConsentSource.WHATSAPP_KEYWORD,
        evidence=f"WhatsApp message {body.strip()!r} ({message_sid})",
        message_sid=message_sid,
    )
    return {Keyword.OPT_OUT: STOPPED, Keyword.OPT_IN: STARTED}.get(obeyed)
