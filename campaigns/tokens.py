"""Signed, opaque tokens for the links employees receive: no login, nothing guessable, nobody named.

A token is the subscriber's random link key (never their id), an optional detail for its purpose,
a timestamp and a signature: `<key>[.<detail>]:<time>:<signature>`. Decoded, it gives nothing
about the person. Each purpose has its own salt, so a token for one page never opens another.
Links sent before the key existed carried {"s": <id>} and keep working until they expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from campaigns.models import Subscriber

ACCOUNT_MAX_AGE = 60 * 60 * 24 * 90  # /me/ links in messages stay usable for a quarter
EMAIL_CONFIRMATION_MAX_AGE = 60 * 60 * 24 * 7
INVITATION_MAX_AGE = 60 * 60 * 24 * 30


class Purpose:
    ACCOUNT = "campaigns.account"
    UNSUBSCRIBE = "campaigns.unsubscribe"  # No expiry: RFC 8058 links must work for as long as mail lives.
    EMAIL_CONFIRMATION = "campaigns.email-confirmation"
    INVITATION = "campaigns.invitation"
    FEEDBACK = "campaigns.feedback"  # "useful?" buttons in an email; read by vote_from_token


MAX_AGE = {
    Purpose.ACCOUNT: ACCOUNT_MAX_AGE,
    Purpose.UNSUBSCRIBE: None,
    Purpose.EMAIL_CONFIRMATION: EMAIL_CONFIRMATION_MAX_AGE,
    Purpose.INVITATION: INVITATION_MAX_AGE,
}

# The one detail a purpose's token carries besides the key, by the name readers look it up under.
DETAIL = {Purpose.UNSUBSCRIBE: "m", Purpose.EMAIL_CONFIRMATION: "e"}


def email_fingerprint(email_hash: str) -> str:
    """What a confirmation link holds of the address it was sent to: enough to notice the address
    changed since, and, unlike the suppression list's hash, matching nothing stored anywhere."""
    return salted_hmac(Purpose.EMAIL_CONFIRMATION, email_hash).hexdigest()[:16]


def make_token(subscriber: Subscriber, purpose: str, detail: str = "") -> str:
    value = f"{subscriber.link_key}.{detail}" if detail else subscriber.link_key
    return signing.TimestampSigner(salt=purpose).sign(value)


def subscriber_from_token(token: str, purpose: str) -> tuple[Subscriber, dict] | None:
    """The subscriber and the token's detail ({"m": ...} or {"e": ...}), or None if it is not ours,
    has expired, or its subscriber is gone."""
    signer = signing.TimestampSigner(salt=purpose)
    try:
        value = signer.unsign(token, max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired included
        return None
    key, _, detail = value.partition(".")
    subscriber = Subscriber.objects.filter(link_key=key).first() if key else None
    if subscriber:
        return subscriber, ({DETAIL[purpose]: detail} if purpose in DETAIL else {})
    return _from_token_before_link_keys(signer, token, purpose)


def _from_token_before_link_keys(
    signer: signing.TimestampSigner, token: str, purpose: str
) -> tuple[Subscriber, dict] | None:
    try:
        payload = signer.unsign_object(token, max_age=MAX_AGE[purpose])
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        return None
    subscriber = Subscriber.objects.filter(pk=payload["s"]).first()
    if subscriber is None:
        return None
    if "e" in payload:  # those links held the address's full hash
        payload["e"] = email_fingerprint(str(payload["e"]))
    return subscriber, payload


@dataclass(frozen=True)
class Vote:
    """What an email's "useful?" button says: whose (their random link key), about which placement
    in which send of which campaign, the answer ("1" useful, "2" not, as a text reply), and when
    the email was made, which is when the answer's window opened."""

    link_key: str
    campaign_id: int
    occurrence: int
    placement_id: int
    answer: str
    signed_at: datetime


def make_vote_token(
    subscriber: Subscriber, *, campaign_id: int, occurrence: int, placement_id: int, answer: str
) -> str:
    return make_token(subscriber, Purpose.FEEDBACK, f"{campaign_id}-{occurrence}-{placement_id}-{answer}")


def vote_from_token(token: str, *, max_age: timedelta) -> Vote | None:
    """The vote a button carries, or None if the token is not ours, is altered or has expired.
    Whether its person, campaign and placement still exist is the caller's to ask."""
    try:
        value = signing.TimestampSigner(salt=Purpose.FEEDBACK).unsign(token, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired included
        return None
    key, _, detail = value.partition(".")
    parts = detail.split("-")
    if not key or len(parts) != 4 or not all(part.isdigit() for part in parts):
        return None
    # A valid signature vouches for the timestamp too: `value:timestamp:signature`.
    signed_at = datetime.fromtimestamp(signing.b62_decode(token.rsplit(":", 2)[1]), tz=UTC)
    campaign_id, occurrence, placement_id, answer = parts
    return Vote(key, int(campaign_id), int(occurrence), int(placement_id), answer, signed_at)


def public_url(path: str) -> str:
    """An absolute link for a text or an email, on the configured public address."""
    return f"{settings.PUBLIC_BASE_URL}{path}"
