"""How a journey is going, step by step: counts only, published by analytics.privacy's rule.

Every figure here is about people (who reached a step, the messages they were sent, their clicks,
votes and answers, who left), so each goes through the one disclosure rule, as the weekly review's
do: 0 to 4 reads "fewer than 5", anything else is rounded to the nearest ten, each total on its own
from its true value. Steps follow one another, so a step's "entered" less the next step's, or a
total less its parts, would give a small group away if the figures were exact; rounded, such a
difference is known only to within 19, which never pins a group of one to four (the argument is
analytics/privacy.py's). The rule is imported from analytics rather than copied so there is one.

The figures come from one GROUP BY query per source (deliveries, clicks, votes, enrolments, check
answers), however many steps the journey has.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from analytics import privacy
from campaigns.models import (
    HANDED_OVER,
    CheckAnswerCount,
    Delivery,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    FeedbackCount,
    Journey,
    JourneyStep,
    LinkClickDay,
    Usefulness,
)
from campaigns.reports import safe_cell

# Ended before finishing: what "left the journey" counts.
LEFT = (EnrolmentStatus.OPTED_OUT, EnrolmentStatus.STOPPED, EnrolmentStatus.REMOVED)

LEFT_DEFINITION = (
    "Left at a step: people who stopped (opted out, met a stop condition such as answering the check, "
    "or were taken off by a curator) after that step was the last one sent to them, before the next."
)


@dataclass(frozen=True)
class Figure:
    """A count as it may be published: rounded, or withheld as "fewer than 5"."""

    value: int | None
    withheld: bool = False

    def __str__(self) -> str:
        if self.withheld:
            return privacy.FEWER
        return "—" if self.value is None else f"{self.value:,}"

    @property
    def csv(self) -> str | int:
        if self.withheld:
            return privacy.FEWER
        return "" if self.value is None else self.value


def published(count: int) -> Figure:
    shown = privacy.rounded(count)
    return Figure(shown, withheld=shown is None)


@dataclass(frozen=True)
class Share:
    """A share worked out from published counts; withheld when it rests on fewer than five."""

    percent: float | None
    withheld: bool = False

    def __str__(self) -> str:
        if self.withheld:
            return f"withheld ({privacy.FEWER} answered)"
        return "—" if self.percent is None else f"{self.percent:.0f}%"

    @property
    def csv(self) -> str | int:
        if self.withheld:
            return "withheld"
        return "" if self.percent is None else round(self.percent)


def share_right(right: int, answered: int) -> Share:
    if privacy.too_few(answered):
        return Share(None, withheld=True)
    return Share(privacy.share(privacy.rounded(right), privacy.rounded(answered)))


@dataclass(frozen=True)
class StepRow:
    position: int
    label: str  # the step's message, or its question for a check
    wait: str
    is_check: bool
    entered: Figure  # distinct people with a ledger row for the step's message
    sent: Figure  # messages handed to the provider (a text and an email count apart)
    delivered: Figure  # texts with a delivery receipt (emails have none)
    human_clicks: Figure
    useful: Figure
    not_for_me: Figure
    left: Figure
    answered: Figure | None  # checks only
    right: Share | None


@dataclass(frozen=True)
class JourneyReport:
    journey: Journey
    steps: list[StepRow]
    enrolled: Figure
    on_the_journey: Figure
    finished: Figure
    left: Figure
    left_before_first_step: Figure


def describe_wait(step: JourneyStep) -> str:
    if step.wait_days == 0 and step.wait_from == "previous":
        when = "straight after the previous step" if step.position > 1 else "on joining"
    else:
        days = f"{step.wait_days} day{'s' if step.wait_days != 1 else ''}"
        when = f"{days} {step.get_wait_from_display()}"
    if step.at_local_time:
        when += f", at {step.at_local_time:%H:%M} local time"
    return when


def last_step_reached(positions: list[int], next_position: int) -> int | None:
    """The step sent last to someone whose next step is `next_position` (positions may have gaps)."""
    before = [position for position in positions if position < next_position]
    return max(before) if before else None


def voted(step: JourneyStep, votes: Counter[str], answer: str) -> Figure:
    """A message that never asked "useful?" has no votes to publish, not "fewer than 5" of them."""
    if not step.message.ask_useful and not votes:
        return Figure(None)
    return published(votes[answer])


def journey_report(journey: Journey) -> JourneyReport:
    steps = list(journey.steps.select_related("message").order_by("position"))
    positions = [step.position for step in steps]
    in_journey = Q(campaign__journey_step__journey=journey)

    deliveries = {
        row["campaign"]: row
        for row in Delivery.objects.filter(in_journey)
        .order_by()
        .values("campaign")
        .annotate(
            entered=Count("subscriber", distinct=True),
            sent=Count("pk", filter=Q(status__in=HANDED_OVER)),
            delivered=Count("pk", filter=Q(status=DeliveryStatus.DELIVERED)),
        )
    }
    clicks = {
        row["link__campaign"]: row["human"]
        for row in LinkClickDay.objects.filter(link__campaign__journey_step__journey=journey)
        .order_by()
        .values("link__campaign")
        .annotate(human=Sum("human_clicks"))
    }
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for row in (
        FeedbackCount.objects.filter(in_journey)
        .order_by()
        .values("campaign", "answer")
        .annotate(votes=Sum("votes"))
    ):
        votes[row["campaign"]][row["answer"]] += row["votes"]
    answers: dict[int, Counter[str]] = defaultdict(Counter)
    for row in (
        CheckAnswerCount.objects.filter(step__journey=journey)
        .order_by()
        .values("step", "letter")
        .annotate(count=Sum("count"))
    ):
        answers[row["step"]][row["letter"]] += row["count"]

    statuses: Counter[str] = Counter()
    left_after: Counter[int | None] = Counter()
    for row in (
        Enrolment.objects.filter(journey=journey)
        .order_by()
        .values("status", "next_position")
        .annotate(n=Count("pk"))
    ):
        statuses[row["status"]] += row["n"]
        if row["status"] in LEFT:
            left_after[last_step_reached(positions, row["next_position"])] += row["n"]

    rows = []
    for step in steps:
        ledger = deliveries.get(step.message_id, {})
        given = answers.get(step.pk, Counter())
        answered = sum(given.values())
        rows.append(
            StepRow(
                position=step.position,
                label=step.question if step.is_check else str(step.message),
                wait=describe_wait(step),
                is_check=step.is_check,
                entered=published(ledger.get("entered", 0)),
                sent=published(ledger.get("sent", 0)),
                delivered=published(ledger.get("delivered", 0)),
                human_clicks=published(clicks.get(step.message_id) or 0),
                useful=voted(step, votes[step.message_id], Usefulness.USEFUL),
                not_for_me=voted(step, votes[step.message_id], Usefulness.NOT_FOR_ME),
                left=published(left_after[step.position]),
                answered=published(answered) if step.is_check else None,
                right=share_right(given[step.correct], answered) if step.is_check else None,
            )
        )
    return JourneyReport(
        journey=journey,
        steps=rows,
        enrolled=published(statuses.total()),
        on_the_journey=published(statuses[EnrolmentStatus.ACTIVE]),
        finished=published(statuses[EnrolmentStatus.FINISHED]),
        left=published(sum(statuses[status] for status in LEFT)),
        left_before_first_step=published(left_after[None]),
    )


CSV_HEADER = [
    "Step",
    "Message or question",
    "When",
    "Entered (people)",
    "Sent (messages)",
    "Delivered (texts)",
    "Human clicks",
    "Useful votes",
    "Not for me votes",
    "Left at this step",
    "Check answers",
    "Share answering right (%)",
]


def report_csv(report: JourneyReport) -> str:
    """The page's figures, as published there: nothing finer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in report.steps:
        writer.writerow(
            safe_cell(value)
            for value in (
                row.position,
                row.label,
                row.wait,
                row.entered.csv,
                row.sent.csv,
                row.delivered.csv,
                row.human_clicks.csv,
                row.useful.csv,
                row.not_for_me.csv,
                row.left.csv,
                row.answered.csv if row.answered else "",
                row.right.csv if row.right else "",
            )
        )
    writer.writerow([])
    for label, figure in (
        ("Enrolled", report.enrolled),
        ("On the journey now", report.on_the_journey),
        ("Finished", report.finished),
        ("Left", report.left),
        ("Left before the first step", report.left_before_first_step),
    ):
        writer.writerow([label, safe_cell(figure.csv)])
    return out.getvalue()
