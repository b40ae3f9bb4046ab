"""The Twilio backend, through the real twilio client, against a loopback fake of Twilio's API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.sms import get_backend, send_sms
from tests.fakes.twilio import MESSAGING_SERVICE_SID
from tests.helpers import free_port

NUMBER = "+447400123456"


def test_a_text_reaches_twilio_with_sender_validity_and_callback(twilio_fake, settings):
    settings.SMS_VALIDITY_SECONDS = 3600

    sent = send_sms(NUMBER, "New this week: three videos", status_callback="https://learn.example/hooks/s/")

    (request,) = twilio_fake.requests
    assert request.method == "POST"
    assert request.params == {
        "To": NUMBER,
        "Body": "New this week: three videos",
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
        "ValidityPeriod": "3600",
        "StatusCallback": "https://learn.example/hooks/s/",
    }
    assert sent.provider_id.startswith("SM") and sent.status == "accepted"


def test_without_a_messaging_service_the_sender_number_is_used(twilio_fake, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_FROM_NUMBER = "+447400999999"

    send_sms(NUMBER, "Hello")

    assert twilio_fake.requests[0].params["From"] == "+447400999999"


@pytest.mark.parametrize(
    ("status", "code", "reason", "outcome", "message"),
    [
        (
            400,
            21610,
            "Attempt to send to unsubscribed recipient",
            DeliveryOutcome.SUPPRESS,
            "The number has opted out of texts from us at Twilio (21610).",
        ),
        (
            400,
            21211,
            "The 'To' number +447400123456 is not a valid phone number.",
            DeliveryOutcome.INVALID_NUMBER,
            "The number is not a valid phone number (21211).",
        ),
        (
            400,
            21614,
            "'To' number is not a valid mobile number",
            DeliveryOutcome.INVALID_NUMBER,
            "The number is not a mobile and cannot receive texts (21614).",
        ),
        (
            429,
            20429,
            "Too Many Requests",
            DeliveryOutcome.RETRY,
            "Twilio is busy: too many requests at once (20429).",
        ),
        (
            400,
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
            DeliveryOutcome.FAILED,
            "Our Twilio account may not text numbers in this country (21408).",
        ),
        (
            400,
            21612,
            "The 'To' phone number: +447400123456, is not currently reachable using the 'From' phone "
            "number: +447400999999 via SMS.",
            DeliveryOutcome.FAILED,
            "Twilio cannot reach this number by text from our sender (21612).",
        ),
        (
            400,
            21606,
            "The 'From' phone number +44 7400 999999 is not a valid, SMS-capable inbound phone number "
            "or short code for your account.",
            DeliveryOutcome.FAILED,
            "Twilio refused the text: The 'From' phone number [number] is not a valid, SMS-capable "
            "inbound phone number or short code for your account (21606).",
        ),
        (
            400,
            30450,
            "Message delivery blocked by SMS Pumping Protection",
            DeliveryOutcome.FAILED,
            "Twilio's SMS pumping protection blocked the text (30450).",
        ),
        (
            400,
            30453,
            "Message blocked by SMS pumping protection",
            DeliveryOutcome.FAILED,
            "Twilio's SMS pumping protection blocked the text (30453).",
        ),
    ],
)
def test_twilio_errors_map_to_what_to_do_next(twilio_fake, status, code, reason, outcome, message):
    twilio_fake.fail_for(NUMBER, status=status, code=code, message=reason)

    with pytest.raises(DeliveryError) as failed:
        send_sms(NUMBER, "Hello")

    assert (failed.value.outcome, failed.value.code, failed.value.message) == (outcome, code, message)
    assert failed.value.retryable is (outcome is DeliveryOutcome.RETRY)


def test_an_error_in_rfc_9457_shape_is_mapped_the_same_way(twilio_fake):
    twilio_fake.fail_for(NUMBER, code=21610, message="Unsubscribed recipient", problem_details=True)
    twilio_fake.fail_for("+447400654321", code=21620, message="Invalid media URL", problem_details=True)

    with pytest.raises(DeliveryError) as opted_out:
        send_sms(NUMBER, "Hello")
    with pytest.raises(DeliveryError) as refused:
        send_sms("+447400654321", "Hello")

    assert opted_out.value.outcome is DeliveryOutcome.SUPPRESS
    assert (refused.value.outcome, refused.value.message) == (
        DeliveryOutcome.FAILED,
        "Twilio refused the text: Invalid media URL (21620).",
    )


def test_a_server_error_is_retried(twilio_fake):
    twilio_fake.fail_for(NUMBER, status=503)

    with pytest.raises(DeliveryError) as failed:
        send_sms(NUMBER, "Hello")

    assert (failed.value.outcome, failed.value.message) == (
        DeliveryOutcome.RETRY,
        "Twilio had a server error (HTTP 503); it will be tried again.",
    )


def test_wrong_credentials_fail_the_text(twilio_fake, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"

    with pytest.raises(DeliveryError) as failed:
        send_sms(NUMBER, "Hello")

    assert (failed.value.outcome, failed.value.code, failed.value.message) == (
        DeliveryOutcome.FAILED,
        20003,
        "Twilio did not accept our account SID and auth token; check the Twilio settings (20003).",
    )


def test_no_answer_in_time_means_the_outcome_is_unknown_not_a_retry(twilio_fake, settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0.3
    twilio_fake.stall_for(NUMBER, 1.0)

    with pytest.raises(DeliveryError) as failed:
        send_sms(NUMBER, "Hello")

    assert (failed.value.outcome, failed.value.message) == (
        DeliveryOutcome.UNKNOWN,
        "Twilio did not answer in time; the text may have been sent. Check Twilio's log before resending.",
    )


def test_a_connection_dropped_after_the_request_left_means_the_outcome_is_unknown(twilio_fake):
    twilio_fake.drop_for(NUMBER)

    with pytest.raises(DeliveryError) as failed:
        send_sms(NUMBER, "Hello")

    assert twilio_fake.requests[0].params["To"] == NUMBER
    assert failed.value.outcome is DeliveryOutcome.UNKNOWN


def test_twilio_unreachable_is_retried(twilio_fake, settings):
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(DeliveryError) as failed:
        send_sms(NUMBER, "Hello")

    assert (failed.value.outcome, failed.value.message) == (
        DeliveryOutcome.RETRY,
        "Twilio could not be reached; it will be tried again.",
    )


def test_twilios_log_lists_what_was_sent_to_a_number(twilio_fake):
    send_sms(NUMBER, "One")
    send_sms("+447400654321", "Other person")
    send_sms(NUMBER, "Two")

    listed = get_backend().sent_to(to=NUMBER, since=timezone.now() - timedelta(hours=1))

    assert len(listed) == 2
    assert twilio_fake.requests[-1].params["To"] == NUMBER
    assert "DateSent>" in twilio_fake.requests[-1].params
