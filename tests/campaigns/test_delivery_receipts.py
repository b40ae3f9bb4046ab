"""Twilio's status callbacks: signature-checked, and only ever moving a delivery forward."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from twilio.request_validator import RequestValidator

from campaigns import consent, sending
from campaigns.models import Delivery, DeliveryStatus, MediaPreference, Medium
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN

pytestmark = pytest.mark.django_db

STATUS_PATH = "/hooks/twilio/status/"


@pytest.fixture
def delivery(internal_curator, twilio_fake, django_capture_on_commit_callbacks):
    subscribed_employees(1)
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    with (
        time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sending.launch(campaign=campaign, by=internal_curator)
    return Delivery.objects.get()


def report(client, settings, delivery, status, *, error_code="", signature=None):
    params = {"MessageSid": delivery.provider_id, "MessageStatus": status, "To": "+447400000000"}
    if error_code:
        params["ErrorCode"] = error_code
    url = settings.PUBLIC_BASE_URL + STATUS_PATH
    signature = signature or RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)


def status_of(delivery) -> str:
    delivery.refresh_from_db()
    return delivery.status


def test_the_launch_asks_twilio_for_receipts_at_our_public_address(delivery, twilio_fake, settings):
    assert twilio_fake.requests[0].params["StatusCallback"] == settings.PUBLIC_BASE_URL + STATUS_PATH
    assert delivery.status == DeliveryStatus.ACCEPTED


def test_receipts_move_a_delivery_forward_and_a_late_sent_never_undoes_delivered(client, settings, delivery):
    assert report(client, settings, delivery, "sent").status_code == 204
    assert status_of(delivery) == DeliveryStatus.SENT
    report(client, settings, delivery, "delivered")
    assert status_of(delivery) == DeliveryStatus.DELIVERED

    report(client, settings, delivery, "sent")  # retried by Twilio, arriving late
    report(client, settings, delivery, "queued")
    assert status_of(delivery) == DeliveryStatus.DELIVERED


def test_an_undelivered_text_records_the_reason(client, settings, delivery):
    report(client, settings, delivery, "undelivered", error_code="30003")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNDELIVERED
    assert delivery.error == "The phone was off or out of reach (30003)."


@pytest.mark.parametrize("error_code", ["²", "9" * 23, "-5", "30003x"])
def test_an_error_code_that_is_no_code_still_records_the_failure(client, settings, delivery, error_code):
    client.raise_request_exception = False

    response = report(client, settings, delivery, "failed", error_code=error_code)

    assert response.status_code == 204
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, None)


def test_a_21610_receipt_suppresses_the_number(client, settings, delivery):
    report(client, settings, delivery, "failed", error_code="21610")
    assert status_of(delivery) == DeliveryStatus.FAILED
    assert consent.is_suppressed(Medium.SMS, delivery.subscriber.phone)


def test_a_forged_receipt_is_refused_and_changes_nothing(client, settings, delivery):
    response = report(client, settings, delivery, "failed", error_code="21610", signature="forged")
    assert response.status_code == 403
    assert status_of(delivery) == DeliveryStatus.ACCEPTED
    assert not consent.is_suppressed(Medium.SMS, delivery.subscriber.phone)


def test_a_receipt_for_a_message_we_never_sent_is_ignored(client, settings, delivery):
    delivery.provider_id = "SM" + "9" * 32  # not ours
    assert report(client, settings, delivery, "delivered").status_code == 204
    assert Delivery.objects.get().status == DeliveryStatus.ACCEPTED
