"""A figure as the review may show it (a Cell) and the tables of them the page and its CSVs share.

Counts about people, sessions or views become Cells only through `published`, which applies
analytics.privacy's rule; shares and changes are worked out from published Cells, so nothing
downstream (charts, tables, CSVs) can show more than the rule allows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analytics import privacy

ITEMS_SHOWN = 25  # rows of a per-item table on the page; the CSV has them all


@dataclass(frozen=True)
class Cell:
    """One figure as it may be shown: its value, or that it is withheld, or that there is none."""

    value: float | int | None = None
    suppressed: bool = False
    kind: str = "number"  # number, seconds, percent, change (percent), points (percentage points)

    @property
    def withheld_as(self) -> str:
        return privacy.FEWER

    def __str__(self) -> str:
        if self.suppressed:
            return self.withheld_as
        if self.value is None:
            return "—"
        value = self.value
        if self.kind == "seconds":
            minutes, seconds = divmod(round(value), 60)
            return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
        if self.kind == "percent":
            return f"{value:.0f}%"
        if self.kind == "change":
            if round(value) == 0:
                return "= no change"
            return f"▲ +{value:.0f}%" if value > 0 else f"▼ -{abs(value):.0f}%"
        if self.kind == "points":
            return "±0 pts" if round(value) == 0 else f"{value:+.0f} pts"
        return f"{value:,.0f}" if isinstance(value, int) or float(value).is_integer() else f"{value:,.1f}"

    @property
    def csv(self) -> str | int | float:
        if self.suppressed:
            return self.withheld_as
        if self.value is None:
            return ""
        if self.kind == "seconds":  # whole seconds: finer averages would weigh their audiences
            return round(self.value)
        return round(self.value, 2) if isinstance(self.value, float) else self.value

    @property
    def plotted(self) -> float | int | None:
        """What a chart draws: no finer than the CSV (whole seconds), nothing when withheld."""
        return None if self.suppressed or self.value is None else self.csv

    @property
    def direction(self) -> str:
        """For styling a change: the arrow and sign already say it without colour."""
        if self.kind != "change" or self.value is None or round(self.value) == 0:
            return "flat"
        return "up" if self.value > 0 else "down"


def published(count: int | None, audience: int | None = None) -> Cell:
    """A count about people, sessions or views as analytics.privacy publishes it; withheld too when
    the audience it came from is fewer than five."""
    if count is None:
        return Cell(None)
    if privacy.too_few(audience):
        return Cell(None, suppressed=True)
    shown = privacy.rounded(count)
    return Cell(shown, suppressed=shown is None)


def resting_on(value: float | None, base: int | None, kind: str) -> Cell:
    """An average or a ratio: withheld when the people (or sessions, or views) it rests on are few."""
    if value is None:
        return Cell(None, kind=kind)
    if privacy.too_few(base):
        return Cell(None, suppressed=True, kind=kind)
    return Cell(value, kind=kind)


def share_of(part: Cell, whole: Cell) -> Cell:
    """A published count's share of a published total: no more than the two counts say."""
    if part.suppressed:
        return Cell(None, suppressed=True, kind="percent")
    return Cell(privacy.share(part.value, whole.value), kind="percent")


def change(now: Cell, before: Cell) -> Cell:
    if now.value is None or before.value is None or not before.value:
        return Cell(None, suppressed=now.suppressed or before.suppressed, kind="change")
    return Cell((now.value - before.value) / before.value * 100, kind="change")


@dataclass(frozen=True)
class Table:
    """A table as the page shows it and the CSV download writes it."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    note: str = ""
    shown: int | None = None  # rows on the page; the CSV has every row

    @property
    def page_rows(self) -> list[tuple[object, ...]]:
        return self.rows if self.shown is None else self.rows[: self.shown]

    @property
    def cut(self) -> bool:
        return self.shown is not None and len(self.rows) > self.shown

    def csv_rows(self) -> Iterable[list[object]]:
        yield list(self.columns)
        for row in self.rows:
            yield [value.csv if isinstance(value, Cell) else value for value in row]
