"""Sends are never stuck behind a backfill: real workers, laid out as docker-compose.yml lays them
out (one consuming sending and receipts, one syncs and housekeeping), a Redis of the test's own,
the real Twilio and YouTube clients against their loopback fakes.

The backfill is held: YouTube's fake keeps every report request waiting until the test lets it
go, so "still running" is a fact the test controls rather than a race against a clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler

import pytest
import redis

from analytics.models import SyncRun, SyncStatus
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, MediaPreference, Medium
from config import queues
from config.celery import app
from tests.campaigns.test_sending_worker import launch_in_subprocess, texts_per_number, worker_env
from tests.factories import (
    live_item,
    ready_campaign,
    subscribed_employees,
    youtube_channel_with_videos,
)
from tests.fakes.twilio import FakeTwilio
from tests.fakes.youtube import REPORTS_PATH, FakeYouTube
from tests.processes import run_python
from tests.workers import CeleryWorker, RedisServer, wait_for

pytestmark = [
    pytest.mark.requires("postgres", "redis"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),  # beat's publishing
]

VIDEOS = ["video000001", "video000002"]
PEOPLE = 20
# A year's backfill, queued a run per month.
BACKFILL_MONTHS = [(date(2024, month, 1), date(2024, month, 28)) for month in range(1, 13)]

QUEUE_BACKFILL = """
import sys, django
django.setup()
from datetime import date
from django.db import transaction
from analytics import services
from analytics.sources.base import Period
from channels.models import Channel
channel = Channel.objects.get(pk=int(sys.argv[1]))
with transaction.atomic():
    for start, end in zip(sys.argv[2::2], sys.argv[3::2]):
        services.queue_sync(
            source="youtube",
            channel=channel,
            period=Period(date.fromisoformat(start), date.fromisoformat(end)),
            requested_by="backfill",
        )
"""


@dataclass
class HeldYouTube(FakeYouTube):
    """YouTube's fake, whose report requests wait until `release()`: a sync that runs for as
    long as the test needs it to."""

    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        if handler.path.startswith(REPORTS_PATH):
            self.holding.set()
            self.released.wait(timeout=300)
        super()._handle(handler, method)


@pytest.fixture
def youtube():
    fake = HeldYouTube().start()
    for video in VIDEOS:
        fake.add_video(video)
    yield fake
    fake.release()
    fake.stop()


@pytest.fixture
def twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.kill()


@pytest.fixture
def env(broker, twilio, youtube) -> dict[str, str]:
    # The Google client waits for a held report as long as the test holds it, not a minute.
    return {**worker_env(broker.url, twilio), **youtube.env(), "GOOGLE_TIMEOUT_SECONDS": "600"}


@pytest.fixture
def compose_workers(env, youtube):
    """docker-compose.yml's two workers, started together (each takes seconds to import Django)."""
    sender = CeleryWorker(env, queues=(queues.SENDING, queues.RECEIPTS), concurrency=2, name="send")
    syncer = CeleryWorker(env, queues=(queues.SYNCS, queues.HOUSEKEEPING), concurrency=1, name="sync")
    started = [sender.start(wait=False), syncer.start(wait=False)]
    try:
        for worker in started:
            worker.ready()
        yield sender, syncer
    finally:
        # Killed, not stopped: a warm shutdown would wait for the held sync, and nothing here is
        # about shutting down.
        for worker in started:
            worker.kill()


@pytest.fixture
def channel():
    return youtube_channel_with_videos(VIDEOS)


@pytest.fixture
def campaign():
    subscribed_employees(PEOPLE, media=(Medium.SMS,))
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(placements=[placement], media=MediaPreference.SMS)


def as_beat(broker: RedisServer, task_name: str) -> None:
    """What beat does every minute: publish a task by name, routed by config/queues.py."""
    with app.connection_for_write(broker.url) as connection:
        app.send_task(task_name, connection=connection)


def queue_backfill(channel, env: dict[str, str], months: list[tuple[date, date]]) -> None:
    periods = [day.isoformat() for month in months for day in month]
    queued = run_python(QUEUE_BACKFILL, env, str(channel.pk), *periods)
    assert queued.returncode == 0, queued.stderr


def backfill_is_held(youtube: HeldYouTube, syncer: CeleryWorker) -> None:
    wait_for(
        lambda: youtube.holding.is_set() and SyncRun.objects.filter(status=SyncStatus.RUNNING).exists(),
        timeout=60,
        what=f"the backfill to be running; the sync worker said:\n{syncer.output()[-3000:]}",
    )


def all_texted(twilio: FakeTwilio, sender: CeleryWorker) -> None:
    wait_for(
        lambda: len(twilio.messages) >= PEOPLE,
        timeout=60,
        what=f"{PEOPLE} texts; the sending worker said:\n{sender.output()[-3000:]}",
    )


def test_a_campaigns_texts_go_out_while_a_backfill_is_running(
    channel, campaign, internal_curator, env, twilio, youtube, compose_workers
):
    sender, syncer = compose_workers
    queue_backfill(channel, env, BACKFILL_MONTHS[:1])
    backfill_is_held(youtube, syncer)

    launch_in_subprocess(campaign, internal_curator, env)
    all_texted(twilio, sender)

    backfill = SyncRun.objects.get()
    assert backfill.status == SyncStatus.RUNNING  # the texts did not wait for it
    assert not youtube.released.is_set()
    assert texts_per_number(twilio) == {number: 1 for number in texts_per_number(twilio)}
    assert len(texts_per_number(twilio)) == PEOPLE
    wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT,
        timeout=30,
        what="the campaign to be marked sent",
    )

    youtube.release()
    wait_for(
        lambda: SyncRun.objects.get(pk=backfill.pk).status != SyncStatus.RUNNING,
        timeout=60,
        what=f"the backfill to finish; the sync worker said:\n{syncer.output()[-3000:]}",
    )
    assert SyncRun.objects.get(pk=backfill.pk).status == SyncStatus.SUCCEEDED  # and it lost nothing


def test_with_every_sync_slot_busy_and_a_backlog_the_reconciler_still_gets_lost_texts_out(
    channel, campaign, internal_curator, env, broker, twilio, youtube, compose_workers
):
    """The worst case for sending: the sync worker held by a backfill with eleven months queued
    behind it and housekeeping after those, and the campaign's own task lost with Redis (it was
    published where no worker listens). Beat's reconciler must still reach a worker and get the
    texts out, before a single queued sync has moved."""
    sender, syncer = compose_workers
    queue_backfill(channel, env, BACKFILL_MONTHS)
    backfill_is_held(youtube, syncer)
    as_beat(broker, "campaigns.tasks.clear_expired_sessions")
    waiting = redis.Redis.from_url(broker.url)
    assert (waiting.llen(queues.SYNCS), waiting.llen(queues.HOUSEKEEPING)) == (11, 1)

    lost = {**env, "CELERY_BROKER_URL": broker.url.removesuffix("/0") + "/1"}
    launch_in_subprocess(campaign, internal_curator, lost)
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == PEOPLE
    assert twilio.messages == []  # nothing is working on the campaign

    as_beat(broker, "campaigns.tasks.reconcile_deliveries")
    all_texted(twilio, sender)

    assert len(texts_per_number(twilio)) == PEOPLE
    assert (waiting.llen(queues.SYNCS), waiting.llen(queues.HOUSEKEEPING)) == (11, 1)
    assert list(SyncRun.objects.values_list("status", flat=True).distinct().order_by("status")) == [
        SyncStatus.QUEUED,
        SyncStatus.RUNNING,
    ]
