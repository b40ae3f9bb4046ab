"""The week's top and bottom items by engagement, each with its last twelve weeks as a sparkline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.review.cells import Cell, change
from analytics.review.charts import Sparkline
from analytics.review.figures import Catalogue, Figures
from curation.models import ContentItem

TOP_ITEMS = 10


@dataclass(frozen=True)
class ItemRow:
    item: ContentItem
    channels: str
    engagement: Cell
    views: Cell
    audience: Cell
    change: Cell
    sparkline: Sparkline


def top_and_bottom(
    week_start: date,
    previous: date,
    recent: list[date],
    item_weeks: dict[tuple[int, date], Figures],
    catalogue: Catalogue,
) -> tuple[list[ItemRow], list[ItemRow]]:
    ranked = [(item_id, figures) for (item_id, week), figures in item_weeks.items() if week == week_start]
    ranked.sort(key=lambda pair: (-(pair[1].engagement or 0), catalogue.items[pair[0]].title))

    def row(item_id: int, figures: Figures) -> ItemRow:
        engagement = figures.cell("engagement")
        before = item_weeks.get((item_id, previous), Figures()).cell("engagement")
        line = tuple(item_weeks.get((item_id, week), Figures()).cell("engagement") for week in recent)
        return ItemRow(
            item=catalogue.items[item_id],
            channels=catalogue.channels_of(item_id),
            engagement=engagement,
            views=figures.cell("views"),
            audience=figures.cell("people"),
            change=change(engagement, before),
            sparkline=Sparkline(line),
        )

    top = [row(*pair) for pair in ranked[:TOP_ITEMS]]
    rest = ranked[TOP_ITEMS:]
    bottom = [row(*pair) for pair in reversed(rest[-TOP_ITEMS:])]
    return top, bottom
