"""Throughput of /l/<token> with click counting on, beside a bare 302 view on the same gunicorn.

Runs against PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL, defaulting to the local
services CI uses). Two gunicorns (two workers each) count clicks two ways: the app's ClickBuffer
(clicks gathered in-process, a thread sends them every 0.2 s) and the simpler design beside it
(benchmarks/pipelined_clicks.py: one pipelined Redis write per click, no thread). Each round
drives the bare 302 and both tracked links in turn on loopback, with wrk when installed (else a
Python client, benchmarks.common.load), then the clicks are flushed and the hits recorded
compared with the requests made.

    .venv/bin/python benchmarks/redirect.py        # wrk if installed: apt-get install wrk

Prints `ratio: <tracked / bare>` per counter (goal >= 0.9), the thread's lead in points of the
bare redirect's throughput (the thread is kept only while that exceeds 2), and `clicks lost: <n>`
per counter (goal 0).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

PYTHON = sys.executable
ROUNDS, SECONDS, CONNECTIONS = 3, 5, 32
PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/curation_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "CONN_MAX_AGE": "60",
    "LOG_LEVEL": "WARNING",
    "PYTHONPATH": str(ROOT),
}

SETUP = """
import django
django.setup()
from django.db import connection
import redis
from django.conf import settings
redis.Redis.from_url(settings.REDIS_URL).flushdb()
from campaigns.models import Campaign, LinkClickDay, Medium
from campaigns.tracking import tracked_link_for
from channels.services import register_channel
from curation import services
from curation.models import Placement
placement = Placement.objects.filter(url__contains="dQw4w9WgXcQ").first()
if placement is None:
    channel = register_channel(name="Bench videos", platform="youtube", url="https://www.youtube.com/@bench",
                               metric_source="youtube", youtube_channel_id="UCbench0000000000000000")
    item = services.create_item(title="Bench video", format="video", stage="embedded")
    placement = services.place_item(item=item, channel=channel, url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    services.mark_live(item=item)
LinkClickDay.objects.all().delete()
for slug in ("bench-threaded", "bench-pipelined"):
    campaign, _ = Campaign.objects.get_or_create(slug=slug, defaults={"name": slug})
    print(tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement).token)
"""

FLUSH = """
import django
django.setup()
from django.db.models import Sum
from campaigns.models import LinkClickDay
from campaigns.tracking import flush_clicks
flush_clicks()
for slug in ("bench-threaded", "bench-pipelined"):
    rows = LinkClickDay.objects.filter(link__campaign__slug=slug)
    print(rows.aggregate(total=Sum("raw_hits"))["total"] or 0)
"""


def drive(url: str) -> tuple[float, int]:
    if not shutil.which("wrk"):
        return common.load(url, seconds=SECONDS, connections=CONNECTIONS, user_agent=PHONE_BROWSER)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-H", f"User-Agent: {PHONE_BROWSER}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx or 3xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return per_second, requests


COUNTERS = ("threaded", "pipelined")


def main() -> None:
    print(f"load: {'wrk' if shutil.which('wrk') else 'Python client (wrk not installed)'}")
    common.ensure_database(ENV["DATABASE_URL"], ENV)
    setup = subprocess.run(
        [PYTHON, "-c", SETUP], env=ENV, cwd=ROOT, capture_output=True, text=True, check=True
    )
    tokens = dict(zip(COUNTERS, setup.stdout.strip().splitlines()[-2:], strict=True))
    bare: list[float] = []
    tracked: dict[str, list[float]] = {name: [] for name in COUNTERS}
    requested = dict.fromkeys(COUNTERS, 0)
    pipelined_env = {**ENV, "BENCH_CLICK_COUNTER": "pipelined"}
    with common.gunicorn(ENV, workers=2) as threaded, common.gunicorn(pipelined_env, workers=2) as pipelined:
        servers = {"pipelined": pipelined, "threaded": threaded}
        for round_ in range(ROUNDS):  # alternating, so drift on the machine hits all alike
            bare.append(drive(f"{threaded}/bare-302")[0])
            for name in COUNTERS if round_ % 2 == 0 else reversed(COUNTERS):
                per_second, requests = drive(f"{servers[name]}/l/{tokens[name]}")
                tracked[name].append(per_second)
                requested[name] += requests
    flushed = subprocess.run(
        [PYTHON, "-c", FLUSH], env=ENV, cwd=ROOT, capture_output=True, text=True, check=True
    )
    recorded = dict(zip(COUNTERS, map(int, flushed.stdout.strip().splitlines()[-2:]), strict=True))
    baseline = statistics.median(bare)
    print(f"bare 302 view: {baseline:.0f} requests/s (median of {ROUNDS} x {SECONDS} s)")
    ratios = {}
    for name in COUNTERS:
        ratios[name] = statistics.median(tracked[name]) / baseline
        print(f"tracked link, {name} counter: {statistics.median(tracked[name]):.0f} requests/s")
        print(f"ratio: {ratios[name]:.3f} ({name})")
    print(
        f"threaded lead: {100 * (ratios['threaded'] - ratios['pipelined']):+.1f} points of the bare redirect"
    )
    for name in COUNTERS:
        print(f"clicks requested ({name}): {requested[name]}, recorded: {recorded[name]}")
        print(f"clicks lost ({name}): {max(0, requested[name] - recorded[name])}")


if __name__ == "__main__":
    main()
