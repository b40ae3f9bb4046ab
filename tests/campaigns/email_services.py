"""Email through a sending service in tests: campaigns sent through a loopback fake of the
service's API (anymail's real backend), and webhook events signed as the service signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from django.test import Client
from django.urls import reverse

from campaigns import sending
from campaigns.models import Campaign, Delivery, MediaPreference, Medium, Repeat
from tests.factories import ready_campaign
from tests.fakes.mailgun import WEBHOOK_SIGNING_KEY

# Basic auth in the webhook URL, as each service is told to call it.
WEBHOOK_SECRET = "hooks:correct-horse-battery"


def use_service(settings, backend: str, fake) -> None:
    """Send email through anymail's `backend` to the fake, with webhooks secured."""
    settings.EMAIL_BACKEND = f"anymail.backends.{backend}.EmailBackend"
    settings.ANYMAIL = {**settings.ANYMAIL, **fake.anymail_settings(), "WEBHOOK_SECRET": [WEBHOOK_SECRET]}


def send_campaign(placement, by, capture, *, slug: str = "feedback-week", weekly: bool = False) -> Campaign:
    """An email-only campaign to everyone, launched and sent now."""
    campaign = ready_campaign(
        placements=[placement],
        media=MediaPreference.EMAIL,
        slug=slug,
        name=slug.replace("-", " ").capitalize(),
        repeat=Repeat.WEEKLY if weekly else Repeat.ONCE,
    )
    with capture(execute=True):
        sending.launch(campaign=campaign, by=by)
    campaign.refresh_from_db()
    return campaign


def delivery_to(campaign: Campaign, person) -> Delivery:
    return Delivery.objects.get(campaign=campaign, subscriber=person, medium=Medium.EMAIL)


def basic_auth(credentials: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


# Postmark: JSON events, basic auth only.


def post_postmark(payload: dict, *, auth: str | None = WEBHOOK_SECRET):
    return Client().post(
        reverse("anymail:postmark_tracking_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        **(basic_auth(auth) if auth else {}),
    )


def postmark_delivered(delivery: Delivery) -> dict:
    return {
        "RecordType": "Delivery",
        "MessageID": delivery.provider_id,
        "Recipient": delivery.subscriber.email,
        "DeliveredAt": "2026-11-24T10:01:00Z",
        "Details": "Test delivery webhook details",
        "Tag": "",
        "ServerID": 23,
        "Metadata": {},
        "MessageStream": "outbound",
    }


def postmark_bounce(delivery: Delivery, kind: str = "HardBounce") -> dict:
    return {
        "RecordType": "Bounce",
        "ID": secrets.randbelow(10**12),
        "Type": kind,
        "TypeCode": 1,
        "Name": kind,
        "MessageID": delivery.provider_id,
        "Description": f"{kind}: the server could not deliver your message.",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": delivery.subscriber.email,
        "From": "learning@acme-learning.example",
        "BouncedAt": "2026-11-24T10:02:00Z",
        "Inactive": kind == "HardBounce",
        "CanActivate": True,
        "MessageStream": "outbound",
    }


def postmark_complaint(delivery: Delivery) -> dict:
    return {**postmark_bounce(delivery, "SpamComplaint"), "RecordType": "SpamComplaint", "TypeCode": 512}


def postmark_open(delivery: Delivery) -> dict:
    return {
        "RecordType": "Open",
        "MessageID": delivery.provider_id,
        "Recipient": delivery.subscriber.email,
        "ReceivedAt": "2026-11-24T10:05:00Z",
        "FirstOpen": True,
        "UserAgent": "Mozilla/5.0",
        "Platform": "Desktop",
    }


# Mailgun: JSON events signed with HMAC-SHA256 over timestamp + token (and basic auth).


def mailgun_event(
    delivery: Delivery,
    event: str,
    *,
    severity: str = "",
    key: str = WEBHOOK_SIGNING_KEY,
    timestamp: str | None = None,
) -> dict:
    # Signed now (the test's clock), as Mailgun signs: a signature from long ago is refused.
    timestamp, token = timestamp or str(int(time.time())), secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "event": event,
        "timestamp": 1795600000.5,
        "id": secrets.token_hex(8),
        "recipient": delivery.subscriber.email,
        "message": {"headers": {"message-id": delivery.provider_id.strip("<>")}},
        "delivery-status": {"code": 550, "message": "5.1.1 No such user", "description": "No such user"},
    }
    if severity:
        data["severity"] = severity
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}


def post_mailgun(payload: dict, *, auth: str | None = WEBHOOK_SECRET):
    return Client().post(
        reverse("anymail:mailgun_tracking_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        **(basic_auth(auth) if auth else {}),
    )
