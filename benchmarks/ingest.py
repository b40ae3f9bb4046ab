"""A year of GA4 figures for 1,000 pages through the real client and the loopback fake, upserted,
beside a COPY of the same rows into the same table: how close a sync comes to the cost of writing.

Needs PostgreSQL: BENCH_DATABASE_URL (else postgres://postgres@127.0.0.1:5432/curation_bench). The
database is created and migrated if missing; `curation` and `test_curation` are refused.

    .venv/bin/python benchmarks/ingest.py                          # 1,000 pages x 365 days
    .venv/bin/python benchmarks/ingest.py --pages 100 --days 30    # a quick look
    .venv/bin/python benchmarks/ingest.py --transport rest         # GA4 over REST (JSON)

Prints the transport, the sync's time (and how much of it the client spent fetching and parsing),
the COPY's, `ratio: <copy / sync>` (goal >= 0.5), and the second sync of the same year: the rows
it adds (goal 0) and its time as a share of the first's (goal under 0.25).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set
from tests.fakes.ga4 import PROPERTY_ID, FakeGA4  # noqa: E402

SITE = "https://www.ingest.bench.example"
PREFIX = "/learn/"
START = date(2025, 1, 1)
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/curation_bench"
ENV = common.django_env(DATABASE_URL, NO_GCE_CHECK="true")


def ensure_database() -> None:
    common.ensure_database(DATABASE_URL, ENV)


def setup(fake: FakeGA4, pages: int, transport: str):
    """The GA4-measured blog and one placement per page the fake serves."""
    key = fake.write_service_account(Path(tempfile.mkdtemp(prefix="ingest-")) / "key.json")
    os.environ.update(
        {
            **ENV,
            "GA4_CREDENTIALS_FILE": str(key),
            "GA4_TRANSPORT": transport,
            "GA4_API_ENDPOINT": fake.endpoint(transport),
        }
    )
    import django

    django.setup()
    from channels.models import MetricSource
    from channels.services import register_channel
    from curation.models import ContentItem, Format, Placement, Stage

    cleanup()
    channel = register_channel(
        name="Ingest bench blog",
        platform="blog",
        url=f"{SITE}{PREFIX}",
        metric_source=MetricSource.GA4,
        ga4_property_id=PROPERTY_ID,
        ga4_path_prefix=PREFIX,
    )
    items = ContentItem.objects.bulk_create(
        ContentItem(title=f"Ingest bench page {n}", format=Format.BLOG_POST, stage=Stage.EMBEDDED)
        for n in range(pages)
    )
    Placement.objects.bulk_create(
        Placement(item=item, channel=channel, url=f"{SITE}{path}")
        for item, path in zip(items, fake.grid.paths, strict=True)
    )
    return channel


def cleanup() -> None:
    from analytics.models import DailyMetric, SyncRun
    from channels.models import Channel
    from curation.models import ContentItem, Placement

    channel = Channel.objects.filter(name="Ingest bench blog").first()
    if channel is None:
        return
    DailyMetric.objects.filter(placement__channel=channel)._raw_delete(DailyMetric.objects.db)
    SyncRun.objects.filter(channel=channel).delete()
    items = ContentItem.objects.filter(placements__channel=channel)
    item_ids = list(items.values_list("pk", flat=True))
    Placement.objects.filter(channel=channel)._raw_delete(Placement.objects.db)
    ContentItem.objects.filter(pk__in=item_ids)._raw_delete(ContentItem.objects.db)
    channel.delete()


def sync(channel, days: int):
    from analytics import services
    from analytics.models import Source
    from analytics.sources.base import Period

    period = Period(START, START + timedelta(days=days - 1))
    started = time.perf_counter()
    run = services.start_sync(source=Source.GA4, channel=channel, period=period, requested_by="benchmark")
    run = services.run_sync(run.pk)
    elapsed = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"The sync failed: {run.error}")
    return elapsed, run


def fetch_only(channel, days: int) -> float:
    from analytics.sources import ga4
    from analytics.sources.base import Period

    started = time.perf_counter()
    ga4.fetch(
        property_id=channel.ga4_property_id,
        path_prefix=PREFIX,
        period=Period(START, START + timedelta(days=days - 1)),
    )
    return time.perf_counter() - started


def copy_baseline(channel) -> tuple[float, int]:
    """The floor: the rows the sync wrote, copied out, deleted, and COPY'd back into the table."""
    from django.db import connection, transaction

    from analytics.models import FIGURES, DailyMetric

    columns = ["placement_id", "date", "source", *FIGURES, "sync_run_id", "updated_at"]
    table = DailyMetric._meta.db_table
    held = DailyMetric.objects.filter(placement__channel=channel)
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        select, params = held.values_list(*columns).query.sql_with_params()
        cursor.cursor.copy_expert(cursor.mogrify(f"COPY ({select}) TO STDOUT", params).decode(), buffer)
    rows = held.count()
    held._raw_delete(DailyMetric.objects.db)
    buffer.seek(0)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--transport", choices=["grpc", "rest"], default="grpc")
    arguments = parser.parse_args()
    ensure_database()
    fake = FakeGA4().start()
    fake.generate_pages(pages=arguments.pages, days=arguments.days, start=START, prefix=PREFIX)
    try:
        channel = setup(fake, arguments.pages, arguments.transport)
        from analytics.models import DailyMetric

        rows = arguments.pages * arguments.days
        print(f"rows: {rows} ({arguments.pages} pages x {arguments.days} days, GA4 pages of 100,000 rows)")
        print(f"transport: {arguments.transport}")
        seconds, run = sync(channel, arguments.days)
        print(f"sync through the GA4 client, upserted: {seconds:.2f} s ({run.rows_added} rows added)")
        fetching = fetch_only(channel, arguments.days)
        print(f"  of which the client fetching and parsing the report: {fetching:.2f} s")
        copied, copied_rows = copy_baseline(channel)
        print(f"baseline COPY of the same {copied_rows} rows: {copied:.2f} s")
        again, rerun = sync(channel, arguments.days)
        added = DailyMetric.objects.filter(placement__channel=channel).count() - copied_rows
        print(f"second sync: {again:.2f} s, {rerun.rows_added} rows added, {rerun.rows_written} changed")
        print(f"rows added by the re-run: {added}")
        print(f"re-run time / first run time: {again / seconds:.2f} (goal under 0.25)")
        print(f"ratio: {copied / seconds:.2f}")
    finally:
        cleanup()
        fake.stop()


if __name__ == "__main__":
    main()
