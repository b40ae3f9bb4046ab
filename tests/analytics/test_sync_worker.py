"""Syncs on a real Celery worker (PostgreSQL, a Redis of the test's own), through the real Google
clients to the loopback fakes: a full sync, a re-run that adds nothing, retries with backoff, and
a fault in the middle of a period that leaves the period as it was."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from analytics.models import DailyMetric, RetentionPoint, Source, SyncRun, SyncStatus
from tests.factories import youtube_channel_with_videos
from tests.fakes.youtube import FakeYouTube
from tests.processes import run_python
from tests.workers import CeleryWorker, RedisServer, wait_for

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]

VIDEOS = [f"video{n:06d}" for n in range(12)]  # 11-character ids, as YouTube's
START, END = date(2026, 10, 1), date(2026, 10, 31)

QUEUE = """
import sys, django
django.setup()
from datetime import date
from django.db import transaction
from analytics import services
from analytics.sources.base import Period
from channels.models import Channel
with transaction.atomic():
    run = services.queue_sync(
        source="youtube",
        channel=Channel.objects.get(pk=int(sys.argv[1])),
        period=Period(date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])),
        requested_by="test",
    )
print(run.pk)
"""


@pytest.fixture
def youtube():
    fake = FakeYouTube().start()
    for video in VIDEOS:
        fake.add_video(video)
    yield fake
    fake.stop()


@pytest.fixture
def channel(youtube):
    return youtube_channel_with_videos(VIDEOS)


@pytest.fixture
def worker(youtube):
    redis = RedisServer().start()
    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis.url,
        **youtube.env(),
        # Backoff in seconds rather than minutes, so the test sees every retry.
        "SYNC_MAX_RETRIES": "2",
        "SYNC_RETRY_FIRST_SECONDS": "1",
        "SYNC_RETRY_MAX_SECONDS": "2",
    }
    process = CeleryWorker(env).start()
    process.env = env
    yield process
    process.stop()
    redis.kill()


def sync_on_worker(channel, worker: CeleryWorker) -> SyncRun:
    queued = run_python(QUEUE, worker.env, str(channel.pk), START.isoformat(), END.isoformat())
    assert queued.returncode == 0, queued.stderr
    run = SyncRun.objects.get(pk=int(queued.stdout))

    def finished() -> bool:
        run.refresh_from_db()
        return run.status not in (SyncStatus.QUEUED, SyncStatus.RUNNING)

    wait_for(finished, timeout=90, what=f"the sync to finish; the worker said:\n{worker.output()[-3000:]}")
    return run


def held() -> dict[tuple[str, date], tuple]:
    rows = DailyMetric.objects.filter(source=Source.YOUTUBE).select_related("placement")
    return {(row.placement.external_id, row.date): (row.views, row.watch_minutes, row.likes) for row in rows}


def test_a_full_sync_on_the_worker_writes_every_day_and_a_rerun_adds_nothing(channel, worker):
    run = sync_on_worker(channel, worker)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert DailyMetric.objects.filter(source=Source.YOUTUBE).count() == len(VIDEOS) * 31
    assert RetentionPoint.objects.count() == len(VIDEOS) * 100
    first = held()

    again = sync_on_worker(channel, worker)

    assert (again.status, again.rows_added, again.rows_written) == (SyncStatus.SUCCEEDED, 0, 0)
    assert held() == first
    assert DailyMetric.objects.count() == len(VIDEOS) * 31


def test_a_fault_in_the_middle_of_a_period_leaves_the_period_as_it_was(channel, worker, youtube):
    sync_on_worker(channel, worker)
    before = held()
    # YouTube revises every video's figures, then fails half-way through the list, every time.
    for video in VIDEOS:
        youtube.add_video(video, daily=lambda day: {"views": 999, "likes": 99})
    youtube.fail(503, video=VIDEOS[len(VIDEOS) // 2])

    run = sync_on_worker(channel, worker)

    assert run.status == SyncStatus.FAILED
    assert run.attempts == 3  # the first try and SYNC_MAX_RETRIES=2 retries, backing off
    assert "Gave up after 3 attempts" in run.error
    assert held() == before  # not one revised figure from the videos before the fault


def test_a_brief_outage_is_retried_with_backoff_and_the_sync_completes(channel, worker, youtube):
    youtube.fail(503, video=VIDEOS[3], times=1)

    run = sync_on_worker(channel, worker)

    assert (run.status, run.attempts) == (SyncStatus.SUCCEEDED, 2)
    assert DailyMetric.objects.filter(source=Source.YOUTUBE).count() == len(VIDEOS) * 31
    assert run.error == ""
