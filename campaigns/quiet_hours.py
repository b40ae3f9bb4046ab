"""Working hours in the recipient's own time zone: nothing is sent outside them.

The consent text promises messages "only during working hours in your time zone", so each
Delivery waits until its recipient's window is open. Times are worked out on the local calendar
and compared as UTC instants: aware datetimes in one zone compare by wall clock, which is wrong
across a DST change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


@functools.cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    # A wall time inside a spring-forward gap (fold=0) lands on the instant the clocks jumped,
    # which is the first moment that local time exists.
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class SendWindow:
    start: time
    end: time
    days: frozenset[int]  # Monday is 0

    @classmethod
    def from_settings(cls) -> SendWindow:
        return cls(
            start=time.fromisoformat(settings.SEND_WINDOW_START),
            end=time.fromisoformat(settings.SEND_WINDOW_END),
            days=frozenset(settings.SEND_WINDOW_DAYS),
        )

    def _windows(self, at: datetime, tz: ZoneInfo):
        """Each open window (start, end) in UTC, from the local day `at` falls on, for two weeks."""
        # A window ending at or before its start runs past midnight (00:00-00:00 is all day).
        overnight = timedelta(days=1 if self.end <= self.start else 0)
        today = at.astimezone(tz).date() - overnight
        for offset in range(16):
            day = today + timedelta(days=offset)
            if day.weekday() in self.days:
                yield _at(day, self.start, tz), _at(day + overnight, self.end, tz)

    def opens(self, at: datetime, tz: ZoneInfo) -> datetime:
        """`at` itself if the window is open then, else the next moment it opens (UTC)."""
        at = at.astimezone(UTC)
        for start, end in self._windows(at, tz):
            if start <= at < end:
                return at
            if at < start:
                return start
        raise ValueError("The send window has no open days: set SEND_WINDOW_DAYS.")

    def closes(self, at: datetime, tz: ZoneInfo) -> datetime | None:
        """When the window open at `at` closes (UTC), or None if it is not open then."""
        at = at.astimezone(UTC)
        for start, end in self._windows(at, tz):
            if start <= at < end:
                return end
            if at < start:
                return None
        return None

    def is_open(self, at: datetime, tz: ZoneInfo) -> bool:
        return self.closes(at, tz) is not None
