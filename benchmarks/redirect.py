"""Throughput of /l/<token> with click counting on, beside a bare 302 view on the same gunicorn.

Runs against PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL, defaulting to the local
services CI uses), drives both URLs with wrk on loopback in alternating rounds, then flushes the
click buffer and compares the hits recorded with the requests wrk made.

    .venv/bin/python benchmarks/redirect.py        # needs wrk: apt-get install wrk

Prints `ratio: <tracked / bare>` (goal >= 0.9) and `clicks lost: <n>` (goal 0).
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
campaign, _ = Campaign.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
LinkClickDay.objects.all().delete()
print(tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement).token)
"""

FLUSH = """
import django
django.setup()
from django.db.models import Sum
from campaigns.models import LinkClickDay
from campaigns.tracking import flush_clicks
flush_clicks()
print(LinkClickDay.objects.aggregate(total=Sum("raw_hits"))["total"] or 0)
"""


def wrk(url: str) -> tuple[float, int]:
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


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("benchmarks/redirect.py needs wrk (apt-get install wrk)")
    common.ensure_database(ENV["DATABASE_URL"], ENV)
    token = subprocess.run(
        [PYTHON, "-c", SETUP], env=ENV, cwd=ROOT, capture_output=True, text=True, check=True
    )
    token = token.stdout.strip().splitlines()[-1]
    bare, tracked, tracked_requests = [], [], 0
    with common.gunicorn(ENV, workers=2) as base:
        for _ in range(ROUNDS):  # alternating, so drift on the machine hits both alike
            bare.append(wrk(f"{base}/bare-302")[0])
            per_second, requests = wrk(f"{base}/l/{token}")
            tracked.append(per_second)
            tracked_requests += requests
    recorded = int(
        subprocess.run([PYTHON, "-c", FLUSH], env=ENV, cwd=ROOT, capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    ratio = statistics.median(tracked) / statistics.median(bare)
    print(f"bare 302 view: {statistics.median(bare):.0f} requests/s (median of {ROUNDS} x {SECONDS} s)")
    print(f"tracked link with counting: {statistics.median(tracked):.0f} requests/s")
    print(f"ratio: {ratio:.2f}")
    print(f"clicks requested: {tracked_requests}, recorded: {recorded}")
    print(f"clicks lost: {max(0, tracked_requests - recorded)}")


if __name__ == "__main__":
    main()
