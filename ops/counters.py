"""Events the database does not keep, counted in Redis for the metrics endpoint (ops.collector).

The app runs as several processes (gunicorn workers, Celery workers, beat): a prometheus_client
Counter in each would count only its own process's events, and lose them when it restarts. So an
event is counted where it happens with one HINCRBY on a small, fixed set of hashes ("metrics:*",
one per family, a field per label set): atomic across processes, one round trip, a few bytes.
The embedded default (one process, no Redis) counts in memory instead.

Labels are bounded by construction: media, outcomes and settlement results are our own enums,
error codes are the provider's numbers (a few hundred at most). Never a phone number, an email,
a URL, a token or a campaign: nothing about a person, and no label that grows with the data.

A count must never cost a send: if Redis does not answer, the event goes uncounted with a warning.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

PREFIX = "metrics:"
# Families and the names of their labels, in the order fields join them ("sms|accepted").
FAMILIES: dict[str, tuple[str, ...]] = {
    "messages": ("medium", "outcome"),
    "provider_errors": ("medium", "code"),
    "receipts": ("medium", "status"),
    "rate_limit_waits": ("medium",),
    "rate_limit_wait_seconds": ("medium",),
    "settlements": ("result",),
    "clicks": ("kind",),
}
SEPARATOR = "|"
# An error with no provider code (a mail server's refusal, a timeout) is counted under this one.
NO_CODE = "none"


class SentOutcome(Protocol):
    """What the senders record for a row (campaigns.pipeline.Outcome): read, never imported, so
    this module stays below the apps that call it."""

    status: str
    error_code: int | None
    error: str
    tried: bool


_clients: dict[str, redis.Redis] = {}
_local: dict[str, Counter] = {family: Counter() for family in FAMILIES}
_local_lock = threading.Lock()


def _client() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    if settings.REDIS_URL not in _clients:
        _clients[settings.REDIS_URL] = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
    return _clients[settings.REDIS_URL]


def _field(family: str, labels: tuple[str, ...]) -> str:
    if len(labels) != len(FAMILIES[family]):
        raise ValueError(f"{family} takes the labels {FAMILIES[family]}, not {labels}")
    return SEPARATOR.join(labels)


Counts = dict[tuple[str, tuple[str, ...]], float]


def add(counts: Counts, *, pipe: redis.client.Pipeline | None = None) -> None:
    """Add to several counters at once ({(family, labels): amount}), in one round trip.
    With `pipe`, the increments join that pipeline and go when its owner executes it."""
    counts = {key: amount for key, amount in counts.items() if amount}
    if not counts:
        return
    # `is None`, not `or`: a pipeline with nothing queued yet is falsy.
    client = _client() if pipe is None else pipe
    if client is None:
        with _local_lock:
            for (family, labels), amount in counts.items():
                _local[family][_field(family, labels)] += amount
        return
    target = client.pipeline(transaction=False) if pipe is None else pipe
    for (family, labels), amount in counts.items():
        if isinstance(amount, int):
            target.hincrby(PREFIX + family, _field(family, labels), amount)
        else:
            target.hincrbyfloat(PREFIX + family, _field(family, labels), amount)
    if pipe is None:
        try:
            target.execute()
        except redis.RedisError as error:
            logger.warning("Metrics not counted (%s): Redis did not answer", error)


def read_all() -> dict[str, dict[tuple[str, ...], float]]:
    """Every counter of every family, {family: {labels: total}}, in one round trip: the scrape's."""
    client = _client()
    if client is None:
        with _local_lock:
            hashes = [dict(_local[family]) for family in FAMILIES]
    else:
        pipe = client.pipeline(transaction=False)
        for family in FAMILIES:
            pipe.hgetall(PREFIX + family)
        hashes = [{name.decode(): float(value) for name, value in found.items()} for found in pipe.execute()]
    return {
        family: {tuple(name.split(SEPARATOR)): value for name, value in fields.items()}
        for family, fields in zip(FAMILIES, hashes, strict=True)
    }


# What the senders, the reconciler, the rate limit and the click buffer call.


def outcome_label(outcome: SentOutcome) -> str | None:
    """A send attempt's outcome in the metrics' words; None when nothing was tried (a row put
    back untried for working hours or a busy provider is no attempt)."""
    if not outcome.tried:
        return None
    return "retry" if outcome.status == "pending" else outcome.status


def count_sends(medium: str, outcomes: Iterable[SentOutcome]) -> None:
    """Each attempt's outcome, and each provider error by its code, for one part of a batch."""
    counts: Counter = Counter()
    for outcome in outcomes:
        label = outcome_label(outcome)
        if label is None:
            continue
        counts[("messages", (medium, label))] += 1
        if label in ("retry", "failed", "unknown"):
            code = str(outcome.error_code) if outcome.error_code is not None else NO_CODE
            counts[("provider_errors", (medium, code))] += 1
    add(counts)


def count_receipt(medium: str, *statuses: str, code: int | None = None) -> None:
    """A provider's report moved a message on: to each status it reached (delivered, undelivered...,
    or an email's soft_bounce, hard_bounce, complained), with the provider's error code if any."""
    counts: Counter = Counter(("receipts", (medium, status)) for status in statuses)
    if code:
        counts[("provider_errors", (medium, str(code)))] += 1
    add(counts)


def count_rate_limit_wait(medium: str, seconds: float) -> None:
    """A sender found the shared rate limit's bucket empty and waits `seconds` for a token."""
    add({("rate_limit_waits", (medium,)): 1, ("rate_limit_wait_seconds", (medium,)): float(seconds)})


def count_settlements(*, found_sent: int, requeued: int, left_unknown: int) -> None:
    """What one reconciler run did with claims whose worker vanished (campaigns.pipeline.Reconciled)."""
    add(
        {
            ("settlements", ("found_sent",)): found_sent,
            ("settlements", ("requeued",)): requeued,
            ("settlements", ("left_unknown",)): left_unknown,
        }
    )


def count_clicks(*, human: int, bot: int, pipe: redis.client.Pipeline | None = None) -> None:
    """Tracked-link hits, people apart from link previews and scanners (campaigns.tracking)."""
    add({("clicks", ("human",)): human, ("clicks", ("bot",)): bot}, pipe=pipe)


def forget_local() -> None:
    """The embedded default's counters back to zero (tests; Redis's are cleared with the database)."""
    with _local_lock:
        for counts in _local.values():
            counts.clear()
