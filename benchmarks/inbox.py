"""A 10,000-entry feed read into the inbox (parse, dedupe, suggest, record), beside feedparser
parsing the same bytes alone: how much the inbox adds to the cost of reading the feed.

Needs PostgreSQL: BENCH_DATABASE_URL (else postgres://postgres@127.0.0.1:5432/curation_bench). The
database is created and migrated if missing; `curation` and `test_curation` are refused.

    .venv/bin/python benchmarks/inbox.py                    # 10,000 entries
    .venv/bin/python benchmarks/inbox.py --entries 1000     # a quick look

Prints the feed's size, feedparser's time alone, the inbox's time for the same bytes (and how much
of it was parsing into entries), candidates per second, the second read of the same feed (every
entry already known: nothing added), and `ratio: <parse alone / inbox>` (goal >= 0.5: recording
must not cost more than parsing).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/curation_bench"
ENV = common.django_env(DATABASE_URL)
SOURCE = "Inbox bench feed"
TOPICS = ["Customer conversations", "Leading a team", "Wellbeing", "Digital skills", "Working together"]
TAGS = ["customer-conversations", "leading-a-team", "wellbeing", "digital-skills", "news", "research", "tips"]
HOSTS = ["www.learning-at-work.example", "blog.teamcraft.example", "www.youtube.com", "www.wikihow.com"]


def feed(entries: int) -> bytes:
    """An RSS feed as a busy publisher writes it: HTML summaries, two or three tags, tracking links."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for n in range(entries):
        host = HOSTS[n % len(HOSTS)]
        if host == "www.youtube.com":
            link = f"https://www.youtube.com/watch?v={n:011d}"
        elif host == "www.wikihow.com":
            link = f"https://www.wikihow.com/Learn-Thing-{n}"
        else:
            link = f"https://{host}/articles/{n}/practical-learning-note-{n}/?utm_source=rss&utm_medium=feed"
        tags = "".join(f"<category>{TAGS[(n + k) % len(TAGS)]}</category>" for k in range(2 + n % 2))
        summary = escape(
            f"<p>Note {n}: a <strong>practical</strong> read on learning in the flow of work, "
            f"with three things to try this week and a <a href='https://{host}/more'>longer guide</a>.</p>"
        )
        items.append(
            f"<item><title>Practical learning note {n}: what to try this week</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="false">bench-{n}</guid>'
            f"<pubDate>{format_datetime(start + timedelta(minutes=n))}</pubDate>{tags}"
            f"<description>{summary}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench feed</title>'
        f"<link>https://www.learning-at-work.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


def setup():
    common.setup_django(ENV)
    from django.utils.text import slugify

    from curation.inbox.models import CandidateSource
    from curation.models import Topic

    cleanup()
    for name in TOPICS:
        Topic.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return CandidateSource.objects.create(name=SOURCE, url="https://www.learning-at-work.example/feed.xml")


def cleanup() -> None:
    from curation.inbox.models import Candidate, CandidateSource

    # Candidates first: they PROTECT their source, so a dismissal outlives a deleted source.
    Candidate.objects.filter(source__name=SOURCE).delete()
    CandidateSource.objects.filter(name=SOURCE).delete()


def parse_alone(body: bytes) -> tuple[float, int]:
    import feedparser

    started = time.perf_counter()
    result = feedparser.parse(io.BytesIO(body), response_headers={"content-type": "application/rss+xml"})
    return time.perf_counter() - started, len(result.entries)


def inbox(source, body: bytes):
    from curation.inbox import polling
    from curation.inbox.fetching import Fetched

    fetched = Fetched(url=source.url, status=200, body=body, content_type="application/rss+xml")
    started = time.perf_counter()
    result = polling.record_fetched(source, fetched)
    return time.perf_counter() - started, result


def parse_into_entries(source, body: bytes) -> float:
    from curation.inbox.parsing import parse_feed

    started = time.perf_counter()
    parse_feed(body, url=source.url, content_type="application/rss+xml")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    arguments = parser.parse_args()
    common.ensure_database(DATABASE_URL, ENV)
    body = feed(arguments.entries)
    source = setup()
    try:
        print(f"feed: {arguments.entries} entries, {len(body) / 1024 / 1024:.1f} MB of RSS")
        parsed_seconds, parsed = parse_alone(body)
        print(f"feedparser.parse alone: {parsed_seconds:.2f} s ({parsed / parsed_seconds:,.0f} entries/s)")
        seconds, result = inbox(source, body)
        if result.outcome != "read":
            raise SystemExit(f"The feed was not read: {result.error}")
        added = result.recorded.added
        print(f"inbox (parse, dedupe, suggest, record): {seconds:.2f} s, {added} candidates added")
        print(f"  of which parsing into entries: {parse_into_entries(source, body):.2f} s")
        print(f"candidates/s: {added / seconds:,.0f}")
        again, rerun = inbox(source, body)
        print(
            f"second read of the same feed: {again:.2f} s, {rerun.recorded.added} added, "
            f"{rerun.recorded.already_known} already known"
        )
        print(f"ratio: {parsed_seconds / seconds:.2f}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
