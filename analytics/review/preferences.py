"""Preference patterns: each format's, topic's, channel's and stage's share of engagement, week by week."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from analytics.review.cells import Cell, Table, published, share_of
from analytics.review.charts import one_decimal
from analytics.review.figures import Catalogue, Figures, plus
from analytics.review.weeks import iso_week_label, weeks_between
from curation.models import Format, Stage

DIMENSIONS = (
    ("format", "Format", "placement__item__format"),
    ("topic", "Topic", "placement__item__topics"),
    ("channel", "Channel", "placement__channel_id"),
    ("stage", "Learner power stage", "placement__item__stage"),
)


def dimension_label(dimension: str, key: object, catalogue: Catalogue) -> str:
    if key is None:
        return "No topic" if dimension == "topic" else "—"
    if dimension == "format":
        return Format(key).label
    if dimension == "stage":
        return Stage(key).label
    if dimension == "topic":
        return catalogue.topics[key].name
    return catalogue.channels[key].name


@dataclass
class _Shares:
    """One dimension's engagement per week and key, and each key's share of its week."""

    sums: dict[tuple[date, object], Figures]
    week_totals: dict[date, int]

    def share(self, week: date, key: object) -> Cell:
        """Of the published counts: shares of exact ones would tell the exact ratios."""
        figures = self.sums.get((week, key))
        if figures is None or not self.week_totals[week]:
            return Cell(None, kind="percent")
        return share_of(figures.cell("engagement"), published(self.week_totals[week]))


def preferences(
    week_start: date,
    start: date,
    end: date,
    by_kind: list[dict[str, object]],
    by_topic: list[dict[str, object]],
    catalogue: Catalogue,
) -> tuple[dict[str, Table], dict[str, dict[str, object]]]:
    weeks = weeks_between(start, end)
    tables, charts = {}, {}
    for dimension, title, key in DIMENSIONS:
        shares = _shares(by_topic if dimension == "topic" else by_kind, key)
        keys = sorted({k for _w, k in shares.sums}, key=lambda k: dimension_label(dimension, k, catalogue))
        labels = [dimension_label(dimension, k, catalogue) for k in keys]
        name = f"preference_{dimension}"
        tables[name] = _this_week_table(name, title, week_start, weeks[0], shares, keys, labels)
        charts[name] = {
            "kind": "stacked",
            "labels": [iso_week_label(week) for week in weeks],
            "yTitle": "Share of engagement (%)",
            "datasets": [
                {"label": label, "data": [one_decimal(shares.share(week, k).value) for week in weeks]}
                for k, label in zip(keys, labels, strict=True)
            ],
        }
        tables[f"{name}_weekly"] = Table(
            f"{name}_weekly",
            f"Share of engagement by {title.lower()}, week by week (%)",
            ("Week", *labels),
            [(iso_week_label(week), *(shares.share(week, k) for k in keys)) for week in weeks],
        )
    return tables, charts


def _shares(rows_in: list[dict[str, object]], key: str) -> _Shares:
    sums: dict[tuple[date, object], Figures] = defaultdict(Figures)
    for row in rows_in:
        figures = sums[row["week"], row[key]]
        figures.engagement = plus(figures.engagement, row["f_engagement"])
        figures.people = plus(figures.people, row["f_people"])
        figures.clicks = plus(figures.clicks, row["f_clicks"])
    week_totals: dict[date, int] = defaultdict(int)
    for (week, _key), figures in sums.items():
        week_totals[week] += figures.engagement or 0
    return _Shares(sums, week_totals)


def _this_week_table(
    name: str,
    title: str,
    week_start: date,
    first_week: date,
    shares: _Shares,
    keys: list[object],
    labels: list[str],
) -> Table:
    """Each key's engagement this week, its share, and how far the share moved since the range began."""
    rows = []
    for k, label in zip(keys, labels, strict=True):
        share_now, share_then = shares.share(week_start, k), shares.share(first_week, k)
        moved = Cell(None, kind="points")
        if share_now.value is not None and share_then.value is not None:
            moved = Cell(share_now.value - share_then.value, kind="points")
        engagement = shares.sums.get((week_start, k), Figures()).cell("engagement")
        rows.append((label, engagement, share_now, share_then, moved))
    rows.sort(key=lambda row: -(row[1].value or 0))
    return Table(
        name,
        f"Share of engagement by {title.lower()}",
        (title, "Engagement this week", "Share this week", f"Share in {iso_week_label(first_week)}", "Moved"),
        rows,
        note="An item in two topics counts in both." if name == "preference_topic" else "",
    )
