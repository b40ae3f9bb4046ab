"""Signed, opaque tokens for the links employees receive: no login, nothing guessable.

Each purpose has its own salt, so a token for one page never opens another.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from campaigns.models import Subscriber

ACCOUNT_MAX_AGE = 60 * 60 * 24 * 90  # /me/ links in messages stay usable for a quarter
EMAIL_CONFIRMATION_MAX_AGE = 60 * 60 * 24 * 7
INVITATION_MAX_AGE = 60 * 60 * 24 * 30


class Purpose:
    ACCOUNT = "campaigns.account"
    UNSUBSCRIBE = "campaigns.unsubscribe"  # No expiry: RFC 8058 links must work for as long as mail lives.
    EMAIL_CONFIRMATION = "campaigns.email-confirmation"
    INVITATION = "campaigns.invitation"


MAX_AGE = {
    Purpose.ACCOUNT: ACCOUNT_MAX_AGE,
    Purpose.UNSUBSCRIBE: None,
    Purpose.EMAIL_CONFIRMATION: EMAIL_CONFIRMATION_MAX_AGE,
    Purpose.INVITATION: INVITATION_MAX_AGE,
}


def make_token(subscriber: Subscriber, purpose: str, **extra: str) -> str:
    return signing.dumps({"s": subscriber.pk, **extra}, salt=purpose, compress=True)


def read_token(token: str, purpose: str) -> dict:
    """The token's payload, or signing.BadSignature (SignatureExpired included) if it is not ours."""
    return signing.loads(token, salt=purpose, max_age=MAX_AGE[purpose])


def subscriber_from_token(token: str, purpose: str) -> tuple[Subscriber, dict] | None:
    try:
        payload = read_token(token, purpose)
    except signing.BadSignature:
        return None
    subscriber = Subscriber.objects.filter(pk=payload.get("s")).first()
    return (subscriber, payload) if subscriber else None


def public_url(path: str) -> str:
    """An absolute link for a text or an email, on the configured public address."""
    return f"{settings.PUBLIC_BASE_URL}{path}"
