"""What the metrics read at scrape time from the sources of truth: the ledger and the sync log in
PostgreSQL, the queues and the click buffer in Redis.

Prometheus scrapes every 15-60 s, so every query here is an aggregate an index answers without
reading the table: the ledger's rows still to go through the (status, claimed_at) index, the oldest
due row per sending campaign through (campaign, status, not_before), the sync log over a bounded
window (it grows by a few rows per channel a day). Finished deliveries (millions) are never
counted here: their outcomes are counted as they happen (ops.counters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, OuterRef, Q, Subquery, Sum

from analytics.models import ACTIVE_SYNC, Source, SyncRun, SyncStatus
from analytics.services import quota_day_start, quota_tokens_left
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus

# Rows on their way: waiting, being sent, or sent with an outcome nobody knows yet.
IN_FLIGHT = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.UNKNOWN)
SYNC_ROW_KINDS = ("read", "written", "added", "unmatched")
# kombu's Redis transport keeps a queue's prioritised messages in lists of their own beside it
# ("<queue>\x06\x163" for priority 3...): a queue's depth is all four.
KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
KOMBU_PRIORITY_STEPS = (3, 6, 9)


@dataclass
class Ledger:
    rows: dict[str, int]
    # Seconds since the oldest row of each status was due (pending) or claimed (claimed, unknown);
    # absent when there is none.
    oldest_seconds: dict[str, float]
    stale_claims: int
    # Pending rows of sending campaigns already due: the backlog the sending workers have to clear.
    due: int


def ledger(*, now: datetime) -> Ledger:
    """The Delivery rows still to go, and how long the oldest has waited: two queries."""
    lease = now - timedelta(seconds=settings.DELIVERY_CLAIM_SECONDS)
    # Only columns of the (status, claimed_at) index, so PostgreSQL need not visit the table.
    figures = Delivery.objects.filter(status__in=IN_FLIGHT).aggregate(
        **{status: Count("status", filter=Q(status=status)) for status in IN_FLIGHT},
        oldest_claimed=Min("claimed_at", filter=Q(status=DeliveryStatus.CLAIMED)),
        oldest_unknown=Min("claimed_at", filter=Q(status=DeliveryStatus.UNKNOWN)),
        # Claims whose worker stopped renewing: the reconciler's to settle; many means it is not.
        stale=Count("status", filter=Q(status=DeliveryStatus.CLAIMED, claimed_at__lte=lease)),
    )
    # Pending rows wait for working hours by design: only a sending campaign's due rows are late.
    # Per campaign, each through the (campaign, status, not_before) index; sending campaigns are few.
    due_rows = Delivery.objects.filter(
        campaign=OuterRef("pk"), status=DeliveryStatus.PENDING, not_before__lte=now
    ).order_by()
    backlog = (
        Campaign.objects.filter(status=CampaignStatus.SENDING)
        .annotate(
            oldest_due=Subquery(due_rows.order_by("not_before").values("not_before")[:1]),
            due_count=Subquery(due_rows.values("campaign").annotate(n=Count("campaign")).values("n")),
        )
        .aggregate(oldest=Min("oldest_due"), due=Sum("due_count"))
    )
    oldest_pending = backlog["oldest"]
    oldest = {
        DeliveryStatus.PENDING: oldest_pending,
        DeliveryStatus.CLAIMED: figures["oldest_claimed"],
        DeliveryStatus.UNKNOWN: figures["oldest_unknown"],
    }
    return Ledger(
        rows={status: figures[status] for status in IN_FLIGHT},
        oldest_seconds={str(status): (now - at).total_seconds() for status, at in oldest.items() if at},
        stale_claims=figures["stale"],
        due=backlog["due"] or 0,
    )


@dataclass
class SyncWindow:
    """Runs that finished in the window (by source and outcome), and those queued or running now."""

    runs: dict[tuple[str, str], int] = field(default_factory=dict)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    longest_seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    last_success: dict[str, datetime] = field(default_factory=dict)


def sync_runs(*, now: datetime) -> SyncWindow:
    """The sync log over the last METRICS_SYNC_WINDOW_HOURS: two queries on a small table."""
    since = now - timedelta(hours=settings.METRICS_SYNC_WINDOW_HOURS)
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    window = SyncWindow()
    groups = (
        SyncRun.objects.filter(Q(finished_at__gte=since) | Q(status__in=ACTIVE_SYNC))
        .values("source", "status")
        .annotate(
            runs=Count("*"),
            seconds=Sum(duration),
            longest=Max(duration),
            **{kind: Sum(f"rows_{kind}") for kind in SYNC_ROW_KINDS},
        )
        .order_by()
    )
    for group in groups:
        source, status = group["source"], group["status"]
        window.runs[(source, status)] = group["runs"]
        if status in ACTIVE_SYNC:
            continue  # still going: no duration, and rows not yet written
        window.seconds[(source, status)] = group["seconds"].total_seconds() if group["seconds"] else 0.0
        if group["longest"]:
            window.longest_seconds[source] = max(
                window.longest_seconds.get(source, 0.0), group["longest"].total_seconds()
            )
        for kind in SYNC_ROW_KINDS:
            window.rows[(source, kind)] = window.rows.get((source, kind), 0) + (group[kind] or 0)
    # All time, not the window: "no GA4 sync has succeeded for two days" is the alert that matters.
    window.last_success = dict(
        SyncRun.objects.filter(status=SyncStatus.SUCCEEDED, finished_at__isnull=False)
        .values("source")
        .annotate(last=Max("finished_at"))
        .order_by()
        .values_list("source", "last")
    )
    return window


def ga4_quota_left(*, now: datetime) -> dict[str, int]:
    """Daily quota tokens each GA4 property had left after its latest run today (GA4's day starts
    at midnight Pacific): what GA4 reported after a success, 0 after a run postponed because the
    quota ran out. One query over today's few runs; properties not synced today are absent."""
    latest: dict[str, int] = {}
    runs = (
        SyncRun.objects.filter(
            source=Source.GA4,
            status__in=(SyncStatus.SUCCEEDED, SyncStatus.POSTPONED),
            finished_at__gte=quota_day_start(now),
        )
        .exclude(channel__ga4_property_id="")
        .order_by("finished_at")
        .values_list("channel__ga4_property_id", "status", "quota")
    )
    for property_id, status, quota in runs:
        if status == SyncStatus.POSTPONED:
            latest[property_id] = 0
        elif (left := quota_tokens_left(SyncRun(quota=quota))) is not None:
            latest[property_id] = left
    return latest


def _broker() -> redis.Redis | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None  # the embedded default's in-memory broker: nothing waits in a queue
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def queue_depths() -> dict[str, int]:
    """Tasks waiting in each Celery queue (METRICS_CELERY_QUEUES): LLEN on the broker's lists,
    one round trip. Tasks a worker has taken (prefetched, running) are not waiting, so not here."""
    client = _broker()
    if client is None:
        return {}
    queues = list(settings.METRICS_CELERY_QUEUES)
    try:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            pipe.llen(queue)
            for step in KOMBU_PRIORITY_STEPS:
                pipe.llen(f"{queue}{KOMBU_PRIORITY_SEPARATOR}{step}")
        lengths = pipe.execute()
    finally:
        client.close()
    per_queue = 1 + len(KOMBU_PRIORITY_STEPS)
    return {queue: sum(lengths[i * per_queue : (i + 1) * per_queue]) for i, queue in enumerate(queues)}


def click_buffer_fields() -> int | None:
    """Link-day counters waiting in Redis for the next flush into LinkClickDay (campaigns.tracking):
    it should fall back near zero every minute; growing means the flush task is not running."""
    if not settings.REDIS_URL:
        return None  # the embedded default flushes after every click
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        days = [day.decode() for day in client.smembers("clicks:days")]
        pipe = client.pipeline(transaction=False)
        for day in days:
            pipe.hlen(f"clicks:{day}")
        return sum(pipe.execute()) if days else 0
    finally:
        client.close()
