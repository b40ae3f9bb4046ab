"""On PostgreSQL a sync's rows go in through COPY into a temporary table and one INSERT ... SELECT ...
ON CONFLICT: it must write exactly what the batched VALUES path (SQLite's) writes, change nothing on
a re-run, update a corrected figure, and keep a figure the source does not report empty, not 0."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection

from analytics import services
from analytics.models import FIGURES, CampaignSessions, DailyMetric, Source, SyncRun
from curation import services as curation
from tests.factories import ChannelFactory, ContentItemFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)


@pytest.fixture
def placements():
    channel = ChannelFactory(name="Learning blog", url="https://www.acme-learning.example/learning/")
    return [
        curation.place_item(
            item=ContentItemFactory(title=f"Guide {n}"),
            channel=channel,
            url=f"https://www.acme-learning.example/learning/guide-{n}/",
        ).pk
        for n in range(3)
    ]


@pytest.fixture
def run(placements):
    return SyncRun.objects.create(
        source=Source.GA4, period_start=MONDAY, period_end=MONDAY + timedelta(days=9)
    )


def figures_for(placements: list[int], days: int = 10) -> dict[tuple[int, date], dict]:
    """Whole and partial figures: a zero that is a zero, and figures GA4 never reports."""
    return {
        (placement, MONDAY + timedelta(days=day)): {
            "views": 10 * placement + day,
            "sessions": day,  # 0 on the first day: nobody came, which is not "no data"
            "engagement_rate": day / 10,
            **({"average_duration_seconds": 42.5} if day % 2 else {}),
        }
        for placement in placements
        for day in range(days)
    }


def held() -> dict[tuple[int, date], tuple]:
    return {
        (row[0], row[1]): row[2:]
        for row in DailyMetric.objects.values_list("placement_id", "date", "source", *FIGURES, "sync_run_id")
    }


def write(how: str, run: SyncRun, figures: dict) -> int:
    rows = [(placement, day, *map(values.get, FIGURES)) for (placement, day), values in figures.items()]
    arguments = dict(
        table=DailyMetric._meta.db_table,
        columns=("placement_id", "date", *FIGURES),
        rows=rows,
        conflict=("placement_id", "date", "source"),
        compared=FIGURES,
        updated=(*FIGURES, "sync_run_id", "updated_at"),
    )
    same = {"source": run.source, "sync_run_id": run.pk, "updated_at": datetime(2026, 11, 27, 6, 0)}
    if how == "staged":
        return services.staged_upsert(**arguments, same=same)
    tail = tuple(same.values())
    return services.batched_upsert(
        **{**arguments, "columns": (*arguments["columns"], *same), "rows": [row + tail for row in rows]}
    )


def test_the_database_under_test_is_postgresql():
    """The staged path is PostgreSQL's; the rest of this module means nothing on another database."""
    assert connection.vendor == "postgresql"


def test_the_staged_path_writes_exactly_what_the_batched_path_writes(run, placements):
    figures = figures_for(placements)

    assert write("batched", run, figures) == 30
    by_batches = held()
    DailyMetric.objects.all().delete()
    assert write("staged", run, figures) == 30

    assert held() == by_batches
    assert len(by_batches) == 30


@pytest.mark.parametrize("how", ["staged", "batched"])
def test_a_rerun_changes_nothing(run, placements, how):
    figures = figures_for(placements)
    write(how, run, figures)
    stamped = dict(DailyMetric.objects.values_list("pk", "updated_at"))

    assert write(how, run, figures) == 0
    assert dict(DailyMetric.objects.values_list("pk", "updated_at")) == stamped


@pytest.mark.parametrize("how", ["staged", "batched"])
def test_a_corrected_figure_is_updated_and_only_its_row_written(run, placements, how):
    figures = figures_for(placements)
    write(how, run, figures)
    figures[(placements[1], MONDAY)] = {**figures[(placements[1], MONDAY)], "views": 999}

    assert write(how, run, figures) == 1
    assert DailyMetric.objects.get(placement_id=placements[1], date=MONDAY).views == 999


@pytest.mark.parametrize("how", ["staged", "batched"])
def test_figures_a_source_does_not_report_stay_empty_and_a_zero_stays_zero(run, placements, how):
    write(how, run, figures_for(placements))

    first_day = DailyMetric.objects.get(placement_id=placements[0], date=MONDAY)
    assert first_day.sessions == 0
    assert first_day.average_duration_seconds is None  # not reported that day: empty, not 0
    assert first_day.watch_minutes is None and first_day.clicks is None
    assert (
        DailyMetric.objects.get(
            placement_id=placements[0], date=MONDAY + timedelta(days=1)
        ).average_duration_seconds
        == 42.5
    )


@pytest.mark.parametrize("how", ["staged", "batched"])
def test_new_rows_and_changed_rows_are_counted_together_and_old_ones_left(run, placements, how):
    write(how, run, figures_for(placements[:2], days=5))
    more = figures_for(placements, days=5)
    more[(placements[0], MONDAY)] = {"views": 1}

    # Five new days of the third placement, and the one changed row.
    assert write(how, run, more) == 6
    assert DailyMetric.objects.count() == 15


def test_text_holding_tabs_quotes_and_empty_strings_arrives_intact(run):
    """Campaign names come from outside (utm_campaign): COPY must not read them as NULL or split them."""
    channel = ChannelFactory(name="Campaign landing pages")
    columns = ("channel_id", "campaign_name", "source", "date", "sessions", "engaged_sessions", "sync_run_id")
    rows = [
        (channel.pk, 'spring "tips"\tweek, 2\\3', "", MONDAY, 5, None, run.pk),
        (channel.pk, "line\nbreak", "sms", MONDAY, 7, 3, run.pk),
    ]

    written = services.upsert(
        table=CampaignSessions._meta.db_table,
        columns=columns,
        rows=rows,
        conflict=("channel_id", "campaign_name", "source", "date"),
        compared=("sessions", "engaged_sessions"),
        updated=("sessions", "engaged_sessions", "sync_run_id"),
    )

    assert written == 2
    held = CampaignSessions.objects.values_list("campaign_name", "source", "sessions", "engaged_sessions")
    assert set(held) == {('spring "tips"\tweek, 2\\3', "", 5, None), ("line\nbreak", "sms", 7, 3)}
