"""What publishers' feeds really hold, read end to end through a poll: control characters and NULs,
markup in titles and summaries, relative and padded links, YouTube shorts, wrong encodings."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest

from curation.inbox import polling
from curation.inbox.models import Candidate, CandidateSource
from curation.inbox.parsing import SUMMARY_LENGTH
from curation.inbox.polling import Outcome
from tests.factories import TopicFactory
from tests.fakes.feeds import FeedAnswer

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres")]


def rss_bytes(items: str, *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f'{declaration}<rss version="2.0"><channel><title>Blog</title>{items}</channel></rss>'.encode()


def poll(feeds, body: bytes, **answer: object) -> polling.PollResult:
    source = CandidateSource.objects.create(
        name="Blog", url=feeds.serve("/feed.xml", FeedAnswer(body, **answer))
    )
    return polling.poll_source(source)


@pytest.mark.parametrize(
    "dirt",
    ["\x00", "\x01\x02", "&amp;#0;", "&#0;", "\x1b[31m", "\x7f"],
    ids=["nul", "controls", "escaped-nul", "nul-reference", "escape", "delete"],
)
def test_control_characters_and_nuls_in_an_entry_are_dropped_and_the_poll_goes_on(feeds, dirt):
    calls = TopicFactory(name="Calls", slug="calls")  # the tag names it, so the reason quotes the tag
    body = rss_bytes(
        f"<item><title>Calm{dirt} callers</title><link>https://blog.example.org/calm</link>"
        f"<description>Ask{dirt}, then listen.</description><category>calls{dirt}</category></item>"
        "<item><title>Desk stretches</title><link>https://blog.example.org/stretches</link></item>"
    )

    result = poll(feeds, body)

    assert result.outcome == Outcome.READ, result.error
    calm = Candidate.objects.get(canonical_url="https://blog.example.org/calm")
    for text in (calm.title, calm.summary, *calm.tags):
        assert not any(ord(char) < 32 or ord(char) == 127 for char in text), repr(text)
    assert calm.title.startswith("Calm") and calm.title.endswith("callers")
    assert calm.suggested_topic in (calls, None)  # "calls\x1b[31m" names no topic
    assert not any(ord(char) < 32 for char in "".join(calm.suggestion_reasons))
    assert Candidate.objects.count() == 2


def test_a_gzip_bomb_stops_at_the_byte_limit_without_being_unpacked_whole(feeds, settings):
    settings.INBOX_MAX_FEED_BYTES = 1024 * 1024
    unpacked = rss_bytes("<item><title>Bomb</title><link>https://blog.example.org/bomb</link></item>")
    bomb = gzip.compress(unpacked[: -len("</channel></rss>")] + b" " * (200 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 300 * 1024  # a small download

    tracemalloc.start()
    try:
        result = poll(feeds, bomb, content_encoding="gzip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.outcome == Outcome.FAILED
    assert result.error.startswith("The feed is larger than 1 MB (INBOX_MAX_FEED_BYTES), so it was not read")
    assert peak < 16 * 1024 * 1024, f"{peak:,} bytes held while reading a 1 MB limit"
    assert not Candidate.objects.exists()


def test_links_are_resolved_trimmed_and_a_video_is_one_candidate_at_its_watch_address(feeds):
    body = rss_bytes(
        '<item xml:base="https://blog.example.org/posts/"><title>Relative</title><link>relative</link>'
        "<guid>same</guid></item>"
        "<item><title>Padded</title><link>\n   https://blog.example.org/padded   \n</link>"
        "<guid>same</guid></item>"
        "<item><title>Short</title><link>https://www.youtube.com/shorts/dQw4w9WgXcQ</link></item>"
        "<item><title>Embed</title><link>https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?si=x</link></item>"
        "<item><title>Watch</title><link>https://youtu.be/dQw4w9WgXcQ?t=42</link></item>"
        "<item><title>Script</title><link>javascript:alert(document.cookie)</link></item>"
        "<item><title>Inner space</title><link>https://blog.example.org/a b</link></item>"
    )

    result = poll(feeds, body)

    assert result.outcome == Outcome.READ
    by_title = dict(Candidate.objects.values_list("title", "canonical_url"))
    assert by_title["Relative"] == "https://blog.example.org/posts/relative"  # the same guid: still two
    assert by_title["Padded"] == "https://blog.example.org/padded"
    assert by_title["Short"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert "Embed" not in by_title and "Watch" not in by_title  # the same video: one candidate
    assert "Script" not in by_title and "Inner space" not in by_title
    assert result.recorded.already_known == 2
    assert any(line.startswith("“Script”: Use the https:// address") for line in result.problems)


@pytest.mark.parametrize(
    "path",
    ["/" + "é" * 200, "/p?" + "&".join("a" for _ in range(230))],
    ids=["non-ascii-path", "bare-parameters"],
)
def test_an_address_whose_canonical_form_grows_past_the_limit_is_left_out_in_words(feeds, path):
    body = rss_bytes(
        f"<item><title>Long</title><link>https://blog.example.org{path}</link></item>"
        "<item><title>Desk stretches</title><link>https://blog.example.org/stretches</link></item>"
    )
    assert len(f"https://blog.example.org{path}") <= 500

    result = poll(feeds, body)

    assert result.outcome == Outcome.READ, result.error
    assert list(Candidate.objects.values_list("title", flat=True)) == ["Desk stretches"]
    assert any(line.startswith("“Long”: the address is over 500 characters") for line in result.problems)


@pytest.mark.parametrize("reference", ["&#xD800;", "&#55296;"])
def test_a_feed_that_breaks_the_feed_reader_itself_fails_the_poll_in_words(feeds, reference):
    body = rss_bytes(f"<item><title>Broken {reference}</title><link>https://blog.example.org/x</link>")

    result = poll(feeds, body)

    assert result.outcome == Outcome.FAILED
    assert result.error.startswith(
        "This feed could not be read: it holds something no feed reader can decode"
    )
    source = CandidateSource.objects.get()
    assert source.last_error == result.error and source.last_success_at is None
    assert not Candidate.objects.exists()


@pytest.mark.parametrize(
    "validators",
    [{"etag": '"a\x00b"'}, {"last_modified": "Mon\x00, 02 Nov 2026"}, {"etag": "\x01" * 400}],
    ids=["nul-etag", "nul-last-modified", "long-control-etag"],
)
def test_odd_validators_from_a_publisher_never_fail_the_poll(feeds, validators):
    body = rss_bytes("<item><title>Calm</title><link>https://blog.example.org/calm</link></item>")

    first = poll(feeds, body, **validators)
    again = polling.poll_source(CandidateSource.objects.get())

    assert first.outcome == Outcome.READ, first.error
    assert again.outcome in (Outcome.READ, Outcome.NOT_MODIFIED), again.error
    assert Candidate.objects.count() == 1


@pytest.mark.parametrize(
    "location", ["https://elsewhere.example.org/\x00feed", "https://elsewhere.example.org/feed\x01\x7f"]
)
def test_a_redirect_to_an_address_with_control_characters_fails_the_poll_in_words(feeds, location):
    source = CandidateSource.objects.create(
        name="Blog", url=feeds.serve("/feed.xml", FeedAnswer(b"", status=302, location=location))
    )

    result = polling.poll_source(source)

    assert result.outcome == Outcome.FAILED
    source.refresh_from_db()
    assert source.last_error == result.error
    assert "invisible character" in result.error
    assert not any(ord(char) < 32 or ord(char) == 127 for char in source.last_error)
    assert "The feed redirects to https://elsewhere.example.org/" in result.error


def test_an_entry_left_out_is_named_on_the_source_without_its_control_characters(feeds):
    body = rss_bytes(
        "<item><title>No\x00 link\x01</title></item>"
        "<item><title>Desk stretches</title><link>https://blog.example.org/stretches</link></item>"
    )

    result = poll(feeds, body)

    assert result.outcome == Outcome.READ, result.error
    source = CandidateSource.objects.get()
    assert "has no link: left out." in source.last_error
    assert not any(ord(char) < 32 and char != "\n" for char in source.last_error)
    assert Candidate.objects.count() == 1


def test_a_whole_article_in_the_summary_is_shortened_after_a_word_and_marked(feeds):
    words = " ".join(f"word{n}" for n in range(5_000))  # about 45,000 characters
    body = rss_bytes(
        f"<item><title>Long read</title><link>https://blog.example.org/long</link>"
        f"<description>&lt;p&gt;{words}&lt;/p&gt;</description></item>"
    )

    poll(feeds, body)

    summary = Candidate.objects.get().summary
    assert len(summary) <= SUMMARY_LENGTH
    assert summary.endswith("…")
    assert summary[:-1].split(" ")[-1] in words.split(" ")  # a whole word before the mark
