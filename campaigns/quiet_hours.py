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


def _at(day: date, clock: time, tz: ZoneInfo, *, opening: bool) -> datetime:
    """The UTC instant `clock` shows on `day` in `tz`, as a window edge sees it.

    In the hour repeated when clocks go back, a window opens at the wall time's last showing and
    closes at its first, so it is never open while the clock reads outside it. A wall time the
    clocks skip maps to the instant they jumped: the first moment it is past that time locally.
    """
    first = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
    last = datetime.combine(day, clock, tzinfo=tz).replace(fold=1).astimezone(UTC)
    if first <= last:  # an ordinary time (equal) or a repeated one
        return last if opening else first
    # Skipped: fold=0 reads it with the offset before the change, fold=1 with the one after,
    # so the jump lies between them. Local time only moves forward there: bisect by the second.
    wall = datetime.combine(day, clock)
    low, high = last, first
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


_SECOND = timedelta(seconds=1)


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
        held: tuple[datetime, datetime, date] | None = None
        for offset in range(16):
            day = today + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            start = _at(day, self.start, tz, opening=True)
            if start.astimezone(tz).date() != day:
                continue  # a calendar day the zone skipped (Samoa, 30 December 2011)
            end = _at(day + overnight, self.end, tz, opening=False)
            # A window that ends as the next day's begins (all day) runs on into it: were the
            # clocks to go back at that moment, the repeated minutes would otherwise fall between.
            if held and self.end == self.start and day == held[2] + timedelta(days=1):
                held = (held[0], end, day)
                continue
            if held:
                yield held[:2]
            held = (start, end, day)
        if held:
            yield held[:2]

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
