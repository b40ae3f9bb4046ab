"""Presentation: sparklines as SVG paths and charts as the JSON static/js/review.js draws.

Charts are drawn from published Cells only (their `plotted` value): a chart shows nothing a table
beside it does not."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.review.cells import Cell, Table


@dataclass(frozen=True)
class Sparkline:
    """Twelve weeks of one figure as an inline SVG path; withheld weeks are gaps in the line."""

    cells: tuple[Cell, ...]
    width: int = 120
    height: int = 28

    @property
    def path(self) -> str:
        values = [cell.value for cell in self.cells]
        known = [value for value in values if value is not None]
        if not known:
            return ""
        top = max(known) or 1
        step = self.width / max(1, len(values) - 1)
        parts, pen_down = [], False
        for index, value in enumerate(values):
            if value is None:
                pen_down = False
                continue
            x, y = index * step, self.height - 2 - (value / top) * (self.height - 4)
            parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
            pen_down = True
        return " ".join(parts)

    @property
    def summary(self) -> str:
        return f"Weekly engagement, oldest first: {'; '.join(str(cell) for cell in self.cells)}"

    @property
    def csv(self) -> str:
        return "; ".join(str(cell.csv) for cell in self.cells)


def bar_chart(table: Table, title: str, column: int) -> dict[str, object]:
    return {
        "kind": "bar",
        "labels": [row[0] for row in table.rows],
        "xTitle": title,
        "datasets": [{"label": title, "data": [row[column].plotted for row in table.rows]}],
    }


def one_decimal(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
