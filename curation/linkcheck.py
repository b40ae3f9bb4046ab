"""The link-rot monitor: does each placement's page still open for an employee who follows our link?

A definite answer (reachable, gone, private) is written to the placement; anything else (a timeout, a
DNS or connection failure, a 5xx, a 429, a bot wall) is "unknown this time" and changes nothing, so
a platform's bad hour never takes content out of campaigns. The checker is a polite client: it names
itself, waits between requests to one host, stops asking a host that says slow down, and checks at
most a few hundred pages a run, oldest-checked first, so every placement comes round in turn.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from requests.adapters import HTTPAdapter

from channels.destinations import host_matches
from channels.models import PLATFORM_HOSTS, Platform, Visibility
from curation.models import ContentItem, Lifecycle, Placement

logger = logging.getLogger(__name__)

CHECKED_LIFECYCLES = (Lifecycle.LIVE, Lifecycle.IN_PRODUCTION)
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A host that fails this often in a row is left alone for the rest of the run.
HOST_FAILURES_BEFORE_BENCH = 3
# Enough of a YouTube watch page to reach its player response; the rest is never downloaded.
MAX_BODY_BYTES = 3 * 1024 * 1024
# Hosts whose HEAD answer says nothing: YouTube answers 200 for a removed video, Instagram drops HEADs.
GET_ONLY_HOSTS = PLATFORM_HOSTS[Platform.YOUTUBE] + PLATFORM_HOSTS[Platform.INSTAGRAM]
YOUTUBE_HOSTS = PLATFORM_HOSTS[Platform.YOUTUBE]
# Where platforms send a visitor who must sign in first: a private post, a closed community.
LOGIN_HOSTS = ("accounts.google.com", "login.microsoftonline.com", "login.live.com")
LOGIN_PATH = re.compile(r"/(accounts/)?(log[-_]?in|sign[-_]?in|servicelogin)(/|$)|/wp-login\.php$", re.I)
ATTEMPT_KEY = "linkcheck:attempt:{pk}"
ATTEMPT_KEEP_SECONDS = 30 * 24 * 3600


class Verdict(models.TextChoices):
    REACHABLE = "reachable", "Reachable"
    GONE = "gone", "Gone"
    PRIVATE = "private", "Private"
    UNKNOWN = "unknown", "Unknown this time"


@dataclass(frozen=True)
class Reachability:
    """What one check found, in words a curator reads in the admin and the command's summary."""

    verdict: Verdict
    detail: str
    status: int | None = None
    url: str = ""  # The last address asked, after redirects.

    @property
    def is_definite(self) -> bool:
        return self.verdict != Verdict.UNKNOWN

    @property
    def is_transient(self) -> bool:
        """No answer, or an answer that says "try later": a GET would not know better than the HEAD."""
        return self.status is None or self.status == 429 or _is_server_error(self.status)


@dataclass
class Checked:
    placement: Placement
    result: Reachability
    changed: bool = False  # is_reachable flipped on this check


@dataclass
class CheckReport:
    checked: list[Checked] = field(default_factory=list)
    not_checked: int = 0  # Given, but their items are retired or still ideas.
    # Live items whose last reachable placement went in this run: for the review meeting, not retired.
    stranded: list[ContentItem] = field(default_factory=list)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for row in self.checked if row.result.verdict == verdict)

    @property
    def changed(self) -> list[Checked]:
        return [row for row in self.checked if row.changed]

    def stranded_notes(self) -> list[str]:
        return [
            f"“{item.title}” is live with no reachable placement left: the review meeting decides."
            for item in self.stranded
        ]

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(verdict)} {verdict.label.lower()}" for verdict in Verdict)
        noun = "placement" if len(self.checked) == 1 else "placements"
        text = f"Checked {len(self.checked)} {noun}: {counts}."
        if self.not_checked:
            text += f" Left out {self.not_checked} whose items are retired or still ideas."
        return text


def user_agent() -> str:
    """Names the programme and where to reach it, so a site owner who sees us in a log knows who asks."""
    product = re.sub(r"[^A-Za-z0-9]+", "", settings.PROGRAMME_NAME) or "LearningProgramme"
    return (
        f"{product}-LinkChecker/1.0 (+{settings.PUBLIC_BASE_URL}; checks that the links "
        f"{settings.PROGRAMME_NAME} sends employees still open)"
    )


class ResolvingAdapter(HTTPAdapter):
    """Sends requests for some hosts to another origin, keeping the Host header.

    LINKCHECK_RESOLVE = {"www.youtube.com": "http://127.0.0.1:8123"} is how tests point the real
    platform addresses placements must have at a loopback server; production leaves it empty.
    """

    def __init__(self, origins: Mapping[str, str], **kwargs: object) -> None:
        self.origins = {host.lower(): origin.rstrip("/") for host, origin in origins.items()}
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        parts = urlsplit(request.url)
        origin = self.origins.get((parts.hostname or "").lower())
        if origin:
            target = urlsplit(origin)
            request.headers["Host"] = parts.netloc
            request.url = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
        return super().send(request, **kwargs)


class LinkProber:
    """One run's HTTP manners: a timeout, a named User-Agent, one request per host per delay."""

    def __init__(self) -> None:
        self.timeout: float = settings.LINKCHECK_TIMEOUT_SECONDS
        self.host_delay: float = settings.LINKCHECK_HOST_DELAY_SECONDS
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent(), "Accept": "text/html,*/*;q=0.8"})
        if settings.LINKCHECK_RESOLVE:
            adapter = ResolvingAdapter(settings.LINKCHECK_RESOLVE)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self._last_request: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._benched: dict[str, str] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.session.close()

    def probe(self, url: str) -> Reachability:
        """HEAD first where HEAD is trusted; a GET confirms anything but a clean answer or a 'try later'."""
        host = (urlsplit(url).hostname or "").lower()
        if _on_any(host, GET_ONLY_HOSTS):
            return self._follow(url, "GET")
        result = self._follow(url, "HEAD")
        if result.verdict == Verdict.REACHABLE or result.is_transient:
            return result
        # Servers refuse HEAD (405, 501, 403) or answer it carelessly: a page is only called gone
        # or private on a GET's word.
        return self._follow(url, "GET")

    def _follow(self, url: str, method: str) -> Reachability:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return Reachability(Verdict.UNKNOWN, "not a web address (http or https)", url=url)
            if _is_private_address(parts.hostname):
                return Reachability(Verdict.UNKNOWN, "redirects to a private network address", url=url)
            host = parts.hostname.lower()
            if host in self._benched:
                return Reachability(Verdict.UNKNOWN, f"not tried: {host} {self._benched[host]}", url=url)
            try:
                response = self._request(method, url, host)
            except requests.Timeout:
                self._failed(host, f"did not answer within {self.timeout:g} s")
                return Reachability(Verdict.UNKNOWN, f"no answer within {self.timeout:g} s", url=url)
            except requests.RequestException as error:
                self._failed(host, "could not be reached")
                return Reachability(Verdict.UNKNOWN, f"could not connect ({type(error).__name__})", url=url)
            with response:
                status = response.status_code
                if status in REDIRECT_STATUSES:
                    location = response.headers.get("Location", "")
                    if not location:
                        return Reachability(Verdict.UNKNOWN, f"{status} without a Location", status, url)
                    url = urljoin(url, location.strip())
                    if _is_login_url(url):
                        return Reachability(Verdict.PRIVATE, "redirects to a login page", status, url)
                    method = "GET" if status == 303 else method
                    continue
                return self._judge(response, method, host, url)
        return Reachability(Verdict.UNKNOWN, f"more than {MAX_REDIRECTS} redirects", url=url)

    def _request(self, method: str, url: str, host: str) -> requests.Response:
        ready_at = self._last_request.get(host, float("-inf")) + self.host_delay
        wait = ready_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request[host] = time.monotonic()
        return self.session.request(
            method, url, timeout=(self.timeout, self.timeout), allow_redirects=False, stream=True
        )

    def _failed(self, host: str, why: str) -> None:
        self._failures[host] = self._failures.get(host, 0) + 1
        if self._failures[host] >= HOST_FAILURES_BEFORE_BENCH:
            self._benched[host] = f"{why} {HOST_FAILURES_BEFORE_BENCH} times in a row"

    def _judge(self, response: requests.Response, method: str, host: str, url: str) -> Reachability:
        status = response.status_code
        if status == 429:
            # The host asked us to slow down: nothing more goes to it this run.
            self._benched[host] = "asked us to slow down (429)"
            return Reachability(Verdict.UNKNOWN, "429 Too Many Requests", status, url)
        if _is_server_error(status):
            self._failed(host, f"answered {status}")
            return Reachability(Verdict.UNKNOWN, f"{status} {response.reason or 'server error'}", status, url)
        self._failures.pop(host, None)
        if 200 <= status < 300:
            if method == "GET" and _on_any(host, YOUTUBE_HOSTS):
                return self._judge_youtube_page(response, url)
            return Reachability(Verdict.REACHABLE, f"{status} {response.reason or 'OK'}", status, url)
        if status in (404, 410):
            return Reachability(Verdict.GONE, f"{status} {response.reason or 'gone'}", status, url)
        if status in (401, 403):
            if response.headers.get("cf-mitigated"):
                # A bot challenge in front of a public page says nothing about the page.
                return Reachability(Verdict.UNKNOWN, f"{status}: a bot challenge answered", status, url)
            return Reachability(Verdict.PRIVATE, f"{status} {response.reason or 'forbidden'}", status, url)
        return Reachability(Verdict.UNKNOWN, f"{status} {response.reason or ''}".strip(), status, url)

    def _judge_youtube_page(self, response: requests.Response, url: str) -> Reachability:
        """YouTube answers 200 for removed and private videos: the player response in the page says which."""
        body = self._read_body(response)
        status = response.status_code
        marker = body.find(b'"playabilityStatus":')
        if marker < 0:
            return Reachability(Verdict.REACHABLE, f"{status} (no player status on the page)", status, url)
        text = body[marker + len(b'"playabilityStatus":') :].decode("utf-8", errors="replace")
        try:
            playability, _end = json.JSONDecoder().raw_decode(text.lstrip())
        except ValueError:
            return Reachability(Verdict.REACHABLE, f"{status} (unreadable player status)", status, url)
        state, reason = str(playability.get("status", "")), str(playability.get("reason", ""))
        said = f"YouTube: {reason or state.lower()}"
        if state == "OK":
            return Reachability(Verdict.REACHABLE, f"{status} OK", status, url)
        if "private" in reason.lower():
            return Reachability(Verdict.PRIVATE, said, status, url)
        if state == "ERROR":
            return Reachability(Verdict.GONE, said, status, url)
        if "bot" in reason.lower():
            # "Sign in to confirm you're not a bot": YouTube doubts us, not the video.
            return Reachability(Verdict.UNKNOWN, said, status, url)
        # An age gate or an offline live stream: the video is there for a signed-in employee.
        return Reachability(Verdict.REACHABLE, said, status, url)

    def _read_body(self, response: requests.Response) -> bytes:
        # The read timeout is per socket read; a deadline stops a page that trickles in for ever.
        deadline = time.monotonic() + self.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_BODY_BYTES or time.monotonic() > deadline:
                break
        return b"".join(chunks)


def _on_any(host: str, hosts: Iterable[str]) -> bool:
    return any(host_matches(host, allowed) for allowed in hosts)


def _is_server_error(status: int) -> bool:
    # 501 is a server that does not do HEAD, not one having a bad hour.
    return status >= 500 and status != 501


def _is_login_url(url: str) -> bool:
    parts = urlsplit(url)
    return _on_any(parts.hostname or "", LOGIN_HOSTS) or bool(LOGIN_PATH.search(parts.path))


def _is_private_address(host: str) -> bool:
    """A redirect to an address inside our own network is never followed (the checker runs inside it)."""
    if host.lower() == "localhost":
        return True
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_global
    except ValueError:
        return False


def check_placement(placement: Placement, *, prober: LinkProber | None = None) -> Reachability:
    """Ask the platform about one placement; writes nothing."""
    with nullcontext(prober) if prober else LinkProber() as asking:
        result = asking.probe(placement.url)
    if result.verdict == Verdict.PRIVATE and placement.channel.visibility == Visibility.PRIVATE:
        # A closed community (Yammer, an unlisted list) always asks outsiders to sign in.
        return Reachability(
            Verdict.UNKNOWN, f"{result.detail}, as expected on a private channel", result.status, result.url
        )
    return result


def check_placements(
    *, placements: QuerySet[Placement] | Iterable[Placement] | None = None, now: datetime | None = None
) -> CheckReport:
    """Check placements and record what is definite.

    Without `placements` this is the scheduled run: the LINKCHECK_MAX_PER_RUN oldest-checked, leaving
    out those whose last try failed within LINKCHECK_RETRY_AFTER_SECONDS, so a site that blocks us
    cannot hold the head of the queue. Given placements (the admin action, `check_links --all`) are all
    checked. Either way only items that are live or in production are checked.
    """
    report = CheckReport()
    if placements is None:
        due = _due_placements(now=now or timezone.now())
    else:
        given = {placement.pk for placement in placements}
        due = list(_oldest_first(_checkable(Placement.objects.filter(pk__in=given))))
        report.not_checked = len(given) - len(due)
    with LinkProber() as prober:
        for placement in due:
            result = check_placement(placement, prober=prober)
            checked = Checked(placement=placement, result=result)
            checked_at = now or timezone.now()
            if result.is_definite:
                checked.changed = _record(placement=placement, result=result, now=checked_at)
                cache.delete(ATTEMPT_KEY.format(pk=placement.pk))
            else:
                _record_attempt(placement=placement, result=result, now=checked_at)
            report.checked.append(checked)
    report.stranded = _stranded_items(report)
    return report


def _checkable(queryset: QuerySet[Placement]) -> QuerySet[Placement]:
    return queryset.filter(item__lifecycle__in=CHECKED_LIFECYCLES).select_related("item", "channel")


def _oldest_first(queryset: QuerySet[Placement]) -> QuerySet[Placement]:
    return queryset.order_by(F("reachability_checked_at").asc(nulls_first=True), "pk")


def _due_placements(*, now: datetime) -> list[Placement]:
    cap = settings.LINKCHECK_MAX_PER_RUN
    retry_from = now.timestamp() - settings.LINKCHECK_RETRY_AFTER_SECONDS
    queryset = _oldest_first(_checkable(Placement.objects.all()))
    due: list[Placement] = []
    offset = 0
    while len(due) < cap:
        page = list(queryset[offset : offset + cap])
        if not page:
            break
        offset += len(page)
        attempts = cache.get_many([ATTEMPT_KEY.format(pk=p.pk) for p in page])
        for placement in page:
            attempt = attempts.get(ATTEMPT_KEY.format(pk=placement.pk))
            if attempt is None or attempt["at"] <= retry_from:
                due.append(placement)
    return due[:cap]


def _record(*, placement: Placement, result: Reachability, now: datetime) -> bool:
    """Write a definite verdict; True when is_reachable flipped."""
    reachable = result.verdict == Verdict.REACHABLE
    with transaction.atomic():
        current = Placement.objects.select_for_update().filter(pk=placement.pk).first()
        if current is None:
            return False  # Deleted while we were asking.
        changed = current.is_reachable != reachable
        if changed:
            current.is_reachable = reachable
            current.reachability_checked_at = now
            current._change_reason = f"Link check: {result.verdict.label.lower()} ({result.detail})"
            current.save(update_fields=["is_reachable", "reachability_checked_at"])
        else:
            # No history row for "still the same": checks would drown the edits curators make.
            Placement.objects.filter(pk=placement.pk).update(reachability_checked_at=now)
    placement.is_reachable, placement.reachability_checked_at = reachable, now
    if not changed:
        return False
    log = logger.info if reachable else logger.warning
    log(
        "Placement %s (%s) is %s: %s",
        placement.pk,
        placement.url,
        result.verdict.label.lower(),
        result.detail,
    )
    return True


def _record_attempt(*, placement: Placement, result: Reachability, now: datetime) -> None:
    """Remember a transient failure, so the scheduled run tries others first; the placement is untouched."""
    key = ATTEMPT_KEY.format(pk=placement.pk)
    failures = (cache.get(key) or {}).get("failures", 0) + 1
    cache.set(key, {"at": now.timestamp(), "failures": failures}, ATTEMPT_KEEP_SECONDS)
    logger.info(
        "Placement %s (%s): %s; left as it was (failure %s in a row)",
        placement.pk,
        placement.url,
        result.detail,
        failures,
    )


def _stranded_items(report: CheckReport) -> list[ContentItem]:
    gone_from = {row.placement.item_id for row in report.changed if not row.placement.is_reachable}
    stranded = list(
        ContentItem.objects.filter(pk__in=gone_from, lifecycle=Lifecycle.LIVE)
        .exclude(placements__is_reachable=True)
        .order_by("title")
    )
    for item in stranded:
        # Retiring is the review meeting's decision; the checker only says so, loudly.
        logger.warning("Live item %s (%s) has no reachable placement left", item.pk, item.title)
    return stranded
