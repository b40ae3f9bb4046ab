"""What the review meetings' admin asks of the app that runs the meetings, without importing it.

Curation keeps the meetings' record; the agenda is made from the dashboard's suggestions and
applying a decision may draft a campaign, and curation imports neither analytics nor campaigns.
So the app that runs meetings installs its answers here from its AppConfig.ready (analytics does),
and the admin asks `runner()`: the arrows keep pointing to curation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class MeetingRunner:
    # generate_agenda(meeting=...) -> the AgendaItems made; raises ValidationError if it has one.
    generate_agenda: Callable[..., list]
    # apply_decision(decision=..., by=...) -> the Decision, applied once however often it is asked.
    apply_decision: Callable[..., object]
    # The Monday of the week a meeting held on this day reviews.
    week_reviewed: Callable[[date], date]
    # The address of a meeting's room and of its minutes.
    room_url: Callable[[object], str]
    minutes_url: Callable[[object], str]


_installed: MeetingRunner | None = None


def install(runner: MeetingRunner) -> None:
    global _installed
    _installed = runner


def runner() -> MeetingRunner:
    if _installed is None:
        raise ImproperlyConfigured("No app runs review meetings: analytics installs it in its ready().")
    return _installed
