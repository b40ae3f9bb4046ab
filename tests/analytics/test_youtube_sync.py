"""A YouTube sync end to end: queued from the admin, pulled through the real client from the
loopback fake, and explained in the sync log when YouTube says no. Retries and faults mid-period
are about the worker: tests/analytics/test_sync_worker.py runs them on a real one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from analytics import services
from analytics.models import DailyMetric, RetentionPoint, Source, SyncRun, SyncStatus
from analytics.sources.base import Period
from tests.factories import youtube_channel_with_videos

pytestmark = pytest.mark.django_db

INTRO, FEEDBACK = "intro000001", "feedback001"  # 11-character video ids, as YouTube's
WEEK = Period(date(2026, 11, 16), date(2026, 11, 22))


@pytest.fixture
def channel(youtube_fake):
    for video in (INTRO, FEEDBACK):
        youtube_fake.add_video(video)
    return youtube_channel_with_videos([INTRO, FEEDBACK])


def sync(channel, period: Period = WEEK) -> SyncRun:
    """As "Sync now" does it: queued, then run by the (eager) task with its retries."""
    run = services.queue_sync(source=Source.YOUTUBE, channel=channel, period=period, requested_by="priya")
    return SyncRun.objects.get(pk=run.pk)


def figures(channel) -> dict[tuple[str, date], int | None]:
    rows = DailyMetric.objects.filter(placement__channel=channel, source=Source.YOUTUBE)
    return {(row.placement.external_id, row.date): row.views for row in rows.select_related("placement")}


def test_a_sync_writes_each_videos_days_and_drop_out_curve(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = sync(channel)

    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert DailyMetric.objects.filter(source=Source.YOUTUBE).count() == 2 * 7
    assert run.rows_added == 14
    row = DailyMetric.objects.filter(placement__external_id=INTRO).first()
    assert row.views is not None and row.watch_minutes is not None and row.sessions is None
    curve = RetentionPoint.objects.filter(placement__external_id=INTRO, period_start=WEEK.start)
    assert curve.count() == 100


def test_syncing_the_same_week_again_adds_no_rows(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sync(channel)
    before = figures(channel)

    with django_capture_on_commit_callbacks(execute=True):
        again = sync(channel)

    again.refresh_from_db()
    assert (again.status, again.rows_added, again.rows_written) == (SyncStatus.SUCCEEDED, 0, 0)
    assert figures(channel) == before


def test_a_video_gone_from_youtube_is_listed_on_the_run(
    youtube_fake, channel, django_capture_on_commit_callbacks
):
    youtube_fake.delete_video(FEEDBACK)

    with django_capture_on_commit_callbacks(execute=True):
        run = sync(channel)

    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED
    assert run.rows_unmatched == 1
    assert run.unmatched_examples == [
        f"{FEEDBACK} (not on this channel in YouTube Analytics: deleted, private or another's?)"
    ]
    assert {video for video, _ in figures(channel)} == {INTRO}


def test_a_spent_daily_quota_postpones_the_run_and_writes_nothing(
    youtube_fake, channel, django_capture_on_commit_callbacks
):
    youtube_fake.quota_exceeded()

    with django_capture_on_commit_callbacks(execute=True):
        run = sync(channel)

    run.refresh_from_db()
    assert run.status == SyncStatus.POSTPONED
    assert "daily quota" in run.error and "next daily sync" in run.error
    assert run.attempts == 1  # not retried today
    assert not DailyMetric.objects.exists()


def test_a_revoked_sign_in_fails_the_run_with_what_to_do(
    youtube_fake, channel, internal_client, django_capture_on_commit_callbacks
):
    youtube_fake.revoke_refresh_token()

    with django_capture_on_commit_callbacks(execute=True):
        run = sync(channel)

    run.refresh_from_db()
    assert (run.status, run.attempts) == (SyncStatus.FAILED, 1)
    assert "must grant access again" in run.error
    page = internal_client.get(reverse("admin:channels_channel_changelist"))
    assert "Failed" in page.content.decode() and "Never" in page.content.decode()


def test_sync_now_in_the_channel_list_queues_the_recent_days(channel, internal_client):
    page = internal_client.post(
        reverse("admin:channels_channel_changelist"),
        {"action": "sync_now", "_selected_action": [channel.pk]},
        follow=True,
    )

    run = SyncRun.objects.get()
    assert (run.source, run.channel, run.requested_by) == (Source.YOUTUBE, channel, "priya")
    assert run.period_end == services.today() - timedelta(days=1)
    assert f"Queued a sync of {services.recent_period()} for Acme Learns." in page.content.decode()


def test_a_second_sync_now_while_one_is_queued_says_so(channel, internal_client):
    services.start_sync(source=Source.YOUTUBE, channel=channel, period=services.recent_period())

    page = internal_client.post(
        reverse("admin:channels_channel_changelist"),
        {"action": "sync_now", "_selected_action": [channel.pk]},
        follow=True,
    )

    assert "is already queued or running" in page.content.decode()
    assert SyncRun.objects.count() == 1


def test_a_video_of_another_channel_is_listed_not_queried(
    youtube_fake, channel, django_capture_on_commit_callbacks
):
    youtube_fake.add_video(FEEDBACK, channel_id="UCsomeoneelse000000000000")

    with django_capture_on_commit_callbacks(execute=True):
        run = sync(channel)

    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED
    assert run.rows_unmatched == 1 and FEEDBACK in run.unmatched_examples[0]
    assert youtube_fake.report_calls(video_id=FEEDBACK) == []
