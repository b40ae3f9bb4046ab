"""Absolute links that go out in texts and emails, each carrying a signed token for its purpose
(campaigns.tokens: the subscriber's random link key, never their id)."""

from __future__ import annotations

from django.urls import reverse

from campaigns.models import Medium, Subscriber
from campaigns.tokens import Purpose, email_fingerprint, make_token, public_url


def account_url(subscriber: Subscriber) -> str:
    """The employee's own page: what we hold, preferences, opt out, erase."""
    return public_url(reverse("campaigns:account", args=[make_token(subscriber, Purpose.ACCOUNT)]))


def unsubscribe_url(subscriber: Subscriber, medium: str = Medium.EMAIL) -> str:
    token = make_token(subscriber, Purpose.UNSUBSCRIBE, medium)
    return public_url(reverse("campaigns:unsubscribe", args=[token]))


def email_confirmation_url(subscriber: Subscriber) -> str:
    token = make_token(subscriber, Purpose.EMAIL_CONFIRMATION, email_fingerprint(subscriber.email_hash))
    return public_url(reverse("campaigns:join-confirm-email", args=[token]))


def invitation_url(subscriber: Subscriber) -> str:
    """A personal sign-up link that pre-fills what the import knew about the invitee."""
    return public_url(reverse("campaigns:join-invited", args=[make_token(subscriber, Purpose.INVITATION)]))
