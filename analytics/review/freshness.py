"""How fresh the figures are: each measured channel's last sync, and whether its latest run failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.timesince import timesince

from analytics.clock import STALE_AFTER
from analytics.models import Source, SyncRun, SyncStatus
from analytics.review.figures import Catalogue
from channels.models import Channel, MetricSource


@dataclass(frozen=True)
class Freshness:
    source: str
    channel: str
    last_synced: datetime | None
    figures_to: date | None
    stale: bool
    failing: bool

    @property
    def state(self) -> str:
        if self.last_synced is None:
            return (
                "Never synced; the latest run failed (see the sync log)" if self.failing else "Never synced"
            )
        words = f"{timesince(self.last_synced)} ago"
        if self.failing:
            return f"{words}; the latest run failed (see the sync log)"
        return f"{words} (stale)" if self.stale else words


def freshness_of(catalogue: Catalogue) -> list[Freshness]:
    runs = {
        (row["source"], row["channel_id"]): row
        for row in SyncRun.objects.values("source", "channel_id")
        .annotate(
            last_synced=Max("finished_at", filter=Q(status=SyncStatus.SUCCEEDED)),
            figures_to=Max("period_end", filter=Q(status=SyncStatus.SUCCEEDED)),
            last_failed=Max("finished_at", filter=Q(status=SyncStatus.FAILED)),
        )
        .order_by()
    }
    measured = {
        MetricSource.GA4: Source.GA4,
        MetricSource.YOUTUBE: Source.YOUTUBE,
        MetricSource.CSV_IMPORT: Source.CSV,
    }
    wanted: list[tuple[str, Channel | None]] = [
        (measured[channel.metric_source], channel)
        for channel in sorted(catalogue.channels.values(), key=lambda c: c.name)
        if channel.metric_source in measured
    ]
    wanted.append((Source.LINKS, None))
    now = timezone.now()
    rows = []
    for source, channel in wanted:
        run = runs.get((source, channel.pk if channel else None), {})
        last, failed = run.get("last_synced"), run.get("last_failed")
        rows.append(
            Freshness(
                source=Source(source).label,
                channel=channel.name if channel else "All channels",
                last_synced=last,
                figures_to=run.get("figures_to"),
                stale=last is None or now - last > STALE_AFTER,
                failing=failed is not None and (last is None or failed > last),
            )
        )
    return rows
