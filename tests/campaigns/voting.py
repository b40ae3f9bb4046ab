"""Helpers the "useful?" tests share: a sent campaign, a signed reply, an email's buttons."""

from __future__ import annotations

import html
import re

from django.core import mail
from twilio.request_validator import RequestValidator

from campaigns import sending
from campaigns.models import FeedbackCount, Medium, Usefulness

TOKEN = "feedback-test-token"
BASE = "https://learning.example.org"
INBOUND = "/hooks/twilio/inbound/"
# Links in a message, with or without the public address in front.
FEEDBACK_LINK = re.compile(r"^(Useful|Not for me): \S*(/f/[^/\s]+/)$", re.MULTILINE)
PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
MAIL_SCANNER = "Mozilla/5.0 (compatible; Mimecast URL protect)"


def use_twilio_settings(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE


def launch(campaign, user, capture):
    with capture(execute=True):
        sending.launch(campaign=campaign, by=user)
    campaign.refresh_from_db()
    return campaign


def reply(client, phone: str, body: str, *, sid: str = "SM" + "b" * 32, token: str = TOKEN):
    params = {"From": phone, "To": "+447400000001", "Body": body, "MessageSid": sid, "AccountSid": "AC1"}
    signature = RequestValidator(token).compute_signature(BASE + INBOUND, params)
    return client.post(INBOUND, params, HTTP_X_TWILIO_SIGNATURE=signature)


def answer_in(response) -> str | None:
    """The one-line text Twilio is asked to send back, if any."""
    found = re.search(r"<Message>(.*)</Message>", response.content.decode())
    return html.unescape(found.group(1)) if found else None


def votes(medium: str = Medium.SMS, field: str = "votes") -> dict[tuple[str, str], int]:
    """Every total as {(placement's item title, answer): count}, zeros left out."""
    totals: dict[tuple[str, str], int] = {}
    for row in FeedbackCount.objects.filter(medium=medium).select_related("placement__item"):
        key = (row.placement.item.title, Usefulness(row.answer).label)
        totals[key] = totals.get(key, 0) + getattr(row, field)
    return {key: n for key, n in totals.items() if n}


def buttons_in(body: str) -> list[tuple[str, str]]:
    """The email's "useful?" links as (label, path), in the order they appear."""
    return FEEDBACK_LINK.findall(body)


def email_to(address: str):
    (message,) = [message for message in mail.outbox if message.to == [address]]
    return message
