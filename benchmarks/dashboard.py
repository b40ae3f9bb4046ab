"""The weekly review for 1,000 items with two years of daily figures, beside a trivial admin page
served by the same gunicorn: what the dashboard costs on top of the admin's own floor.

Needs PostgreSQL: BENCH_DATABASE_URL (else postgres://postgres@127.0.0.1:5432/curation_bench). The
database is created and migrated if missing; `curation` and `test_curation` are refused.

    .venv/bin/python benchmarks/dashboard.py                        # 1,000 items x 730 days
    .venv/bin/python benchmarks/dashboard.py --items 100 --days 120  # a quick look

Both pages go through the admin's login check, session and base template; the trivial one is the
admin's password-change form (no figures), and /healthz is timed too for reference. The review is
computed once per change of the figures (the sync's task prepares it) and kept: the page is timed
as curators open it, and computing it afresh is timed on its own. Prints each page's median time
over alternating runs, `ratio: <dashboard / trivial>` (goal <= 3) and the query counts; computing
the review afresh has its own benchmark, benchmarks/review_compute.py.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

PYTHON = sys.executable
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/curation_bench"
ENV = common.django_env(DATABASE_URL, CONN_MAX_AGE="60", NO_GCE_CHECK="true")
PREFIX = "Dashboard bench"  # how this benchmark's channels, items and topics are found again
END = date(2026, 11, 22)  # a Sunday: the reviewed week is 2026-W47
RUNS = 15


def setup(items: int, days: int) -> str:
    """The bench programme, written with COPY: a GA4 blog and a YouTube channel, items on each."""
    os.environ.update(ENV)
    import django

    django.setup()
    from channels.models import MetricSource
    from channels.services import register_channel
    from curation.models import ContentItem, Format, Lifecycle, Placement, Stage, Topic

    cleanup()
    blog = register_channel(
        name=f"{PREFIX} blog",
        platform="blog",
        url="https://www.dashboard.bench.example/learn/",
        metric_source=MetricSource.GA4,
        ga4_property_id="123456789",
        ga4_path_prefix="/learn/",
    )
    videos = register_channel(
        name=f"{PREFIX} videos",
        platform="youtube",
        url="https://www.youtube.com/@dashboardbench",
        metric_source=MetricSource.YOUTUBE,
        youtube_channel_id="UCdashboardbench000000000",
    )
    topics = Topic.objects.bulk_create(
        Topic(name=f"{PREFIX} topic {n}", slug=f"dashboard-bench-{n}") for n in range(8)
    )
    stages, formats = list(Stage.values), [Format.VIDEO, Format.BLOG_POST, Format.HOW_TO, Format.IMAGE_POST]
    start = END - timedelta(days=days - 1)
    made = ContentItem.objects.bulk_create(
        ContentItem(
            title=f"{PREFIX} item {n}",
            format=formats[n % len(formats)],
            stage=stages[n % len(stages)],
            lifecycle=Lifecycle.LIVE,
            live_since=start,
        )
        for n in range(items)
    )
    ContentItem.topics.through.objects.bulk_create(
        ContentItem.topics.through(contentitem_id=item.pk, topic_id=topics[n % len(topics)].pk)
        for n, item in enumerate(made)
    )
    placements = Placement.objects.bulk_create(
        Placement(
            item=item,
            channel=videos if item.format == Format.VIDEO else blog,
            url=f"https://www.youtube.com/watch?v=bench{n:06d}"
            if item.format == Format.VIDEO
            else f"https://www.dashboard.bench.example/learn/{n}/",
            external_id=f"bench{n:06d}" if item.format == Format.VIDEO else f"/learn/{n}/",
            published_on=start,
        )
        for n, item in enumerate(made)
    )
    copy_figures(placements, start, days)
    return "2026-W47"


def copy_figures(placements, start: date, days: int) -> None:
    """Daily figures for every placement and day, clicks on one day in five, and drop-out curves."""
    from django.db import connection

    from analytics.models import DailyMetric, RetentionPoint
    from curation.models import Format

    figures, curves = io.StringIO(), io.StringIO()
    now = "2026-11-23 06:00:00+00"
    for n, placement in enumerate(placements):
        video = placement.item.format == Format.VIDEO
        base = 20 + n % 150
        for offset in range(days):
            day = start + timedelta(days=offset)
            people = max(0, int(base * (0.35 if day.weekday() >= 5 else 1) * (1 + (offset * n) % 7 / 20)))
            if video:
                row = ("youtube", people, r"\N", r"\N", r"\N", r"\N", 95.0, 48.0, people * 1.5, people // 20)
            else:
                sessions = int(people * 1.2)
                row = (
                    "ga4",
                    int(sessions * 1.4),
                    sessions,
                    people,
                    sessions // 2,
                    0.5,
                    70.0,
                    r"\N",
                    r"\N",
                    r"\N",
                )
            figures.write("\t".join(map(str, (placement.pk, day, *row, r"\N", now))) + "\n")
            if offset % 5 == 0:
                figures.write(
                    "\t".join(map(str, (placement.pk, day, "links", *([r"\N"] * 9), 3, now))) + "\n"
                )
        if video:
            for step in range(1, 101):
                curves.write(
                    f"{placement.pk}\t{END - timedelta(days=27)}\t{END}\t{step / 100:.2f}\t{1 - step / 150}\n"
                )
    columns = [
        "placement_id",
        "date",
        "source",
        "views",
        "sessions",
        "active_users",
        "engaged_sessions",
        "engagement_rate",
        "average_duration_seconds",
        "average_percentage_viewed",
        "watch_minutes",
        "likes",
        "clicks",
        "updated_at",
    ]
    figures.seek(0)
    curves.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {DailyMetric._meta.db_table} ({', '.join(columns)}) FROM STDIN", figures
        )
        cursor.cursor.copy_expert(
            f"COPY {RetentionPoint._meta.db_table} "
            "(placement_id, period_start, period_end, elapsed_ratio, audience_watch_ratio) FROM STDIN",
            curves,
        )
        cursor.execute(f"ANALYZE {DailyMetric._meta.db_table}")
        cursor.execute(f"ANALYZE {RetentionPoint._meta.db_table}")


def cleanup() -> None:
    from analytics.models import DailyMetric, RetentionPoint
    from channels.models import Channel
    from curation.models import ContentItem, Placement, Topic

    channels = Channel.objects.filter(name__startswith=PREFIX)
    placements = Placement.objects.filter(channel__in=channels)
    DailyMetric.objects.filter(placement__in=placements)._raw_delete(DailyMetric.objects.db)
    RetentionPoint.objects.filter(placement__in=placements)._raw_delete(RetentionPoint.objects.db)
    items = list(ContentItem.objects.filter(title__startswith=PREFIX).values_list("pk", flat=True))
    ContentItem.topics.through.objects.filter(contentitem_id__in=items).delete()
    placements._raw_delete(Placement.objects.db)
    ContentItem.objects.filter(pk__in=items)._raw_delete(ContentItem.objects.db)
    Topic.objects.filter(name__startswith=PREFIX).delete()
    channels.delete()


def curator_cookie() -> str:
    """A signed-in curator's session, as the browser would hold it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from curation.roles import INTERNAL_CURATOR

    user, _ = get_user_model().objects.get_or_create(username="dashboard-bench", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=INTERNAL_CURATOR))
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def query_counts(week: str) -> tuple[int, int]:
    """Queries for the page computed afresh, then as kept for the next request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.cookies.load(curator_cookie())
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/admin/review/{week}/", secure=True)
        if response.status_code != 200:
            raise SystemExit(f"The dashboard answered {response.status_code}")
        counts.append(len(captured))
    return counts[0], counts[1]


def computing_seconds(week: str) -> float:
    """What the sync's task spends preparing the review once the figures change (median of 3)."""
    from analytics.review.dashboard import weekly_review
    from analytics.review.weeks import ReviewFilters, parse_iso_week

    times = []
    for _ in range(3):
        started = time.perf_counter()
        weekly_review(week=parse_iso_week(week), filters=ReviewFilters())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
    return time.perf_counter() - started


def time_pages(base: str, week: str, cookie: str) -> dict[str, list[float]]:
    pages = {
        "dashboard": f"{base}/admin/review/{week}/",
        "trivial": f"{base}/admin/password_change/",
        "healthz": f"{base}/healthz",
    }
    for url in pages.values():  # warm: connections, templates, the database's caches
        for _ in range(2):
            timed(url, cookie)
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(RUNS):  # alternating, so drift on the machine hits every page alike
        for name, url in pages.items():
            times[name].append(timed(url, cookie))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    arguments = parser.parse_args()
    common.ensure_database(DATABASE_URL, ENV)
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    print(f"building {arguments.items} items x {arguments.days} days of figures...", flush=True)
    started = time.perf_counter()
    week = setup(arguments.items, arguments.days)
    from analytics.models import DailyMetric

    print(
        f"  {DailyMetric.objects.count()} daily figures in the table ({time.perf_counter() - started:.0f} s)"
    )
    cookie = curator_cookie()
    computed_queries, kept_queries = query_counts(week)
    computing = computing_seconds(week)
    try:
        with common.gunicorn(env, workers=1) as base:
            times = time_pages(base, week, cookie)
    finally:
        cleanup()
    median = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"dashboard {week} as curators open it (kept since the sync prepared it): "
        f"{median['dashboard'] * 1000:.0f} ms (median of {RUNS}), {kept_queries} queries"
    )
    print(
        f"computing the review afresh (once per change of the figures, by the sync's task): "
        f"{computing * 1000:.0f} ms, {computed_queries} queries for the page"
    )
    print(f"trivial admin page: {median['trivial'] * 1000:.1f} ms")
    print(
        f"healthz: {median['healthz'] * 1000:.1f} ms "
        f"(dashboard / healthz: {median['dashboard'] / median['healthz']:.1f})"
    )
    print(f"queries: {kept_queries} (kept), {computed_queries} (computed)")
    print(f"ratio: {median['dashboard'] / median['trivial']:.2f}")


if __name__ == "__main__":
    main()
