"""Working hours in every time zone: nothing is sent outside them, and no opening is missed.

The property tests judge SendWindow against the plainest reading of the promise: the local wall
clock, in the recipient's zone, on an allowed weekday, between start and end. Instants are drawn
across 2000-2037 and, half the time, close to one of the zone's own offset changes, where the
bugs live: windows that start or end inside a DST change, and the calendar day Samoa and Tokelau
skipped (30 December 2011), have worked examples at the end.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.quiet_hours import SendWindow, zone

ZONES = sorted(available_timezones())
SECOND = timedelta(seconds=1)
WEEKDAYS = frozenset(range(5))

OFFICE = SendWindow(start=time(8), end=time(20), days=WEEKDAYS)  # the default settings
WINDOWS = [
    OFFICE,
    SendWindow(start=time(9, 30), end=time(17), days=frozenset(range(6))),
    SendWindow(start=time(7), end=time(9), days=frozenset({2})),  # one short window a week
    SendWindow(start=time(0), end=time(0), days=frozenset(range(7))),  # all day, every day
]


def open_by_wall_clock(window: SendWindow, at: datetime, tz: ZoneInfo) -> bool:
    """The promise itself: the local clock shows an allowed day between start and end."""
    local = at.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if window.end <= window.start:  # runs past midnight into the next day
        yesterday = (local.date() - timedelta(days=1)).weekday()
        return (clock >= window.start and local.weekday() in window.days) or (
            clock < window.end and yesterday in window.days
        )
    return window.start <= clock < window.end and local.weekday() in window.days


@functools.cache
def offset_changes(name: str) -> tuple[datetime, ...]:
    """The instants (to the second) the zone's UTC offset changed, 2000-2037."""
    tz = zone(name)
    found = []
    at, end, step = datetime(2000, 1, 1, tzinfo=UTC), datetime(2038, 1, 1, tzinfo=UTC), timedelta(days=7)
    while at < end:
        low, high = at, at + step
        if low.astimezone(tz).utcoffset() != high.astimezone(tz).utcoffset():
            while high - low > SECOND:
                middle = (low + (high - low) / 2).replace(microsecond=0)
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        at += step
    return tuple(found)


anywhen = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)


@st.composite
def zone_and_instant(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    name = draw(st.sampled_from(ZONES))
    changes = offset_changes(name)
    if changes and draw(st.booleans()):
        # Within two days of a DST change: shrinks towards the change itself.
        at = draw(st.sampled_from(changes)) + timedelta(seconds=draw(st.integers(-2 * 86_400, 2 * 86_400)))
    else:
        at = draw(anywhen)
    return zone(name), at


windows = st.sampled_from(WINDOWS)
examples = settings(max_examples=400, deadline=None)


@examples
@given(windows, zone_and_instant())
def test_the_window_opens_now_or_later_and_within_working_hours(window, zone_and_at):
    tz, at = zone_and_at

    opens = window.opens(at, tz)

    assert opens >= at
    assert opens.tzinfo is UTC
    assert open_by_wall_clock(window, opens, tz), f"{opens.astimezone(tz)} is outside working hours"


@examples
@given(windows, zone_and_instant())
def test_no_earlier_opening_is_skipped(window, zone_and_at):
    tz, at = zone_and_at

    opens = window.opens(at, tz)

    if open_by_wall_clock(window, at, tz):
        assert opens == at, f"open at {at.astimezone(tz)} but told to wait for {opens.astimezone(tz)}"
    else:
        # Where the clocks jump forward at the start (00:00 -> 01:00) the window opens at the jump,
        # 01:00 local: the second before is still the previous evening, so closed.
        before = opens - SECOND
        assert not open_by_wall_clock(window, before, tz), (
            f"already open at {before.astimezone(tz)}, yet told to wait for {opens.astimezone(tz)}"
        )


@examples
@given(windows, zone_and_instant())
def test_an_open_window_stays_open_until_it_closes(window, zone_and_at):
    tz, at = zone_and_at
    opens = window.opens(at, tz)

    closes = window.closes(opens, tz)

    assert closes is not None and closes > opens
    assert window.is_open(opens, tz)
    for moment in (opens + (closes - opens) / 2, closes - SECOND):
        assert window.is_open(moment, tz)
        assert open_by_wall_clock(window, moment, tz), f"{moment.astimezone(tz)} is after hours"


@examples
@given(zone_and_instant())
def test_a_window_that_ends_before_the_next_opens_is_closed_from_its_end(zone_and_at):
    tz, at = zone_and_at

    closes = OFFICE.closes(OFFICE.opens(at, tz), tz)

    assert not OFFICE.is_open(closes, tz)
    assert not open_by_wall_clock(OFFICE, closes, tz)
    assert OFFICE.closes(closes, tz) is None


# Worked examples, with the default window unless said otherwise.


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_saturday_in_london_waits_for_monday_morning():
    saturday_noon = utc(2026, 1, 10, 12)

    assert OFFICE.opens(saturday_noon, zone("Europe/London")) == utc(2026, 1, 12, 8)
    assert not OFFICE.is_open(saturday_noon, zone("Europe/London"))


def test_working_hours_are_open_at_once_and_close_at_eight_in_the_evening():
    tuesday = utc(2026, 6, 16, 10)  # 11:00 BST

    assert OFFICE.opens(tuesday, zone("Europe/London")) == tuesday
    assert OFFICE.closes(tuesday, zone("Europe/London")) == utc(2026, 6, 16, 19)  # 20:00 BST


def test_new_york_opens_an_hour_earlier_in_utc_once_the_clocks_go_forward():
    new_york = zone("America/New_York")

    # The week before the change: 08:00 EST is 13:00 UTC.
    assert OFFICE.opens(utc(2026, 2, 28, 12), new_york) == utc(2026, 3, 2, 13)
    # Clocks go forward on Sunday 8 March: Monday 08:00 EDT is 12:00 UTC.
    assert OFFICE.opens(utc(2026, 3, 7, 12), new_york) == utc(2026, 3, 9, 12)
    assert OFFICE.closes(utc(2026, 3, 9, 12), new_york) == utc(2026, 3, 10, 0)  # 20:00 EDT


def test_london_opens_an_hour_later_in_utc_once_the_clocks_go_back():
    london = zone("Europe/London")

    # Friday 23 October, 20:30 BST: closed for the weekend, during which BST ends (25 October).
    assert OFFICE.opens(utc(2026, 10, 23, 19, 30), london) == utc(2026, 10, 26, 8)
    assert OFFICE.closes(utc(2026, 10, 23, 7), london) == utc(2026, 10, 23, 19)  # 20:00 BST
    assert OFFICE.closes(utc(2026, 10, 26, 8), london) == utc(2026, 10, 26, 20)  # 20:00 GMT


def test_sydney_follows_southern_hemisphere_summer_time():
    sydney = zone("Australia/Sydney")

    # Friday 3 April 2026 is still summer time (AEDT, +11): 08:00 is 21:00 UTC the day before.
    assert OFFICE.opens(utc(2026, 4, 2, 20), sydney) == utc(2026, 4, 2, 21)
    # Summer time ends on Sunday 5 April: Monday 08:00 AEST (+10) is 22:00 UTC on Sunday.
    assert OFFICE.opens(utc(2026, 4, 4), sydney) == utc(2026, 4, 5, 22)
    # And starts again on Sunday 4 October: Monday 08:00 AEDT is 21:00 UTC on Sunday.
    assert OFFICE.opens(utc(2026, 10, 3), sydney) == utc(2026, 10, 4, 21)


def test_kathmandu_quarter_hour_offset_is_kept():
    kathmandu = zone("Asia/Kathmandu")  # +05:45 all year
    monday_early = utc(2026, 6, 15, 0)  # 05:45 local

    assert OFFICE.opens(monday_early, kathmandu) == utc(2026, 6, 15, 2, 15)
    assert OFFICE.closes(utc(2026, 6, 15, 2, 15), kathmandu) == utc(2026, 6, 15, 14, 15)


def test_a_custom_window_from_settings_includes_saturday(settings):
    settings.SEND_WINDOW_START, settings.SEND_WINDOW_END = "09:30", "17:00"
    settings.SEND_WINDOW_DAYS = [0, 1, 2, 3, 4, 5]
    window = SendWindow.from_settings()
    london = zone("Europe/London")

    assert window == SendWindow(start=time(9, 30), end=time(17), days=frozenset(range(6)))
    assert window.opens(utc(2026, 6, 13, 8), london) == utc(2026, 6, 13, 8, 30)  # Saturday 09:30 BST
    assert window.closes(utc(2026, 6, 13, 8, 30), london) == utc(2026, 6, 13, 16)
    # Saturday 17:30 BST: Sunday is not a working day.
    assert window.opens(utc(2026, 6, 13, 16, 30), london) == utc(2026, 6, 15, 8, 30)


def test_the_window_opens_at_the_jump_when_clocks_go_forward_at_its_start():
    havana = zone("America/Havana")  # Sunday 8 March 2026, 00:00 CST becomes 01:00 CDT
    window = SendWindow(start=time(0), end=time(6), days=frozenset(range(7)))

    opens = window.opens(utc(2026, 3, 8, 4, 30), havana)  # Saturday 23:30 CST

    assert opens == utc(2026, 3, 8, 5)
    assert opens.astimezone(havana).time() == time(1)


def test_no_open_days_is_a_configuration_error():
    with pytest.raises(ValueError, match="SEND_WINDOW_DAYS"):
        SendWindow(start=time(8), end=time(20), days=frozenset()).opens(utc(2026, 1, 1), zone("UTC"))


# Window edges inside a clock change, and a day that never happened.


def test_a_start_inside_the_spring_forward_hour_opens_at_the_jump():
    london = zone("Europe/London")  # Sunday 29 March 2026, 01:00 GMT becomes 02:00 BST
    window = SendWindow(start=time(1, 30), end=time(20), days=frozenset(range(7)))

    # 01:30 never shows on the clock; from the jump (02:00 BST, 01:00 UTC) it is past 01:30.
    assert window.opens(utc(2026, 3, 29, 0, 30), london) == utc(2026, 3, 29, 1)


def test_an_end_inside_the_spring_forward_hour_closes_at_the_jump():
    london = zone("Europe/London")
    window = SendWindow(start=time(0), end=time(1, 30), days=frozenset(range(7)))

    # Today it stays open until 02:30 BST, an hour after the clock passed 01:30.
    assert window.closes(utc(2026, 3, 29, 0, 30), london) == utc(2026, 3, 29, 1)


def test_the_repeated_hour_after_clocks_go_back_is_before_a_start_inside_it():
    london = zone("Europe/London")  # Sunday 25 October 2026, 02:00 BST becomes 01:00 GMT
    window = SendWindow(start=time(1, 30), end=time(20), days=frozenset(range(7)))

    # 01:10 GMT, the second time the clock shows 01:10: before the 01:30 start.
    assert not window.is_open(utc(2026, 10, 25, 1, 10), london)


def test_a_day_that_never_happened_is_not_a_working_day():
    apia = zone("Pacific/Apia")  # went from Thursday 29 to Saturday 31 December 2011
    thursday_evening = utc(2011, 12, 30, 7)  # 21:00 on Thursday, -10:00

    opens = OFFICE.opens(thursday_evening, apia)

    # Today: Saturday 31 December, 08:00 +14:00, on a weekend.
    assert opens.astimezone(apia).weekday() in WEEKDAYS
    assert opens == utc(2012, 1, 1, 18)  # Monday 2 January, 08:00 +14:00


def test_an_all_day_window_stays_open_when_clocks_go_back_at_midnight():
    colombo = zone("Asia/Colombo")  # 15 April 2006, 00:30 +06:00 became 00:00 +05:30
    all_day = SendWindow(start=time(0), end=time(0), days=frozenset(range(7)))
    first_showing = utc(2006, 4, 14, 18, 29, 59)  # 00:29:59 +06:00, before the clocks went back

    assert all_day.opens(first_showing, colombo) == first_showing
    assert all_day.is_open(utc(2006, 4, 14, 18, 15), colombo)
