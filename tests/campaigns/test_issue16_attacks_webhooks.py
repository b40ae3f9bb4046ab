"""Issue 16's webhooks attacked: email services' tracking posted without or with wrong auth, a
Mailgun signature replayed over other events, an email event naming a text's id, garbage and huge
bodies; WhatsApp messages and status callbacks forged or aimed at a text. Each is refused or
ignored, changes nothing it should not, and never answers 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from campaigns.hashing import address_hash
from campaigns.models import (
    ConsentState,
    Delivery,
    DeliveryStatus,
    EmailFeedback,
    MediaPreference,
    Medium,
    ReadCount,
    Suppression,
)
from tests.campaigns.email_services import (
    WEBHOOK_SECRET,
    basic_auth,
    delivery_to,
    mailgun_event,
    post_mailgun,
    post_postmark,
    postmark_complaint,
    send_campaign,
)
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

INBOUND_PATH = "/hooks/twilio/inbound/"
STATUS_PATH = "/hooks/twilio/status/"


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


@pytest.fixture
def send(placement, internal_curator, django_capture_on_commit_callbacks):
    def send_one(slug: str = "feedback-week"):
        return send_campaign(placement, internal_curator, django_capture_on_commit_callbacks, slug=slug)

    return send_one


def suppressed(email: str) -> bool:
    return Suppression.objects.filter(address_hash=address_hash(Medium.EMAIL, email)).exists()


# Email services' tracking webhooks.


@pytest.mark.parametrize("auth", [None, "hooks:wrong-password", "nobody:", WEBHOOK_SECRET + "x"])
def test_a_postmark_complaint_without_the_right_basic_auth_changes_nothing(postmark, send, auth):
    [person] = subscribed_employees(1)
    delivery = delivery_to(send(), person)

    response = post_postmark(postmark_complaint(delivery), auth=auth)

    assert response.status_code in (400, 401, 403)
    delivery.refresh_from_db()
    assert delivery.feedback == EmailFeedback.NONE
    assert not suppressed(person.email)
    person.refresh_from_db()
    assert person.email_state == ConsentState.SUBSCRIBED


def handed_over(campaign, person, medium: str, status: str, *, sid: str) -> Delivery:
    """A message the provider already has, as a status callback would find it."""
    return Delivery.objects.create(
        campaign=campaign,
        subscriber=person,
        medium=medium,
        status=status,
        not_before=timezone.now(),
        provider_id=sid,
    )


def test_a_replayed_mailgun_signature_cannot_carry_another_event(mailgun, send):
    """Mailgun signs only its timestamp and token, not the event: a signature copied from one
    genuine webhook must not vouch for a complaint about someone else's email."""
    alice, bob = subscribed_employees(2)
    campaign = send()
    genuine = mailgun_event(delivery_to(campaign, alice), "delivered")
    assert post_mailgun(genuine).status_code == 200

    forged = mailgun_event(delivery_to(campaign, bob), "complained")
    forged["signature"] = genuine["signature"]
    response = post_mailgun(forged)

    assert response.status_code in (400, 403)
    bob_delivery = delivery_to(campaign, bob)
    assert bob_delivery.feedback == EmailFeedback.NONE
    assert not suppressed(bob.email)


def test_a_genuine_mailgun_webhook_delivered_twice_is_acknowledged_and_changes_nothing_more(mailgun, send):
    """Mailgun retries when it missed our answer: the same signed event again is not an attack."""
    [person] = subscribed_employees(1)
    delivery = delivery_to(send(), person)
    event = mailgun_event(delivery, "delivered")

    assert post_mailgun(event).status_code == 200
    assert post_mailgun(event).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_mailgun_signature_from_long_ago_is_refused(mailgun, send):
    [person] = subscribed_employees(1)
    delivery = delivery_to(send(), person)
    stale = mailgun_event(delivery, "complained", timestamp="1700000000")  # November 2023

    response = post_mailgun(stale)

    assert response.status_code in (400, 403)
    delivery.refresh_from_db()
    assert delivery.feedback == EmailFeedback.NONE


def test_an_email_event_naming_a_texts_provider_id_leaves_the_text_alone(postmark, send, placement):
    [person] = subscribed_employees(1)
    campaign = send()
    email = delivery_to(campaign, person)
    text_campaign = ready_campaign(placements=[placement], slug="texts", media=MediaPreference.SMS)
    text = handed_over(text_campaign, person, Medium.SMS, DeliveryStatus.SENT, sid="SM" + "a" * 32)
    event = postmark_complaint(email)
    event["MessageID"] = text.provider_id

    assert post_postmark(event).status_code == 200

    text.refresh_from_db()
    assert (text.status, text.feedback, text.error) == (DeliveryStatus.SENT, EmailFeedback.NONE, "")
    assert not suppressed(person.email)


def test_an_email_event_for_another_campaigns_email_moves_only_that_email(postmark, send):
    [person] = subscribed_employees(1)
    first, second = send("first-week"), send("second-week")
    event = postmark_complaint(delivery_to(first, person))

    assert post_postmark(event).status_code == 200

    assert delivery_to(first, person).feedback == EmailFeedback.COMPLAINED
    assert delivery_to(second, person).feedback == EmailFeedback.NONE


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        "null",
        '"a string"',
        "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
        json.dumps({"RecordType": "Bounce", "MessageID": ["a", "list"], "Type": {"x": 1}}),
        json.dumps({"RecordType": "SpamComplaint", "MessageID": "x" * 10_000, "Email": "y" * 10_000}),
    ],
)
def test_garbage_postmark_bodies_with_the_right_auth_get_a_4xx_not_a_500(postmark, body):
    response = Client(raise_request_exception=False).post(
        reverse("anymail:postmark_tracking_webhook"),
        data=body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
        **basic_auth(WEBHOOK_SECRET),
    )
    assert response.status_code < 500


@pytest.mark.parametrize("body", ["{not json", "[]", json.dumps({"signature": "flat"})])
def test_garbage_mailgun_bodies_get_a_4xx_not_a_500(mailgun, body):
    response = Client(raise_request_exception=False).post(
        reverse("anymail:mailgun_tracking_webhook"),
        data=body,
        content_type="application/json",
        **basic_auth(WEBHOOK_SECRET),
    )
    assert response.status_code < 500


def test_a_huge_webhook_body_is_refused_without_reading_it_into_a_500(postmark, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    body = json.dumps({"RecordType": "Delivery", "Details": "x" * 3_000_000})
    response = Client(raise_request_exception=False).post(
        reverse("anymail:postmark_tracking_webhook"),
        data=body,
        content_type="application/json",
        **basic_auth(WEBHOOK_SECRET),
    )
    assert 400 <= response.status_code < 500


# WhatsApp through Twilio's webhooks.


def whatsapp_people(count: int):
    return subscribed_employees(count, media=(Medium.WHATSAPP,), preferred_media=MediaPreference.WHATSAPP)


def signature_for(settings, path: str, params: dict[str, str]) -> str:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    return RequestValidator(AUTH_TOKEN).compute_signature(settings.PUBLIC_BASE_URL + path, params)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_TWILIO_SIGNATURE": ""},
        {"HTTP_X_TWILIO_SIGNATURE": "bm90IGEgc2lnbmF0dXJl"},
    ],
)
def test_a_whatsapp_stop_without_twilios_signature_is_refused_and_changes_nothing(client, settings, headers):
    [person] = whatsapp_people(1)
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    params = {"From": f"whatsapp:{person.phone}", "Body": "STOP", "MessageSid": "SM" + "1" * 32}

    response = client.post(INBOUND_PATH, params, **headers)

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.whatsapp_state == ConsentState.SUBSCRIBED
    assert person.whatsapp_inbound_at is None


def test_a_whatsapp_stop_signed_for_other_words_is_refused(client, settings):
    [person] = whatsapp_people(1)
    signed = {"From": f"whatsapp:{person.phone}", "Body": "HELP", "MessageSid": "SM" + "2" * 32}
    signature = signature_for(settings, INBOUND_PATH, signed)

    response = client.post(INBOUND_PATH, {**signed, "Body": "STOP"}, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.whatsapp_state == ConsentState.SUBSCRIBED


def test_a_read_receipt_for_a_texts_sid_neither_moves_the_text_nor_counts_a_read(client, settings, placement):
    [person] = subscribed_employees(1)
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    text = handed_over(campaign, person, Medium.SMS, DeliveryStatus.DELIVERED, sid="SM" + "b" * 32)
    params = {"MessageSid": text.provider_id, "MessageStatus": "read", "To": f"whatsapp:{person.phone}"}

    response = client.post(
        STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature_for(settings, STATUS_PATH, params)
    )

    assert response.status_code == 204
    text.refresh_from_db()
    assert text.status == DeliveryStatus.DELIVERED
    assert not ReadCount.objects.exists()


def test_a_forged_whatsapp_status_callback_is_refused(client, settings, placement):
    [person] = whatsapp_people(1)
    campaign = ready_campaign(placements=[placement], media=MediaPreference.WHATSAPP)
    message = handed_over(campaign, person, Medium.WHATSAPP, DeliveryStatus.SENT, sid="SM" + "c" * 32)
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN

    response = client.post(
        STATUS_PATH,
        {"MessageSid": message.provider_id, "MessageStatus": "failed", "ErrorCode": "63024"},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT


def test_a_replayed_legacy_mailgun_signature_cannot_carry_another_event(mailgun, send):
    """Mailgun's older form-encoded webhooks put the same signature fields among the event's."""
    alice, bob = subscribed_employees(2)
    campaign = send()
    genuine = mailgun_event(delivery_to(campaign, alice), "delivered")["signature"]

    def legacy(person, event: str) -> dict[str, str]:
        return {
            **genuine,
            "event": event,
            "recipient": person.email,
            "Message-Id": delivery_to(campaign, person).provider_id,
        }

    first = Client().post(
        reverse("anymail:mailgun_tracking_webhook"), legacy(alice, "delivered"), **basic_auth(WEBHOOK_SECRET)
    )
    replayed = Client().post(
        reverse("anymail:mailgun_tracking_webhook"), legacy(bob, "complained"), **basic_auth(WEBHOOK_SECRET)
    )

    assert first.status_code == 200
    assert replayed.status_code in (400, 403)
    assert delivery_to(campaign, bob).feedback == EmailFeedback.NONE
    assert not suppressed(bob.email)


@pytest.mark.parametrize(
    "params",
    [
        {"From": "whatsapp:", "Body": "STOP", "MessageSid": "SM" + "3" * 32},
        {"From": "whatsapp:not-a-number", "Body": "START", "MessageSid": "SM" + "4" * 32},
        {"From": "whatsapp:+447700100001", "Body": "x" * 100_000, "MessageSid": "SM" + "5" * 32},
        {"From": "whatsapp:+447700100001", "Body": "STOP\x00", "MessageSid": ""},
        {"From": "whatsapp:+447700100001", "Body": "\uff33\uff34\uff2f\uff30", "MessageSid": "x" * 5_000},
        {"From": "whatsapp:+44770010000" + "1" * 300, "Body": "HELP", "MessageSid": "SM" + "6" * 32},
    ],
)
def test_odd_signed_whatsapp_messages_get_an_answer_never_a_server_error(settings, params):
    signature = signature_for(settings, INBOUND_PATH, params)

    response = Client(raise_request_exception=False).post(
        INBOUND_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature
    )

    assert response.status_code in (200, 204, 400)


def test_a_signed_read_receipt_replayed_with_new_idempotency_tokens_is_counted_once(
    client, settings, placement
):
    """Twilio's signature covers the address and the form, not the I-Twilio-Idempotency-Token
    header: a copied "read" callback sent again under fresh tokens (or none) must not inflate the
    campaign's reads. A message is read once."""
    [person] = whatsapp_people(1)
    campaign = ready_campaign(placements=[placement], media=MediaPreference.WHATSAPP)
    message = handed_over(campaign, person, Medium.WHATSAPP, DeliveryStatus.DELIVERED, sid="SM" + "d" * 32)
    params = {"MessageSid": message.provider_id, "MessageStatus": "read", "To": f"whatsapp:{person.phone}"}
    signature = signature_for(settings, STATUS_PATH, params)

    for token in ["first", "second", "third", None, None]:
        headers = {"HTTP_I_TWILIO_IDEMPOTENCY_TOKEN": token} if token else {}
        assert (
            client.post(STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature, **headers).status_code == 204
        )

    assert ReadCount.objects.get(campaign=campaign).reads == 1


@pytest.mark.parametrize("recipient", ["", "someone-else@acme-learning.example"])
def test_a_complaint_about_an_erased_employees_email_is_acknowledged_and_names_nobody(
    postmark, send, recipient
):
    [person] = subscribed_employees(1)
    delivery = delivery_to(send(), person)
    event = {**postmark_complaint(delivery), "Email": recipient}
    person.delete()  # erased: the ledger row stays, with nobody on it

    response = post_postmark(event)

    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.subscriber is None and delivery.feedback == EmailFeedback.COMPLAINED


def test_a_signed_whatsapp_start_replayed_after_a_stop_does_not_opt_back_in(client, settings):
    """The signature proves Twilio sent it once; the MessageSid the ledger already names is not
    acted on twice, so a copied START cannot undo the person's later STOP."""
    [person] = whatsapp_people(1)

    def signed(body: str, sid: str):
        params = {"From": f"whatsapp:{person.phone}", "Body": body, "MessageSid": sid}
        return client.post(
            INBOUND_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature_for(settings, INBOUND_PATH, params)
        )

    signed("STOP", "SM" + "a1" * 16)
    signed("START", "SM" + "b2" * 16)
    signed("STOP", "SM" + "c3" * 16)
    replayed = signed("START", "SM" + "b2" * 16)

    assert replayed.status_code == 200
    person.refresh_from_db()
    assert person.whatsapp_state == ConsentState.OPTED_OUT
