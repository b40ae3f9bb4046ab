"""One campaign to 1,000,000 recipients through the real pipeline (the ledger written by launch,
batches claimed by a real Celery worker, outcomes recorded from a provider that answers at once),
beside bulk-inserting the same ledger rows: the figures the README's sizing is worked out from.

Needs PostgreSQL and Redis of its own: BENCH_DATABASE_URL / BENCH_REDIS_URL (else DATABASE_URL /
REDIS_URL). The database is created and migrated if missing; what the run wrote is deleted after.

    .venv/bin/python benchmarks/scale.py --recipients 20000     # a quick look
    .venv/bin/python benchmarks/scale.py                        # 1,000,000 recipients

The send is benchmarks/fanout.py's (its campaign, worker, baseline and clock), at a size where
what grows per message shows. Prints messages per second, the worker's peak memory (VmHWM),
Redis memory used by the run's database at its peak, the size of every table that grows per
message or per employee (table, indexes, total; per million rows, as written and after VACUUM
FULL), and `ratio: <baseline / pipeline>`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common, fanout  # noqa: E402 - after the path is set

# Tables a send writes rows to. Delivery grows per message; Subscriber and ConsentEvent per
# employee; TrackedLink (per campaign x medium x placement) and LinkClickDay (per link and day)
# do not grow with the audience, and are listed to show it.
GROWING_TABLES = (
    "campaigns_delivery",
    "campaigns_subscriber",
    "campaigns_consentevent",
    "campaigns_trackedlink",
    "campaigns_linkclickday",
)
MB = 1024 * 1024


class RedisPeak:
    """Samples the run's Redis database (BENCH_REDIS_URL's number) twice a second: the memory its
    keys use (MEMORY USAGE, summed), the instance's own used_memory beside it, and the longest queue."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.keys_peak = 0
        self.instance_start = self.client.info("memory")["used_memory"]
        self.instance_peak = self.instance_start
        self.queue_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RedisPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            used = 0
            for key in self.client.scan_iter(count=1000):
                used += self.client.memory_usage(key, samples=0) or 0
                if self.client.type(key) == b"list":
                    self.queue_peak = max(self.queue_peak, self.client.llen(key))
            self.keys_peak = max(self.keys_peak, used)
            self.instance_peak = max(self.instance_peak, self.client.info("memory")["used_memory"])


def table_sizes() -> dict[str, tuple[int, int, int, int]]:
    """rows, table (heap and TOAST), indexes, total bytes of each growing table."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in GROWING_TABLES:
            cursor.execute(
                f"SELECT count(*), pg_table_size(%s), pg_indexes_size(%s), "  # noqa: S608 - our own names
                f"pg_total_relation_size(%s) FROM {table}",
                [table] * 3,
            )
            sizes[table] = cursor.fetchone()
    return sizes


def print_sizes(title: str, sizes: dict[str, tuple[int, int, int, int]]) -> None:
    print(title)
    for table, (rows, heap, indexes, total) in sizes.items():
        line = (
            f"  {table}: {rows} rows, table {heap / MB:.1f} MB, "
            f"indexes {indexes / MB:.1f} MB, total {total / MB:.1f} MB"
        )
        if rows >= 1000:
            per_million = 1_000_000 / rows
            line += (
                f"; per million rows: table {heap * per_million / MB:.0f} MB, "
                f"indexes {indexes * per_million / MB:.0f} MB, total {total * per_million / MB:.0f} MB"
            )
        print(line)


def daily_metric_sizes(placements: int = 100, days: int = 1000) -> tuple[int, int, int, int]:
    """DailyMetric grows per placement, source and day, not per message: `placements` x `days` x two
    sources (GA4's page figures, tracked-link clicks) written as a sync writes them, measured, deleted.
    Returns rows, table, indexes and total bytes."""
    from django.db import connection

    from analytics.models import DailyMetric
    from curation.models import Placement

    channel_placement = common.live_blog_post(
        url="https://blog.scale.bench.example/", name="Scale bench blog", title="Scale bench post"
    )
    made = [
        Placement(
            item=channel_placement.item, channel=channel_placement.channel, url=f"{channel_placement.url}{n}/"
        )
        for n in range(placements)
    ]
    ids = [placement.pk for placement in Placement.objects.bulk_create(made)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL analytics_dailymetric")  # space other runs left is not counted
        cursor.execute(
            "INSERT INTO analytics_dailymetric (placement_id, date, source, views, sessions, active_users, "
            "engaged_sessions, engagement_rate, average_duration_seconds, clicks, updated_at) "
            "SELECT p, DATE '2024-01-01' + d, s, 120, 90, 80, 60, 0.66, 54.2, "
            "CASE WHEN s = 'links' THEN 12 END, now() "
            "FROM unnest(%s::int[]) p, generate_series(0, %s - 1) d, unnest(ARRAY['ga4', 'links']) s",
            [ids, days],
        )
        cursor.execute("VACUUM ANALYZE analytics_dailymetric")
        cursor.execute(
            "SELECT count(*), pg_table_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s) "
            "FROM analytics_dailymetric",
            ["analytics_dailymetric"] * 3,
        )
        sizes = cursor.fetchone()
    DailyMetric.objects.filter(placement_id__in=ids)._raw_delete(DailyMetric.objects.db)
    Placement.objects.filter(pk__in=ids).delete()
    return sizes


def vacuum_full() -> None:
    """Compacted as autovacuum leaves settled rows in the long run: the claim and outcome updates'
    dead versions reused, not counted."""
    tables = ", ".join(GROWING_TABLES)
    subprocess.run(["psql", fanout.DATABASE_URL, "-qc", f"VACUUM FULL ANALYZE {tables}"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument(
        "--timeout", type=float, default=3600, help="Seconds the send may take before the run gives up."
    )
    arguments = parser.parse_args()
    fanout.ensure_database()
    fanout.setup_django()
    fanout.cleanup()
    vacuum_full()  # whatever an earlier run left dead is not counted in this one's sizes
    try:
        started = time.perf_counter()
        subscriber_ids = common.create_employees(arguments.recipients, email_domain=fanout.BENCH_EMAIL_DOMAIN)
        campaign, user = fanout.bench_campaign()
        print(f"recipients: {arguments.recipients} (texts; set up in {time.perf_counter() - started:.1f} s)")
        base = fanout.baseline(campaign, subscriber_ids)
        print(
            f"baseline bulk insert of the ledger rows: {base:.2f} s "
            f"({arguments.recipients / base:.0f} rows/s)"
        )
        vacuum_full()  # the baseline's deleted rows are not counted in the pipeline's table
        with RedisPeak(fanout.ENV["REDIS_URL"]) as redis_peak:
            seconds, launched, peak, outcomes = fanout.fanout(
                campaign, user, arguments.recipients, timeout_seconds=arguments.timeout
            )
        print(
            f"pipeline through one worker: {seconds:.2f} s ({arguments.recipients / seconds:.0f} messages/s)"
        )
        print(f"  of which the launch (audience, weekly cap, ledger written): {launched:.2f} s")
        print(f"outcomes: {outcomes}")
        print(f"peak worker memory: {peak:.0f} MB (VmHWM, main process and its 2 pool processes summed)")
        print(
            f"redis: the run's keys at most {redis_peak.keys_peak / MB:.2f} MB, longest queue "
            f"{redis_peak.queue_peak} messages; instance used_memory {redis_peak.instance_start / MB:.1f} MB "
            f"before, {redis_peak.instance_peak / MB:.1f} MB at most (shared with anything else on it)"
        )
        print_sizes("tables as the send left them:", table_sizes())
        vacuum_full()
        print_sizes("tables after VACUUM FULL (settled rows, no dead versions):", table_sizes())
        metric_rows, *metric_sizes = daily_metric_sizes()
        print_sizes(
            "daily figures (100 placements x 1000 days x 2 sources):",
            {"analytics_dailymetric": (metric_rows, *metric_sizes)},
        )
        print(f"ratio: {base / seconds:.2f}")
    finally:
        fanout.cleanup()
        vacuum_full()


if __name__ == "__main__":
    main()
