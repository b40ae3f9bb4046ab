"""How far the figures for the week reviewed can be trusted: for each measured channel, how many of
the week's days it holds figures for and where they came from, and how its syncs are going.

Figures can arrive without a sync (a curator types them, a platform export is imported, the demo
loads them): the state says so rather than "never synced" beside figures the page shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.timesince import timesince

from analytics.clock import STALE_AFTER
from analytics.models import DailyMetric, Source, SyncRun, SyncStatus
from analytics.review.figures import Catalogue
from channels.models import Channel, MetricSource

MEASURED = {
    MetricSource.GA4: Source.GA4,
    MetricSource.YOUTUBE: Source.YOUTUBE,
    MetricSource.CSV_IMPORT: Source.CSV,
}
# How figures that no successful sync brought got into the table, in a curator's words.
ARRIVED_WITHOUT_A_SYNC = {
    Source.MANUAL: "entered by hand",
    Source.CSV: "imported from a platform export",
    Source.GA4: "loaded without a sync (demo or backfilled data)",
    Source.YOUTUBE: "loaded without a sync (demo or backfilled data)",
}


@dataclass(frozen=True)
class Freshness:
    source: str
    channel: str
    last_synced: datetime | None
    figures_to: date | None  # the last day a successful sync covered
    stale: bool
    failing: bool
    days_held: int = 0  # days of the week reviewed with figures for this channel, from any source
    days_due: int = 0  # days of that week that have ended: a day's figures arrive the morning after
    expected: bool = False  # the channel had live items that week, so missing days are missing figures
    arrived_as: tuple[str, ...] = ()  # how the week's figures came in when no sync brought them

    @property
    def state(self) -> str:
        if self.last_synced is None:
            words = "Never synced"
            if self.days_held:
                words = f"No sync has succeeded: this week's figures were {' and '.join(self.arrived_as)}"
            return f"{words}; the latest run failed (see the sync log)" if self.failing else words
        words = f"Synced {timesince(self.last_synced)} ago"
        if self.failing:
            return f"{words}; the latest run failed (see the sync log)"
        return f"{words} (stale)" if self.stale else words

    @property
    def week_cover(self) -> str:
        if not self.days_due:
            return "No day of this week has ended yet"
        return f"{self.days_held} of {self.days_due} days"

    @property
    def incomplete(self) -> bool:
        return self.expected and self.days_held < self.days_due


def freshness_of(catalogue: Catalogue, week_start: date, today: date) -> list[Freshness]:
    """Each measured channel's figures for the week of `week_start`, and its syncs as of now."""
    runs = _latest_runs()
    held, sources = _days_held(week_start)
    expected = _channels_expected(catalogue, week_start)
    days_due = max(0, min(7, (today - week_start).days))
    wanted: list[tuple[str, Channel | None]] = [
        (MEASURED[channel.metric_source], channel)
        for channel in sorted(catalogue.channels.values(), key=lambda c: c.name)
        if channel.metric_source in MEASURED
    ]
    wanted.append((Source.LINKS, None))
    now = timezone.now()
    rows = []
    for source, channel in wanted:
        run = runs.get((source, channel.pk if channel else None), {})
        last, failed = run.get("last_synced"), run.get("last_failed")
        key = channel.pk if channel else None
        rows.append(
            Freshness(
                source=Source(source).label,
                channel=channel.name if channel else "All channels",
                last_synced=last,
                figures_to=run.get("figures_to"),
                stale=last is None or now - last > STALE_AFTER,
                failing=failed is not None and (last is None or failed > last),
                days_held=held.get(key, 0),
                days_due=days_due,
                expected=key in expected,
                arrived_as=tuple(sorted({ARRIVED_WITHOUT_A_SYNC.get(s, s) for s in sources.get(key, ())})),
            )
        )
    return rows


def _latest_runs() -> dict[tuple[str, int | None], dict[str, object]]:
    rows = (
        SyncRun.objects.values("source", "channel_id")
        .annotate(
            last_synced=Max("finished_at", filter=Q(status=SyncStatus.SUCCEEDED)),
            figures_to=Max("period_end", filter=Q(status=SyncStatus.SUCCEEDED)),
            last_failed=Max("finished_at", filter=Q(status=SyncStatus.FAILED)),
        )
        .order_by()
    )
    return {(row["source"], row["channel_id"]): row for row in rows}


def _days_held(week_start: date) -> tuple[dict[int | None, int], dict[int | None, set[str]]]:
    """Per channel (None: tracked-link clicks on every channel), the days of the week with figures,
    and the sources that wrote them: at most channels x sources x 7 rows, whatever the catalogue."""
    rows = (
        DailyMetric.objects.filter(date__range=(week_start, week_start + timedelta(days=6)))
        .values_list("placement__channel_id", "source", "date")
        .distinct()
        .order_by()
    )
    days: dict[int | None, set[date]] = defaultdict(set)
    sources: dict[int | None, set[str]] = defaultdict(set)
    for channel_id, source, day in rows:
        key = None if source == Source.LINKS else channel_id
        days[key].add(day)
        sources[key].add(source)
    return {key: len(held) for key, held in days.items()}, sources


def _channels_expected(catalogue: Catalogue, week_start: date) -> set[int | None]:
    """Channels with an item live during the week: they should have figures for every day."""
    week_end = week_start + timedelta(days=6)
    expected: set[int | None] = set()
    for placement in catalogue.placements.values():
        item = placement.item
        if (
            item.live_since
            and item.live_since <= week_end
            and not (item.retired_on and item.retired_on < week_start)
        ):
            expected.add(placement.channel_id)
    return expected
