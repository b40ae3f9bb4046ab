"""When the provider says no: through the real Twilio client to the loopback fake.

A wrong number is suppressed and not retried; a busy provider is retried later with backoff; an
outcome lost to a timeout is settled from the provider's log, never re-sent blindly; a send that
mostly fails pauses the campaign, and resuming sends only to the rest.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from campaigns import consent, sending
from campaigns.models import CampaignStatus, Delivery, DeliveryStatus, MediaPreference, Medium
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import TUESDAY_MORNING

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def campaign():
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(placements=[placement], media=MediaPreference.SMS)


def launch(campaign, user, capture):
    with capture(execute=True):
        sending.launch(campaign=campaign, by=user)
    campaign.refresh_from_db()
    return campaign


def delivery_to(person) -> Delivery:
    return Delivery.objects.get(subscriber=person, medium=Medium.SMS)


def test_a_number_that_cannot_take_texts_fails_with_the_reason_and_is_suppressed(
    campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    good, landline = subscribed_employees(2)
    twilio_fake.fail_for(landline.phone, status=400, code=21614, message="'To' number is not a valid mobile")
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    failed = delivery_to(landline)
    assert failed.status == DeliveryStatus.FAILED
    assert failed.error == "The number is not a mobile and cannot receive texts (21614)."
    assert consent.is_suppressed(Medium.SMS, landline.phone)
    assert delivery_to(good).status == DeliveryStatus.ACCEPTED
    assert campaign.status == CampaignStatus.SENT


def test_a_busy_provider_is_tried_again_later_not_at_once(
    campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)
    twilio_fake.fail_for(person.phone, status=429, code=20429, message="Too Many Requests")
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    waiting = delivery_to(person)
    assert waiting.status == DeliveryStatus.PENDING
    assert waiting.not_before >= TUESDAY_MORNING + timedelta(seconds=30)
    assert len(twilio_fake.texts_to(person.phone)) == 1

    twilio_fake.scripted.clear()
    with (
        time_machine.travel(waiting.not_before + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sending.reconcile()
    assert delivery_to(person).status == DeliveryStatus.ACCEPTED
    assert len(twilio_fake.texts_to(person.phone)) == 2


def test_a_timeout_after_the_request_left_is_unknown_and_settled_from_twilios_log(
    campaign, internal_curator, twilio_fake, settings, django_capture_on_commit_callbacks
):
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    (person,) = subscribed_employees(1)
    twilio_fake.stall_for(person.phone, 1.5)  # Twilio takes the text, but answers too late
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    unknown = delivery_to(person)
    assert unknown.status == DeliveryStatus.UNKNOWN
    assert "may have been sent" in unknown.error

    result = sending.reconcile(stale_after=timedelta(0))

    assert (result.found_sent, result.requeued) == (1, 0)
    settled = delivery_to(person)
    assert settled.status == DeliveryStatus.ACCEPTED
    assert settled.provider_id == twilio_fake.messages[0]["sid"]
    assert len(twilio_fake.texts_to(person.phone)) == 1


def test_a_claim_whose_text_never_left_is_sent_after_the_log_shows_nothing(
    campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)
    with django_capture_on_commit_callbacks(execute=False):  # launched, but no worker picked it up
        sending.launch(campaign=campaign, by=internal_curator)
    # A worker claimed the row and died before calling Twilio.
    Delivery.objects.update(status=DeliveryStatus.CLAIMED, claimed_at=TUESDAY_MORNING, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = sending.reconcile(stale_after=timedelta(0))

    assert (result.found_sent, result.requeued) == (0, 1)
    assert delivery_to(person).status == DeliveryStatus.ACCEPTED
    assert len(twilio_fake.texts_to(person.phone)) == 1


def test_a_worker_whose_lapsed_claim_was_taken_leaves_those_rows_to_their_new_owner(
    campaign, internal_curator, twilio_fake, caplog, django_capture_on_commit_callbacks
):
    people = subscribed_employees(3)
    with django_capture_on_commit_callbacks(execute=False):
        sending.launch(campaign=campaign, by=internal_curator)
    campaign.refresh_from_db()
    claim, rows = sending.claim_batch(campaign)  # a worker claims a batch, then stalls past its lease
    # The reconciler takes the lapsed claim and queues sending: a new owner texts everyone.
    taken = sending.reconcile(stale_after=timedelta(0))
    assert taken.requeued == 3

    sending.send_batch(campaign, claim, rows, sending.Tally())  # the stalled worker wakes up
    sending.send_due(campaign_id=campaign.pk)

    assert twilio_fake.calls_per_number() == {person.phone: 1 for person in people}
    assert "lost 3 row(s) after its lease lapsed" in caplog.text


def test_a_campaign_that_mostly_fails_pauses_and_resuming_sends_only_to_the_rest(
    campaign, internal_curator, twilio_fake, settings, django_capture_on_commit_callbacks
):
    settings.PAUSE_AFTER_FAILURES = 5
    settings.SMS_RATE_PER_SECOND = 5  # parts of five, so the pause lands mid-send
    people = subscribed_employees(30)
    for person in people[2:]:
        twilio_fake.fail_for(
            person.phone, status=400, code=21408, message="Permission to send an SMS has not been enabled"
        )
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.paused_reason.startswith("Paused: ")
    assert "Our Twilio account may not text numbers in this country (21408)." in campaign.paused_reason
    tried = {request.params["To"] for request in twilio_fake.requests if request.method == "POST"}
    assert len(tried) < 30

    twilio_fake.scripted.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sending.resume(campaign=campaign, by=internal_curator)
    campaign.refresh_from_db()

    assert campaign.status == CampaignStatus.SENT
    posts = [request.params["To"] for request in twilio_fake.requests if request.method == "POST"]
    assert len(posts) == len(set(posts)) == 30  # nobody tried twice; the rest reached on resume
    assert Delivery.objects.filter(status=DeliveryStatus.FAILED).count() == len(tried) - 2


def test_the_text_expires_in_the_providers_queue_when_working_hours_end(
    campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)
    with time_machine.travel(datetime(2026, 11, 24, 19, 30, tzinfo=UTC), tick=False):  # 19:30 London
        launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    assert twilio_fake.texts_to(person.phone)[0].params["ValidityPeriod"] == "1800"


def test_cancelling_a_scheduled_campaign_sends_nothing(
    campaign, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    subscribed_employees(2)
    campaign.send_at = TUESDAY_MORNING + timedelta(hours=2)
    campaign.save()
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    sending.cancel(campaign=campaign, by=internal_curator)

    with time_machine.travel(TUESDAY_MORNING + timedelta(hours=3)):
        assert sending.release_due_campaigns() == 0
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    assert sms_outbox == []


def test_a_mail_server_that_never_answers_is_given_up_on_and_tried_again_later(
    internal_curator, settings, django_capture_on_commit_callbacks
):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement], media=MediaPreference.EMAIL)
    (person,) = subscribed_employees(1)
    with socket.socket() as silent:  # takes the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 1
        launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    waiting = Delivery.objects.get(subscriber=person, medium=Medium.EMAIL)
    assert waiting.status == DeliveryStatus.PENDING  # nothing left: not "unknown", which waits for a person
    assert waiting.error == "The mail server did not answer; it will be tried again."
    assert waiting.not_before >= TUESDAY_MORNING + timedelta(seconds=30)
