"""WhatsApp through a real Celery worker and the real twilio client, as texts are tested.

The ledger's promises hold for WhatsApp too: a slow provider with the reconciler running beside the
worker, or a worker killed mid-campaign and the reconciler settling its claims from Twilio's log
(listed by To=whatsapp:+E164), sends each person one message, misses nobody, and a STOP by
WhatsApp mid-campaign is obeyed.
"""

from __future__ import annotations

import time

import pytest
from twilio.request_validator import RequestValidator

from campaigns.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    MediaPreference,
    Medium,
    Segment,
    WhatsAppTemplate,
)
from campaigns.whatsapp import templates
from tests.campaigns.test_sending_leases import Reconciler
from tests.campaigns.test_sending_worker import (
    launch_in_subprocess,
    reconcile_in_subprocess,
    wait_until_sent,
    worker_env,
)
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_SENDER, FakeTwilio
from tests.workers import CeleryWorker, wait_for

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]


def whatsapp_env(redis_url: str, fake: FakeTwilio, **extra: str) -> dict[str, str]:
    return worker_env(
        redis_url,
        fake,
        WHATSAPP_BACKEND="campaigns.whatsapp.twilio.TwilioWhatsAppBackend",
        TWILIO_WHATSAPP_FROM=WHATSAPP_SENDER,
        **extra,
    )


def whatsapp_campaign(fake: FakeTwilio, settings) -> Campaign:
    """A WhatsApp campaign with an approved template, read from the fake through the Content API."""
    settings.WHATSAPP_BACKEND = "campaigns.whatsapp.twilio.TwilioWhatsAppBackend"
    settings.TWILIO_API_BASE_URL, settings.TWILIO_AUTH_TOKEN = fake.url, AUTH_TOKEN
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    fake.add_template("learning_nudge", "Hi {{1}}, worth a look: {{2}}")
    templates.refresh_templates()
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(
        placements=[placement],
        segments=[Segment.objects.create(name="Everyone, any medium", medium=MediaPreference.ALL)],
        media=MediaPreference.WHATSAPP,
        whatsapp_template=WhatsAppTemplate.objects.get(),
        whatsapp_variables={"1": "first_name", "2": "links"},
    )


def whatsapp_people(count: int):
    return subscribed_employees(count, media=(Medium.WHATSAPP,), preferred_media=MediaPreference.WHATSAPP)


def sends_per_person(fake: FakeTwilio, people) -> dict[str, int]:
    calls = fake.calls_per_number()
    return {person.phone: calls[f"whatsapp:{person.phone}"] for person in people}


def test_a_slow_provider_with_the_reconciler_running_beside_the_worker_sends_each_whatsapp_once(
    internal_curator, own_redis, settings
):
    fake = FakeTwilio(answer_after=0.2).start()
    campaign = whatsapp_campaign(fake, settings)
    people = whatsapp_people(70)
    # As for texts: a 50-message batch takes 10 s at 0.2 s a message; a claim not renewed for 3 s
    # counts as abandoned, so only the lease keeps the reconciler off the live worker's rows.
    env = whatsapp_env(
        own_redis.url,
        fake,
        WHATSAPP_RATE_PER_SECOND="10",
        DELIVERY_BATCH_SIZE="50",
        DELIVERY_CLAIM_SECONDS="3",
    )
    worker = CeleryWorker(env).start()
    reconciler = Reconciler(env, every=1)
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_until_sent(campaign, worker)
    finally:
        reconciler.stop()
        worker.stop()
        fake.stop()

    assert sends_per_person(fake, people) == {person.phone: 1 for person in people}
    assert all(
        "ContentSid" in r.params and "Body" not in r.params for r in fake.requests if r.method == "POST"
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def test_a_worker_killed_mid_campaign_sends_each_whatsapp_once_after_the_reconciler(
    internal_curator, own_redis, settings
):
    fake = FakeTwilio().start()
    campaign = whatsapp_campaign(fake, settings)
    people = whatsapp_people(600)
    env = whatsapp_env(own_redis.url, fake, WHATSAPP_RATE_PER_SECOND="40")
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_for(lambda: len(fake.messages) >= 100, timeout=120, what="100 WhatsApp messages")
        worker.kill()
        assert len(fake.messages) < len(people), "the worker was to be killed mid-campaign"
        settled = reconcile_in_subprocess(env)
        worker = CeleryWorker(env).start()
        wait_until_sent(campaign, worker, timeout=240)
    finally:
        worker.stop()
        fake.stop()

    print(f"reconciler after the kill: {settled.strip()}")
    assert sends_per_person(fake, people) == {person.phone: 1 for person in people}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def test_a_stop_by_whatsapp_mid_campaign_means_no_message_after_it_is_committed(
    internal_curator, own_redis, client, settings
):
    fake = FakeTwilio().start()
    campaign = whatsapp_campaign(fake, settings)
    people = whatsapp_people(200)
    env = whatsapp_env(own_redis.url, fake, WHATSAPP_RATE_PER_SECOND="40")
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_for(lambda: len(fake.messages) >= 40, timeout=60, what="40 WhatsApp messages")
        quitters = [people[len(fake.messages) + 20], people[-1]]
        committed_at = {}
        for person in quitters:
            params = {
                "From": f"whatsapp:{person.phone}",
                "Body": "STOP",
                "MessageSid": f"SM{person.phone[1:]:0>32}",
            }
            url = settings.PUBLIC_BASE_URL + "/hooks/twilio/inbound/"
            signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
            assert (
                client.post("/hooks/twilio/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature).status_code
                == 200
            )
            committed_at[person.phone] = time.monotonic()
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()
        fake.stop()

    for person in quitters:
        late = [r for r in fake.whatsapp_to(person.phone) if r.at > committed_at[person.phone]]
        assert late == [], f"sent {len(late)} WhatsApp message(s) after the STOP was committed"
    assert Delivery.objects.get(subscriber=people[-1]).status == DeliveryStatus.SKIPPED
    assert max(sends_per_person(fake, people).values()) == 1
