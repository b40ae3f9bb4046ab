"""The meeting's minutes: every card's decision, who owns it, when it is due, and what applying it
did; the page and the CSV read the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics import reviews
from analytics.meeting import cards_of
from curation.meeting_records import decisions_of
from curation.models import Decision, IntendedEffect, ReviewMeeting, day_in_words
from curation.people import person_name


@dataclass(frozen=True)
class MinuteRow:
    number: int | None  # the card, or None for a decision taken on no card
    subject: str
    decision: Decision | None

    @property
    def decided(self) -> str:
        if self.decision is None:
            return "No decision"
        successor = f" → {self.decision.successor}" if self.decision.successor_id else ""
        return f"{self.decision.get_action_display()}{successor}"

    @property
    def owner(self) -> str:
        owner = self.decision.owner if self.decision else None
        return person_name(owner)

    @property
    def due(self) -> str:
        return day_in_words(self.decision.due_on) if self.decision and self.decision.due_on else ""

    @property
    def meant_to(self) -> str:
        if self.decision is None or self.decision.intended_effect == IntendedEffect.NONE:
            return ""
        return self.decision.get_intended_effect_display()

    @property
    def applied(self) -> str:
        if self.decision is None:
            return ""
        return self.decision.result if self.decision.is_applied else "Not applied yet"


@dataclass(frozen=True)
class Minutes:
    meeting: ReviewMeeting
    week_start: date
    rows: list[MinuteRow]

    @property
    def pending(self) -> int:
        return len({row.decision.pk for row in self.rows if row.decision and not row.decision.is_applied})

    def csv_rows(self) -> list[list[str]]:
        header = ["Card", "About", "Decision", "Note", "Meant to", "Owner", "Due", "Applied"]
        return [header] + [
            [
                str(row.number or ""),
                row.subject,
                row.decided,
                row.decision.reason if row.decision else "",
                row.meant_to,
                row.owner,
                row.decision.due_on.isoformat() if row.decision and row.decision.due_on else "",
                row.applied,
            ]
            for row in self.rows
        ]


def minutes_of(meeting: ReviewMeeting) -> Minutes:
    decisions = decisions_of(meeting)
    cards = cards_of(meeting, decisions)
    on_cards = {card.decision.pk for card in cards if card.decision}
    rows = [MinuteRow(card.number, card.subject, card.decision) for card in cards]
    rows += [
        MinuteRow(None, str(decision.item or decision.topic or "new content"), decision)
        for decision in decisions
        if decision.pk not in on_cards
    ]
    return Minutes(meeting=meeting, week_start=reviews.week_reviewed(meeting.held_on), rows=rows)
