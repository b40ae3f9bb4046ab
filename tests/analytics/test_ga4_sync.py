"""A GA4 sync end to end: page paths matched to placements, what matches nothing counted and shown,
campaign sessions kept by utm_campaign and source, and GA4's refusals explained on the run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from analytics import services
from analytics.models import CampaignSessions, DailyMetric, Source, SyncRun, SyncStatus
from analytics.sources.base import Period
from curation import services as curation
from tests.factories import ContentItemFactory, GA4BlogFactory
from tests.fakes.ga4 import DAILY_QUOTA_MESSAGE

pytestmark = pytest.mark.django_db

SITE = "https://www.acme-learning.example"
MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)
TWO_DAYS = Period(MONDAY, TUESDAY)


@pytest.fixture
def blog(ga4_fake):
    channel = GA4BlogFactory()
    for slug in ("feedback", "listening"):
        curation.place_item(
            item=ContentItemFactory(title=slug.title()), channel=channel, url=f"{SITE}/learning/{slug}/"
        )
    return channel


def sync(channel, period: Period = TWO_DAYS) -> SyncRun:
    run = services.start_sync(source=Source.GA4, channel=channel, period=period, requested_by="test")
    return services.run_sync(run.pk)


def figures(**lookups) -> dict:
    rows = DailyMetric.objects.filter(source=Source.GA4, **lookups).select_related("placement__item")
    return {(row.placement.item.title, row.date): row for row in rows}


def test_page_paths_become_each_placements_daily_figures(ga4_fake, blog):
    ga4_fake.add_page(
        "/learning/feedback/",
        MONDAY,
        views=40,
        sessions=30,
        active_users=25,
        engaged_sessions=18,
        engagement_seconds=2500,
    )
    ga4_fake.add_page("/learning/listening", TUESDAY, views=9, sessions=8, active_users=0, engaged_sessions=0)

    run = sync(blog)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    held = figures()
    feedback = held[("Feedback", MONDAY)]
    assert (feedback.views, feedback.sessions, feedback.active_users, feedback.engaged_sessions) == (
        40,
        30,
        25,
        18,
    )
    assert feedback.engagement_rate == pytest.approx(0.6)
    assert feedback.average_duration_seconds == pytest.approx(100.0)
    # Without an active user there is no average to give: empty, not 0.
    assert held[("Listening", TUESDAY)].average_duration_seconds is None
    assert feedback.watch_minutes is None and feedback.clicks is None
    assert (run.rows_read, run.rows_written, run.rows_added, run.rows_unmatched) == (2, 2, 2, 0)


def test_two_paths_of_one_page_add_up_on_its_day(ga4_fake, blog):
    ga4_fake.add_page(
        "/learning/feedback/",
        MONDAY,
        views=10,
        sessions=10,
        active_users=10,
        engaged_sessions=5,
        engagement_seconds=600,
    )
    ga4_fake.add_page(
        "/learning/feedback",
        MONDAY,
        views=30,
        sessions=10,
        active_users=30,
        engaged_sessions=10,
        engagement_seconds=600,
    )

    sync(blog)

    row = figures()[("Feedback", MONDAY)]
    assert (row.views, row.sessions, row.active_users, row.engaged_sessions) == (40, 20, 40, 15)
    assert row.engagement_rate == pytest.approx(0.75)
    assert row.average_duration_seconds == pytest.approx(30.0)  # 1,200 s over 40 users


def test_pages_that_match_no_placement_are_counted_and_named_on_the_run(ga4_fake, blog):
    ga4_fake.add_page("/learning/feedback/", MONDAY, views=5, sessions=5, active_users=5)
    ga4_fake.add_page("/learning/old-post/", MONDAY, views=7, sessions=7, active_users=7)
    ga4_fake.add_page("/learning/old-post/", TUESDAY, views=2, sessions=2, active_users=2)
    ga4_fake.add_page("/learning/drafts/x", TUESDAY, views=1, sessions=1, active_users=1)

    run = sync(blog)

    assert run.status == SyncStatus.SUCCEEDED
    assert run.rows_unmatched == 3
    assert run.unmatched_examples == ["/learning/drafts/x", "/learning/old-post/"]
    assert list(figures()) == [("Feedback", MONDAY)]


def test_other_rows_and_thresholds_are_recorded_not_taken_for_pages(ga4_fake, blog):
    ga4_fake.add_page("/learning/feedback/", MONDAY, views=5, sessions=5, active_users=5)
    ga4_fake.roll_into_other(MONDAY, views=300, sessions=200, active_users=150)
    ga4_fake.subject_to_thresholding = True

    run = sync(blog)

    assert (run.other_rows, run.thresholded) == (1, True)
    assert DailyMetric.objects.count() == 1


def test_campaign_sessions_are_kept_by_campaign_source_and_day(ga4_fake, blog):
    for source, sessions in (("sms", 30), ("email", 12)):
        ga4_fake.add_campaign(
            "feedback-week",
            MONDAY,
            sessions,
            engaged_sessions=sessions // 2,
            landing_page="/learning/feedback/",
            source=source,
        )
    ga4_fake.add_campaign("(direct)", MONDAY, 500, landing_page="/learning/feedback/")

    sync(blog)

    held = {
        (row.campaign_name, row.source, row.date): (row.sessions, row.engaged_sessions)
        for row in CampaignSessions.objects.filter(channel=blog)
    }
    assert held == {("feedback-week", "sms", MONDAY): (30, 15), ("feedback-week", "email", MONDAY): (12, 6)}


def test_a_late_correction_updates_the_figure_and_a_rerun_changes_nothing(ga4_fake, blog):
    page = ga4_fake.add_page("/learning/feedback/", MONDAY, views=40, sessions=30, active_users=25)
    sync(blog)
    unchanged = sync(blog)
    assert (unchanged.rows_written, unchanged.rows_added) == (0, 0)

    ga4_fake.pages.remove(page)
    ga4_fake.add_page("/learning/feedback/", MONDAY, views=44, sessions=31, active_users=26)
    corrected = sync(blog)

    assert (corrected.rows_written, corrected.rows_added) == (1, 0)
    assert figures()[("Feedback", MONDAY)].views == 44


def test_a_spent_daily_quota_postpones_the_run_until_tomorrow(ga4_fake, blog):
    ga4_fake.add_page("/learning/feedback/", MONDAY, views=5, sessions=5, active_users=5)
    ga4_fake.fail_every_request(429, DAILY_QUOTA_MESSAGE)

    run = sync(blog)

    assert run.status == SyncStatus.POSTPONED
    assert "daily quota" in run.error and "tries again tomorrow" in run.error
    assert not DailyMetric.objects.exists()


def test_a_key_deleted_in_google_cloud_fails_the_run_with_what_to_fix(ga4_fake, blog):
    ga4_fake.revoke_keys()

    run = sync(blog)

    assert run.status == SyncStatus.FAILED
    assert run.attempts == 1
    assert "its key was not accepted" in run.error and "GA4_CREDENTIALS_FILE" in run.error
    assert not DailyMetric.objects.exists()


def test_no_credentials_fails_the_run_saying_which_setting_to_set(ga4_fake, blog, settings):
    settings.GA4_CREDENTIALS_FILE = ""

    run = sync(blog)

    assert run.status == SyncStatus.FAILED
    assert "set GA4_CREDENTIALS_FILE" in run.error


def test_sync_metrics_backfills_ga4_week_by_week_and_a_second_backfill_adds_nothing(ga4_fake, blog, capsys):
    for offset in range(14):
        day = date(2026, 11, 2) + timedelta(days=offset)
        ga4_fake.add_page("/learning/feedback/", day, views=10 + offset, sessions=8, active_users=6)

    call_command("sync_metrics", "--source", "ga4", "--since", "2026-11-02", "--until", "2026-11-15")
    call_command("sync_metrics", "--source", "ga4", "--since", "2026-11-02", "--until", "2026-11-15")

    runs = SyncRun.objects.filter(source=Source.GA4).order_by("queued_at", "period_start")
    assert [(run.period_start.day, run.period_end.day, run.rows_added) for run in runs] == [
        (2, 8, 7),
        (9, 15, 7),
        (2, 8, 0),
        (9, 15, 0),
    ]
    assert DailyMetric.objects.filter(source=Source.GA4).count() == 14
    assert "Synced ga4 for 2026-11-02 to 2026-11-15." in capsys.readouterr().out


def test_sync_metrics_stops_at_a_spent_daily_quota_and_says_what_was_not_synced(ga4_fake, blog):
    ga4_fake.fail_every_request(429, DAILY_QUOTA_MESSAGE)

    with pytest.raises(CommandError, match="Some periods were not synced") as refused:
        call_command("sync_metrics", "--source", "ga4", "--since", "2026-11-02", "--until", "2026-11-15")

    assert "daily quota" in str(refused.value)
    # The first chunk found the quota spent; the second was not tried against it.
    assert SyncRun.objects.filter(source=Source.GA4).count() == 1
