"""What every source returns, and the one error type its callers need to understand.

A source turns a channel and a period into plain rows keyed the way the source knows its
pages (a GA4 page path, a YouTube video id); matching rows to placements is the sync service's
job, so the sources stay ignorant of the catalogue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Period:
    """Days from start to end, both included: the unit a sync writes whole or not at all."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"A period ends on or after its start, not {self.start}..{self.end}.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def chunks(self, days: int) -> list[Period]:
        """Consecutive periods of at most `days` days covering this one (backfills go by chunk)."""
        found, start = [], self.start
        while start <= self.end:
            end = min(self.end, start + timedelta(days=days - 1))
            found.append(Period(start, end))
            start = end + timedelta(days=1)
        return found

    def __str__(self) -> str:
        return f"{self.start:%d %b %Y}" if self.start == self.end else f"{self.start} to {self.end}"


@dataclass
class MetricRow:
    """One page's or video's figures on one day. `figures` uses DailyMetric's field names
    (analytics.models.FIGURES) and holds only what the source reports: absent is not zero."""

    key: str
    date: date
    figures: dict[str, int | float]


@dataclass
class CampaignRow:
    """GA4: sessions that arrived with one utm_campaign (sessionCampaignName) and utm_source
    (sessionSource: our links say "sms" or "email") on one day."""

    campaign_name: str
    date: date
    sessions: int
    engaged_sessions: int | None = None
    source: str = ""


@dataclass
class RetentionRow:
    """YouTube: one point of one video's drop-out curve over the period."""

    key: str  # the video id
    elapsed_ratio: float  # 0.01 .. 1.0
    audience_watch_ratio: float
    relative_performance: float | None = None


@dataclass
class Pull:
    """Everything one source returned for one channel and period."""

    metrics: list[MetricRow] = field(default_factory=list)
    campaigns: list[CampaignRow] = field(default_factory=list)
    retention: list[RetentionRow] = field(default_factory=list)
    # GA4: figures withheld under data thresholds, and rows rolled into "(other)".
    thresholded: bool = False
    other_rows: int = 0
    # Rows the source itself could not attribute (e.g. GA4's "(not set)" page path).
    unattributed: int = 0
    # Keys asked for that the source does not know (a deleted or private video).
    unknown_keys: list[str] = field(default_factory=list)
    # GA4: the property's quota as the last answer left it ({"tokens_per_day": {"consumed": n,
    # "remaining": n}, ...}), and the daily tokens every answer of this pull consumed together.
    quota: dict[str, dict[str, int]] = field(default_factory=dict)
    quota_tokens: int = 0

    @property
    def rows_read(self) -> int:
        return len(self.metrics) + len(self.campaigns) + len(self.retention) + self.other_rows


@dataclass(frozen=True)
class Published:
    """Something on an owned channel as its source lists it: a YouTube upload or a GA4 page.
    Whether the catalogue has it already is for the caller to say (analytics.discovery)."""

    key: str  # the video id or the page path
    title: str
    description: str = ""
    published_at: datetime | None = None


class Retry(enum.Enum):
    SOON = "soon"  # rate limited or unavailable: back off and try again
    TOMORROW = "tomorrow"  # a daily quota is spent: nothing will change before it resets
    NEVER = "never"  # credentials or configuration: a person must act


@dataclass
class SourceError(Exception):
    """A failed pull, with a message a curator understands and whether trying again can help."""

    message: str
    retry: Retry = Retry.NEVER

    def __str__(self) -> str:
        return self.message
