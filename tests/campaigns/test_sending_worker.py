"""A real Celery worker sending through the real Twilio client to the loopback fake.

The ledger's promise under failure: a worker killed mid-batch, a Redis that restarts and forgets
every queued task, or a STOP arriving mid-campaign never texts anyone twice, misses nobody, and
texts nobody after their STOP is committed.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import connection
from twilio.request_validator import RequestValidator

from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Medium
from tests.factories import subscribed_employees
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, FakeTwilio
from tests.processes import run_manage, run_python
from tests.workers import CeleryWorker, wait_for

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]

LAUNCH = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from campaigns.models import Campaign
from campaigns.sending import launch
campaign = Campaign.objects.get(pk=int(sys.argv[1]))
launch(campaign=campaign, by=get_user_model().objects.get(username=sys.argv[2]))
"""


def worker_env(redis_url: str, fake: FakeTwilio, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "SMS_BACKEND": "campaigns.sms.twilio.TwilioBackend",
        "TWILIO_API_BASE_URL": fake.url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
        "SMS_RATE_PER_SECOND": "200",
        # Working hours all week, all day: these tests are about failures, not the clock.
        "SEND_WINDOW_DAYS": "0,1,2,3,4,5,6",
        "SEND_WINDOW_START": "00:00",
        "SEND_WINDOW_END": "00:00",
        **extra,
    }


def launch_in_subprocess(campaign: Campaign, user, env: dict[str, str]) -> None:
    launched = run_python(LAUNCH, env, str(campaign.pk), user.username)
    assert launched.returncode == 0, launched.stderr


def reconcile_in_subprocess(env: dict[str, str]) -> str:
    result = run_manage("reconcile_deliveries", "--stale-after", "0", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def texts_per_number(fake: FakeTwilio) -> Counter[str]:
    return Counter(request.params["To"] for request in fake.requests if request.method == "POST")


def wait_until_sent(campaign: Campaign, worker: CeleryWorker, timeout: float = 180) -> None:
    def finished() -> bool:
        campaign.refresh_from_db()
        return campaign.status == CampaignStatus.SENT

    wait_for(
        finished, timeout=timeout, what=f"the campaign to finish; the worker said:\n{worker.output()[-3000:]}"
    )


def test_a_worker_killed_mid_campaign_texts_every_recipient_exactly_once(
    campaign, internal_curator, fake, own_redis
):
    people = subscribed_employees(2000)
    env = worker_env(own_redis.url, fake)
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_for(lambda: len(fake.messages) >= 400, timeout=120, what="400 texts")
        worker.kill()
        assert len(fake.messages) < 2000, "the worker was to be killed mid-campaign"
        in_flight = Delivery.objects.filter(status=DeliveryStatus.CLAIMED).count()

        settled = reconcile_in_subprocess(env)
        worker = CeleryWorker(env).start()
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()

    assert texts_per_number(fake) == {person.phone: 1 for person in people}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}
    print(f"claimed when killed: {in_flight}; reconciler: {settled.strip()}")


def test_a_redis_restart_mid_campaign_loses_no_recipient_and_duplicates_none(
    campaign, internal_curator, fake, own_redis
):
    people = subscribed_employees(2000)
    env = worker_env(own_redis.url, fake)
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_for(lambda: len(fake.messages) >= 400, timeout=120, what="400 texts")
        own_redis.restart()  # every queued task is gone with it
        assert len(fake.messages) < 2000, "Redis was to restart mid-campaign"
        # The tasks that were sending stop at their next rate-limit check and put back what
        # they had not sent; then the reconciler (beat's job every minute) queues the rest.
        wait_for(
            lambda: not Delivery.objects.filter(status=DeliveryStatus.CLAIMED).exists(),
            timeout=60,
            what="the interrupted batches to put back their rows",
        )
        reconcile_in_subprocess(env)
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()

    assert texts_per_number(fake) == {person.phone: 1 for person in people}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def test_a_stop_mid_campaign_means_no_text_to_that_number_after_it_is_committed(
    campaign, internal_curator, fake, own_redis, client, settings
):
    people = subscribed_employees(300)
    env = worker_env(own_redis.url, fake, SMS_RATE_PER_SECOND="40")
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_for(lambda: len(fake.messages) >= 60, timeout=60, what="60 texts")
        # Three who are about to be texted: the next batch, the one after, and the last.
        quitters = [people[len(fake.messages) + 5], people[len(fake.messages) + 60], people[-1]]
        committed_at = {}
        for person in quitters:
            stop_by_text(client, person.phone, settings)
            committed_at[person.phone] = time.monotonic()
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()

    for person in quitters:
        late = [r for r in fake.texts_to(person.phone) if r.at > committed_at[person.phone]]
        assert late == [], f"texted {len(late)} time(s) after the STOP was committed"
        assert Delivery.objects.get(subscriber=person, medium=Medium.SMS).status in (
            DeliveryStatus.SKIPPED,
            DeliveryStatus.ACCEPTED,  # only if its batch had locked them before the STOP arrived
        )
    assert Delivery.objects.get(subscriber=people[-1]).status == DeliveryStatus.SKIPPED
    assert max(texts_per_number(fake).values()) == 1


def stop_by_text(client, phone: str, settings) -> None:
    params = {"From": phone, "Body": "STOP", "MessageSid": f"SM{phone[1:]:0>32}"}
    url = settings.PUBLIC_BASE_URL + "/hooks/twilio/inbound/"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = client.post("/hooks/twilio/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200  # the opt-out is committed before Twilio gets its answer


def test_a_workers_log_names_no_recipient(campaign, internal_curator, fake, own_redis):
    """The README promises logs name nobody: a worker sending a campaign logs its tasks and
    counts, never a number, an address or a personal link."""
    people = subscribed_employees(20)
    env = worker_env(own_redis.url, fake)
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()

    log = worker.output()
    assert "campaigns.tasks.send_deliveries" in log and "succeeded" in log  # it did log its work
    for person in people:
        for personal in (person.phone, person.phone.lstrip("+"), person.email, person.link_key):
            assert personal not in log, f"{personal!r} is in the worker's log"
    assert "/me/" not in log and "/u/" not in log
