"""The review's calendar: ISO weeks, the days a week or a chart covers, and the filters a page asks for.

A week runs Monday to Sunday where the programme runs (analytics.clock); the review reaches two
years back from any week it covers and one week forward, and these bounds keep both clear of the
calendar's ends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from analytics.clock import today

RECENT_WEEKS = 12  # sparklines, the default chart range, and the suggestions' look-back
MAX_RANGE_DAYS = 731  # "a date range up to 2 years"
# The review reaches two years back from a week or date (the charts' longest range) and a week
# forward (the next week's link). Python's calendar ends at years 1 and 9999: these bounds keep
# every week and date a curator can ask for clear of both ends.
FIRST_REVIEW_DAY = date(1900, 1, 1)
LAST_REVIEW_DAY = date(9998, 12, 31)
LAST_REVIEW_WEEK = date(9998, 12, 21)  # Monday of 9998-W52, the last week to end by LAST_REVIEW_DAY
ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII | re.IGNORECASE)


@dataclass(frozen=True)
class ReviewFilters:
    channel: int | None = None
    topic: int | None = None
    stage: str | None = None
    start: date | None = None  # the charts' range; by default the twelve weeks to the reviewed week
    end: date | None = None

    @property
    def narrows_items(self) -> bool:
        """Topic and stage narrow to items; campaign sessions are known per channel only."""
        return self.topic is not None or bool(self.stage)


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week() -> date:
    return week_start_of(today()) - timedelta(weeks=1)


def iso_week_label(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(text: str) -> date:
    """2026-W47 -> Monday 16 November 2026; ValueError, saying why, for anything else."""
    found = ISO_WEEK.fullmatch(text)
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1) if found else None
    except ValueError:
        monday = None
    if monday is None:
        raise ValueError(f"“{text}” is not an ISO week such as 2026-W47")
    if not FIRST_REVIEW_DAY <= monday <= LAST_REVIEW_WEEK:
        raise ValueError(
            f"“{text}” is outside the weeks the review covers, "
            f"{iso_week_label(FIRST_REVIEW_DAY)} to {iso_week_label(LAST_REVIEW_WEEK)}"
        )
    return monday


def check_review_day(day: date, text: str) -> date:
    """A chart date the review can reach two years back from; ValueError nearer the calendar's ends."""
    if not FIRST_REVIEW_DAY <= day <= LAST_REVIEW_DAY:
        raise ValueError(
            f"“{text}” is outside the dates the review covers, "
            f"{FIRST_REVIEW_DAY:%-d %b %Y} to {LAST_REVIEW_DAY:%-d %b %Y}"
        )
    return day


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The programme's days as UTC instants: a week runs Monday to Sunday where the team is."""
    zone = ZoneInfo(settings.PROGRAMME_TIME_ZONE)
    return (
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )


def chart_range(week_start: date, filters: ReviewFilters) -> tuple[date, date, str]:
    week_end = week_start + timedelta(days=6)
    end = filters.end or week_end
    start = filters.start or (end - timedelta(weeks=RECENT_WEEKS) + timedelta(days=1))
    note = ""
    if start > end:
        start, end = end, start
        note = "The range's dates were the wrong way round: shown in order."
    if (end - start).days >= MAX_RANGE_DAYS:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        note = f"Ranges go back two years at most: showing {start:%-d %b %Y} to {end:%-d %b %Y}."
    return start, end, note


def weeks_between(first: date, last: date) -> list[date]:
    count = (week_start_of(last) - week_start_of(first)).days // 7 + 1
    return [week_start_of(first) + timedelta(weeks=n) for n in range(count)]
