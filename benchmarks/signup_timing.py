"""How long /join/ takes for a known number beside an unknown one: a timing gap tells who is known.

Runs in one process against PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL) as in
production: the request only queues the sign-up task on Redis, no worker runs it. Known and
unknown requests alternate, each with a number of its own, so caches and limits treat them alike.

    .venv/bin/python benchmarks/signup_timing.py

Prints `ratio: <known median / unknown median>` (goal: within 0.9 to 1.1).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

ROUNDS = 200
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/curation_signup_bench"
    ),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
    "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "false",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "SIGNUP_INVITATION_CODE": "LEARN-2026",
    "SIGNUP_RATE_PER_IP": "100000/h",
    "SIGNUP_RATE_PER_NUMBER": "100000/h",
    "SIGNUP_RATE_PER_NUMBER_CEILING": "100000/h",
    "SIGNUP_RATE_PER_PREFIX": "100000/h",
    "SIGNUP_SMS_DAILY_CAP": "100000",
    "LOG_LEVEL": "WARNING",
}


def main() -> None:
    common.ensure_database(ENV["DATABASE_URL"], ENV)
    os.environ.update(ENV)
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.test import Client

    from campaigns.models import Subscriber
    from campaigns.services import create_subscriber

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    Subscriber.objects.filter(phone__startswith="+4474009").delete()
    known = [create_subscriber(phone=f"+4474009{n:05d}").phone for n in range(ROUNDS)]
    unknown = [f"+4474009{n:05d}" for n in range(ROUNDS, 2 * ROUNDS)]
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for known_phone, unknown_phone in zip(known, unknown, strict=True):
        for kind, phone in (("known", known_phone), ("unknown", unknown_phone)):
            data = {"phone": phone, "preferred_media": "sms", "time_zone": "Europe/London"}
            started = time.perf_counter()
            response = Client().post("/join/", {**data, "invitation_code": "LEARN-2026"})
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 302, response.status_code
    Subscriber.objects.filter(phone__startswith="+4474009").delete()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    known_ms, unknown_ms = (statistics.median(times[kind]) * 1000 for kind in ("known", "unknown"))
    print(f"known median: {known_ms:.2f} ms, unknown median: {unknown_ms:.2f} ms")
    print(f"ratio: {known_ms / unknown_ms:.3f}")


if __name__ == "__main__":
    main()
