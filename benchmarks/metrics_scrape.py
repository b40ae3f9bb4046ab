"""A /metrics scrape beside a ledger of a million finished deliveries, against the same scrape
with none: Prometheus asks every 15-60 s, so its cost must follow the rows still to go, never the
ledger's size.

Needs PostgreSQL (BENCH_DATABASE_URL, else DATABASE_URL, else curation_bench) and Redis
(BENCH_REDIS_URL, else REDIS_URL, else db 14). Both runs hold the same rows in flight (a sending
campaign's pending, claimed and unknown rows, sync runs); the second adds the finished ones.

    .venv/bin/python benchmarks/metrics_scrape.py                  # 1,000,000 finished rows
    .venv/bin/python benchmarks/metrics_scrape.py --finished 100000

Prints each state's median scrape (the collector's whole exposition, in this process; without
the finished rows both before writing them and after deleting them, so the machine's load is
seen), the plans of the scrape's queries on the big ledger, and
`ratio: <with the ledger / without>` (goal <= 1.5).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

RUNS = 21
IN_FLIGHT = {"pending": 2000, "claimed": 200, "unknown": 20}
SLUG = "metrics-scrape-bench"


def insert_rows(campaign_id: int, status: str, count: int) -> None:
    """Ledger rows written by the database itself (no subscriber: erased employees' rows look so)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_delivery (campaign_id, subscriber_id, medium, occurrence, status, "
            "not_before, attempts, claim, claimed_at, sent_at, provider_id, error_code, error, feedback, "
            "free_text, updated_at) "
            "SELECT %s, NULL, 'sms', g, %s, now() - interval '1 minute', 1, NULL, "
            "CASE WHEN %s IN ('claimed', 'unknown') THEN now() - interval '5 minutes' END, "
            "CASE WHEN %s = 'accepted' THEN now() END, '', NULL, '', '', false, now() "
            "FROM generate_series(1, %s) AS g",
            [campaign_id, status, status, status, count],
        )


def median_scrape() -> float:
    from ops.collector import exposition

    exposition()  # connections and plans warmed
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        exposition()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--finished", type=int, default=1_000_000)
    args = parser.parse_args()

    database_url = common.database_url()
    env = common.sending_env(database_url)
    common.ensure_database(database_url, env)
    common.setup_django(env)
    from django.db import connection

    from campaigns.models import Campaign, CampaignStatus, Delivery

    Campaign.objects.filter(slug=SLUG).delete()
    campaign = Campaign.objects.create(name="Metrics scrape bench", slug=SLUG, status=CampaignStatus.SENDING)
    try:
        for status, count in IN_FLIGHT.items():
            insert_rows(campaign.pk, status, count)
        vacuum(database_url)
        before = median_scrape()

        started = time.perf_counter()
        insert_rows(campaign.pk, "accepted", args.finished)
        vacuum(database_url)
        print(f"wrote {args.finished:,} finished rows in {time.perf_counter() - started:.1f} s")
        with_ledger = median_scrape()
        print_ledger_plans(connection)

        Delivery.objects.filter(campaign=campaign, status="accepted").delete()
        vacuum(database_url)
        after = median_scrape()  # the same state as `before`, after the load of the insert
    finally:
        Campaign.objects.filter(slug=SLUG).delete()

    without = (before + after) / 2
    print(f"scrape without finished rows: {before * 1000:.1f} ms before, {after * 1000:.1f} ms after")
    print(f"scrape with {args.finished:,} finished rows: {with_ledger * 1000:.1f} ms (medians of {RUNS})")
    print(f"ratio: {with_ledger / without:.2f}")


def vacuum(database_url: str) -> None:
    subprocess.run(["psql", database_url, "-qc", "VACUUM ANALYZE campaigns_delivery"], check=True)


def print_ledger_plans(connection) -> None:
    """What PostgreSQL does for the scrape's queries on the big ledger: index-only scans."""
    from django.test.utils import CaptureQueriesContext

    from ops.collector import exposition

    with CaptureQueriesContext(connection) as captured:
        exposition()
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {query['sql']}")
            plan = [line for (line,) in cursor.fetchall()]
            print(f"{query['sql'][:90]}...")
            for line in plan:
                print("   ", line)


if __name__ == "__main__":
    main()
