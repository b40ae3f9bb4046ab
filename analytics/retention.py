"""Retention of the daily figures: DailyMetric rows older than DAILY_METRIC_RETENTION_DAYS go.

Never what the review still reads: the setting is refused below the charts' longest range (two
years back from the last complete week), and rows inside the "before" window of a decision whose
outcome is still to be measured (analytics.review.outcomes) stay until it is measured, whatever
the setting. Deleted in batches of RETENTION_BATCH_SIZE by the daily_metric_by_day index, one
short statement each; the kept weekly review is then marked out of date once.

Run by campaigns' housekeeping task through its `retention_due` signal (campaigns does not import
analytics).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Min
from django.dispatch import receiver

from analytics.models import DailyMetric
from analytics.review import outcomes
from analytics.review.cache import note_figures_edited
from analytics.review.weeks import MAX_RANGE_DAYS, week_start_of
from campaigns.models import Delivery
from campaigns.quiet_hours import zone
from campaigns.retention import Pruned, retention_due
from curation.models import Decision

logger = logging.getLogger(__name__)

# The charts reach MAX_RANGE_DAYS back from the last complete week, which ended up to a week ago.
METRIC_FLOOR_DAYS = MAX_RANGE_DAYS + 7


def problems() -> list[str]:
    days = settings.DAILY_METRIC_RETENTION_DAYS
    if days < 0:
        return ["DAILY_METRIC_RETENTION_DAYS is days: 0 keeps the figures for ever."]
    if days and days < METRIC_FLOOR_DAYS:
        return [
            f"DAILY_METRIC_RETENTION_DAYS is {days}: at least {METRIC_FLOOR_DAYS}, or 0. The weekly "
            f"review's charts reach {MAX_RANGE_DAYS} days back from the last complete week."
        ]
    return []


@checks.register(checks.Tags.compatibility)
def check_retention_settings(**kwargs: object) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="analytics.E017") for problem in problems()]


def first_day_outcomes_read() -> date | None:
    """The first day of the earliest "before" window a decision still to be measured will read
    (outcomes.windows_of: the OUTCOME_AFTER_WEEKS weeks up to the week its meeting reviewed)."""
    held_on = (
        Decision.objects.exclude(intended_effect="")
        .filter(outcome_measured_on__isnull=True)
        .aggregate(first=Min("meeting__held_on"))["first"]
    )
    if held_on is None:
        return None
    reviewed = week_start_of(held_on) - timedelta(weeks=1)
    return reviewed - timedelta(weeks=outcomes.WEEKS - 1)


def metric_cutoff(today: date) -> date | None:
    """Figures dated before this go; None when none may."""
    days = settings.DAILY_METRIC_RETENTION_DAYS
    if not days:
        return None
    before = today - timedelta(days=days)
    still_read = first_day_outcomes_read()
    return min(before, still_read) if still_read else before


def prune_daily_metrics(*, today: date, dry_run: bool = False) -> Pruned | None:
    found = problems()
    if found:
        raise ImproperlyConfigured(" ".join(found))
    before = metric_cutoff(today)
    if before is None:
        return None
    old = DailyMetric.objects.filter(date__lt=before)
    if dry_run:
        return Pruned("daily figures deleted", old.count(), before)
    deleted = 0
    size = settings.RETENTION_BATCH_SIZE
    while ids := list(old.order_by("date", "pk").values_list("pk", flat=True)[:size]):
        # Raw: the per-row delete signal would bump the review's version once per row; once below.
        deleted += DailyMetric.objects.filter(pk__in=ids)._raw_delete(DailyMetric.objects.db)
        if len(ids) < size:
            break
    if deleted:
        note_figures_edited()
    logger.info("Retention: daily figures deleted %s rows older than %s", deleted, before)
    return Pruned("daily figures deleted", deleted, before)


@receiver(retention_due, sender=Delivery, dispatch_uid="analytics.prune_daily_metrics")
def on_retention_due(sender: type, *, now: datetime, dry_run: bool, **kwargs: object) -> list[Pruned]:
    today = now.astimezone(zone(settings.PROGRAMME_TIME_ZONE)).date()
    pruned = prune_daily_metrics(today=today, dry_run=dry_run)
    return [pruned] if pruned else []
