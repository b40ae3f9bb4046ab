"""Reading a fetched feed (RSS, Atom, YouTube's Atom) into entries, with feedparser.

feedparser reads what publishers really serve: wrong encodings, HTML in titles, broken XML. When the
XML breaks part-way it still hands over the entries read before the fault, and they are kept (the
source says so); an answer that is no feed at all (a web page, nothing) is a ParseError.
"""

from __future__ import annotations

import calendar
import html
import io
import logging
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from django.utils.html import strip_tags

from curation.inbox.entries import Entry

logger = logging.getLogger(__name__)

SUMMARY_LENGTH = 2000
MAX_TAGS = 20
TAG_LENGTH = 100
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
WHITESPACE = re.compile(r"\s+")


class ParseError(Exception):
    """The answer is not a feed; the message says what it is instead, for the curator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per entry left out, or about the XML


def parse_feed(body: bytes, *, url: str = "", content_type: str = "") -> Parsed:
    """The entries of the feed in `body`, fetched from `url` (relative links resolve against it)."""
    if not body.strip():
        raise ParseError("This address answered with nothing (an empty page), not a feed.")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Bytes in a BytesIO: given bytes or a str, feedparser would first try them as a file name or URL.
    # Links still resolve against the feed's address; those inside summaries need not (their tags
    # are stripped), which saves a third of the parse.
    try:
        result = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=False)
    except Exception as error:  # feedparser's lenient parser fails on some input (&#xD800;, say)
        logger.info("feedparser failed on %s: %r", url, error)
        raise ParseError(
            "This feed could not be read: it holds something no feed reader can decode (a broken "
            "character reference, say); the publisher may need to fix it."
        ) from None
    version = result.get("version") or ""
    if not version and not result.entries:
        raise ParseError(_not_a_feed(result, body, url=url, content_type=content_type))
    parsed = Parsed()
    fault = result.get("bozo_exception")
    if result.get("bozo") and isinstance(fault, xml.sax.SAXException):
        parsed.problems.append(
            f"The feed's XML is broken ({_fault_words(fault)}): the {len(result.entries)} entries read "
            "before the fault are kept; the publisher may need to fix the feed for the rest."
        )
    for number, raw in enumerate(result.entries, start=1):
        entry = _entry(raw)
        if isinstance(entry, str):
            parsed.problems.append(f"Entry {number}: {entry}")
        else:
            parsed.entries.append(entry)
    return parsed


def _entry(raw: feedparser.FeedParserDict) -> Entry | str:
    """The entry, or why it was left out."""
    title = _text(raw.get("title", ""))
    link = (raw.get("link") or "").strip()
    if not link:
        return f"“{title[:80]}” has no link: left out." if title else "no title and no link: left out."
    return Entry(
        url=link,
        title=title,
        summary=_shortened(_text(raw.get("summary", ""))),
        published_at=_published(raw),
        tags=_tags(raw),
        # YouTube's feed names the video (yt:videoId); other feeds' guids identify nothing of ours.
        external_id=(raw.get("yt_videoid") or "").strip(),
    )


def _text(value: str) -> str:
    """Plain text from the feed's (sanitised) HTML: curators read it; nothing from a feed is rendered."""
    if "<" in value:
        value = strip_tags(value)
    return WHITESPACE.sub(" ", html.unescape(value)).strip()


def _shortened(text: str) -> str:
    """At most SUMMARY_LENGTH characters, cut after a whole word and marked "…", so a curator can
    tell a long summary was shortened (a whole article in the summary is common)."""
    if len(text) <= SUMMARY_LENGTH:
        return text
    cut = text[: SUMMARY_LENGTH - 1]
    space = cut.rfind(" ")
    if space > SUMMARY_LENGTH // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _published(raw: feedparser.FeedParserDict) -> datetime | None:
    moment = raw.get("published_parsed") or raw.get("updated_parsed")
    if not moment:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(moment), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _tags(raw: feedparser.FeedParserDict) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in raw.get("tags") or ():
        term = WHITESPACE.sub(" ", (tag.get("term") or tag.get("label") or "")).strip()[:TAG_LENGTH]
        if term and term not in tags:
            tags.append(term)
    return tuple(tags[:MAX_TAGS])


def _fault_words(fault: Exception) -> str:
    if isinstance(fault, xml.sax.SAXParseException):
        return f"line {fault.getLineNumber()}: {fault.getMessage()}"
    return str(fault)


def _not_a_feed(result: feedparser.FeedParserDict, body: bytes, *, url: str, content_type: str) -> str:
    start = body.lstrip()[:512].lower()
    if "html" in content_type.lower() or start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        advertised = [
            urljoin(url, link.get("href", ""))
            for link in result.get("feed", {}).get("links", [])
            if link.get("rel") == "alternate" and link.get("type") in FEED_TYPES and link.get("href")
        ]
        message = "This address answered with a web page, not a feed."
        if advertised:
            return f"{message} The page names its feed at {advertised[0]}: register that address instead."
        return f"{message} Look on the site for its RSS or Atom link (often /feed) and register that."
    return (
        "This address did not answer with a feed (RSS or Atom) that can be read: check that it is "
        "the feed's own address."
    )
