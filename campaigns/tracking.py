"""Tracked links: where /l/<token> may send people, and anonymous counting of who went.

A link is per campaign x medium x placement, never per person. Its destination is checked when
the link is made and again before every redirect (https, no userinfo, a host of the placement's
own channel). The redirect appends UTM parameters so GA4 attributes the visit.

Counting never slows the redirect or needs PostgreSQL: hits are counted in Redis (hash
increments, and a HyperLogLog of salted hashes for distinct people per day; the salt changes daily
and lives only in Redis) and a periodic task flushes the totals to LinkClickDay. No IP address or
user agent is stored anywhere.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import uuid
from collections import defaultdict
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import Campaign, LinkClickDay, TrackedLink
from curation.compliance import check_placement
from curation.models import Lifecycle, Placement

LINK_CACHE_SECONDS = 24 * 3600
COUNT_KEEP_SECONDS = 3 * 24 * 3600

# Link previews, mail scanners and scripts: they fetch links nobody clicked.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|facebot|whatsapp|slack|telegram|discord|skype"
    r"|linkedin|imessage|mimecast|proofpoint|barracuda|safelinks|microsoft office|ms-office|outlook-ios"
    r"|python|curl|wget|httpx|aiohttp|go-http-client|okhttp|java/|libwww|headlesschrome|phantomjs"
    r"|node-fetch|axios|scanner|monitor",
    re.IGNORECASE,
)


def is_bot(*, method: str, user_agent: str) -> bool:
    return method == "HEAD" or not user_agent or bool(BOT_AGENTS.search(user_agent))


def check_destination(url: str, placement: Placement) -> str:
    """The URL if employees may be sent there from this placement, else ValidationError."""
    if "\\" in url or any(ord(char) < 33 or ord(char) > 126 for char in url):
        raise ValidationError("The address has characters a link cannot safely carry.")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValidationError("Tracked links only send people to https:// addresses.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError("The address hides a user name in it (user@host), a classic redirect trick.")
    if not parts.hostname or not placement.channel.hosts_url(url):
        raise ValidationError(
            f"The address is not on {placement.channel.name}, the channel this item is placed on."
        )
    return url


@transaction.atomic
def tracked_link_for(*, campaign: Campaign, medium: str, placement: Placement) -> TrackedLink:
    """The one link for this campaign, medium and placement; made on first use."""
    existing = TrackedLink.objects.filter(campaign=campaign, medium=medium, placement=placement).first()
    if existing:
        return existing
    if placement.item.lifecycle != Lifecycle.LIVE or not placement.is_reachable:
        raise ValidationError(
            f"“{placement.item}” is not live on {placement.channel.name}: it cannot be promoted."
        )
    if placement.item.is_restricted:
        label = placement.item.get_sensitivity_display().lower()
        raise ValidationError(f"“{placement.item}” is {label}: campaigns never promote it.")
    check_placement(item=placement.item, channel=placement.channel)
    return TrackedLink.objects.create(
        campaign=campaign,
        medium=medium,
        placement=placement,
        token=secrets.token_urlsafe(16),  # 128 bits: unguessable, and short enough for a text
        destination=check_destination(placement.url, placement),
    )


def with_utm(link: TrackedLink) -> str:
    parts = urlsplit(link.destination)
    utm = urlencode(
        {
            "utm_source": link.medium,
            "utm_medium": link.medium,
            "utm_campaign": link.campaign.slug,
            "utm_content": f"placement-{link.placement_id}",
        }
    )
    query = f"{parts.query}&{utm}" if parts.query else utm
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redirect_target(token: str) -> str | None:
    """Where /l/<token> goes, from the cache when it can: the redirect outlives a database blip."""
    key = f"tracked-link:{token}"
    target = cache.get(key)
    if target is None:
        link = (
            TrackedLink.objects.select_related("campaign", "placement__channel").filter(token=token).first()
        )
        if link is None:
            return None
        try:
            check_destination(link.destination, link.placement)
        except ValidationError:
            return None  # Edited in the database to somewhere it may not go: refuse, do not follow.
        target = with_utm(link)
        cache.set(key, target, LINK_CACHE_SECONDS)
    return target


# Counting.


class ClickBuffer:
    """Click counts in Redis until flushed; shared by every web process."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def record(self, *, token: str, bot: bool, client: str, day: date) -> None:
        salt_key = f"clicks:salt:{day}"
        salt = self.redis.get(salt_key)
        if salt is None:
            self.redis.set(salt_key, secrets.token_hex(32), nx=True, ex=COUNT_KEEP_SECONDS)
            salt = self.redis.get(salt_key)
        pipe = self.redis.pipeline()
        pipe.sadd("clicks:days", str(day))
        pipe.hincrby(f"clicks:{day}", f"{token}:raw", 1)
        pipe.hincrby(f"clicks:{day}", f"{token}:{'bot' if bot else 'human'}", 1)
        if not bot:
            person = hashlib.sha256(salt + f"|{token}|{client}".encode()).hexdigest()
            pipe.pfadd(f"clicks:people:{day}:{token}", person)
            pipe.expire(f"clicks:people:{day}:{token}", COUNT_KEEP_SECONDS)
        pipe.execute()

    def take(self) -> list[tuple[date, dict[str, int], dict[str, int], bytes]]:
        """Move every pending day's counts aside and return them with distinct-people estimates.

        Counts moved aside but not yet written (a failed flush) are taken again next time.
        """
        for day in self.redis.smembers("clicks:days"):
            day = day.decode()
            if self.redis.exists(f"clicks:{day}"):
                self.redis.rename(f"clicks:{day}", f"clicks:flushing:{day}:{uuid.uuid4().hex}")
            if day != str(timezone.now().date()):
                self.redis.srem("clicks:days", day)
        taken = []
        for key in self.redis.scan_iter("clicks:flushing:*"):
            day = key.decode().split(":")[2]
            counts = {field.decode(): int(value) for field, value in self.redis.hgetall(key).items()}
            tokens = {field.rsplit(":", 1)[0] for field in counts}
            people = {token: self.redis.pfcount(f"clicks:people:{day}:{token}") for token in tokens}
            taken.append((date.fromisoformat(day), counts, people, key))
        return taken

    def done(self, key: bytes) -> None:
        self.redis.delete(key)


class LocalClickBuffer:
    """The embedded default's buffer: one process, no Redis, flushed after each click."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.people: dict[tuple[date, str], set[str]] = defaultdict(set)

    def record(self, *, token: str, bot: bool, client: str, day: date) -> None:
        with self.lock:
            self.counts[day][f"{token}:raw"] += 1
            self.counts[day][f"{token}:{'bot' if bot else 'human'}"] += 1
            if not bot:
                self.people[(day, token)].add(hashlib.sha256(f"{token}|{client}".encode()).hexdigest())

    def take(self) -> list[tuple[date, dict[str, int], dict[str, int], None]]:
        with self.lock:
            taken = []
            for day, counts in self.counts.items():
                tokens = {field.rsplit(":", 1)[0] for field in counts}
                people = {token: len(self.people[(day, token)]) for token in tokens}
                taken.append((day, dict(counts), people, None))
            self.counts.clear()
        return taken

    def done(self, key: None) -> None:
        return None


_local_buffer = LocalClickBuffer()


def click_buffer() -> ClickBuffer | LocalClickBuffer:
    return ClickBuffer(settings.REDIS_URL) if settings.REDIS_URL else _local_buffer


def record_click(*, token: str, method: str, user_agent: str, client: str) -> None:
    """Count a hit on a link. `client` (address and agent) is hashed with today's salt, never kept."""
    buffer = click_buffer()
    buffer.record(
        token=token,
        bot=is_bot(method=method, user_agent=user_agent),
        client=client,
        day=timezone.now().date(),
    )
    if isinstance(buffer, LocalClickBuffer):
        flush_clicks()


def flush_clicks() -> int:
    """Add buffered counts to LinkClickDay; returns how many link-days were written."""
    buffer = click_buffer()
    written = 0
    for day, counts, people, key in buffer.take():
        tokens = {field.rsplit(":", 1)[0] for field in counts}
        links = dict(TrackedLink.objects.filter(token__in=tokens).values_list("token", "pk"))
        with transaction.atomic():
            for token, link_id in links.items():
                row, _ = LinkClickDay.objects.select_for_update().get_or_create(link_id=link_id, date=day)
                LinkClickDay.objects.filter(pk=row.pk).update(
                    raw_hits=F("raw_hits") + counts.get(f"{token}:raw", 0),
                    bot_hits=F("bot_hits") + counts.get(f"{token}:bot", 0),
                    human_clicks=F("human_clicks") + counts.get(f"{token}:human", 0),
                    # An estimate for the whole day, not an increment: the day's set keeps growing.
                    unique_clicks=people.get(token, 0),
                )
                written += 1
        buffer.done(key)
    return written
