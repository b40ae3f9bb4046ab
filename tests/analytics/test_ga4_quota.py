"""GA4's property quota: every run records what GA4 said is left, curators and the log are warned
before the daily tokens run out, and a backfill plans its chunks to fit what is left today
instead of running into the wall."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from analytics import services
from analytics.models import DailyMetric, Source, SyncRun, SyncStatus
from analytics.sources.base import Period
from curation import services as curation
from tests.factories import ContentItemFactory, GA4BlogFactory
from tests.fakes.ga4 import PROPERTY_ID

pytestmark = pytest.mark.django_db

SITE = "https://www.acme-learning.example"
# 10:00 in California: GA4's quota day (midnight to midnight Pacific time) is well under way. Ahead
# of the real clock: gRPC reckons a call's deadline against the real clock, so a clock travelled
# into the past would have every call expire before it starts.
MORNING = datetime(2096, 11, 23, 18, 0, tzinfo=UTC)
NEXT_MORNING = MORNING + timedelta(days=1)


@pytest.fixture
def blog(ga4_fake):
    channel = GA4BlogFactory()
    curation.place_item(
        item=ContentItemFactory(title="Feedback"), channel=channel, url=f"{SITE}/learning/feedback/"
    )
    for offset in range(21):
        day = date(2026, 11, 2) + timedelta(days=offset)
        ga4_fake.add_page("/learning/feedback/", day, views=10 + offset, sessions=8, active_users=6)
    return channel


def sync(channel, period: Period) -> SyncRun:
    run = services.start_sync(source=Source.GA4, channel=channel, period=period, requested_by="test")
    return services.run_sync(run.pk)


def backfill(*arguments: str) -> None:
    call_command(
        "sync_metrics", "--source", "ga4", "--since", "2026-11-02", "--until", "2026-11-22", *arguments
    )


@pytest.mark.parametrize("ga4_transport", ["grpc", "rest"])
def test_a_run_records_the_quota_ga4_reported_in_its_own_names(ga4_fake, blog):
    ga4_fake.tokens_per_report = 12
    ga4_fake.tokens_left_today = 150_000

    run = sync(blog, Period(date(2026, 11, 2), date(2026, 11, 8)))

    assert run.status == SyncStatus.SUCCEEDED, run.error
    # The page report and the campaign report: 12 tokens each.
    assert run.quota["tokens_per_day"] == {"consumed": 12, "remaining": 150_000 - 24}
    assert run.quota["tokens_per_hour"] == {"consumed": 12, "remaining": 40_000 - 24}
    assert set(run.quota) == {
        "tokens_per_day",
        "tokens_per_hour",
        "concurrent_requests",
        "server_errors_per_project_per_hour",
        "potentially_thresholded_requests_per_hour",
        "tokens_per_project_per_hour",
    }
    assert run.quota_tokens == 24


def test_a_run_that_leaves_little_daily_quota_logs_a_warning(ga4_fake, blog, settings, caplog):
    settings.GA4_QUOTA_WARN_TOKENS = 5_000
    ga4_fake.tokens_left_today = 4_020

    with caplog.at_level(logging.WARNING, logger="analytics.services"):
        sync(blog, Period(date(2026, 11, 2), date(2026, 11, 8)))

    (warning,) = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert f"GA4 property {PROPERTY_ID} has 4000 daily quota tokens left" in warning.getMessage()


def test_a_run_with_quota_to_spare_logs_no_warning(ga4_fake, blog, settings, caplog):
    settings.GA4_QUOTA_WARN_TOKENS = 5_000

    with caplog.at_level(logging.WARNING, logger="analytics.services"):
        sync(blog, Period(date(2026, 11, 2), date(2026, 11, 8)))

    assert not [record for record in caplog.records if record.levelno == logging.WARNING]


def sync_log(client, curator) -> str:
    client.force_login(curator)  # in the travelled time, or the session has expired
    return client.get(reverse("admin:analytics_syncrun_changelist")).content.decode()


def test_the_sync_log_shows_the_quota_left_and_warns_curators_when_it_runs_low(
    ga4_fake, blog, settings, client, internal_curator
):
    settings.GA4_QUOTA_WARN_TOKENS = 5_000
    ga4_fake.tokens_left_today = 4_020
    with time_machine.travel(MORNING, tick=True):
        sync(blog, Period(date(2026, 11, 2), date(2026, 11, 8)))

        page = sync_log(client, internal_curator)

    assert "4,000 tokens (low)" in page
    assert f"GA4 property {PROPERTY_ID} has 4,000 tokens of today&#x27;s quota left" in page


def test_the_sync_log_does_not_warn_about_yesterdays_quota(
    ga4_fake, blog, settings, client, internal_curator
):
    settings.GA4_QUOTA_WARN_TOKENS = 5_000
    ga4_fake.tokens_left_today = 4_020
    with time_machine.travel(MORNING, tick=True):
        sync(blog, Period(date(2026, 11, 2), date(2026, 11, 8)))

    with time_machine.travel(NEXT_MORNING, tick=True):
        page = sync_log(client, internal_curator)

    assert "4,000 tokens (low)" in page  # the run's own figure stays in the log
    assert "of today&#x27;s quota left" not in page


def test_a_backfill_stops_before_the_daily_quota_and_says_what_to_run_tomorrow(ga4_fake, blog, settings):
    settings.GA4_QUOTA_WARN_TOKENS = 20_000
    ga4_fake.tokens_per_report = 10  # a week's chunk asks two reports: 20 tokens
    ga4_fake.tokens_left_today = 20_045

    with time_machine.travel(MORNING, tick=True), pytest.raises(CommandError) as refused:
        backfill()

    # 20,045 -> 20,025 -> 20,005: a third chunk would leave fewer than the 20,000 kept back.
    runs = SyncRun.objects.filter(source=Source.GA4).order_by("period_start")
    assert [(run.period_start.day, run.status) for run in runs] == [(2, "succeeded"), (9, "succeeded")]
    assert len(ga4_fake.reports) == 4
    assert ga4_fake.tokens_left_today == 20_005
    message = str(refused.value)
    assert "Learning blog 2026-11-16 to 2026-11-22: 1 chunk(s) must wait for GA4's daily quota" in message
    assert '--channel "Learning blog" --since 2026-11-16 --until 2026-11-22' in message
    assert DailyMetric.objects.count() == 14


def test_a_backfill_resumed_after_the_quota_resets_syncs_the_rest(ga4_fake, blog, settings):
    settings.GA4_QUOTA_WARN_TOKENS = 20_000
    ga4_fake.tokens_per_report = 10
    ga4_fake.tokens_left_today = 20_045
    with time_machine.travel(MORNING, tick=True), pytest.raises(CommandError):
        backfill()

    ga4_fake.tokens_left_today = 200_000  # midnight in California
    with time_machine.travel(NEXT_MORNING, tick=True):
        call_command(
            "sync_metrics",
            "--source",
            "ga4",
            "--channel",
            "Learning blog",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-22",
        )

    assert DailyMetric.objects.count() == 21
    assert not SyncRun.objects.exclude(status=SyncStatus.SUCCEEDED).exists()


def test_a_backfill_with_quota_to_spare_is_not_held_back(ga4_fake, blog, settings, capsys):
    settings.GA4_QUOTA_WARN_TOKENS = 20_000

    with time_machine.travel(MORNING, tick=True):
        backfill()

    assert SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).count() == 3
    assert "Synced ga4 for 2026-11-02 to 2026-11-22." in capsys.readouterr().out
