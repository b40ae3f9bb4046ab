"""Reads for the weekly review: the dashboard's figures, the suggestions meetings are made of, and
the tables curators download.

Everything is added up in the database (GROUP BY over DailyMetric with date ranges); Python only
reshapes rows already aggregated, so the number of queries stays the same however many items and
weeks there are. Every count about people, sessions or views leaves this module as analytics.privacy
publishes it (rounded to the nearest ten, 0 to 4 as "fewer than 5"), and shares and changes are
worked out from those published counts: the page, the CSV and the charts cannot leak what they were
never given, and no sum or difference of their figures pins a small group.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.timesince import timesince

from analytics import privacy
from analytics.clock import STALE_AFTER, today
from analytics.models import CampaignSessions, DailyMetric, RetentionPoint, Source, SyncRun, SyncStatus
from analytics.suggestions import Suggestion, SuggestionKind
from campaigns.models import HANDED_OVER, ConsentAction, ConsentEvent, ConsentState, Delivery, Subscriber
from channels.models import Channel, MetricSource
from curation.models import ContentItem, Format, Lifecycle, Placement, Stage, Topic

RECENT_WEEKS = 12  # sparklines, the default chart range, and the suggestions' look-back
MAX_RANGE_DAYS = 731  # "a date range up to 2 years"
# The review reaches two years back from a week or date (the charts' longest range) and a week
# forward (the next week's link). Python's calendar ends at years 1 and 9999: these bounds keep
# every week and date a curator can ask for clear of both ends.
FIRST_REVIEW_DAY = date(1900, 1, 1)
LAST_REVIEW_DAY = date(9998, 12, 31)
LAST_REVIEW_WEEK = date(9998, 12, 21)  # Monday of 9998-W52, the last week to end by LAST_REVIEW_DAY
ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII | re.IGNORECASE)
ITEMS_SHOWN = 25  # rows of a per-item table on the page; the CSV has them all
TOP_ITEMS = 10
STEEPEST_VIDEOS = 5
SUGGESTIONS_PER_KIND = 10
RETENTION_MARKS = {"at_10": "0.10", "at_25": "0.25", "at_50": "0.50", "at_75": "0.75", "at_100": "1.00"}
# What the suggestions look for.
RETIRE_LIVE_WEEKS = 8  # live at least this long
RETIRE_WEEKS_RUNNING = 4  # in the bottom quantile this many weeks in a row
RETIRE_QUANTILE = 0.2
RISING_GROWTH = 0.25  # up at least this much on four weeks ago
TOPIC_GAP_RATIO = 1.5  # share of the interest against share of live content


# Filters and small value types.


@dataclass(frozen=True)
class ReviewFilters:
    channel: int | None = None
    topic: int | None = None
    stage: str | None = None
    start: date | None = None  # the charts' range; by default the twelve weeks to the reviewed week
    end: date | None = None

    @property
    def narrows_items(self) -> bool:
        """Topic and stage narrow to items; campaign sessions are known per channel only."""
        return self.topic is not None or bool(self.stage)


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week() -> date:
    return week_start_of(today()) - timedelta(weeks=1)


def iso_week_label(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(text: str) -> date:
    """2026-W47 -> Monday 16 November 2026; ValueError, saying why, for anything else."""
    found = ISO_WEEK.fullmatch(text)
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1) if found else None
    except ValueError:
        monday = None
    if monday is None:
        raise ValueError(f"“{text}” is not an ISO week such as 2026-W47")
    if not FIRST_REVIEW_DAY <= monday <= LAST_REVIEW_WEEK:
        raise ValueError(
            f"“{text}” is outside the weeks the review covers, "
            f"{iso_week_label(FIRST_REVIEW_DAY)} to {iso_week_label(LAST_REVIEW_WEEK)}"
        )
    return monday


def check_review_day(day: date, text: str) -> date:
    """A chart date the review can reach two years back from; ValueError nearer the calendar's ends."""
    if not FIRST_REVIEW_DAY <= day <= LAST_REVIEW_DAY:
        raise ValueError(
            f"“{text}” is outside the dates the review covers, "
            f"{FIRST_REVIEW_DAY:%-d %b %Y} to {LAST_REVIEW_DAY:%-d %b %Y}"
        )
    return day


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


# The figures, added up.


def _zero(name: str) -> Coalesce:
    return Coalesce(F(name), Value(0), output_field=IntegerField())


# Who a figure rests on: the people a source counted, else its sessions, else its views.
PEOPLE = Coalesce("active_users", "sessions", "views", output_field=IntegerField())
# One engagement: an engaged web session, a video view, a like, comment, share or save, or a
# human click on a tracked link. Page views and platform impressions are reach, not engagement.
ENGAGEMENT = ExpressionWrapper(
    _zero("engaged_sessions")
    + Case(When(source=Source.YOUTUBE, then=_zero("views")), default=Value(0), output_field=IntegerField())
    + _zero("likes")
    + _zero("comments")
    + _zero("shares")
    + _zero("saves")
    + _zero("clicks"),
    output_field=IntegerField(),
)
WEIGHT = Coalesce("active_users", "views", output_field=IntegerField())
TIMED = Q(average_duration_seconds__isnull=False)
WATCHED = Q(average_percentage_viewed__isnull=False)
NOT_CLICKS = ~Q(source=Source.LINKS)


def figure_sums(*names: str) -> dict[str, object]:
    """The sums a breakdown needs (all by default), prefixed: an annotation named like a field
    ("views") would shadow the field in the other expressions."""
    sums = {
        "f_views": Sum("views", filter=NOT_CLICKS),
        "f_people": Sum(PEOPLE, filter=NOT_CLICKS),
        "f_engagement": Sum(ENGAGEMENT),
        "f_clicks": Sum("clicks", filter=Q(source=Source.LINKS)),
        "f_ga4_sessions": Sum("sessions", filter=Q(source=Source.GA4)),
        "f_other_views": Sum("views", filter=~Q(source__in=[Source.GA4, Source.LINKS])),
        "f_duration_total": Sum(
            ExpressionWrapper(F("average_duration_seconds") * WEIGHT, output_field=FloatField()),
            filter=TIMED,
        ),
        "f_duration_weight": Sum(WEIGHT, filter=TIMED),
        "f_viewed_total": Sum(
            ExpressionWrapper(F("average_percentage_viewed") * F("views"), output_field=FloatField()),
            filter=WATCHED,
        ),
        "f_viewed_weight": Sum("views", filter=WATCHED),
    }
    return {f"f_{name}": sums[f"f_{name}"] for name in names} if names else sums


def _plus(a: float | None, b: float | None) -> float | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


@dataclass(slots=True)
class Figures:
    """Sums over some placements and days; None where no source reported the figure."""

    views: int | None = None
    people: int | None = None
    engagement: int | None = None
    clicks: int | None = None
    ga4_sessions: int | None = None
    other_views: int | None = None
    duration_total: float | None = None
    duration_weight: int | None = None
    viewed_total: float | None = None
    viewed_weight: int | None = None

    FIELDS = (
        "views",
        "people",
        "engagement",
        "clicks",
        "ga4_sessions",
        "other_views",
        "duration_total",
        "duration_weight",
        "viewed_total",
        "viewed_weight",
    )

    @classmethod
    def from_row(cls, row: dict[str, object]) -> Figures:
        return cls(**{name: row[f"f_{name}"] for name in cls.FIELDS})

    def add(self, other: Figures) -> Figures:
        # Spelled out: this runs for every placement and week, and a loop over names costs 3x.
        if other.views is not None:
            self.views = (self.views or 0) + other.views
        if other.people is not None:
            self.people = (self.people or 0) + other.people
        if other.engagement is not None:
            self.engagement = (self.engagement or 0) + other.engagement
        if other.clicks is not None:
            self.clicks = (self.clicks or 0) + other.clicks
        if other.ga4_sessions is not None:
            self.ga4_sessions = (self.ga4_sessions or 0) + other.ga4_sessions
        if other.other_views is not None:
            self.other_views = (self.other_views or 0) + other.other_views
        if other.duration_total is not None:
            self.duration_total = (self.duration_total or 0) + other.duration_total
        if other.duration_weight is not None:
            self.duration_weight = (self.duration_weight or 0) + other.duration_weight
        if other.viewed_total is not None:
            self.viewed_total = (self.viewed_total or 0) + other.viewed_total
        if other.viewed_weight is not None:
            self.viewed_weight = (self.viewed_weight or 0) + other.viewed_weight
        return self

    @property
    def audience(self) -> int | None:
        """What the k-anonymity rule counts: people (or sessions, or views); else the clicks."""
        return self.people if self.people is not None else self.clicks

    @property
    def duration(self) -> float | None:
        return self.duration_total / self.duration_weight if self.duration_weight else None

    @property
    def percentage_viewed(self) -> float | None:
        return self.viewed_total / self.viewed_weight if self.viewed_weight else None

    def cell(self, name: str, kind: str = "number") -> Cell:
        """A count as published (rounded; withheld when it, or the audience it came from, is under
        five); an average withheld when its audience is under five."""
        value = getattr(self, name)
        if name == "duration":
            return resting_on(value, self.duration_weight, kind)
        if name == "percentage_viewed":
            return resting_on(value, self.viewed_weight, kind)
        return published(value, self.audience)


def _scope(filters: ReviewFilters, prefix: str = "") -> Q:
    """The filters, for a query over placements (prefix "") or over what hangs off them."""
    scope = Q()
    if filters.channel is not None:
        scope &= Q(**{f"{prefix}channel_id": filters.channel})
    if filters.topic is not None:
        scope &= Q(**{f"{prefix}item__topics": filters.topic})
    if filters.stage:
        scope &= Q(**{f"{prefix}item__stage": filters.stage})
    return scope


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The programme's days as UTC instants: a week runs Monday to Sunday where the team is."""
    zone = ZoneInfo(settings.PROGRAMME_TIME_ZONE)
    return (
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )


# The review.


@dataclass(frozen=True)
class Headline:
    label: str
    this_week: Cell
    last_week: Cell
    change: Cell
    note: str = ""


@dataclass(frozen=True)
class ItemRow:
    item: ContentItem
    channels: str
    engagement: Cell
    views: Cell
    audience: Cell
    change: Cell
    sparkline: Sparkline


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


@dataclass(frozen=True)
class FilterChoices:
    channels: list[Channel]
    topics: list[Topic]
    stages: list[tuple[str, str]]


@dataclass
class WeeklyReview:
    week_start: date
    filters: ReviewFilters
    range_start: date
    range_end: date
    range_note: str
    headlines: list[Headline]
    top_items: list[ItemRow]
    bottom_items: list[ItemRow]
    suggestions: list[Suggestion]
    freshness: list[Freshness]
    choices: FilterChoices
    tables: dict[str, Table]
    charts: dict[str, dict[str, object]]
    organic_trend: str
    notes: list[str] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return (
            f"Week {week}, {year}: {self.week_start.day} {self.week_start:%B} to "
            f"{self.week_end.day} {self.week_end:%B %Y}"
        )

    @property
    def iso_week(self) -> str:
        return iso_week_label(self.week_start)

    @property
    def previous_week(self) -> str | None:
        """None for the first week the review covers."""
        previous = self.week_start - timedelta(weeks=1)
        return iso_week_label(previous) if previous >= FIRST_REVIEW_DAY else None

    @property
    def next_week(self) -> str | None:
        """None while this week is in progress (the next has no figures yet), or for the last week covered."""
        following = self.week_start + timedelta(weeks=1)
        if self.in_progress or following > LAST_REVIEW_WEEK:
            return None
        return iso_week_label(following)

    @property
    def in_progress(self) -> bool:
        return self.week_end >= today()

    @cached_property
    def suppressed_cells(self) -> int:
        return sum(
            1
            for table in self.tables.values()
            for row in table.rows
            for value in row
            if isinstance(value, Cell) and value.suppressed
        )

    def table(self, name: str) -> Table:
        return self.tables[name]


def chart_range(week_start: date, filters: ReviewFilters) -> tuple[date, date, str]:
    week_end = week_start + timedelta(days=6)
    end = filters.end or week_end
    start = filters.start or (end - timedelta(weeks=RECENT_WEEKS) + timedelta(days=1))
    note = ""
    if start > end:
        start, end = end, start
        note = "The range's dates were the wrong way round: shown in order."
    if (end - start).days >= MAX_RANGE_DAYS:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        note = f"Ranges go back two years at most: showing {start:%-d %b %Y} to {end:%-d %b %Y}."
    return start, end, note


@dataclass
class _Catalogue:
    """The placements in view, their items, and the items' topics: the labels for the figures."""

    placements: dict[int, Placement]
    items: dict[int, ContentItem]
    item_topics: dict[int, list[int]]
    topics: dict[int, Topic]
    channels: dict[int, Channel]

    def channels_of(self, item_id: int) -> str:
        names = {p.channel.name for p in self.placements.values() if p.item_id == item_id}
        return ", ".join(sorted(names))


def _catalogue(filters: ReviewFilters) -> _Catalogue:
    placements = {
        placement.pk: placement
        for placement in Placement.objects.filter(_scope(filters)).select_related("item", "channel")
    }
    items = {placement.item_id: placement.item for placement in placements.values()}
    item_topics: dict[int, list[int]] = defaultdict(list)
    through = ContentItem.topics.through.objects.filter(
        contentitem__in=Placement.objects.filter(_scope(filters)).values("item_id")
    )
    for item_id, topic_id in through.values_list("contentitem_id", "topic_id"):
        item_topics[item_id].append(topic_id)
    return _Catalogue(
        placements=placements,
        items=items,
        item_topics=item_topics,
        topics={topic.pk: topic for topic in Topic.objects.all()},
        channels={channel.pk: channel for channel in Channel.objects.all()},
    )


def _placement_weeks(
    first_week: date, week_end: date, filters: ReviewFilters
) -> dict[tuple[int, date], Figures]:
    """Each placement's figures per week: one GROUP BY, rows = placements x weeks in view."""
    rows = (
        DailyMetric.objects.filter(_scope(filters, "placement__"), date__range=(first_week, week_end))
        .annotate(week=TruncWeek("date"))
        .values("placement_id", "week")
        .annotate(**figure_sums())
        .order_by()
    )
    return {(row["placement_id"], row["week"]): Figures.from_row(row) for row in rows}


def _item_weeks(
    placement_weeks: dict[tuple[int, date], Figures], catalogue: _Catalogue
) -> dict[tuple[int, date], Figures]:
    by_item: dict[tuple[int, date], Figures] = {}
    summed: set[tuple[int, date]] = set()
    for (placement_id, week), figures in placement_weeks.items():
        key = (catalogue.placements[placement_id].item_id, week)
        held = by_item.get(key)
        if held is None:
            by_item[key] = figures  # most items have one placement: shared, not copied
        elif key in summed:
            held.add(figures)
        else:
            by_item[key] = Figures().add(held).add(figures)
            summed.add(key)
    return by_item


def _weeks(first: date, last: date) -> list[date]:
    count = (week_start_of(last) - week_start_of(first)).days // 7 + 1
    return [week_start_of(first) + timedelta(weeks=n) for n in range(count)]


# The review is computed once per state of the figures and kept: curators and the projector read
# the stored result, and the sync that changes the figures computes the next one (tasks.py).
REVIEW_KEPT_SECONDS = 15 * 60  # campaign sends and sign-ups change without a sync: never staler
FIGURES_EDITED = "weekly-review:figures-edited"  # bumped when a curator types or imports figures


def figures_version() -> str:
    """Changes whenever what the review reads changes: every sync and import is a SyncRun, hand
    edits bump a counter, items carry their own timestamps, and the link checker its own."""
    runs = SyncRun.objects.aggregate(last=Max("finished_at"), count=Count("pk"))
    items = ContentItem.objects.aggregate(last=Max("updated_at"), count=Count("pk"))
    checked = Placement.objects.aggregate(last=Max("reachability_checked_at"), count=Count("pk"))
    marks = (*runs.values(), *items.values(), *checked.values(), cache.get(FIGURES_EDITED, 0))
    return hashlib.sha256(repr(marks).encode()).hexdigest()[:16]


def note_figures_edited() -> None:
    try:
        cache.incr(FIGURES_EDITED)
    except ValueError:  # not there yet
        cache.add(FIGURES_EDITED, 1, timeout=None)


def kept_review(*, week: date, filters: ReviewFilters) -> WeeklyReview:
    """The weekly review for this state of the figures: computed once, then read from the cache."""
    # The privacy rule is part of the key: a review kept under an earlier rule is never served.
    question = (week_start_of(week), astuple(filters), privacy.METHOD)
    asked = hashlib.sha256(repr(question).encode()).hexdigest()[:16]
    key = f"weekly-review:{figures_version()}:{asked}"
    review = cache.get(key)
    if review is None:
        review = weekly_review(week=week, filters=filters)
        cache.set(key, review, timeout=REVIEW_KEPT_SECONDS)
    return review


def weekly_review(*, week: date, filters: ReviewFilters) -> WeeklyReview:
    week_start = week_start_of(week)
    week_end = week_start + timedelta(days=6)
    previous = week_start - timedelta(weeks=1)
    range_start, range_end, range_note = chart_range(week_start, filters)
    recent = _weeks(week_start - timedelta(weeks=RECENT_WEEKS - 1), week_start)

    catalogue = _catalogue(filters)
    placement_weeks = _placement_weeks(recent[0], week_end, filters)
    item_weeks = _item_weeks(placement_weeks, catalogue)

    tables: dict[str, Table] = {}
    charts: dict[str, dict[str, object]] = {}

    headlines = _headlines(week_start, filters, placement_weeks)
    tables["headlines"] = Table(
        "headlines",
        "Headline figures",
        ("Figure", "This week", "Last week", "Change"),
        [(h.label, h.this_week, h.last_week, h.change) for h in headlines],
    )

    if (range_start, range_end) == (recent[0], week_end):
        # The default range is the twelve weeks already read: no second pass over the figures.
        by_kind, by_topic = _range_rows(placement_weeks, catalogue)
    else:
        by_kind = _range_by_kind(range_start, range_end, filters)
        by_topic = _range_by_topic(range_start, range_end, filters)
    traffic_table, traffic_chart, organic_trend = _traffic(
        range_start, range_end, filters, by_kind, catalogue
    )
    tables["traffic"], charts["traffic"] = traffic_table, traffic_chart

    audience_by_placement: dict[int, Figures] = defaultdict(Figures)
    for (placement_id, _week), figures in placement_weeks.items():
        audience_by_placement[placement_id].add(figures)
    retention_table, retention_chart = _retention(week_start, filters, catalogue, audience_by_placement)
    tables["dropout"], charts["dropout"] = retention_table, retention_chart
    tables["series"] = _series(catalogue, item_weeks, recent)

    this_week = {key[0]: figures for key, figures in placement_weeks.items() if key[1] == week_start}
    tables.update(_durations(this_week, catalogue))
    charts["duration_format"] = _bar_chart(tables["duration_format"], "Average duration (seconds)", 1)

    preference_tables, preference_charts = _preferences(
        week_start, range_start, range_end, by_kind, by_topic, catalogue
    )
    tables.update(preference_tables)
    charts.update(preference_charts)

    top, bottom = _top_and_bottom(week_start, previous, recent, item_weeks, catalogue)
    for name, title, rows in (("top_items", "Top items", top), ("bottom_items", "Bottom items", bottom)):
        tables[name] = Table(
            name,
            title,
            (
                "Item",
                "Channels",
                "Engagement",
                "Views",
                "Audience",
                "Change on last week (%)",
                "Last 12 weeks",
            ),
            [
                (r.item.title, r.channels, r.engagement, r.views, r.audience, r.change, r.sparkline.csv)
                for r in rows
            ],
            note="Engagement this week; the last column is engagement per week, oldest first.",
        )

    found = _suggest(week_start, filters, catalogue, item_weeks, recent)
    tables["suggestions"] = Table(
        "suggestions",
        "Suggestions",
        ("Suggestion", "About", "Why"),
        [(s.kind.value.replace("_", " "), _subject(s), s.reason) for s in found],
    )

    freshness = _freshness(catalogue)
    tables["freshness"] = Table(
        "freshness",
        "Data freshness",
        ("Source", "Channel", "Last synced", "Figures up to", "State"),
        [
            (
                f.source,
                f.channel,
                f"{f.last_synced:%Y-%m-%d %H:%M} UTC" if f.last_synced else "",
                f.figures_to.isoformat() if f.figures_to else "",
                f.state,
            )
            for f in freshness
        ],
    )

    notes = []
    if filters.narrows_items:
        notes.append(
            "GA4 reports campaign sessions per channel, not per item: with a topic or stage filter the "
            "campaign-driven line counts tracked-link clicks only."
        )
    return WeeklyReview(
        week_start=week_start,
        filters=filters,
        range_start=range_start,
        range_end=range_end,
        range_note=range_note,
        headlines=headlines,
        top_items=top,
        bottom_items=bottom,
        suggestions=found,
        freshness=freshness,
        choices=FilterChoices(
            channels=sorted(catalogue.channels.values(), key=lambda c: c.name),
            topics=sorted(catalogue.topics.values(), key=lambda t: t.name),
            stages=list(Stage.choices),
        ),
        tables=tables,
        charts=charts,
        organic_trend=organic_trend,
        notes=notes,
    )


def _subject(suggestion: Suggestion) -> str:
    if suggestion.placement is not None:
        return str(suggestion.placement)
    if suggestion.item is not None:
        return suggestion.item.title
    return suggestion.topic.name if suggestion.topic is not None else ""


# Headlines.


def _headlines(
    week_start: date, filters: ReviewFilters, placement_weeks: dict[tuple[int, date], Figures]
) -> list[Headline]:
    previous = week_start - timedelta(weeks=1)
    week_end = week_start + timedelta(days=6)
    sums = {previous: Figures(), week_start: Figures()}
    for (_placement, week), figures in placement_weeks.items():
        if week in sums:
            sums[week].add(figures)
    now, before = sums[week_start], sums[previous]

    def active_on(day: date) -> Q:
        return Q(live_since__lte=day) & (Q(retired_on__isnull=True) | Q(retired_on__gt=day))

    items = ContentItem.objects.filter(lifecycle__in=[Lifecycle.LIVE, Lifecycle.RETIRED])
    if filters.channel is not None:
        items = items.filter(placements__channel_id=filters.channel)
    if filters.topic is not None:
        items = items.filter(topics=filters.topic)
    if filters.stage:
        items = items.filter(stage=filters.stage)
    active = items.aggregate(
        now=Count("pk", distinct=True, filter=active_on(week_end)),
        before=Count("pk", distinct=True, filter=active_on(previous + timedelta(days=6))),
    )

    since, until = _day_bounds(previous, week_end)
    split = _day_bounds(week_start, week_end)[0]
    sent = Delivery.objects.filter(status__in=HANDED_OVER, sent_at__gte=since, sent_at__lt=until).aggregate(
        now=Count("pk", filter=Q(sent_at__gte=split)), before=Count("pk", filter=Q(sent_at__lt=split))
    )
    events = ConsentEvent.objects.filter(
        occurred_at__gte=since,
        occurred_at__lt=until,
        action__in=[ConsentAction.CONFIRMED, ConsentAction.OPTED_OUT],
    )
    if filters.topic is not None:
        events = events.filter(subscriber__topics=filters.topic)
    people = events.aggregate(
        joined_now=Count(
            "subscriber", distinct=True, filter=Q(action=ConsentAction.CONFIRMED, occurred_at__gte=split)
        ),
        joined_before=Count(
            "subscriber", distinct=True, filter=Q(action=ConsentAction.CONFIRMED, occurred_at__lt=split)
        ),
        left_now=Count(
            "subscriber", distinct=True, filter=Q(action=ConsentAction.OPTED_OUT, occurred_at__gte=split)
        ),
        left_before=Count(
            "subscriber", distinct=True, filter=Q(action=ConsentAction.OPTED_OUT, occurred_at__lt=split)
        ),
    )

    def headline(label: str, now_cell: Cell, before_cell: Cell, note: str = "") -> Headline:
        return Headline(label, now_cell, before_cell, change(now_cell, before_cell), note)

    everyone = " (all campaigns, whatever the filters)" if filters != ReviewFilters() else ""
    return [
        headline(
            "Active content", Cell(active["now"]), Cell(active["before"]), "Items live at the week's end."
        ),
        headline("Views", published(now.views), published(before.views)),
        headline(
            "Average duration",
            now.cell("duration", "seconds"),
            before.cell("duration", "seconds"),
            "Engagement time on pages and view duration of videos, weighted by audience.",
        ),
        headline("Human link clicks", now.cell("clicks"), before.cell("clicks"), "Bots and previews apart."),
        headline(
            "Campaign messages sent",
            published(sent["now"]),
            published(sent["before"]),
            f"Texts and emails handed to the provider{everyone}.",
        ),
        headline("New sign-ups", published(people["joined_now"]), published(people["joined_before"])),
        headline("Opt-outs", published(people["left_now"]), published(people["left_before"])),
    ]


# Traffic and preferences over the chart's range.


def _range_by_kind(start: date, end: date, filters: ReviewFilters) -> list[dict[str, object]]:
    """Per week, channel, format and stage: small whatever the catalogue's size."""
    return list(
        DailyMetric.objects.filter(_scope(filters, "placement__"), date__range=(start, end))
        .annotate(week=TruncWeek("date"))
        .values("week", "placement__channel_id", "placement__item__format", "placement__item__stage")
        .annotate(**figure_sums("engagement", "people", "clicks", "ga4_sessions", "other_views"))
        .order_by()
    )


def _range_rows(
    placement_weeks: dict[tuple[int, date], Figures], catalogue: _Catalogue
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rows _range_by_kind and _range_by_topic would read, from placement-weeks in hand."""
    by_kind, by_topic = [], []
    for (placement_id, week), f in placement_weeks.items():
        placement = catalogue.placements[placement_id]
        sums = {"f_engagement": f.engagement, "f_people": f.people, "f_clicks": f.clicks}
        by_kind.append(
            {
                "week": week,
                "placement__channel_id": placement.channel_id,
                "placement__item__format": placement.item.format,
                "placement__item__stage": placement.item.stage,
                "f_ga4_sessions": f.ga4_sessions,
                "f_other_views": f.other_views,
                **sums,
            }
        )
        for topic_id in catalogue.item_topics.get(placement.item_id) or [None]:
            by_topic.append({"week": week, "placement__item__topics": topic_id, **sums})
    return by_kind, by_topic


def _range_by_topic(start: date, end: date, filters: ReviewFilters) -> list[dict[str, object]]:
    return list(
        DailyMetric.objects.filter(_scope(filters, "placement__"), date__range=(start, end))
        .annotate(week=TruncWeek("date"))
        .values("week", "placement__item__topics")
        .annotate(**figure_sums("engagement", "people", "clicks"))
        .order_by()
    )


TRAFFIC_NOTE = (
    "Campaign-driven: GA4 sessions that arrived with one of our campaigns' utm tags, plus human clicks on "
    "tracked links to channels GA4 does not measure (YouTube, Instagram...). Organic: GA4 sessions without "
    "a campaign (never below zero), plus the views YouTube and the platforms' exports report. Sessions and "
    "views are added as they are: the split shows a direction, not a head count."
)


def _traffic(
    start: date,
    end: date,
    filters: ReviewFilters,
    by_kind: list[dict[str, object]],
    catalogue: _Catalogue,
) -> tuple[Table, dict[str, object], str]:
    weeks = _weeks(start, end)
    ga4_channels = {pk for pk, c in catalogue.channels.items() if c.metric_source == MetricSource.GA4}
    totals = {week: defaultdict(lambda: None) for week in weeks}
    for row in by_kind:
        week = totals[row["week"]]
        week["ga4_sessions"] = _plus(week["ga4_sessions"], row["f_ga4_sessions"])
        week["other_views"] = _plus(week["other_views"], row["f_other_views"])
        if row["placement__channel_id"] not in ga4_channels:  # GA4 sees those clicks as campaign sessions
            week["clicks"] = _plus(week["clicks"], row["f_clicks"])
    if not filters.narrows_items:
        sessions = CampaignSessions.objects.filter(date__range=(start, end))
        if filters.channel is not None:
            sessions = sessions.filter(channel_id=filters.channel)
        for row in (
            sessions.annotate(week=TruncWeek("date"))
            .values("week")
            .annotate(total=Sum("sessions"))
            .order_by()
        ):
            totals[row["week"]]["campaign_sessions"] = row["total"]

    rows, campaign_series, organic_series = [], [], []
    for week in weeks:
        figures = totals[week]
        campaign = _plus(figures["campaign_sessions"], figures["clicks"])
        if campaign is None and (figures["ga4_sessions"] is not None or figures["other_views"] is not None):
            campaign = 0  # measured, and GA4 lists only campaigns that brought someone
        ga4_organic = None
        if figures["ga4_sessions"] is not None:
            ga4_organic = max(0, figures["ga4_sessions"] - (figures["campaign_sessions"] or 0))
        organic = _plus(ga4_organic, figures["other_views"])
        cells = [published(value) for value in (campaign, organic)]
        campaign_series.append(cells[0].value)
        organic_series.append(cells[1].value)
        rows.append(
            (
                iso_week_label(week),
                *cells,
                published(figures["campaign_sessions"]),
                published(figures["clicks"]),
                published(ga4_organic),
                published(figures["other_views"]),
            )
        )
    table = Table(
        "traffic",
        "Traffic by week",
        (
            "Week",
            "Campaign-driven",
            "Organic",
            "Campaign sessions (GA4)",
            "Tracked-link clicks elsewhere",
            "GA4 sessions without a campaign",
            "Video and platform views",
        ),
        rows,
        note=TRAFFIC_NOTE,
    )
    chart = {
        "kind": "line",
        "labels": [iso_week_label(week) for week in weeks],
        "yTitle": "Sessions, views and clicks per week",
        "datasets": [
            {"label": "Campaign-driven", "data": campaign_series},
            {"label": "Organic", "data": organic_series},
        ],
    }
    return table, chart, _organic_trend(organic_series)


def _organic_trend(series: Sequence[float | None]) -> str:
    """Is traffic building of its own accord? The last four weeks against the first four."""
    if len(series) < 8:
        return ""
    first = [v for v in series[:4] if v is not None]
    last = [v for v in series[-4:] if v is not None]
    if len(first) < 4 or len(last) < 4 or not sum(first):
        return ""
    moved = (sum(last) - sum(first)) / sum(first) * 100
    if abs(moved) < 5:
        return "Organic traffic is holding steady: the last four weeks are within 5% of the first four."
    word = "up" if moved > 0 else "down"
    return f"Organic traffic is {word} {abs(moved):.0f}% from the range's first four weeks to its last four."


DIMENSIONS = (
    ("format", "Format", "placement__item__format"),
    ("topic", "Topic", "placement__item__topics"),
    ("channel", "Channel", "placement__channel_id"),
    ("stage", "Learner power stage", "placement__item__stage"),
)


def _dimension_label(dimension: str, key: object, catalogue: _Catalogue) -> str:
    if key is None:
        return "No topic" if dimension == "topic" else "—"
    if dimension == "format":
        return Format(key).label
    if dimension == "stage":
        return Stage(key).label
    if dimension == "topic":
        return catalogue.topics[key].name
    return catalogue.channels[key].name


def _preferences(
    week_start: date,
    start: date,
    end: date,
    by_kind: list[dict[str, object]],
    by_topic: list[dict[str, object]],
    catalogue: _Catalogue,
) -> tuple[dict[str, Table], dict[str, dict[str, object]]]:
    weeks = _weeks(start, end)
    tables, charts = {}, {}
    for dimension, title, key in DIMENSIONS:
        rows_in = by_topic if dimension == "topic" else by_kind
        sums: dict[tuple[date, object], Figures] = defaultdict(Figures)
        for row in rows_in:
            figures = sums[row["week"], row[key]]
            figures.engagement = _plus(figures.engagement, row["f_engagement"])
            figures.people = _plus(figures.people, row["f_people"])
            figures.clicks = _plus(figures.clicks, row["f_clicks"])
        week_totals: dict[date, int] = defaultdict(int)
        for (week, _key), figures in sums.items():
            week_totals[week] += figures.engagement or 0
        keys = sorted({k for _w, k in sums}, key=lambda k: _dimension_label(dimension, k, catalogue))

        def share(week: date, k: object, sums=sums, week_totals=week_totals) -> Cell:
            """Of the published counts: shares of exact ones would tell the exact ratios."""
            figures = sums.get((week, k))
            if figures is None or not week_totals[week]:
                return Cell(None, kind="percent")
            return share_of(figures.cell("engagement"), published(week_totals[week]))

        first_week = weeks[0]
        rows = []
        for k in keys:
            now = sums.get((week_start, k), Figures())
            share_now, share_then = share(week_start, k), share(first_week, k)
            moved = Cell(None, kind="points")
            if share_now.value is not None and share_then.value is not None:
                moved = Cell(share_now.value - share_then.value, kind="points")
            rows.append(
                (
                    _dimension_label(dimension, k, catalogue),
                    now.cell("engagement"),
                    share_now,
                    share_then,
                    moved,
                )
            )
        rows.sort(key=lambda row: -(row[1].value or 0))
        tables[f"preference_{dimension}"] = Table(
            f"preference_{dimension}",
            f"Share of engagement by {title.lower()}",
            (
                title,
                "Engagement this week",
                "Share this week",
                f"Share in {iso_week_label(first_week)}",
                "Moved",
            ),
            rows,
            note="An item in two topics counts in both." if dimension == "topic" else "",
        )
        charts[f"preference_{dimension}"] = {
            "kind": "stacked",
            "labels": [iso_week_label(week) for week in weeks],
            "yTitle": "Share of engagement (%)",
            "datasets": [
                {
                    "label": _dimension_label(dimension, k, catalogue),
                    "data": [_rounded(share(week, k).value) for week in weeks],
                }
                for k in keys
            ],
        }
        tables[f"preference_{dimension}_weekly"] = Table(
            f"preference_{dimension}_weekly",
            f"Share of engagement by {title.lower()}, week by week (%)",
            ("Week", *(_dimension_label(dimension, k, catalogue) for k in keys)),
            [(iso_week_label(week), *(share(week, k) for k in keys)) for week in weeks],
        )
    return tables, charts


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# Drop-out.


def _retention(
    week_start: date,
    filters: ReviewFilters,
    catalogue: _Catalogue,
    audience: dict[int, Figures],
) -> tuple[Table, dict[str, object]]:
    """The drop-out curves YouTube reports for the latest period covering the week, per owned video."""
    week_end = week_start + timedelta(days=6)
    window = {"period_start__lte": week_end, "period_end__gte": week_start - timedelta(days=35)}
    # The latest period reported: YouTube syncs report every video of a channel for one period.
    # Uncorrelated, so the database works it out once rather than once per point.
    latest = RetentionPoint.objects.filter(**window).order_by("-period_end").values("period_end")[:1]
    current = RetentionPoint.objects.filter(
        _scope(filters, "placement__"), period_end=Subquery(latest), **window
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

    rows = []
    for row in shown:
        placement = catalogue.placements[row["placement_id"]]
        figures = audience[placement.pk]
        rows.append(
            (
                placement.item.title,
                placement.channel.name,
                *(
                    Cell(_rounded(row[m] * 100 if row[m] is not None else None), kind="percent")
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
    table = Table(
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
    datasets = [{"label": "All videos (average)", "data": [_rounded(w * 100) for _, w in average_curve]}]
    for placement_id in steepest:
        data: list[float | None] = [None] * len(labels)
        for elapsed, watching in curves[placement_id]:
            if f"{elapsed:.0%}" in position:
                data[position[f"{elapsed:.0%}"]] = _rounded(watching * 100)
        datasets.append({"label": catalogue.placements[placement_id].item.title, "data": data})
    chart = {
        "kind": "line",
        "labels": labels,
        "xTitle": "How far into the video",
        "yTitle": "Viewers still watching (%)",
        "datasets": datasets if average_curve else [],
    }
    return table, chart


def _series(catalogue: _Catalogue, item_weeks: dict[tuple[int, date], Figures], recent: list[date]) -> Table:
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


# Duration.


def _durations(this_week: dict[int, Figures], catalogue: _Catalogue) -> dict[str, Table]:
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


def _bar_chart(table: Table, title: str, column: int) -> dict[str, object]:
    return {
        "kind": "bar",
        "labels": [row[0] for row in table.rows],
        "xTitle": title,
        "datasets": [{"label": title, "data": [row[column].plotted for row in table.rows]}],
    }


# Top and bottom items.


def _top_and_bottom(
    week_start: date,
    previous: date,
    recent: list[date],
    item_weeks: dict[tuple[int, date], Figures],
    catalogue: _Catalogue,
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


# Suggestions.


def suggestions(*, week_start: date, filters: ReviewFilters | None = None) -> list[Suggestion]:
    """What the data suggests the team discuss in the review of `week_start`'s week."""
    week_start = week_start_of(week_start)
    filters = filters or ReviewFilters()
    recent = _weeks(week_start - timedelta(weeks=RECENT_WEEKS - 1), week_start)
    catalogue = _catalogue(filters)
    placement_weeks = _placement_weeks(recent[0], week_start + timedelta(days=6), filters)
    return _suggest(week_start, filters, catalogue, _item_weeks(placement_weeks, catalogue), recent)


def _suggest(
    week_start: date,
    filters: ReviewFilters,
    catalogue: _Catalogue,
    item_weeks: dict[tuple[int, date], Figures],
    recent: list[date],
) -> list[Suggestion]:
    return [
        *_retire_candidates(week_start, catalogue, item_weeks),
        *_rising(week_start, catalogue, item_weeks),
        *_topic_gaps(week_start, catalogue, item_weeks, recent),
        *_unreachable(catalogue),
    ]


def _live(item: ContentItem, day: date) -> bool:
    return item.lifecycle == Lifecycle.LIVE and item.live_since is not None and item.live_since <= day


def _retire_candidates(
    week_start: date, catalogue: _Catalogue, item_weeks: dict[tuple[int, date], Figures]
) -> list[Suggestion]:
    """Live at least N weeks, and in the bottom quantile on engagement for M weeks running."""
    live_weeks, running, quantile = RETIRE_LIVE_WEEKS, RETIRE_WEEKS_RUNNING, RETIRE_QUANTILE
    week_end = week_start + timedelta(days=6)
    weeks = [week_start - timedelta(weeks=n) for n in range(running - 1, -1, -1)]
    bottom_in: dict[int, int] = defaultdict(int)
    for week in weeks:
        # Ranked among the items live and reporting that week: no figures is not the same as none.
        scores = {
            item_id: figures.engagement or 0
            for (item_id, w), figures in item_weeks.items()
            if w == week and _live(catalogue.items[item_id], week + timedelta(days=6))
        }
        if len(scores) < 2:
            continue
        values = sorted(scores.values())
        for item_id, score in scores.items():
            below = bisect.bisect_left(values, score)  # how many did worse
            if below < quantile * len(values):
                bottom_in[item_id] += 1
    found = []
    for item_id, count in bottom_in.items():
        item = catalogue.items[item_id]
        if count < running or not _live(item, week_end - timedelta(weeks=live_weeks)):
            continue
        cells = [item_weeks[item_id, week].cell("engagement") for week in weeks]
        weeks_live = (week_end - item.live_since).days // 7
        found.append(
            Suggestion(
                kind=SuggestionKind.RETIRE,
                item=item,
                reason=(
                    f"Live for {weeks_live} weeks and in the bottom {quantile:.0%} on engagement for "
                    f"{running} weeks running ({', '.join(str(c) for c in cells)} a week)."
                ),
                figures={
                    "live_since": item.live_since.isoformat(),
                    "weeks_live": weeks_live,
                    "weeks_in_bottom": running,
                    "bottom_quantile": quantile,
                    **{f"engagement {iso_week_label(w)}": c.csv for w, c in zip(weeks, cells, strict=True)},
                },
            )
        )
    found.sort(key=lambda s: (sum(item_weeks[s.item.pk, w].engagement or 0 for w in weeks), s.item.title))
    return found[:SUGGESTIONS_PER_KIND]


def _rising(
    week_start: date, catalogue: _Catalogue, item_weeks: dict[tuple[int, date], Figures]
) -> list[Suggestion]:
    """Engagement up on last week and well up on four weeks ago: worth a campaign or a sequel."""
    previous, earlier = week_start - timedelta(weeks=1), week_start - timedelta(weeks=4)
    found = []
    for (item_id, week), figures in item_weeks.items():
        item = catalogue.items[item_id]
        if week != week_start or item.lifecycle != Lifecycle.LIVE:
            continue
        now = figures.cell("engagement")
        last = item_weeks.get((item_id, previous), Figures()).cell("engagement")
        then = item_weeks.get((item_id, earlier), Figures()).cell("engagement")
        if not (now.value and last.value and then.value) or now.value <= last.value:
            continue
        grown = (now.value - then.value) / then.value
        if grown < RISING_GROWTH:
            continue
        found.append(
            (
                grown,
                Suggestion(
                    kind=SuggestionKind.RISING,
                    item=item,
                    reason=(
                        f"Engagement up {grown:.0%} on four weeks ago ({then} then, {now} this week) "
                        f"and up on last week ({last})."
                    ),
                    figures={
                        "engagement_this_week": now.csv,
                        "engagement_last_week": last.csv,
                        "engagement_four_weeks_ago": then.csv,
                        "growth": round(grown, 3),
                    },
                ),
            )
        )
    found.sort(key=lambda pair: (-pair[0], pair[1].item.title))
    return [suggestion for _grown, suggestion in found[:SUGGESTIONS_PER_KIND]]


def _topic_gaps(
    week_start: date,
    catalogue: _Catalogue,
    item_weeks: dict[tuple[int, date], Figures],
    recent: list[date],
) -> list[Suggestion]:
    """Topics employees asked for (at sign-up) or clicked on, with a smaller share of live content."""
    week_end = week_start + timedelta(days=6)
    subscribed = Q(subscriber__sms_state=ConsentState.SUBSCRIBED) | Q(
        subscriber__email_state=ConsentState.SUBSCRIBED
    )
    interest = dict(
        Subscriber.topics.through.objects.filter(subscribed)
        .values("topic_id")
        .annotate(people=Count("subscriber_id", distinct=True))
        .values_list("topic_id", "people")
    )
    last_four = set(recent[-4:])
    clicks: dict[int, int] = defaultdict(int)
    for (item_id, week), figures in item_weeks.items():
        if week in last_four and figures.clicks:
            for topic_id in catalogue.item_topics.get(item_id, []):
                clicks[topic_id] += figures.clicks
    live: dict[int, int] = defaultdict(int)
    for item in catalogue.items.values():
        if _live(item, week_end):
            for topic_id in catalogue.item_topics.get(item.pk, []):
                live[topic_id] += 1
    # Shares of the published counts, as the suggestion quotes them.
    total_interest = published(sum(interest.values())).value
    total_clicks = published(sum(clicks.values())).value
    total_live = sum(live.values())
    found = []
    for topic_id, topic in catalogue.topics.items():
        people_cell = published(interest.get(topic_id, 0))
        clicks_cell = published(clicks.get(topic_id, 0))
        items = live.get(topic_id, 0)
        content_share = items / total_live if total_live else 0
        interest_share = (privacy.share(people_cell.value, total_interest) or 0) / 100
        click_share = (privacy.share(clicks_cell.value, total_clicks) or 0) / 100
        wanted = max(interest_share, click_share)
        if not wanted or wanted < TOPIC_GAP_RATIO * content_share:
            continue
        found.append(
            (
                wanted - content_share,
                Suggestion(
                    kind=SuggestionKind.TOPIC_GAP,
                    topic=topic,
                    reason=(
                        f"{people_cell} subscribers chose {topic.name} and its links drew {clicks_cell} "
                        f"clicks in four weeks ({wanted:.0%} of the interest), but it has {items} live "
                        f"item{'s' if items != 1 else ''} ({content_share:.0%} of live content)."
                    ),
                    figures={
                        "subscribers_interested": people_cell.csv,
                        "clicks_four_weeks": clicks_cell.csv,
                        "live_items": items,
                        "share_of_interest": round(wanted, 3),
                        "share_of_live_content": round(content_share, 3),
                    },
                ),
            )
        )
    found.sort(key=lambda pair: (-pair[0], pair[1].topic.name))
    return [suggestion for _gap, suggestion in found[:SUGGESTIONS_PER_KIND]]


def _unreachable(catalogue: _Catalogue) -> list[Suggestion]:
    found = []
    for placement in sorted(catalogue.placements.values(), key=lambda p: (p.item.title, p.channel.name)):
        if placement.is_reachable or placement.item.lifecycle != Lifecycle.LIVE:
            continue
        checked = placement.reachability_checked_at
        when = f" on {checked:%-d %b %Y}" if checked else ""
        found.append(
            Suggestion(
                kind=SuggestionKind.UNREACHABLE,
                item=placement.item,
                placement=placement,
                reason=f"The link checker could not reach {placement.url}{when}: gone or made private.",
                figures={"url": placement.url, "checked_at": checked.isoformat() if checked else None},
            )
        )
    return found


# Freshness.


def _freshness(catalogue: _Catalogue) -> list[Freshness]:
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


# Downloads.


def review_table(*, review: WeeklyReview, name: str) -> Table:
    """One of the review's tables by its name; KeyError for a name the review does not have."""
    return review.tables[name]
