"""Texts from employees: STOP, START, HELP, each only from a request Twilio really signed."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from campaigns import consent
from campaigns.models import ConsentAction, ConsentEvent, ConsentSource, ConsentState, Medium
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

TOKEN = "inbound-test-token"
BASE = "https://learning.example.org"
PATH = "/hooks/twilio/inbound/"
NUMBER = "+447400123456"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    settings.PROGRAMME_NAME = "Learn Socially"


def inbound(body: str, sender: str = NUMBER, sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return {"From": sender, "To": "+447400000001", "Body": body, "MessageSid": sid, "AccountSid": "AC1"}


def signature(params: dict[str, str], url: str = BASE + PATH) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


def post_signed(client, params: dict[str, str], **headers: str):
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature(params), **headers)


def test_stop_from_a_subscriber_opts_out_and_suppresses(client):
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)

    response = post_signed(client, inbound("STOP"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.OPTED_OUT
    assert consent.is_suppressed(Medium.SMS, NUMBER)
    event = subscriber.consent_events.get(action=ConsentAction.OPTED_OUT)
    assert event.evidence == f"Texted 'STOP' ({'SM' + 'a' * 32})"


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", "  Stop \n", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"],
)
def test_every_opt_out_keyword_in_any_case_opts_out(client, body):
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)

    post_signed(client, inbound(body))

    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.OPTED_OUT


@pytest.mark.parametrize("body", ["Stop texting me", "STOP!", "please stop", "\u017ftop", ""])
def test_a_sentence_is_not_a_keyword(client, body):
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)

    response = post_signed(client, inbound(body))

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.SUBSCRIBED
    assert not consent.is_suppressed(Medium.SMS, NUMBER)


def test_a_replayed_stop_writes_one_ledger_row(client):
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)

    for _ in range(3):
        post_signed(client, inbound("STOP"), HTTP_I_TWILIO_IDEMPOTENCY_TOKEN="same-delivery")

    assert subscriber.consent_events.filter(action=ConsentAction.OPTED_OUT).count() == 1


def test_a_stop_replayed_after_start_does_not_undo_the_start(client):
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)
    stop = inbound("STOP", sid="SM" + "1" * 32)

    post_signed(client, stop)
    post_signed(client, inbound("START", sid="SM" + "2" * 32))
    post_signed(client, stop, HTTP_I_TWILIO_IDEMPOTENCY_TOKEN="retry-of-the-stop")

    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.SUBSCRIBED
    by_text = subscriber.consent_events.filter(source=ConsentSource.SMS_KEYWORD).order_by("pk")
    assert list(by_text.values_list("action", flat=True)) == [ConsentAction.OPTED_OUT, ConsentAction.OPTED_IN]


def test_stop_from_an_unknown_number_suppresses_it_anyway(client):
    post_signed(client, inbound("STOP", sender="+447400654321"))

    assert consent.is_suppressed(Medium.SMS, "+447400654321")


@pytest.mark.parametrize("body", ["START", "unstop", "Yes"])
def test_start_opts_back_in_and_lifts_the_suppression(client, body):
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.OPTED_OUT)

    post_signed(client, inbound(body))

    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.SUBSCRIBED
    assert consent.may_message(subscriber, Medium.SMS)


def test_help_answers_with_the_programme_and_how_to_stop(client):
    response = post_signed(client, inbound("help"))

    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Learn Socially: learning tips by text '
        "from your organisation. Reply STOP to stop.</Message></Response>"
    )


def test_a_sender_that_is_not_a_phone_number_gets_an_empty_answer(client):
    response = post_signed(client, inbound("STOP", sender="Acme"))

    assert response.status_code == 200
    assert "<Message>" not in response.content.decode()


def forged(params: dict[str, str]) -> dict[str, str]:
    return {**params, "Body": "STOP"}


@pytest.mark.parametrize(
    ("case", "sign", "send", "headers"),
    [
        ("tampered parameter", lambda p: signature(p), lambda p: {**p, "From": "+447400654321"}, {}),
        ("extra parameter", lambda p: signature(p), lambda p: {**p, "OptOutType": "STOP"}, {}),
        ("signed for http", lambda p: signature(p, "http://learning.example.org" + PATH), lambda p: p, {}),
        ("signed for another host", lambda p: signature(p, "https://evil.example" + PATH), lambda p: p, {}),
        (
            "signed for the forwarded host",
            lambda p: signature(p, "https://evil.example" + PATH),
            lambda p: p,
            {"HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_HOST": "evil.example"},
        ),
        (
            "signed without the trailing slash",
            lambda p: signature(p, BASE + PATH.rstrip("/")),
            lambda p: p,
            {},
        ),
        (
            "signed with another token",
            lambda p: RequestValidator("x").compute_signature(BASE + PATH, p),
            lambda p: p,
            {},
        ),
        ("no signature", lambda p: "", lambda p: p, {}),
    ],
)
def test_a_request_twilio_did_not_sign_is_refused_and_changes_nothing(
    client, settings, case, sign, send, headers
):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)
    params = inbound("STOP")
    before = ConsentEvent.objects.count()

    response = client.post(PATH, send(params), HTTP_X_TWILIO_SIGNATURE=sign(params), **headers)

    assert response.status_code == 403, case
    assert ConsentEvent.objects.count() == before
    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.SUBSCRIBED


def test_a_signature_with_the_explicit_https_port_is_accepted(client):
    """Twilio signs with or without :443 depending on how the webhook URL was entered, so its
    RequestValidator accepts both forms of the same URL; the host and path must still match."""
    subscriber = SubscriberFactory(phone=NUMBER, sms=ConsentState.SUBSCRIBED)
    params = inbound("STOP")

    response = client.post(
        PATH, params, HTTP_X_TWILIO_SIGNATURE=signature(params, "https://learning.example.org:443" + PATH)
    )

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.OPTED_OUT


def test_get_is_not_allowed(client):
    assert client.get(PATH).status_code == 405
