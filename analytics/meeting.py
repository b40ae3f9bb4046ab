"""Reads for the meeting room: the agenda as cards, each card's evidence as a person reads it, and
the choices its decision offers (the minutes are analytics.minutes).

A card's evidence is a handful of GROUP BY queries over one item's figures, whatever the size of the
agenda or the catalogue; every count about people, sessions or views is published through the
dashboard's rule (analytics.review.cells' Cell, published, resting_on), so what the dashboard withholds
the meeting room withholds too.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.db.models.functions import TruncWeek

from analytics import privacy, quiz, reviews
from analytics.models import DailyMetric, RetentionPoint
from analytics.review.cells import Cell, published
from analytics.review.charts import Sparkline
from analytics.review.figures import Figures, figure_sums
from analytics.review.voice import ItemVoice, item_voice
from analytics.review.weeks import RECENT_WEEKS, week_start_of
from channels.models import MetricSource
from curation.meeting_records import decisions_of
from curation.models import (
    CURATORS,
    AgendaItem,
    AgendaKind,
    ContentItem,
    Decision,
    DecisionAction,
    Format,
    Lifecycle,
    ReviewMeeting,
    Stage,
    Topic,
)

# A projector is read from across a room: the sparkline and the curve are drawn large.
SPARK_WIDTH, SPARK_HEIGHT = 480, 90
CURVE_WIDTH, CURVE_HEIGHT = 480, 150


@dataclass(frozen=True)
class RoomAction:
    """A one-click decision: its button, its key, and what it is usually meant to change."""

    action: DecisionAction
    key: str
    label: str

    @property
    def aim(self) -> str:
        aim = reviews.MEANT_TO[self.action]
        return aim.label if aim else ""


# The room's one-click decisions, in the order their buttons show.
ROOM_ACTIONS: tuple[RoomAction, ...] = (
    RoomAction(DecisionAction.KEEP, "k", "Keep"),
    RoomAction(DecisionAction.RETIRE, "r", "Retire"),
    RoomAction(DecisionAction.PROMOTE, "p", "Promote"),
    RoomAction(DecisionAction.BRIEF, "b", "Brief"),
    RoomAction(DecisionAction.LOOK_AGAIN, "l", "Look again"),
)
# Cards about a topic (a gap) have no item to keep, retire or promote: a brief is the decision.
TOPIC_ACTIONS = (DecisionAction.BRIEF,)

# Labels for the figures a suggestion kept, as a person says them; shares are fractions.
FIGURE_LABELS = {
    "weeks_live": "Weeks live",
    "weeks_in_bottom": "Weeks running in the bottom fifth",
    "bottom_quantile": "Bottom share",
    "live_since": "Live since",
    "engagement_this_week": "Engagement this week",
    "engagement_last_week": "Engagement last week",
    "engagement_four_weeks_ago": "Engagement four weeks ago",
    "growth": "Growth on four weeks ago",
    "subscribers_interested": "Subscribers who chose the topic",
    "clicks_four_weeks": "Clicks in four weeks",
    "live_items": "Live items",
    "share_of_interest": "Share of the interest",
    "share_of_live_content": "Share of live content",
    "url": "Address",
    "checked_at": "Checked",
    "votes_recent": f"“Useful?” votes, {RECENT_WEEKS} weeks",
    "useful_recent": "Useful",
    "not_for_me_recent": "Not for me",
    "share_useful": "Share useful",
    "weeks": "Weeks",
}
SHARES = {
    "bottom_quantile",
    "growth",
    "share_of_interest",
    "share_of_live_content",
    "completion",
    "share_useful",
}


# The agenda as cards.


def agenda_of(meeting: ReviewMeeting) -> list[AgendaItem]:
    """The meeting's cards in the order they are walked: last meeting's open actions first (the
    agenda is made that way), then the suggestions."""
    related = (
        "item",
        "topic",
        "placement__channel",
        "carried_from__meeting",
        "follows_up__meeting",
        "follows_up__item",
        "follows_up__topic",
    )
    return list(meeting.agenda.select_related(*related).order_by("position", "pk"))


def decision_for(row: AgendaItem, decisions: list[Decision]) -> Decision | None:
    """The meeting's decision on a card: about its item, or for a topic card about its topic alone."""
    for decision in reversed(decisions):  # the latest, should two match
        if row.item_id is not None and decision.item_id == row.item_id:
            return decision
        if row.item_id is None and decision.item_id is None and decision.topic_id == row.topic_id:
            return decision
    return None


def meeting_this_week(today: date) -> ReviewMeeting | None:
    """The meeting held in today's week, if the team has started it: it reviews the last complete week."""
    monday = week_start_of(today)
    return (
        ReviewMeeting.objects.filter(held_on__range=(monday, monday + timedelta(days=6)))
        .order_by("-held_on")
        .first()
    )


def meeting_that_reviewed(week_start: date) -> ReviewMeeting | None:
    """The meeting held in the week after `week_start`'s: the one whose figures that week were."""
    return meeting_this_week(week_start + timedelta(weeks=1))


@dataclass(frozen=True)
class MeetingEntry:
    """The dashboard's way into a week's meeting."""

    meeting: ReviewMeeting | None
    can_start: bool  # the week is the last complete one: its meeting is held this week


def meeting_entry(*, week_start: date, today: date) -> MeetingEntry:
    this_week = week_start_of(week_start) == week_start_of(today) - timedelta(weeks=1)
    return MeetingEntry(meeting=meeting_that_reviewed(week_start_of(week_start)), can_start=this_week)


# Evidence.


@dataclass(frozen=True)
class DropoutCurve:
    points: tuple[tuple[float, float], ...]  # (how far in, 0-1; % still watching), as the dashboard rounds
    withheld: bool = False

    @property
    def top(self) -> float:
        return max([100.0, *(watching for _, watching in self.points)])

    @property
    def path(self) -> str:
        top = self.top
        steps = []
        for n, (elapsed, watching) in enumerate(self.points):
            x, y = elapsed * CURVE_WIDTH, CURVE_HEIGHT - watching / top * CURVE_HEIGHT
            steps.append(f"{'L' if n else 'M'}{x:.1f},{y:.1f}")
        return " ".join(steps)

    def watching_at(self, elapsed: float) -> float | None:
        if not self.points:
            return None
        return min(self.points, key=lambda point: abs(point[0] - elapsed))[1]

    @property
    def summary(self) -> str:
        if self.withheld:
            return f"Withheld: fewer than {privacy.MIN_PEOPLE} viewers."
        half, end = self.watching_at(0.5), self.watching_at(1.0)
        return f"{half:.0f}% still watching half-way, {end:.0f}% at the end."


@dataclass(frozen=True)
class Traffic:
    """Where the item's visits came from over the recent weeks, as published."""

    campaign: Cell  # human clicks on campaign links to it
    organic: Cell  # views and sessions that did not come from a campaign link

    @property
    def campaign_share(self) -> Cell:
        if self.campaign.suppressed or self.organic.suppressed:
            return Cell(None, suppressed=True, kind="percent")
        whole = (self.campaign.value or 0) + (self.organic.value or 0)
        return Cell(privacy.share(self.campaign.value, whole), kind="percent")

    @property
    def measured(self) -> bool:
        return any(cell.value is not None or cell.suppressed for cell in (self.campaign, self.organic))


@dataclass(frozen=True)
class Feedback:
    """The learner power quiz, which places the organisation on the continuum: said against the
    item's stage (what employees said of the item itself is the Evidence's voice)."""

    stage: str
    at_stage: quiz.Cell
    answers: quiz.Cell


@dataclass(frozen=True)
class Evidence:
    week_start: date
    engagement: Cell
    sparkline: Sparkline | None
    dropout: DropoutCurve | None
    duration: Cell
    format_median: Cell
    format_label: str
    format_items: int
    traffic: Traffic | None
    feedback: Feedback | None
    live_in_topic: list[ContentItem] = field(default_factory=list)
    voice: ItemVoice | None = None  # its "useful?" votes and check answers over the 12 weeks

    @property
    def duration_against_median(self) -> Cell:
        if self.duration.value is None or not self.format_median.value:
            return Cell(None, suppressed=self.duration.suppressed, kind="change")
        return Cell(
            (self.duration.value - self.format_median.value) / self.format_median.value * 100, kind="change"
        )


def _weeks(week_start: date) -> list[date]:
    return [week_start - timedelta(weeks=n) for n in range(RECENT_WEEKS - 1, -1, -1)]


def evidence_for(row: AgendaItem, meeting: ReviewMeeting) -> Evidence:
    week_start = reviews.week_reviewed(meeting.held_on)
    week_end = week_start + timedelta(days=6)
    item = row.item
    if item is None:
        return Evidence(
            week_start=week_start,
            engagement=Cell(None),
            sparkline=None,
            dropout=None,
            duration=Cell(None, kind="seconds"),
            format_median=Cell(None, kind="seconds"),
            format_label="",
            format_items=0,
            traffic=None,
            feedback=None,
            live_in_topic=_live_in_topic(row.topic),
        )
    weeks = _weeks(week_start)
    rows = (
        DailyMetric.objects.filter(placement__item=item, date__range=(weeks[0], week_end))
        .annotate(week=TruncWeek("date"))
        .values("week", "placement_id", "placement__channel__metric_source")
        .annotate(**figure_sums())
        .order_by()
    )
    by_week: dict[date, Figures] = defaultdict(Figures)
    by_placement: dict[int, Figures] = defaultdict(Figures)
    whole, ga4_clicks = Figures(), 0
    for figures_row in rows:
        figures = Figures.from_row(figures_row)
        by_week[figures_row["week"]].add(figures)
        by_placement[figures_row["placement_id"]].add(figures)
        whole.add(figures)
        if figures_row["placement__channel__metric_source"] == MetricSource.GA4:
            ga4_clicks += figures.clicks or 0  # GA4 counts these visits as campaign sessions too
    line = tuple(by_week[week].cell("engagement") if week in by_week else Cell(None) for week in weeks)
    this_week = by_week.get(week_start, Figures())
    median, timed = _format_median(item.format, week_start, week_end)
    return Evidence(
        week_start=week_start,
        engagement=this_week.cell("engagement"),
        sparkline=Sparkline(line, width=SPARK_WIDTH, height=SPARK_HEIGHT) if rows else None,
        dropout=_dropout(item, week_start, week_end, by_placement),
        duration=this_week.cell("duration", "seconds"),
        format_median=median,
        format_label=Format(item.format).label,
        format_items=timed,
        traffic=_traffic(whole, ga4_clicks),
        feedback=_feedback(item.stage),
        voice=item_voice(item_id=item.pk, weeks=weeks),
    )


def _format_median(format: str, week_start: date, week_end: date) -> tuple[Cell, int]:
    """The median of the durations the dashboard publishes for the format's items that week."""
    rows = (
        DailyMetric.objects.filter(placement__item__format=format, date__range=(week_start, week_end))
        .values("placement__item")
        .annotate(**figure_sums())
        .order_by()
    )
    shown = [
        cell.value
        for cell in (Figures.from_row(row).cell("duration", "seconds") for row in rows)
        if cell.value is not None
    ]
    return Cell(statistics.median(shown) if shown else None, kind="seconds"), len(shown)


def _dropout(
    item: ContentItem, week_start: date, week_end: date, by_placement: dict[int, Figures]
) -> DropoutCurve | None:
    """YouTube's curve for the latest period covering the week, of the item's most viewed video; a
    curve over fewer than five viewers would describe them, so it is withheld as on the dashboard."""
    points = list(
        RetentionPoint.objects.filter(
            placement__item=item, period_end__gte=week_start - timedelta(days=35), period_start__lte=week_end
        )
        .order_by("-period_end", "elapsed_ratio")
        .values_list("placement_id", "period_end", "elapsed_ratio", "audience_watch_ratio")
    )
    if not points:
        return None
    latest = points[0][1]
    placements = {placement_id for placement_id, period_end, *_ in points if period_end == latest}
    chosen = max(placements, key=lambda pk: (by_placement[pk].views or 0, -pk))
    if privacy.too_few(by_placement[chosen].audience or 0):
        return DropoutCurve(points=(), withheld=True)
    return DropoutCurve(
        points=tuple(
            (float(elapsed), round(watching * 100, 1))
            for placement_id, period_end, elapsed, watching in points
            if placement_id == chosen and period_end == latest
        )
    )


def _traffic(whole: Figures, ga4_clicks: int) -> Traffic | None:
    if whole.clicks is None and whole.ga4_sessions is None and whole.other_views is None:
        return None
    organic = None
    if whole.ga4_sessions is not None or whole.other_views is not None:
        organic = max(0, (whole.ga4_sessions or 0) - ga4_clicks) + (whole.other_views or 0)
    return Traffic(campaign=published(whole.clicks or 0), organic=published(organic))


def _feedback(stage: str) -> Feedback | None:
    results = quiz.quiz_results()
    if results.total.count is None:
        return None
    label = Stage(stage).label
    at_stage = next(cell for cell in results.by_stage if cell.label == label)
    return Feedback(stage=label, at_stage=at_stage, answers=results.total)


def _live_in_topic(topic: Topic | None) -> list[ContentItem]:
    if topic is None:
        return []
    return list(topic.items.filter(lifecycle=Lifecycle.LIVE).order_by("title"))


def figures_shown(figures: dict) -> list[tuple[str, str]]:
    """The figures a suggestion kept, labelled as a person says them (shares as percentages)."""
    shown = []
    for name, value in figures.items():
        label = FIGURE_LABELS.get(name, name.replace("_", " ").capitalize())
        if name in SHARES and isinstance(value, int | float):
            value = f"{value:.0%}"
        shown.append((label, "—" if value in (None, "") else str(value)))
    return shown


# What a card's decision offers.


@dataclass(frozen=True)
class BriefDefaults:
    topic: Topic | None
    format: str
    stage: str


def brief_defaults(row: AgendaItem) -> BriefDefaults:
    """A brief for a topic gap asks for the format its live items are mostly in, at their usual stage;
    a brief from an item's card asks for more like it, in its first topic."""
    if row.item is not None:
        return BriefDefaults(
            topic=row.item.topics.order_by("name").first(), format=row.item.format, stage=row.item.stage
        )
    formats = Counter(item.format for item in _live_in_topic(row.topic))
    stages = Counter(item.stage for item in _live_in_topic(row.topic))
    return BriefDefaults(
        topic=row.topic,
        format=formats.most_common(1)[0][0] if formats else Format.VIDEO,
        stage=stages.most_common(1)[0][0] if stages else Stage.EMBEDDED,
    )


def successor_choices(item: ContentItem | None) -> tuple[list[ContentItem], list[ContentItem]]:
    """Live items that could replace `item`: those sharing a topic with it first, then the rest."""
    live = ContentItem.objects.filter(lifecycle=Lifecycle.LIVE).order_by("title")
    if item is None:
        return [], []
    live = live.exclude(pk=item.pk)
    same_topic = list(live.filter(topics__in=item.topics.all()).distinct())
    taken = {candidate.pk for candidate in same_topic}
    return same_topic, [candidate for candidate in live if candidate.pk not in taken]


def curators() -> QuerySet[AbstractBaseUser]:
    return get_user_model().objects.filter(CURATORS).distinct().order_by("first_name", "username")


def default_due(meeting: ReviewMeeting) -> date:
    return meeting.held_on + timedelta(weeks=1)  # by the next meeting, which reads the open actions


@dataclass(frozen=True)
class Card:
    number: int
    row: AgendaItem
    decision: Decision | None

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def follows_up(self) -> Decision | None:
        return self.row.follows_up

    @property
    def subject(self) -> str:
        return str(self.row.item or self.row.topic or self.row.get_kind_display())

    @property
    def actions(self) -> list[RoomAction]:
        if self.row.item_id is None:
            return [choice for choice in ROOM_ACTIONS if choice.action in TOPIC_ACTIONS]
        return list(ROOM_ACTIONS)

    @property
    def why(self) -> str:
        """Why it is on the agenda, in one sentence: the suggestion's first, or for last meeting's
        open action what was decided then."""
        if self.row.carried_from_id is not None:
            first, _, _rest = self.row.reason.partition(" — ")
            return f"{first.split(':')[0]}."
        first, _, _rest = self.row.reason.partition(". ")
        return first if first.endswith((".", "?", "!")) else f"{first}."

    @property
    def details(self) -> str:
        """The rest of the reason, said under its first sentence."""
        separator = " — " if self.row.carried_from_id is not None else ". "
        return self.row.reason.partition(separator)[2]


def cards_of(meeting: ReviewMeeting, decisions: list[Decision] | None = None) -> list[Card]:
    decisions = decisions_of(meeting) if decisions is None else decisions
    return [
        Card(number=number, row=row, decision=decision_for(row, decisions))
        for number, row in enumerate(agenda_of(meeting), start=1)
    ]


def first_open_card(cards: list[Card]) -> int:
    """Where the room opens: the first card not decided yet, else the first."""
    return next((card.number for card in cards if card.decision is None), 1)


def is_open_action(row: AgendaItem) -> bool:
    return row.kind in (AgendaKind.CARRIED_OVER, AgendaKind.LOOK_AGAIN)
