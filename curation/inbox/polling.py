"""Polling a source: fetch, parse, record its new candidates, and write down how it went.

A poll that fails (the site is down, the answer is no feed, too big, too slow) writes its reason on
the source in plain words and changes nothing else: no candidate, no validator. A poll that reads the
feed records the candidates new to the inbox (record_candidates) and the validators for next time.
Owned channels are not polled here: analytics discovers their new uploads and pages.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from curation.inbox import fetching
from curation.inbox.models import CandidateSource, SourceKind
from curation.inbox.parsing import ParseError, parse_feed
from curation.inbox.services import Recorded, record_candidates

logger = logging.getLogger(__name__)

POLLED_KINDS = (SourceKind.FEED, SourceKind.YOUTUBE_CHANNEL, SourceKind.YOUTUBE_PLAYLIST)
# Problems listed on the source at most; the count says how many more.
PROBLEMS_SHOWN = 10
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


class Outcome(StrEnum):
    READ = "read"  # the feed was read; its new entries recorded
    NOT_MODIFIED = "not_modified"  # 304: nothing new since last time
    FAILED = "failed"  # the reason is on the source
    HOST_BUSY = "host_busy"  # the site was asked moments ago: left for later, nothing changed
    SKIPPED = "skipped"  # not a polled kind (an owned channel)


@dataclass
class PollResult:
    source: CandidateSource
    outcome: Outcome
    recorded: Recorded = field(default_factory=Recorded)
    problems: list[str] = field(default_factory=list)  # the XML's and entries' (read, with some left out)
    error: str = ""  # why the poll failed, or was not made

    def summary(self) -> str:
        """One line for the curator who pressed "Poll now"."""
        name = f"“{self.source.name}”"
        if self.outcome == Outcome.READ:
            added, known = self.recorded.added, self.recorded.already_known
            text = f"{name}: {_count(added, 'new candidate')}, {known} already known."
            if self.problems:
                text += f" {_count(len(self.problems), 'problem')} (on the source's page)."
            return text
        if self.outcome == Outcome.NOT_MODIFIED:
            return f"{name}: unchanged since the last poll."
        return f"{name}: {self.error}"


def poll_source(source: CandidateSource, *, wait_seconds: float = 0.0) -> PollResult:
    """Poll one source now. `wait_seconds`: how long to wait for its site's turn (one request per
    site per INBOX_HOST_DELAY_SECONDS); past that the poll is left for later and changes nothing."""
    if source.kind not in POLLED_KINDS:
        skipped = "Owned channels are watched by analytics, not polled."
        return PollResult(source, Outcome.SKIPPED, error=skipped)
    try:
        fetched = fetching.fetch(
            fetching.feed_address(source),
            etag=source.etag,
            last_modified=source.last_modified,
            wait_seconds=wait_seconds,
        )
    except fetching.HostBusy as busy:
        return PollResult(
            source,
            Outcome.HOST_BUSY,
            error=f"Not polled: {busy.host} was asked moments ago; it will be polled in its turn.",
        )
    except fetching.FetchError as failure:
        return _failed(source, failure.message)
    if fetched.not_modified:
        return _not_modified(source)
    return record_fetched(source, fetched)


def record_fetched(source: CandidateSource, fetched: fetching.Fetched) -> PollResult:
    """Parse a fetched feed, record its new candidates and how the poll went; the demo's sample
    feed comes in this way too, read from disk."""
    try:
        parsed = parse_feed(fetched.body, url=fetched.url, content_type=fetched.content_type)
    except ParseError as failure:
        return _failed(source, failure.message)
    with transaction.atomic():
        recorded = record_candidates(source=source, entries=parsed.entries)
        problems = parsed.problems + recorded.refused
        now = timezone.now()
        _update(
            source,
            etag=_validator(fetched.etag, 300),
            last_modified=_validator(fetched.last_modified, 100),
            last_polled_at=now,
            last_success_at=now,
            last_error=_problems_text(problems),
        )
    return PollResult(source, Outcome.READ, recorded=recorded, problems=problems)


def poll_source_by_id(source_id: int) -> PollResult | None:
    """For the task: the source as it is now (None if deleted meanwhile), waiting briefly for its site."""
    source = CandidateSource.objects.select_related("topic").filter(pk=source_id).first()
    if source is None:
        return None
    # A few turns of its site at most: beat spaces a site's sources by the delay, so this is rare.
    return poll_source(source, wait_seconds=3 * settings.INBOX_HOST_DELAY_SECONDS)


def due_sources(*, now: datetime | None = None) -> list[CandidateSource]:
    """Active polled sources not polled in the last half interval, the longest-waiting first."""
    now = now or timezone.now()
    recently = now - timedelta(minutes=settings.INBOX_POLL_MINUTES / 2)
    return list(
        CandidateSource.objects.filter(is_active=True, kind__in=POLLED_KINDS)
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=recently))
        .order_by(F("last_polled_at").asc(nulls_first=True), "pk")
    )


def plan_due_polls(*, now: datetime | None = None) -> list[tuple[int, float]]:
    """(source id, seconds from now) for every due source: a site's sources one delay apart, so
    twenty YouTube channels are twenty polite requests to www.youtube.com, not a burst."""
    turns: dict[str, int] = defaultdict(int)
    plan: list[tuple[int, float]] = []
    for source in due_sources(now=now):
        host = _host(fetching.feed_address(source))
        plan.append((source.pk, turns[host] * settings.INBOX_HOST_DELAY_SECONDS))
        turns[host] += 1
    return plan


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _not_modified(source: CandidateSource) -> PollResult:
    """304: what was said about the feed stands, unless the last poll failed (then that is over)."""
    now = timezone.now()
    changes: dict[str, object] = {"last_polled_at": now, "last_success_at": now}
    last_failed = source.last_polled_at and (
        source.last_success_at is None or source.last_success_at < source.last_polled_at
    )
    if last_failed:
        changes["last_error"] = ""
    _update(source, **changes)
    return PollResult(source, Outcome.NOT_MODIFIED)


def _failed(source: CandidateSource, message: str) -> PollResult:
    message = _shown(message)
    logger.info("Candidate source %s not read: %s", source.pk, message)
    _update(source, last_polled_at=timezone.now(), last_error=message)
    return PollResult(source, Outcome.FAILED, error=message)


def _update(source: CandidateSource, **changes: object) -> None:
    """Only these fields, so an edit a curator saved meanwhile (its name, its topic) stands."""
    CandidateSource.objects.filter(pk=source.pk).update(**changes)
    for name, value in changes.items():
        setattr(source, name, value)


def _validator(value: str, length: int) -> str:
    """A validator to send back next time, or "" (ask unconditionally): one with a control character
    (a NUL, which PostgreSQL refuses) or cut short to fit would never match the publisher's again."""
    if len(value) > length or any(ord(char) < 32 or ord(char) == 127 for char in value):
        return ""
    return value


def _shown(text: str) -> str:
    """Words for the source's page that may quote the publisher (a redirect's address, a status's
    reason, an entry's title): a control character is shown as \\x00, as PostgreSQL refuses a NUL
    and nobody can read the others."""
    return CONTROL.sub(lambda char: f"\\x{ord(char.group()):02x}", text)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _problems_text(problems: list[str]) -> str:
    if not problems:
        return ""
    shown = problems[:PROBLEMS_SHOWN]
    text = "\n".join(map(_shown, shown))
    if len(problems) > len(shown):
        text += f"\n…and {len(problems) - len(shown)} more."
    return text
