"""A worker outlives its broker: Redis killed and restarted again and again mid-campaign.

No supervisor restarts the worker here, so a worker whose main process exits on a broker
restart leaves the campaign stuck. Redis keeps nothing on disk, so each restart also forgets
every queued task; the test plays beat's part and runs the reconciler, which queues the work
again from the ledger in PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from campaigns.models import Campaign, CampaignStatus, DeliveryStatus, MediaPreference
from tests.campaigns.test_sending_worker import launch_in_subprocess, texts_per_number, worker_env
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.processes import run_manage
from tests.workers import CeleryWorker, RedisServer, wait_for

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]

RESTARTS = 5
RECONNECTED = "Connected to redis://"


def test_a_worker_survives_repeated_redis_restarts_and_texts_everyone_exactly_once(
    internal_curator, fake, own_redis
):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    people = subscribed_employees(1000)
    # Random points of the send, the same on every run: after this many texts Redis goes.
    points = sorted(random.Random(20261206).sample(range(20, 700), RESTARTS))
    # Slow enough (50 s in all) that the restarts and their recovery fit inside the send.
    env = worker_env(own_redis.url, fake, SMS_RATE_PER_SECOND="20")
    worker = CeleryWorker(env).start()
    try:
        launch_in_subprocess(campaign, internal_curator, env)
        for restart, point in enumerate(points, start=1):
            beat_until(lambda point=point: len(fake.messages) >= point, env, what=f"{point} texts")
            assert len(fake.messages) < len(people), f"restart {restart} was to land mid-campaign"
            restart_redis(own_redis, worker)
            assert worker.process.poll() is None, (
                f"the worker exited after restart {restart} of {RESTARTS}:\n{worker.output()[-3000:]}"
            )
        beat_until(lambda: sent(campaign), env, what="the campaign to finish")
        assert worker.process.poll() is None
    finally:
        worker.stop()

    assert texts_per_number(fake) == {person.phone: 1 for person in people}
    assert set(campaign.deliveries.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def restart_redis(own_redis: RedisServer, worker: CeleryWorker) -> None:
    """Kill Redis and start it again, empty; return once the worker has reconnected or exited."""
    connections = worker.output().count(RECONNECTED)
    own_redis.restart()
    wait_for(
        lambda: worker.process.poll() is not None or worker.output().count(RECONNECTED) > connections,
        timeout=60,
        what="the worker to reconnect or exit",
    )


def beat_until(condition: Callable[[], bool], env: dict[str, str], *, what: str) -> None:
    """What beat does every minute, every few seconds: the reconciler queues every sending
    campaign with due rows (the tasks Redis forgot) and settles claims no worker renews."""

    def reconciled_until() -> bool:
        if condition():
            return True
        result = run_manage("reconcile_deliveries", env=env)
        assert result.returncode == 0, result.stderr
        return False

    wait_for(reconciled_until, timeout=180, interval=3, what=what)


def sent(campaign: Campaign) -> bool:
    campaign.refresh_from_db()
    return campaign.status == CampaignStatus.SENT
