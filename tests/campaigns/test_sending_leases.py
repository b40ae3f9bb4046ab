"""Claims are leases their worker renews: a real worker, a real reconciler running beside it.

The reconciler settles claims whose worker is gone; it must never take one from a live worker
however slow the provider is, and must pick up a killed worker's rows soon. A STOP must not wait
for the shared rate limit while the sender holds the employee's row.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from campaigns.models import Delivery, DeliveryStatus, Medium
from tests.campaigns.test_sending_worker import (
    launch_in_subprocess,
    stop_by_text,
    wait_until_sent,
    worker_env,
)
from tests.factories import subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN, FakeTwilio
from tests.processes import PROJECT_ROOT, SETTINGS_VARIABLES
from tests.workers import CeleryWorker, wait_for

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]

RECONCILE_FOREVER = """
import sys, time, django
django.setup()
from campaigns.sending import reconcile
while True:
    print(reconcile(), flush=True)
    time.sleep(float(sys.argv[1]))
"""


class Reconciler:
    """The reconciler in a process of its own, run every `every` seconds as beat would run it."""

    def __init__(self, env: dict[str, str], every: float) -> None:
        clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
        self.log = Path(tempfile.mkstemp(prefix="reconciler-", suffix=".log")[1])
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", RECONCILE_FOREVER, str(every)],
                cwd=PROJECT_ROOT,
                env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def test_a_slow_provider_with_the_reconciler_running_beside_the_worker_texts_everyone_once(
    campaign,
    internal_curator,
    own_redis,
):
    fake = FakeTwilio(answer_after=0.2).start()
    people = subscribed_employees(70)
    # Batches of 50 and 20: the one at 0.2 s a text takes 10 s, the other leaves its worker free
    # after 4 s, while a claim not renewed for 3 s counts as abandoned.
    env = worker_env(
        own_redis.url,
        fake,
        SMS_RATE_PER_SECOND="10",
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

    calls = fake.calls_per_number()
    twice = sum(1 for person in people if calls[person.phone] > 1)
    missed = sum(1 for person in people if calls[person.phone] == 0)
    print(f"slow provider, live reconciler: {twice} texted twice, {missed} missed of {len(people)}")
    assert calls == {person.phone: 1 for person in people}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def test_a_killed_worker_started_again_resumes_with_beats_reconciler_and_texts_everyone_once(
    campaign,
    internal_curator,
    own_redis,
):
    fake = FakeTwilio().start()
    people = subscribed_employees(600)
    # The default lease; the reconciler every minute, as beat runs it.
    env = worker_env(own_redis.url, fake, SMS_RATE_PER_SECOND="20")
    worker = CeleryWorker(env).start()
    reconciler = Reconciler(env, every=60)
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        wait_for(lambda: len(fake.messages) >= 100, timeout=120, what="100 texts")
        worker.kill()
        killed_at = time.monotonic()
        assert len(fake.messages) < len(people), "the worker was to be killed mid-campaign"
        in_flight = Delivery.objects.filter(status=DeliveryStatus.CLAIMED).count()
        worker = CeleryWorker(env).start()
        wait_until_sent(campaign, worker, timeout=240)
        finished_at = time.monotonic()
    finally:
        reconciler.stop()
        worker.stop()
        fake.stop()

    print(f"claimed when killed: {in_flight}; every text out {finished_at - killed_at:.0f} s after the kill")
    assert fake.calls_per_number() == {person.phone: 1 for person in people}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def test_a_stop_sent_while_the_next_text_waits_for_the_rate_limit_is_obeyed(
    campaign,
    internal_curator,
    own_redis,
    client,
    settings,
):
    fake = FakeTwilio().start()
    people = subscribed_employees(10)
    # One text every two seconds, from one task: who is next is known, and waits for a token.
    env = worker_env(own_redis.url, fake, SMS_RATE_PER_SECOND="0.5", SEND_PARALLEL_TASKS="1")
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    worker = CeleryWorker(env).start()
    quitters, waits = [], []
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        for texts in (1, 3, 5):
            wait_for(lambda n=texts: len(fake.messages) >= n, timeout=60, what=f"{texts} texts")
            time.sleep(0.5)  # well inside the two seconds until the next token
            upcoming = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED])
            quitter = upcoming.order_by("not_before", "pk").first().subscriber
            started = time.monotonic()
            stop_by_text(client, quitter.phone, settings)
            waits.append(time.monotonic() - started)
            quitters.append(quitter)
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()
        fake.stop()

    print(f"STOP while a text waited for the rate limit: longest wait {max(waits):.2f} s")
    for quitter in quitters:
        assert fake.texts_to(quitter.phone) == [], f"{quitter.phone} was texted after texting STOP"
        assert Delivery.objects.get(subscriber=quitter, medium=Medium.SMS).status == DeliveryStatus.SKIPPED
    assert fake.calls_per_number() == {p.phone: 1 for p in people if p not in quitters}
