"""Email services' webhooks posted over HTTP to the running app, as Postmark and Mailgun call it:
a real server (live_server), real sockets, the auth in the Authorization header a service sends.

The in-process tests (test_email_webhooks.py) cover each event; these prove the same guarantees
hold end to end: a complaint is obeyed before the service gets its 200, a forgery changes nothing.
"""

from __future__ import annotations

import json

import pytest
import requests
from django.urls import reverse

from campaigns.hashing import address_hash
from campaigns.models import ConsentState, DeliveryStatus, Medium, Suppression, SuppressionReason
from tests.campaigns.email_services import (
    WEBHOOK_SECRET,
    delivery_to,
    mailgun_event,
    postmark_complaint,
    send_campaign,
)
from tests.factories import live_item, subscribed_employees

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def sent(internal_curator, django_capture_on_commit_callbacks):
    """An email campaign sent now through whichever service's fixture the test asked for."""

    def send_one():
        placement = live_item(title="Giving feedback").placements.get()
        return send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    return send_one


def post(live_server, name: str, payload: dict, *, auth: tuple[str, str] | None) -> requests.Response:
    return requests.post(
        live_server.url + reverse(f"anymail:{name}_tracking_webhook"),
        data=json.dumps(payload),
        headers={"Content-Type": "application/json"},
        auth=auth,
        timeout=10,
    )


SERVICE_AUTH = tuple(WEBHOOK_SECRET.split(":", 1))


def test_a_postmark_complaint_over_http_suppresses_before_the_service_hears_200(live_server, postmark, sent):
    complainer, other = subscribed_employees(2)
    row = delivery_to(sent(), complainer)

    response = post(live_server, "postmark", postmark_complaint(row), auth=SERVICE_AUTH)

    assert response.status_code == 200
    complainer.refresh_from_db()
    other.refresh_from_db()
    assert complainer.email_state == ConsentState.OPTED_OUT
    assert other.email_state == ConsentState.SUBSCRIBED
    suppression = Suppression.objects.get(address_hash=address_hash(Medium.EMAIL, complainer.email))
    assert suppression.reason == SuppressionReason.COMPLAINED


def test_a_postmark_event_with_the_wrong_password_is_refused_over_http_and_changes_nothing(
    live_server, postmark, sent
):
    (person,) = subscribed_employees(1)
    row = delivery_to(sent(), person)

    response = post(live_server, "postmark", postmark_complaint(row), auth=("hooks", "guessed"))

    assert response.status_code in (400, 401, 403)
    person.refresh_from_db()
    assert person.email_state == ConsentState.SUBSCRIBED
    assert not Suppression.objects.exists()


def test_a_signed_mailgun_hard_bounce_over_http_suppresses_and_a_forged_signature_does_not(
    live_server, mailgun, sent
):
    bounced, spared = subscribed_employees(2)
    campaign = sent()
    forged = mailgun_event(delivery_to(campaign, spared), "failed", severity="permanent", key="not-the-key")

    refused = post(live_server, "mailgun", forged, auth=SERVICE_AUTH)
    accepted = post(
        live_server,
        "mailgun",
        mailgun_event(delivery_to(campaign, bounced), "failed", severity="permanent"),
        auth=SERVICE_AUTH,
    )

    assert refused.status_code in (400, 403)
    assert accepted.status_code == 200
    assert Suppression.objects.get().address_hash == address_hash(Medium.EMAIL, bounced.email)
    spared_row = delivery_to(campaign, spared)
    assert spared_row.status == DeliveryStatus.ACCEPTED
