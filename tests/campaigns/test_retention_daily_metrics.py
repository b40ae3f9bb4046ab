"""Retention of the daily figures: old days go, in batches, but never a day the review's charts
or a decision still waiting to be measured will read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import DailyMetric, Source
from analytics.retention import first_day_outcomes_read
from analytics.review import outcomes
from campaigns.retention import apply_retention
from curation.models import DecisionAction, IntendedEffect
from tests.analytics.test_outcomes import decided, meeting_on, placed_live

pytestmark = pytest.mark.django_db

TODAY = date(2029, 11, 27)
NOW = datetime(2029, 11, 27, 3, 0, tzinfo=UTC)


def figures_on(placement, days: list[date]) -> None:
    DailyMetric.objects.bulk_create(
        DailyMetric(placement=placement, date=day, source=Source.LINKS, clicks=10) for day in days
    )


def kept_days() -> list[date]:
    return sorted(DailyMetric.objects.values_list("date", flat=True))


def test_figures_older_than_the_setting_go_and_younger_ones_stay(settings):
    placement = placed_live("Giving feedback")
    last_kept = TODAY - timedelta(days=settings.DAILY_METRIC_RETENTION_DAYS)
    figures_on(placement, [last_kept - timedelta(days=2), last_kept - timedelta(days=1), last_kept, TODAY])

    with time_machine.travel(NOW, tick=False):
        done = apply_retention()

    assert kept_days() == [last_kept, TODAY]
    assert (done[-1].what, done[-1].rows, done[-1].before) == ("daily figures deleted", 2, last_kept)


def test_the_figures_a_decision_still_to_be_measured_reads_stay(internal_curator, settings):
    placement = placed_live("Giving feedback", since=date(2026, 1, 5))
    meeting = meeting_on(date(2026, 11, 24))
    decision = decided(
        meeting,
        item=placement.item,
        action=DecisionAction.KEEP,
        effect=IntendedEffect.HOLD_STEADY,
        by=internal_curator,
    )
    before, _after = outcomes.windows_of(decision)
    assert first_day_outcomes_read() == before.start
    figures_on(placement, [before.start - timedelta(days=1), before.start, before.end])

    with time_machine.travel(NOW, tick=False):  # three years on: past the setting
        apply_retention()

    assert kept_days() == [before.start, before.end]

    decision.outcome_measured_on = date(2026, 12, 29)
    decision.save(update_fields=["outcome_measured_on"])
    with time_machine.travel(NOW, tick=False):
        apply_retention()

    assert kept_days() == []


def test_figures_go_in_bounded_batches(settings):
    settings.RETENTION_BATCH_SIZE = 4
    placement = placed_live("Giving feedback")
    old = TODAY - timedelta(days=settings.DAILY_METRIC_RETENTION_DAYS + 20)
    figures_on(placement, [old + timedelta(days=n) for n in range(10)])

    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        apply_retention()

    assert kept_days() == []
    deletes = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 4 + 4 + 2
