"""Did it work? An applied decision's intended effect, measured before and after on the dashboard's
privacy rule, and the "did it work?" cards that bring the answer back to the meeting.

The windows, the same length on both sides so their totals compare:
- before: the OUTCOME_AFTER_WEEKS (four) complete weeks up to and including the week the meeting
  reviewed, the figures the team decided on;
- after: the four complete weeks that follow the week the decision was applied. That week itself
  is left out: part of it ran before the change.
A decision taken on Tuesday 24 Nov 2026 (reviewing W47) and applied the same week (W48) compares
W44-W47 with W49-W52, and its card comes to the first meeting that reviews W52 or later.

What each effect measures:
- more human clicks: clicks on the item's tracked links, bots and link previews apart (the
  tracked-link source's `clicks`, as the dashboard's "Human link clicks");
- fewer drop-outs in its topic: the average % viewed of the topic's videos (YouTube's figure,
  weighted by views, as the dashboard's drop-out table): up means people stop watching later;
- fill the topic gap: the topic's share of the interest (the larger of its share of the
  subscribers who chose a topic and its share of human clicks, as the topic-gap suggestion reads
  it) against its share of the content live at the window's end. Subscribers' topic choices carry
  no date, so both windows read them as they are on the day of measuring; the clicks and the live
  content are each window's own;
- hold its engagement steady: the item's engagement, as the dashboard counts it.

The privacy rule is the dashboard's (analytics.privacy): each window's sums are computed whole, then
published once (counts rounded to the nearest ten on their own, 0 to 4 withheld, averages and shares
withheld when they rest on fewer than five); changes, per-week figures and the verdict are worked out
from the published figures only, so nothing here tells more than the published counts do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from analytics import privacy
from analytics.models import DailyMetric, Source
from analytics.review.cells import Cell, change, published
from analytics.review.figures import Figures, figure_sums
from analytics.review.suggestions import TOPIC_GAP_RATIO
from analytics.review.weeks import week_start_of
from campaigns.models import ConsentState, Subscriber
from campaigns.quiet_hours import zone
from curation.models import (
    OUTCOME_AFTER_WEEKS,
    AgendaItem,
    AgendaKind,
    ContentItem,
    Decision,
    DecisionAction,
    IntendedEffect,
    Lifecycle,
    OutcomeVerdict,
    ReviewMeeting,
    Topic,
    day_in_words,
)

WEEKS = OUTCOME_AFTER_WEEKS  # each window's length: the totals of equal windows compare
MIN_CHANGE_PERCENT = 10  # a count must move this much (on the published figures) to count as moved
MIN_POINTS = 2.0  # average % viewed must rise this many points for fewer drop-outs


# The windows.


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{day_in_words(self.start)} to {day_in_words(self.end)}"

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def applied_day(decision: Decision) -> date:
    """The programme's day the decision was applied on: weeks run Monday to Sunday where the team is."""
    return timezone.localtime(decision.applied_at, zone(settings.PROGRAMME_TIME_ZONE)).date()


def windows_of(decision: Decision) -> tuple[Window, Window]:
    reviewed = week_start_of(decision.meeting.held_on) - timedelta(weeks=1)
    before = Window(reviewed - timedelta(weeks=WEEKS - 1), reviewed + timedelta(days=6))
    after_start = week_start_of(applied_day(decision)) + timedelta(weeks=1)
    return before, Window(after_start, after_start + timedelta(weeks=WEEKS, days=-1))


def first_applied_day_not_due(today: date) -> date:
    """Decisions applied on or after this day have an after-window still running this week."""
    return week_start_of(today) - timedelta(weeks=WEEKS)


def due_for_measuring(today: date) -> QuerySet[Decision]:
    """Applied decisions with an effect to measure whose after-window ended before today's week."""
    cutoff = datetime.combine(first_applied_day_not_due(today), time.min, zone(settings.PROGRAMME_TIME_ZONE))
    return (
        Decision.objects.exclude(intended_effect="")
        .filter(applied_at__isnull=False, applied_at__lt=cutoff)
        .select_related("meeting", "item", "topic")
        .order_by("meeting__held_on", "pk")
    )


# One measured outcome, as published.


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"value": cell.value, "suppressed": cell.suppressed, "kind": cell.kind, "shown": str(cell)}


def _cell(data: dict[str, Any]) -> Cell:
    return Cell(data["value"], suppressed=data["suppressed"], kind=data["kind"])


@dataclass(frozen=True)
class Line:
    """One figure before and after, as published; the change is worked out from the two."""

    label: str
    before: Cell
    after: Cell

    @property
    def change(self) -> Cell:
        """From the published figures; none beside a withheld one (a change is not a count)."""
        if self.before.kind == "percent":  # a share or an average: the change is in points
            if self.before.value is None or self.after.value is None:
                return Cell(None, kind="points")
            return Cell(self.after.value - self.before.value, kind="points")
        moved = change(self.after, self.before)
        return Cell(moved.value, kind=moved.kind)

    @property
    def largest(self) -> float:
        """The scale the card's two bars share."""
        return max(self.before.value or 0, self.after.value or 0) or 1

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "before": _cell_json(self.before),
            "after": _cell_json(self.after),
            "change": _cell_json(self.change),
            "largest": self.largest,
        }


def _per_week(total: Cell) -> Cell:
    """A four-week count as a weekly figure: the published total shared out, no finer than it."""
    if total.value is None:
        return Cell(None, suppressed=total.suppressed)
    return Cell(round(total.value / WEEKS, 1))


@dataclass(frozen=True)
class Outcome:
    """What a decision changed: its figures before and after (the first is the one judged by)."""

    effect: str
    verdict: str
    before: Window
    after: Window
    lines: tuple[Line, ...]
    note: str = ""

    @property
    def headline(self) -> Line:
        return self.lines[0]

    @property
    def in_words(self) -> str:
        """ "120 → 310 a week (+158%)": the headline figure as the card's sentence quotes it."""
        line = self.headline
        if self.effect == IntendedEffect.FILL_TOPIC_GAP:
            moved = f" ({_signed(line.change)})" if line.change.value is not None else ""
            return f"interest {line.before} → {line.after} times its share of live content{moved}"
        if self.effect in (IntendedEffect.MORE_CLICKS, IntendedEffect.HOLD_STEADY):
            if line.before.suppressed or line.after.suppressed:  # "fewer than 5" is of the four weeks
                before, after, unit = line.before, line.after, " in four weeks"
            else:
                before, after, unit = _per_week(line.before), _per_week(line.after), " a week"
        else:
            before, after, unit = line.before, line.after, ""
        moved = line.change
        said = f" ({_signed(moved)})" if moved.value is not None else ""
        return f"{before} → {after}{unit}{said}"

    def as_json(self) -> dict[str, Any]:
        weekly = self.effect in (IntendedEffect.MORE_CLICKS, IntendedEffect.HOLD_STEADY)
        return {
            "effect": self.effect,
            "effect_label": IntendedEffect(self.effect).label,
            "verdict": self.verdict,
            "verdict_label": OutcomeVerdict(self.verdict).label,
            "before": self.before.as_json(),
            "after": self.after.as_json(),
            "lines": [line.as_json() for line in self.lines],
            "per_week": (
                {"before": str(_per_week(self.headline.before)), "after": str(_per_week(self.headline.after))}
                if weekly
                else None
            ),
            "in_words": self.in_words,
            "note": self.note,
        }


def _signed(cell: Cell) -> str:
    if cell.kind == "points":
        return str(cell)
    return "no change" if round(cell.value) == 0 else f"{cell.value:+.0f}%"


def outcome_lines(data: dict[str, Any]) -> list[Line]:
    """A stored outcome's figures back as cells, for the decisions page and its CSV."""
    return [Line(row["label"], _cell(row["before"]), _cell(row["after"])) for row in data.get("lines", [])]


# The figures, per effect: summed whole over a window, then published once.


def _item_placements(items: Iterable[int]) -> Q:
    return Q(placement__item__in=list(items))


def _figures(scope: Q, window: Window) -> Figures:
    row = DailyMetric.objects.filter(scope, date__range=(window.start, window.end)).aggregate(**figure_sums())
    return Figures.from_row(row)


def _topics(decision: Decision) -> list[Topic]:
    if decision.topic is not None:
        return [decision.topic]
    return list(decision.item.topics.all()) if decision.item is not None else []


def _topic_items(topics: list[Topic]) -> list[int]:
    return list(
        ContentItem.objects.filter(topics__in=topics).values_list("pk", flat=True).distinct().order_by()
    )


def _both(figures: tuple[Figures, Figures], name: str, kind: str = "number") -> tuple[Cell, Cell]:
    """One figure of each window, published by the dashboard's own rule (Figures.cell)."""
    before, after = figures
    return before.cell(name, kind), after.cell(name, kind)


def _measure_item(decision: Decision, before: Window, after: Window) -> tuple[Figures, Figures]:
    scope = _item_placements([decision.item_id])
    return _figures(scope, before), _figures(scope, after)


def _live_at(day: date) -> Q:
    """Live at the end of `day`, retired since or not: the headline's "active content"."""
    return Q(lifecycle__in=[Lifecycle.LIVE, Lifecycle.RETIRED], live_since__lte=day) & (
        Q(retired_on__isnull=True) | Q(retired_on__gt=day)
    )


def _gap_lines(topics: list[Topic], before: Window, after: Window) -> list[Line]:
    """Interest against live content, read as the topic-gap suggestion reads it, per window."""
    items = _topic_items(topics)
    subscribed = Q(subscriber__sms_state=ConsentState.SUBSCRIBED) | Q(
        subscriber__email_state=ConsentState.SUBSCRIBED
    )
    choices = Subscriber.topics.through.objects.filter(subscribed)
    people = choices.aggregate(
        chose=Count("subscriber_id", distinct=True, filter=Q(topic__in=topics)),
        all=Count("subscriber_id", distinct=True),
    )
    chose, everyone = published(people["chose"]), published(people["all"])
    people_share = privacy.share(chose.value, everyone.value)
    interest, content, ratio, clicks = [], [], [], []
    for window in (before, after):
        in_window = Q(source=Source.LINKS, date__range=(window.start, window.end))
        counted = DailyMetric.objects.filter(in_window).aggregate(
            topic=Sum("clicks", filter=Q(placement__item__in=items)), all=Sum("clicks")
        )
        topic_clicks, all_clicks = published(counted["topic"]), published(counted["all"])
        click_share = privacy.share(topic_clicks.value, all_clicks.value)
        known = [share for share in (people_share, click_share) if share is not None]
        withheld = not known and (chose.suppressed or topic_clicks.suppressed)
        wanted = Cell(max(known) if known else None, suppressed=withheld, kind="percent")
        live = ContentItem.objects.filter(_live_at(window.end)).aggregate(
            topic=Count("pk", distinct=True, filter=Q(pk__in=items)), all=Count("pk", distinct=True)
        )
        # Items are not people: counted as the dashboard's "Active content" is, in full.
        content_share = Cell(live["topic"] / live["all"] * 100 if live["all"] else None, kind="percent")
        gap = Cell(None, suppressed=wanted.suppressed)
        if wanted.value is not None and content_share.value:
            gap = Cell(round(wanted.value / content_share.value, 1))
        interest.append(wanted)
        content.append(content_share)
        ratio.append(gap)
        clicks.append(topic_clicks)
    return [
        Line("Interest against live content (times)", *ratio),
        Line("Share of the interest", *interest),
        Line("Share of live content", *content),
        Line("Human clicks on its links (four weeks)", *clicks),
    ]


def measure(decision: Decision) -> Outcome:
    """The decision's intended effect, before and after, as published, with the verdict."""
    before, after = windows_of(decision)
    effect = IntendedEffect(decision.intended_effect)
    note = ""
    if effect in (IntendedEffect.MORE_CLICKS, IntendedEffect.HOLD_STEADY) and decision.item_id is None:
        return Outcome(effect, OutcomeVerdict.NO_DATA, before, after, (), "It is about no item.")
    if effect == IntendedEffect.MORE_CLICKS:
        both = _measure_item(decision, before, after)
        lines = [Line("Human clicks (four weeks)", *_both(both, "clicks"))]
    elif effect == IntendedEffect.HOLD_STEADY:
        both = _measure_item(decision, before, after)
        lines = [
            Line("Engagement (four weeks)", *_both(both, "engagement")),
            Line("Views (four weeks)", *_both(both, "views")),
        ]
    else:
        topics = _topics(decision)
        if not topics:
            return Outcome(effect, OutcomeVerdict.NO_DATA, before, after, (), "It is about no topic.")
        note = f"Topic: {', '.join(sorted(topic.name for topic in topics))}."
        if effect == IntendedEffect.FEWER_DROPOUTS:
            scope = _item_placements(_topic_items(topics))
            both = (_figures(scope, before), _figures(scope, after))
            lines = [
                Line("Average % viewed (its topic's videos)", *_both(both, "percentage_viewed", "percent")),
                Line("Video views (four weeks)", *_both(both, "views")),
            ]
        else:
            lines = _gap_lines(topics, before, after)
    return Outcome(effect, verdict(effect, lines[0]), before, after, tuple(lines), note)


# The verdict, from the published figures only.


def _range(cell: Cell) -> tuple[float, float] | None:
    """What a published count says its true value is: a rounded t is t-5 to t+4."""
    if cell.suppressed:
        return privacy.WITHHELD_RANGE
    if cell.value is None:
        return None
    half = privacy.ROUNDING_BASE // 2
    return cell.value - half, cell.value + half - 1


def verdict(effect: str, line: Line) -> str:
    """Worked, did not, too few people to tell, or no figures: never more than the figures show.

    A count moved only when it moved by more than its rounding could hide (the two ranges apart)
    and by MIN_CHANGE_PERCENT on the published figures; beside a withheld side, only when the ranges
    are a rounding step apart, else it is too few people to tell. An average or a share is judged
    on its published value.
    """
    before, after = line.before, line.after
    if any(cell.value is None and not cell.suppressed for cell in (before, after)):
        return OutcomeVerdict.NO_DATA  # a window no source reported on: nothing to compare with
    if before.suppressed and after.suppressed:
        return OutcomeVerdict.TOO_SMALL
    if effect == IntendedEffect.FEWER_DROPOUTS:
        if before.suppressed or after.suppressed:
            return OutcomeVerdict.TOO_SMALL
        return OutcomeVerdict.WORKED if after.value - before.value >= MIN_POINTS else OutcomeVerdict.DID_NOT
    if effect == IntendedEffect.FILL_TOPIC_GAP:
        if after.suppressed:
            return OutcomeVerdict.TOO_SMALL
        closed = after.value < TOPIC_GAP_RATIO and (before.value is None or after.value <= before.value)
        return OutcomeVerdict.WORKED if closed else OutcomeVerdict.DID_NOT
    (before_low, before_high), (after_low, after_high) = _range(before), _range(after)
    both_shown = not (before.suppressed or after.suppressed)
    # Beside a withheld side the size of a move is unknown: it counts only a rounding step clear.
    step = 0 if both_shown else privacy.ROUNDING_BASE
    if effect == IntendedEffect.MORE_CLICKS:
        grew = (after.value - before.value) * 100 >= before.value * MIN_CHANGE_PERCENT if both_shown else True
        if after_low > before_high + step and grew:
            return OutcomeVerdict.WORKED
        return OutcomeVerdict.DID_NOT if both_shown or after_high < before_low else OutcomeVerdict.TOO_SMALL
    # Holding steady: not down by more than MIN_CHANGE_PERCENT.
    fell = (before.value - after.value) * 100 > before.value * MIN_CHANGE_PERCENT if both_shown else True
    if before_low > after_high + step and fell:
        return OutcomeVerdict.DID_NOT
    return OutcomeVerdict.WORKED if both_shown or before.suppressed else OutcomeVerdict.TOO_SMALL


# Writing: measured once, and a card for the meeting.


@transaction.atomic
def measure_due_outcomes(*, today: date) -> list[Decision]:
    """Measure every applied decision whose after-window has ended and that is not measured yet.

    Measured once: the figures are kept on the decision as they were published that day, so the
    card, the decisions page and its CSV say the same thing whenever they are read.
    """
    unmeasured = due_for_measuring(today).filter(outcome_measured_on__isnull=True)
    due = list(unmeasured.select_for_update(of=("self",)))
    for decision in due:
        outcome = measure(decision)
        decision.outcome_verdict = outcome.verdict
        decision.outcome_figures = outcome.as_json()
        decision.outcome_measured_on = today
        decision.save(update_fields=["outcome_verdict", "outcome_figures", "outcome_measured_on"])
    return due


ACTION_DONE = {
    DecisionAction.PROMOTE: "promoted",
    DecisionAction.RETIRE: "retired",
    DecisionAction.KEEP: "kept",
    DecisionAction.IMPROVE: "improved",
    DecisionAction.BRIEF: "commissioned a brief on",
    DecisionAction.LOOK_AGAIN: "chose to look again at",
}
EFFECT_MEANT = {
    IntendedEffect.MORE_CLICKS: "to get more human clicks",
    IntendedEffect.FEWER_DROPOUTS: "to cut drop-outs in its topic (average % viewed)",
    IntendedEffect.FILL_TOPIC_GAP: "to fill the topic's gap (interest against live content)",
    IntendedEffect.HOLD_STEADY: "to hold its engagement steady",
}


def _ago(decision: Decision, held_on: date) -> str:
    weeks = (held_on - decision.meeting.held_on).days // 7
    return f"{weeks} weeks ago" if weeks != 1 else "A week ago"


def card_reason(decision: Decision, held_on: date) -> str:
    """One sentence: "5 weeks ago we promoted “X” to get more human clicks: 120 → 310 a week (+158%)."""
    data = decision.outcome_figures
    subject = decision.item or decision.topic
    figures = f": {data['in_words']}" if data.get("lines") else f" ({data.get('note') or 'no figures'})"
    said = OutcomeVerdict(decision.outcome_verdict).label.lower()
    return (
        f"{_ago(decision, held_on).capitalize()} we {ACTION_DONE[decision.action]} “{subject}” "
        f"{EFFECT_MEANT[decision.intended_effect]}{figures}; {said}."
    )


def outcome_cards(meeting: ReviewMeeting) -> list[AgendaItem]:
    """ "Did it work?" cards (unsaved) for decisions measured by the week the meeting reviews and
    not yet brought to a meeting; measures those not measured yet."""
    measure_due_outcomes(today=meeting.held_on)
    due = due_for_measuring(meeting.held_on).filter(outcome_cards=None, meeting__held_on__lt=meeting.held_on)
    return [
        AgendaItem(
            kind=AgendaKind.OUTCOME,
            reason=card_reason(decision, meeting.held_on),
            item=decision.item,
            topic=decision.topic,
            figures=decision.outcome_figures,
            follows_up=decision,
        )
        for decision in due
    ]
