"""Fetching a source's feed politely: the inbox's only HTTP client.

Polite means: it names itself, asks conditionally (an unchanged feed answers 304 and costs nothing),
asks one site at most once per INBOX_HOST_DELAY_SECONDS across every worker, reads at most
INBOX_MAX_FEED_BYTES and gives up after INBOX_FETCH_SECONDS, and follows a few redirects, each to
an address that passes the same rule as the first. Every failure is a FetchError whose message a
curator can act on; it is written on the source and nothing else changes.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import ada_url
import redis
import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError

from channels.destinations import check_public_url
from curation.inbox.models import CandidateSource, SourceKind

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"


class FetchError(Exception):
    """Why a feed could not be read, in words for the curator who registered it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Fetched:
    url: str  # the address that answered, after redirects
    status: int  # 200, or 304 when the feed has not changed since the validators we sent
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def user_agent() -> str:
    """Names the programme and where to reach it, so a publisher who sees us in a log knows who asks."""
    product = re.sub(r"[^A-Za-z0-9]+", "", settings.PROGRAMME_NAME) or "LearningProgramme"
    return (
        f"{product}-FeedReader/1.0 (+{settings.PUBLIC_BASE_URL}; reads feeds its curators follow, "
        f"about once every {settings.INBOX_POLL_MINUTES} minutes)"
    )


def feed_address(source: CandidateSource) -> str:
    """The address to ask: the feed's own, or YouTube's public feed of the channel or playlist."""
    if source.kind == SourceKind.YOUTUBE_CHANNEL:
        return f"{settings.YOUTUBE_FEEDS_BASE_URL}?{urlencode({'channel_id': source.youtube_id})}"
    if source.kind == SourceKind.YOUTUBE_PLAYLIST:
        return f"{settings.YOUTUBE_FEEDS_BASE_URL}?{urlencode({'playlist_id': source.youtube_id})}"
    return source.url


def check_feed_url(url: str) -> str:
    """The address as a browser reads it, if a feed may be fetched from it; else ValidationError.

    The placements' public-address rule (https, a named public site). The one exception is plain
    http to this machine (127.0.0.1, ::1, localhost), as GA4's client allows a loopback endpoint:
    only where INBOX_LOOPBACK_FEEDS is on (tests, a developer's feed server), so in production
    neither a curator's address nor a publisher's redirect can reach a service on the server.
    """
    if settings.INBOX_LOOPBACK_FEEDS and _is_plain_loopback(url):
        return url
    return check_public_url(url)


def check_resolves_publicly(host: str) -> None:
    """FetchError if the site's name leads to this machine or a private network.

    The address rule sees names only; a public-looking name (or a publisher's redirect to one) can
    resolve to 10.0.0.5 or 169.254.169.254, and the worker would then read an internal service for
    whoever registered the feed. A name that does not resolve here is left to the connection (or
    the environment's proxy) to report.
    """
    try:
        answers = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not address.is_global:
            raise FetchError(
                f"The feed's site ({host}) leads to a private network address ({address}), not the "
                "public internet, so it is not read: feeds come from public sites."
            )


def _is_plain_loopback(url: str) -> bool:
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return False
    if parsed.protocol != "http:" or parsed.username or parsed.password or "\\" in url:
        return False
    host = parsed.hostname.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fetch(url: str, *, etag: str = "", last_modified: str = "", wait_seconds: float = 0.0) -> Fetched:
    """GET the feed at `url`, conditionally; FetchError (plain words) on anything but a feed's answer.

    `wait_seconds`: how long to wait for the site's turn if another fetch asked it just now; past
    that, HostBusy (nothing was asked).
    """
    deadline = time.monotonic() + settings.INBOX_FETCH_SECONDS
    headers = {"User-Agent": user_agent(), "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    seen: list[str] = []
    with requests.Session() as session:
        for hop in range(MAX_REDIRECTS + 1):
            try:
                url = check_feed_url(url)
            except ValidationError as error:
                where = f"The feed redirects to {url[:200]}, and that address" if hop else "The feed address"
                raise FetchError(f"{where} cannot be used: {error.messages[0]}") from None
            if url in seen:
                loop = " → ".join([*seen[seen.index(url) :], url])
                raise FetchError(
                    f"The feed address redirects in a loop ({loop}): the publisher's site is misconfigured, "
                    "or the feed has moved; open it in a browser to find its current address."
                )
            seen.append(url)
            host = urlsplit(url).hostname or ""
            if not _is_plain_loopback(url):
                check_resolves_publicly(host)
            claim_host(host, wait_seconds=wait_seconds if hop == 0 else _left(deadline))
            response = _get(session, url, headers, deadline)
            with response:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("Location", "").strip()
                    if not location:
                        raise FetchError(
                            f"The feed's site answered {response.status_code} (moved) without saying where."
                        )
                    url = urljoin(url, location)
                    continue
                return _answer(response, url, deadline)
    raise FetchError(
        f"The feed address redirects more than {MAX_REDIRECTS} times ({' → '.join(seen)}): "
        "open it in a browser to find the feed's current address."
    )


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _get(session: requests.Session, url: str, headers: dict[str, str], deadline: float) -> requests.Response:
    limit = settings.INBOX_FETCH_SECONDS
    timeout = max(0.01, _left(deadline))
    try:
        return session.get(
            url, headers=headers, timeout=(timeout, timeout), allow_redirects=False, stream=True
        )
    except requests.Timeout:
        raise FetchError(
            f"The feed's site did not answer within {limit:g} seconds: it will be tried again."
        ) from None
    except requests.ConnectionError:
        raise FetchError(
            f"The feed's site ({urlsplit(url).hostname}) could not be reached: it may be down, or the "
            "address mistyped. It will be tried again."
        ) from None
    except requests.RequestException as error:
        raise FetchError(f"The feed could not be fetched ({type(error).__name__}).") from None


def _answer(response: requests.Response, url: str, deadline: float) -> Fetched:
    status = response.status_code
    validators = {
        "etag": response.headers.get("ETag", ""),
        "last_modified": response.headers.get("Last-Modified", ""),
    }
    if status == 304:
        return Fetched(url=url, status=304, **validators)
    if status in (401, 403):
        raise FetchError(f"The feed's site refused to serve it ({status}): the feed may be private.")
    if status in (404, 410):
        raise FetchError(f"There is no feed at this address any more ({status}): ask the publisher.")
    if status == 429 or status >= 500:
        raise FetchError(f"The feed's site answered {status} (busy or in trouble): it will be tried again.")
    if status != 200:
        said = f"{status} {response.reason or ''}".strip()
        raise FetchError(f"The feed's site answered {said}, not a feed.")
    body = _read_body(response, deadline)
    return Fetched(
        url=url, status=200, body=body, content_type=response.headers.get("Content-Type", ""), **validators
    )


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """At most INBOX_MAX_FEED_BYTES, by the deadline: what a huge or trickling answer never gets past."""
    limit = settings.INBOX_MAX_FEED_BYTES
    too_big = FetchError(
        f"The feed is larger than {_size(limit)} (INBOX_MAX_FEED_BYTES), so it was not read: "
        "check that the address is the feed itself, not a download or an archive."
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    try:
        # read1: what has arrived, so a body trickled out a byte at a time meets the deadline (a
        # full-chunk read would wait for it all). Decoded (gzip) bytes are what is counted, so a
        # compressed bomb stops at the limit too.
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchError(
                    f"The feed took longer than {settings.INBOX_FETCH_SECONDS:g} seconds to arrive, "
                    "so it was given up: it will be tried again."
                )
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        raise FetchError(
            "The feed's site stopped sending part-way (or took over "
            f"{settings.INBOX_FETCH_SECONDS:g} seconds): it will be tried again."
        ) from None
    return b"".join(chunks)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


# --- One request per host per delay, across every worker ---


class HostBusy(Exception):
    """The site was asked moments ago by another fetch: nothing was sent; try after `wait` seconds."""

    def __init__(self, host: str, wait: float) -> None:
        super().__init__(f"{host} was asked less than {settings.INBOX_HOST_DELAY_SECONDS:g} seconds ago")
        self.host = host
        self.wait = wait


_clients: dict[str, redis.Redis] = {}
_local_until: dict[str, float] = {}
_local_lock = threading.Lock()


def claim_host(host: str, *, wait_seconds: float = 0.0) -> None:
    """Take the host's turn, waiting up to `wait_seconds` for it; HostBusy if it does not come."""
    give_up_at = time.monotonic() + wait_seconds
    while True:
        wait = _try_claim(host.lower())
        if wait <= 0:
            return
        if time.monotonic() + wait > give_up_at:
            raise HostBusy(host, wait)
        time.sleep(wait)


def _try_claim(host: str) -> float:
    """0 if the turn is ours now; else the seconds until it may be."""
    delay_ms = int(settings.INBOX_HOST_DELAY_SECONDS * 1000)
    if delay_ms <= 0:
        return 0.0
    key = f"inbox:host:{host}"
    client = _client()
    if client is None:  # The embedded default: one process, so a dict is every worker.
        with _local_lock:
            now = time.monotonic()
            if _local_until.get(key, 0.0) > now:
                return _local_until[key] - now
            _local_until[key] = now + delay_ms / 1000
            return 0.0
    # SET NX PX: the first asker gets the turn; the key's expiry is the delay, to the millisecond.
    if client.set(key, 1, nx=True, px=delay_ms):
        return 0.0
    left_ms = client.pttl(key)
    return max(left_ms, 1) / 1000


def _client() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    if settings.REDIS_URL not in _clients:
        _clients[settings.REDIS_URL] = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return _clients[settings.REDIS_URL]
