"""How long people stay: average engagement or view duration by item, format and channel."""

from __future__ import annotations

from collections import defaultdict

from analytics.review.cells import ITEMS_SHOWN, Table
from analytics.review.figures import Catalogue, Figures
from curation.models import Format


def durations(this_week: dict[int, Figures], catalogue: Catalogue) -> dict[str, Table]:
    by_item: dict[int, Figures] = defaultdict(Figures)
    by_format: dict[str, Figures] = defaultdict(Figures)
    by_channel: dict[int, Figures] = defaultdict(Figures)
    for placement_id, figures in this_week.items():
        placement = catalogue.placements[placement_id]
        by_item[placement.item_id].add(figures)
        by_format[placement.item.format].add(figures)
        by_channel[placement.channel_id].add(figures)

    def rows(groups: dict[object, Figures], label) -> list[tuple[object, ...]]:
        timed = [(key, f) for key, f in groups.items() if f.duration_weight]
        timed.sort(key=lambda pair: -(pair[1].audience or 0))
        return [
            (
                label(key),
                f.cell("duration", "seconds"),
                f.cell("percentage_viewed", "percent"),
                f.cell("people"),
            )
            for key, f in timed
        ]

    columns = ("Average duration", "Average % viewed (videos)", "Audience")
    note = "Engagement time per person on web pages, view duration on videos; weighted by audience."
    return {
        "duration_item": Table(
            "duration_item",
            "Duration by item",
            ("Item", *columns),
            rows(by_item, lambda pk: catalogue.items[pk].title),
            note=note + " Largest audience first.",
            shown=ITEMS_SHOWN,
        ),
        "duration_format": Table(
            "duration_format",
            "Duration by format",
            ("Format", *columns),
            rows(by_format, lambda key: Format(key).label),
            note=note,
        ),
        "duration_channel": Table(
            "duration_channel",
            "Duration by channel",
            ("Channel", *columns),
            rows(by_channel, lambda pk: catalogue.channels[pk].name),
            note=note,
        ),
    }
