"""The figures /metrics publishes, in Prometheus's text format, computed when Prometheus asks.

A custom Collector rather than prometheus_client's Counter and Gauge objects: those live in one
process, and ours are many (gunicorn workers, Celery workers, beat). Whichever web worker answers
the scrape reads the same sources every other process writes: the database for state (the
ledger's rows still to go, the sync log), Redis for events the database does not keep (ops.counters)
and for the queues. No process's own figures (memory, CPU) are published: they would describe
only the one worker that happened to answer.

Names follow Prometheus's conventions (a `curation_` prefix, `_total` on counters, base units);
ops/grafana/curation-dashboard.json and ops/prometheus/alerts.yml use them, and a test holds the
three together.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator

import redis
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from campaigns.models import Medium
from ops import counters, selectors

logger = logging.getLogger(__name__)

OUTCOMES = ("accepted", "failed", "retry", "unknown", "skipped")
MEDIA = tuple(Medium.values)


def _counter(
    name: str,
    documentation: str,
    family: str,
    counted: dict[str, dict[tuple[str, ...], float]],
    *,
    known: Iterable[tuple[str, ...]] = (),
) -> CounterMetricFamily:
    """A family from ops.counters. The `known` label sets are published at 0 before their first
    event, as Prometheus advises: a series that appears at 1 hides its first increase from rate()."""
    metric = CounterMetricFamily(name, documentation, labels=counters.FAMILIES[family])
    values = dict.fromkeys(known, 0.0) | counted[family]
    for labels, value in sorted(values.items()):
        metric.add_metric(labels, value)
    return metric


def event_families() -> Iterator[Metric]:
    """Counted as they happen, in Redis (ops.counters)."""
    counted = counters.read_all()
    yield _counter(
        "curation_messages",
        "Send attempts by medium and outcome (accepted, failed, retry, unknown, skipped).",
        "messages",
        counted,
        known=itertools.product(MEDIA, OUTCOMES),
    )
    yield _counter(
        "curation_provider_errors",
        "Errors the text, WhatsApp or email provider reported, by its error code ('none': no code).",
        "provider_errors",
        counted,
    )
    yield _counter(
        "curation_message_receipts",
        "Provider reports that moved a message on: its new status, or an email's bounce or complaint.",
        "receipts",
        counted,
    )
    yield _counter(
        "curation_rate_limit_waits",
        "Times a sender found the shared rate limit empty and waited for a token.",
        "rate_limit_waits",
        counted,
        known=[(medium,) for medium in MEDIA],
    )
    yield _counter(
        "curation_rate_limit_wait_seconds",
        "Seconds senders spent waiting for the shared rate limit.",
        "rate_limit_wait_seconds",
        counted,
        known=[(medium,) for medium in MEDIA],
    )
    yield _counter(
        "curation_reconciler_settlements",
        "Lapsed claims the reconciler settled: found sent in the provider's log, queued again, "
        "or left unknown.",
        "settlements",
        counted,
        known=[("found_sent",), ("requeued",), ("left_unknown",)],
    )
    yield _counter(
        "curation_link_clicks",
        "Hits on tracked links: people (human) apart from link previews and scanners (bot).",
        "clicks",
        counted,
        known=[("human",), ("bot",)],
    )


def ledger_families() -> Iterator[Metric]:
    figures = selectors.ledger(now=timezone.now())
    rows = GaugeMetricFamily(
        "curation_ledger_rows", "Delivery rows still to go: pending, claimed or unknown.", labels=["status"]
    )
    for status, count in figures.rows.items():
        rows.add_metric([status], count)
    yield rows
    oldest = GaugeMetricFamily(
        "curation_ledger_oldest_seconds",
        "Age of the oldest row: pending since due (sending campaigns), claimed or unknown since claimed.",
        labels=["status"],
    )
    for status, seconds in figures.oldest_seconds.items():
        oldest.add_metric([status], seconds)
    yield oldest
    yield GaugeMetricFamily(
        "curation_ledger_due_rows",
        "Pending rows of sending campaigns already due: the backlog the sending workers have to clear.",
        value=figures.due,
    )
    yield GaugeMetricFamily(
        "curation_ledger_stale_claims",
        "Claimed rows whose lease lapsed (DELIVERY_CLAIM_SECONDS): the reconciler's to settle.",
        value=figures.stale_claims,
    )


def sync_families() -> Iterator[Metric]:
    window = selectors.sync_runs(now=timezone.now())
    runs = GaugeMetricFamily(
        "curation_sync_runs",
        "Sync runs finished in the window (METRICS_SYNC_WINDOW_HOURS) by source and outcome; "
        "queued and running now.",
        labels=["source", "status"],
    )
    for (source, status), count in sorted(window.runs.items()):
        runs.add_metric([source, status], count)
    yield runs
    seconds = GaugeMetricFamily(
        "curation_sync_duration_seconds",
        "Seconds spent by the sync runs finished in the window, by source and outcome.",
        labels=["source", "status"],
    )
    for (source, status), total in sorted(window.seconds.items()):
        seconds.add_metric([source, status], total)
    yield seconds
    longest = GaugeMetricFamily(
        "curation_sync_longest_seconds", "The longest sync run finished in the window.", labels=["source"]
    )
    for source, total in sorted(window.longest_seconds.items()):
        longest.add_metric([source], total)
    yield longest
    rows = GaugeMetricFamily(
        "curation_sync_rows",
        "Rows the sync runs finished in the window read, wrote, added, or could not match to a placement.",
        labels=["source", "kind"],
    )
    for (source, kind), count in sorted(window.rows.items()):
        rows.add_metric([source, kind], count)
    yield rows
    last = GaugeMetricFamily(
        "curation_sync_last_success_timestamp_seconds",
        "When each source's last successful sync finished (Unix time).",
        labels=["source"],
    )
    for source, at in sorted(window.last_success.items()):
        last.add_metric([source], at.timestamp())
    yield last
    quota = GaugeMetricFamily(
        "curation_ga4_quota_remaining_tokens",
        "Daily quota tokens each GA4 property had left after its latest run today (0 once a run "
        "was postponed for want of them); GA4's day starts at midnight Pacific.",
        labels=["property"],
    )
    for property_id, left in sorted(selectors.ga4_quota_left(now=timezone.now()).items()):
        quota.add_metric([property_id], left)
    yield quota


def redis_families() -> Iterator[Metric]:
    queues = GaugeMetricFamily(
        "curation_celery_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"]
    )
    for queue, depth in selectors.queue_depths().items():
        queues.add_metric([queue], depth)
    yield queues
    waiting = selectors.click_buffer_fields()
    if waiting is not None:
        yield GaugeMetricFamily(
            "curation_click_buffer_fields",
            "Link-day click counters waiting in Redis for the next flush to the database.",
            value=waiting,
        )


# Read one by one: with Redis away the database's figures still answer, and the other way round.
PARTS: dict[str, Callable[[], Iterator[Metric]]] = {
    "events": event_families,
    "ledger": ledger_families,
    "syncs": sync_families,
    "queues": redis_families,
}


class CurationCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        readable = GaugeMetricFamily(
            "curation_metrics_part_up",
            "1 if this part of the metrics could be read at this scrape, 0 if its store did not answer.",
            labels=["part"],
        )
        for name, part in PARTS.items():
            try:
                families = list(part())  # whole or not at all: no half-read family
            except (redis.RedisError, DatabaseError):
                logger.warning("Metrics: the %s could not be read", name, exc_info=True)
                readable.add_metric([name], 0)
                continue
            readable.add_metric([name], 1)
            yield from families
        yield readable


def exposition() -> bytes:
    """Everything, in the text format: a registry of its own per scrape, holding only our collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CurationCollector())
    return generate_latest(registry)
