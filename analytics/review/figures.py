"""The review's figures, added up in the database: what each figure counts, and the queries.

Everything is a GROUP BY over DailyMetric with date ranges; Python only reshapes rows already
aggregated, so the number of queries stays the same however many items and weeks there are."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler

from analytics.models import DailyMetric, Source
from analytics.review.cells import Cell, published, resting_on
from analytics.review.weeks import ReviewFilters
from channels.models import Channel
from curation.models import ContentItem, Placement, Topic

# The figures, added up.


class WeekOf(Func):
    """The Monday of a date's week, as a date. TruncWeek converts every row's week in Python and, on
    PostgreSQL, truncates the date as a timestamp with a time zone: together a third of the review's
    main query on two years of figures."""

    output_field = DateField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: object
    ) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return connection.ops.date_trunc_sql("week", sql, params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: object
    ) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"DATE_TRUNC('week', {sql}::timestamp)::date", params


def _zero(name: str) -> Coalesce:
    return Coalesce(F(name), Value(0), output_field=IntegerField())


# What each figure counts, in the words the page shows beside it: the expressions below are these.
ENGAGEMENT_MEANS = (
    "Engagement counts engaged web sessions (GA4: ten seconds or more, a key event or two pages), "
    "video views, likes, comments, shares and saves, and human clicks on our tracked links; page views "
    "and impressions are reach, not engagement."
)
PEOPLE_MEANS = (
    "People are the active users GA4 counts; where a source counts no people (YouTube, platform "
    "exports), its sessions, else its views. Summed over channels: one person on two counts twice."
)
VIEWS_MEANS = "Views are page views (GA4) and video or post views (YouTube, platform exports)."

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


def plus(a: float | None, b: float | None) -> float | None:
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

    @classmethod
    def from_row(cls, row: dict[str, object]) -> Figures:
        """One row of .aggregate(**figure_sums()): its f_-named sums, in the fields' order."""
        return cls(*(row[f"f_{name}"] for name in cls.__dataclass_fields__))

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


def scope(filters: ReviewFilters, prefix: str = "") -> Q:
    """The filters, for a query over placements (prefix "") or over what hangs off them."""
    scope = Q()
    if filters.channel is not None:
        scope &= Q(**{f"{prefix}channel_id": filters.channel})
    if filters.topic is not None:
        scope &= Q(**{f"{prefix}item__topics": filters.topic})
    if filters.stage:
        scope &= Q(**{f"{prefix}item__stage": filters.stage})
    return scope


@dataclass
class Catalogue:
    """The placements in view, their items, and the items' topics: the labels for the figures."""

    placements: dict[int, Placement]
    items: dict[int, ContentItem]
    item_topics: dict[int, list[int]]
    topics: dict[int, Topic]
    channels: dict[int, Channel]

    def channels_of(self, item_id: int) -> str:
        names = {p.channel.name for p in self.placements.values() if p.item_id == item_id}
        return ", ".join(sorted(names))


def read_catalogue(filters: ReviewFilters) -> Catalogue:
    placements = {
        placement.pk: placement
        for placement in Placement.objects.filter(scope(filters)).select_related("item", "channel")
    }
    items = {placement.item_id: placement.item for placement in placements.values()}
    item_topics: dict[int, list[int]] = defaultdict(list)
    through = ContentItem.topics.through.objects.filter(
        contentitem__in=Placement.objects.filter(scope(filters)).values("item_id")
    )
    for item_id, topic_id in through.values_list("contentitem_id", "topic_id"):
        item_topics[item_id].append(topic_id)
    return Catalogue(
        placements=placements,
        items=items,
        item_topics=item_topics,
        topics={topic.pk: topic for topic in Topic.objects.all()},
        channels={channel.pk: channel for channel in Channel.objects.all()},
    )


def figures_by_placement_week(
    first_week: date, week_end: date, filters: ReviewFilters
) -> dict[tuple[int, date], Figures]:
    """Each placement's figures per week: one GROUP BY, rows = placements x weeks in view."""
    sums = figure_sums()
    rows = (
        DailyMetric.objects.filter(scope(filters, "placement__"), date__range=(first_week, week_end))
        .annotate(week=WeekOf("date"))
        .values("placement_id", "week")
        .annotate(**sums)
        # The sums come in the order of Figures' fields: each row becomes Figures as it is.
        .values_list("placement_id", "week", *sums)
        .order_by()
    )
    return {(placement_id, week): Figures(*figures) for placement_id, week, *figures in rows}


def figures_by_item_week(
    placement_weeks: dict[tuple[int, date], Figures], catalogue: Catalogue
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


def range_by_kind(start: date, end: date, filters: ReviewFilters) -> list[dict[str, object]]:
    """Per week, channel, format and stage: small whatever the catalogue's size."""
    return list(
        DailyMetric.objects.filter(scope(filters, "placement__"), date__range=(start, end))
        .annotate(week=WeekOf("date"))
        .values("week", "placement__channel_id", "placement__item__format", "placement__item__stage")
        .annotate(**figure_sums("engagement", "people", "clicks", "ga4_sessions", "other_views"))
        .order_by()
    )


def range_rows(
    placement_weeks: dict[tuple[int, date], Figures], catalogue: Catalogue
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rows range_by_kind and range_by_topic would read, from placement-weeks in hand: added up
    per week and kind (or topic) here, so the charts read a few hundred rows, not one per placement."""
    kinds: dict[tuple[object, ...], Figures] = defaultdict(Figures)
    topics: dict[tuple[object, ...], Figures] = defaultdict(Figures)
    for (placement_id, week), figures in placement_weeks.items():
        placement = catalogue.placements[placement_id]
        item = placement.item
        kinds[week, placement.channel_id, item.format, item.stage].add(figures)
        for topic_id in catalogue.item_topics.get(placement.item_id) or [None]:
            topics[week, topic_id].add(figures)
    by_kind = [
        {
            "week": week,
            "placement__channel_id": channel_id,
            "placement__item__format": format,
            "placement__item__stage": stage,
            "f_ga4_sessions": f.ga4_sessions,
            "f_other_views": f.other_views,
            "f_engagement": f.engagement,
            "f_people": f.people,
            "f_clicks": f.clicks,
        }
        for (week, channel_id, format, stage), f in kinds.items()
    ]
    by_topic = [
        {
            "week": week,
            "placement__item__topics": topic_id,
            "f_engagement": f.engagement,
            "f_people": f.people,
            "f_clicks": f.clicks,
        }
        for (week, topic_id), f in topics.items()
    ]
    return by_kind, by_topic


def range_by_topic(start: date, end: date, filters: ReviewFilters) -> list[dict[str, object]]:
    return list(
        DailyMetric.objects.filter(scope(filters, "placement__"), date__range=(start, end))
        .annotate(week=WeekOf("date"))
        .values("week", "placement__item__topics")
        .annotate(**figure_sums("engagement", "people", "clicks"))
        .order_by()
    )
