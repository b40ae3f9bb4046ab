"""Tracked-link clicks land in the daily table as source "links"; the sync log and its admin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from analytics import services
from analytics.models import DailyMetric, Source, SyncRun, SyncStatus
from analytics.sources.base import Period
from campaigns.models import LinkClickDay, Medium
from campaigns.tracking import tracked_link_for
from tests.factories import ChannelFactory, live_item, ready_campaign

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)
WEEK = Period(MONDAY, MONDAY + timedelta(days=6))


@pytest.fixture
def clicked():
    """Two placements; the first clicked by text and by email on Monday, the second on Tuesday."""
    first, second = (live_item().placements.get() for _ in range(2))
    campaign = ready_campaign(placements=[first, second])
    for medium, placement, day, clicks in [
        (Medium.SMS, first, MONDAY, 7),
        (Medium.EMAIL, first, MONDAY, 5),
        (Medium.SMS, second, MONDAY + timedelta(days=1), 3),
    ]:
        link = tracked_link_for(campaign=campaign, medium=medium, placement=placement)
        LinkClickDay.objects.create(link=link, date=day, raw_hits=clicks + 4, bot_hits=4, human_clicks=clicks)
    return first, second


def sync_links(period: Period = WEEK) -> SyncRun:
    run = services.start_sync(source=Source.LINKS, channel=None, period=period, requested_by="test")
    return services.run_sync(run.pk)


def test_human_clicks_are_added_up_per_placement_and_day_across_media(clicked):
    first, second = clicked

    run = sync_links()

    figures = dict(DailyMetric.objects.filter(source=Source.LINKS).values_list("placement", "clicks"))
    assert figures == {first.pk: 12, second.pk: 3}
    assert (run.status, run.rows_read, run.rows_written, run.rows_added) == (SyncStatus.SUCCEEDED, 2, 2, 2)
    # Only clicks are known from links: every other figure is absent, not zero.
    row = DailyMetric.objects.get(placement=first, source=Source.LINKS)
    assert row.views is None and row.sessions is None and row.sync_run == run


def test_running_the_same_period_again_adds_and_changes_nothing(clicked):
    sync_links()
    first_written = DailyMetric.objects.get(placement=clicked[0]).updated_at

    again = sync_links()

    assert (again.rows_written, again.rows_added) == (0, 0)
    assert DailyMetric.objects.count() == 2
    assert DailyMetric.objects.get(placement=clicked[0]).updated_at == first_written


def test_a_later_count_for_a_day_updates_that_days_figure(clicked):
    sync_links()
    LinkClickDay.objects.filter(link__placement=clicked[1]).update(human_clicks=9)

    again = sync_links()

    assert (again.rows_written, again.rows_added) == (1, 0)
    assert DailyMetric.objects.get(placement=clicked[1]).clicks == 9


def test_a_second_sync_of_the_same_period_is_refused_while_the_first_is_queued():
    services.start_sync(source=Source.LINKS, channel=None, period=WEEK)

    with pytest.raises(ValidationError, match="already queued or running"):
        services.start_sync(source=Source.LINKS, channel=None, period=WEEK)
    # Another period is its own run.
    services.start_sync(source=Source.LINKS, channel=None, period=Period(MONDAY, MONDAY))


def test_a_channel_is_synced_only_from_the_source_that_measures_it():
    blog = ChannelFactory()  # measured by link clicks only

    with pytest.raises(ValidationError, match="is not measured by Google Analytics 4"):
        services.start_sync(source=Source.GA4, channel=blog, period=WEEK)
    with pytest.raises(ValidationError, match="imported from a file"):
        services.start_sync(source=Source.CSV, channel=blog, period=WEEK)


def test_a_run_delivered_twice_is_run_once(clicked):
    run = services.start_sync(source=Source.LINKS, channel=None, period=WEEK)
    services.run_sync(run.pk)

    assert services.run_sync(run.pk) is None
    assert SyncRun.objects.get(pk=run.pk).attempts == 1


def test_sync_metrics_backfills_chunk_by_chunk(clicked, capsys):
    call_command("sync_metrics", "--source", "links", "--since", "2026-11-01", "--until", "2026-11-30")

    runs = SyncRun.objects.filter(source=Source.LINKS).order_by("period_start")
    assert [(run.period_start.day, run.period_end.day) for run in runs] == [
        (1, 7),
        (8, 14),
        (15, 21),
        (22, 28),
        (29, 30),
    ]
    assert {run.status for run in runs} == {SyncStatus.SUCCEEDED}
    assert DailyMetric.objects.filter(source=Source.LINKS).count() == 2
    assert "5/5" in capsys.readouterr().err  # the progress bar reached the end


def test_sync_metrics_explains_a_source_no_channel_uses():
    with pytest.raises(CommandError, match="No channel is measured by Google Analytics 4"):
        call_command("sync_metrics", "--source", "ga4", "--since", "2026-11-01")


def test_sync_metrics_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(CommandError, match="ends on or after its start"):
        call_command("sync_metrics", "--source", "links", "--since", "2026-11-10", "--until", "2026-11-01")


def test_the_daily_schedule_queues_link_clicks_for_the_recent_days(clicked):
    runs = services.queue_daily_syncs()

    # Yesterday and the two days before it, which sources may still correct.
    yesterday = services.today() - timedelta(days=1)
    assert [(run.source, run.period_start, run.period_end) for run in runs] == [
        (Source.LINKS, yesterday - timedelta(days=2), yesterday)
    ]


def test_the_sync_log_lists_runs_with_what_they_read_and_wrote(internal_client, clicked):
    sync_links()

    page = internal_client.get(reverse("admin:analytics_syncrun_changelist"))

    assert page.status_code == 200
    assert "Tracked-link clicks" in page.content.decode()
    assert "Succeeded" in page.content.decode()


def test_the_channel_list_says_when_figures_were_last_synced(internal_client):
    ChannelFactory(name="Team blog")

    page = internal_client.get(reverse("admin:channels_channel_changelist"))

    assert page.status_code == 200
    assert "Figures last synced" in page.content.decode()
    assert "Tracked-link clicks, daily" in page.content.decode()


def test_sync_now_on_a_click_only_channel_says_why_nothing_was_queued(internal_client):
    blog = ChannelFactory(name="Team blog")

    page = internal_client.post(
        reverse("admin:channels_channel_changelist"),
        {"action": "sync_now", "_selected_action": [blog.pk]},
        follow=True,
    )

    assert "Team blog is measured by tracked-link clicks only." in page.content.decode()
    assert not SyncRun.objects.exists()
