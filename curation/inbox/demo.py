"""The demo's inbox: a sample feed shipped with the code, read from disk (no network), so `make
demo` shows candidates with their suggestions. Called from curation/demo.py's load()."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import OutputWrapper

from curation.inbox import polling
from curation.inbox.fetching import Fetched
from curation.inbox.models import CandidateSource

SAMPLE_FEED = Path(__file__).resolve().parent / "sample" / "learning-feed.xml"
SAMPLE_SOURCE = "Sample learning feed"
# Where such a feed would live; the demo source is not polled (beat would find nothing there).
SAMPLE_URL = "https://www.learning-at-work.example/feed.xml"


def load_sample_feed(*, stdout: OutputWrapper) -> polling.PollResult:
    source, _ = CandidateSource.objects.get_or_create(
        name=SAMPLE_SOURCE, defaults={"url": SAMPLE_URL, "is_active": False}
    )
    fetched = Fetched(
        url=source.url, status=200, body=SAMPLE_FEED.read_bytes(), content_type="application/rss+xml"
    )
    result = polling.record_fetched(source, fetched)
    stdout.write(
        f"Inbox: {result.recorded.added} candidates from the “{SAMPLE_SOURCE}” "
        f"({result.recorded.already_known} already there)."
    )
    return result
