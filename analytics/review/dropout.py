"""Drop-out (where viewers leave a video) and completion across series of items."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Avg, Max, Q, QuerySet, Subquery

from analytics import privacy
from analytics.models import RetentionPoint
from analytics.review.cells import ITEMS_SHOWN, Cell, Table
from analytics.review.charts import one_decimal
from analytics.review.figures import Catalogue, Figures, scope
from analytics.review.weeks import ReviewFilters
from curation.models import ContentItem, Format

STEEPEST_VIDEOS = 5

RETENTION_MARKS = {"at_10": "0.10", "at_25": "0.25", "at_50": "0.50", "at_75": "0.75", "at_100": "1.00"}


def dropout(
    week_start: date,
    filters: ReviewFilters,
    catalogue: Catalogue,
    audience: dict[int, Figures],
) -> tuple[Table, dict[str, object]]:
    """The drop-out curves YouTube reports for the latest period covering the week, per owned video."""
    week_end = week_start + timedelta(days=6)
    window = {"period_start__lte": week_end, "period_end__gte": week_start - timedelta(days=35)}
    # The latest period reported: YouTube syncs report every video of a channel for one period.
    # Uncorrelated, so the database works it out once rather than once per point.
    latest = RetentionPoint.objects.filter(**window).order_by("-period_end").values("period_end")[:1]
    current = RetentionPoint.objects.filter(
        scope(filters, "placement__"), period_end=Subquery(latest), **window
    )
    marks = {
        name: Max("audience_watch_ratio", filter=Q(elapsed_ratio=Decimal(mark)))
        for name, mark in RETENTION_MARKS.items()
    }
    summary = list(current.values("placement_id").annotate(**marks).order_by())
    # A curve over fewer than five viewers would describe them: such videos are left out.
    small = [
        row["placement_id"] for row in summary if privacy.too_few(audience[row["placement_id"]].audience or 0)
    ]
    shown = [row for row in summary if row["placement_id"] not in small]
    shown.sort(key=lambda row: row["at_50"] if row["at_50"] is not None else math.inf)
    steepest = [row["placement_id"] for row in shown[:STEEPEST_VIDEOS]]
    table = _dropout_table(shown, small, catalogue, audience)
    return table, _dropout_chart(current, small, steepest, catalogue)


def _dropout_table(
    shown: list[dict[str, object]], small: list[int], catalogue: Catalogue, audience: dict[int, Figures]
) -> Table:
    rows = []
    for row in shown:
        placement = catalogue.placements[row["placement_id"]]
        figures = audience[placement.pk]
        rows.append(
            (
                placement.item.title,
                placement.channel.name,
                *(
                    Cell(one_decimal(row[m] * 100 if row[m] is not None else None), kind="percent")
                    for m in RETENTION_MARKS
                ),
                figures.cell("percentage_viewed", "percent"),
                figures.cell("views"),
            )
        )
    for placement_id in small:
        placement = catalogue.placements[placement_id]
        rows.append(
            (
                placement.item.title,
                placement.channel.name,
                *(Cell(None, True, "percent") for _ in RETENTION_MARKS),
                Cell(None, True, "percent"),
                Cell(None, True),
            )
        )
    return Table(
        "dropout",
        "Drop-out: share of viewers still watching",
        (
            "Video",
            "Channel",
            "At 10%",
            "At 25%",
            "At half-way",
            "At 75%",
            "At the end",
            "Average % viewed",
            "Views (12 weeks)",
        ),
        rows,
        note="Steepest drop first: the fewest viewers still watching half-way through. Above 100% means "
        "people rewound to watch a part again.",
        shown=ITEMS_SHOWN,
    )


def _dropout_chart(
    current: QuerySet[RetentionPoint], small: list[int], steepest: list[int], catalogue: Catalogue
) -> dict[str, object]:
    """The average curve of every video shown, and the steepest videos' own curves."""
    curves: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for placement_id, elapsed, watching in current.filter(placement_id__in=steepest).values_list(
        "placement_id", "elapsed_ratio", "audience_watch_ratio"
    ):
        curves[placement_id].append((float(elapsed), watching))
    average = (
        current.exclude(placement_id__in=small)
        .values("elapsed_ratio")
        .annotate(watching=Avg("audience_watch_ratio"))
    )
    average_curve = sorted((float(row["elapsed_ratio"]), row["watching"]) for row in average.order_by())
    labels = [f"{elapsed:.0%}" for elapsed, _ in average_curve]
    position = {f"{elapsed:.0%}": n for n, (elapsed, _) in enumerate(average_curve)}
    datasets = [{"label": "All videos (average)", "data": [one_decimal(w * 100) for _, w in average_curve]}]
    for placement_id in steepest:
        data: list[float | None] = [None] * len(labels)
        for elapsed, watching in curves[placement_id]:
            if f"{elapsed:.0%}" in position:
                data[position[f"{elapsed:.0%}"]] = one_decimal(watching * 100)
        datasets.append({"label": catalogue.placements[placement_id].item.title, "data": data})
    return {
        "kind": "line",
        "labels": labels,
        "xTitle": "How far into the video",
        "yTitle": "Viewers still watching (%)",
        "datasets": datasets if average_curve else [],
    }


def series(catalogue: Catalogue, item_weeks: dict[tuple[int, date], Figures], recent: list[date]) -> Table:
    """Multi-part series, approximated: the catalogue has no series, so items sharing a topic and a
    format are taken as parts in the order they went live."""
    totals: dict[int, Figures] = defaultdict(Figures)
    weeks = set(recent)
    for (item_id, week), figures in item_weeks.items():
        if week in weeks:
            totals[item_id].add(figures)
    groups: dict[tuple[int, str], list[ContentItem]] = defaultdict(list)
    for item in catalogue.items.values():
        if item.live_since and item.pk in totals:
            for topic_id in catalogue.item_topics.get(item.pk, []):
                groups[topic_id, item.format].append(item)
    rows = []
    for (topic_id, format), parts in groups.items():
        if len(parts) < 2:
            continue
        parts.sort(key=lambda item: (item.live_since, item.pk))
        first, last = totals[parts[0].pk], totals[parts[-1].pk]
        first_cell, last_cell = first.cell("people"), last.cell("people")
        carried = Cell(None, kind="percent")
        if first_cell.value and last_cell.value is not None:
            carried = Cell(last_cell.value / first_cell.value * 100, kind="percent")
        elif first_cell.suppressed or last_cell.suppressed:
            carried = Cell(None, True, "percent")
        rows.append(
            (
                f"{catalogue.topics[topic_id].name} · {Format(format).label}",
                len(parts),
                parts[0].title,
                parts[-1].title,
                first_cell,
                last_cell,
                carried,
            )
        )
    rows.sort(key=lambda row: row[6].value if row[6].value is not None else math.inf)
    return Table(
        "series",
        "Completion across series",
        (
            "Series (topic · format)",
            "Parts",
            "First part",
            "Latest part",
            "Audience of the first",
            "Audience of the latest",
            "Carried on",
        ),
        rows,
        note="The catalogue has no series of its own: items sharing a topic and a format are read as parts "
        "of one, in the order they went live, over the last 12 weeks. “Carried on” is the latest part's "
        "audience against the first's; a low figure means people stop after the first part.",
    )
