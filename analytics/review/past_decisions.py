"""Reads for the page of past decisions: every decision with its measured outcome, and which of the
team's moves pay off. The figures are the ones measured once and kept on each decision
(analytics.review.outcomes), already published on the dashboard's privacy rule: nothing here
computes a figure about people, so the page and its CSV cannot say more than the card did."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet

from analytics.review.cells import Cell
from analytics.review.outcomes import Line, applied_day, outcome_lines, windows_of
from curation.models import Decision, DecisionAction, IntendedEffect, OutcomeVerdict, day_in_words

WAITING = "waiting"  # meant to change something, not measured yet
VERDICTS = (*OutcomeVerdict.choices, (WAITING, "Not measured yet"))


@dataclass(frozen=True)
class DecisionFilters:
    action: str | None = None
    verdict: str | None = None


def past_decisions(filters: DecisionFilters) -> QuerySet[Decision]:
    """Newest meeting first; within a meeting, the order it decided in reversed."""
    decisions = Decision.objects.select_related("meeting", "item", "topic", "successor").order_by(
        "-meeting__held_on", "-pk"
    )
    if filters.action:
        decisions = decisions.filter(action=filters.action)
    if filters.verdict == WAITING:
        decisions = decisions.exclude(intended_effect="").filter(outcome_verdict="")
    elif filters.verdict:
        decisions = decisions.filter(outcome_verdict=filters.verdict)
    return decisions


@dataclass(frozen=True)
class PastDecision:
    decision: Decision
    lines: list[Line]

    @property
    def about(self) -> str:
        subject = self.decision.item or self.decision.topic
        return str(subject) if subject is not None else ""

    @property
    def headline(self) -> Line | None:
        return self.lines[0] if self.lines else None

    @property
    def status(self) -> str:
        """The verdict in words, or why there is none yet."""
        decision = self.decision
        if decision.outcome_verdict:
            return decision.get_outcome_verdict_display()
        if not decision.intended_effect:
            return "Nothing to measure"
        if decision.applied_at is None:
            return "Not applied yet"
        after = windows_of(decision)[1]
        return f"Not measured yet: at the first review after {day_in_words(after.end + timedelta(days=1))}"

    @property
    def windows(self) -> tuple[str, str, str, str]:
        figures = self.decision.outcome_figures
        if not figures.get("before"):
            return ("", "", "", "")
        return (
            figures["before"]["start"],
            figures["before"]["end"],
            figures["after"]["start"],
            figures["after"]["end"],
        )


def rows(decisions: Iterable[Decision]) -> list[PastDecision]:
    return [PastDecision(decision, outcome_lines(decision.outcome_figures)) for decision in decisions]


@dataclass(frozen=True)
class Payoff:
    """How one kind of move has turned out, counting decisions that meant to change something."""

    action: str
    worked: int
    did_not: int
    too_small: int
    no_data: int
    waiting: int

    @property
    def label(self) -> str:
        return DecisionAction(self.action).label

    @property
    def measured(self) -> int:
        return self.worked + self.did_not + self.too_small + self.no_data


def payoff() -> list[Payoff]:
    """Per action, in one query: worked, did not, too few to tell, no figures, not measured yet."""
    counts = {
        row["action"]: row
        for row in Decision.objects.exclude(intended_effect="")
        .values("action")
        .annotate(
            worked=Count("pk", filter=Q(outcome_verdict=OutcomeVerdict.WORKED)),
            did_not=Count("pk", filter=Q(outcome_verdict=OutcomeVerdict.DID_NOT)),
            too_small=Count("pk", filter=Q(outcome_verdict=OutcomeVerdict.TOO_SMALL)),
            no_data=Count("pk", filter=Q(outcome_verdict=OutcomeVerdict.NO_DATA)),
            waiting=Count("pk", filter=Q(outcome_verdict="")),
        )
        .order_by()
    }
    return [
        Payoff(
            action,
            **{
                name: counts[action][name]
                for name in ("worked", "did_not", "too_small", "no_data", "waiting")
            },
        )
        for action in DecisionAction.values
        if action in counts
    ]


CSV_COLUMNS = (
    "Decided on",
    "Action",
    "About",
    "Meant to",
    "Applied on",
    "Did it work?",
    "Figure",
    "Before",
    "After",
    "Change",
    "Before from",
    "Before to",
    "After from",
    "After to",
)


def csv_rows(decisions: Iterable[Decision]) -> Iterable[list[object]]:
    """One line per figure of each decision (a decision without figures has one line)."""
    yield list(CSV_COLUMNS)
    for row in rows(decisions):
        decision = row.decision
        said = [
            decision.meeting.held_on.isoformat(),
            decision.get_action_display(),
            row.about,
            IntendedEffect(decision.intended_effect).label if decision.intended_effect else "",
            applied_day(decision).isoformat() if decision.applied_at else "",
            row.status,
        ]
        empty = Cell(None)
        for line in row.lines or [Line("", empty, empty)]:
            figures = (
                [line.label, line.before.csv, line.after.csv, line.change.csv] if line.label else [""] * 4
            )
            yield [*said, *figures, *row.windows]
