"""What the benchmarks share: a PostgreSQL database of their own, created and migrated on demand."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    return (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/curation_bench"
    )


def django_env(database_url: str, **overrides: str) -> dict[str, str]:
    """Settings every benchmark runs the app on: production's (DEBUG off), on the given database."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        # A secret turns DEBUG off: no query log growing in any process, as in production.
        "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **overrides,
    }


def sending_env(database_url: str, **overrides: str) -> dict[str, str]:
    """Settings for a benchmark of the sending pipeline: a real database and Redis, providers that
    answer at once, and nothing but the pipeline to hold a message back (no cap, no quiet hours)."""
    pipeline_only = {
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/14",
        "SMS_BACKEND": "benchmarks.null_sms.NullSmsBackend",
        "EMAIL_URL": "dummymail://",
        "CAMPAIGN_WEEKLY_CAP": "1000000",
        "SEND_WINDOW_DAYS": "0,1,2,3,4,5,6",
        "SEND_WINDOW_START": "00:00",
        "SEND_WINDOW_END": "00:00",  # end <= start: the window runs all day
    }
    return django_env(database_url, **{**pipeline_only, **overrides})


def setup_django(env: dict[str, str]) -> None:
    """This process as one of the app's, on the benchmark's settings."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


TIME_ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def create_employees(count: int, *, email_domain: str) -> list[int]:
    """Subscribed by text and email across four time zones, written as the tests write them;
    `email_domain` is how the benchmark finds them again to clean up."""
    from tests.factories import subscribed_employees

    ids: list[int] = []
    for index, time_zone in enumerate(TIME_ZONES):
        share = count // len(TIME_ZONES) + (index < count % len(TIME_ZONES))
        people = subscribed_employees(share, email_domain=email_domain, time_zone=time_zone)
        ids += [person.pk for person in people]
    return ids


def live_blog_post(*, url: str, name: str, title: str):
    """A live post on a public blog channel at `url` (made once, then found again): something
    campaigns may link to."""
    from channels.models import Channel, MetricSource, Platform, Visibility
    from channels.services import register_channel
    from curation import services
    from curation.models import Format, Placement, Stage

    placement = Placement.objects.filter(channel__url=url).first()
    if placement is None:
        channel = Channel.objects.filter(url=url).first() or register_channel(
            name=name,
            platform=Platform.BLOG,
            url=url,
            visibility=Visibility.PUBLIC,
            metric_source=MetricSource.CLICKS_ONLY,
        )
        item = services.create_item(title=title, format=Format.BLOG_POST, stage=Stage.EMBEDDED)
        placement = services.place_item(item=item, channel=channel, url=f"{url}posts/1/")
        services.mark_live(item=item)
    return placement


def ensure_database(database_url: str, env: dict[str, str]) -> None:
    """Create the database if missing and migrate it; never one the tests own."""
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    if name in ("curation", "test_curation"):
        raise SystemExit(f"Refusing to benchmark in {name!r}: the tests use it. Set BENCH_DATABASE_URL.")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], capture_output=True, check=False)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **env, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    # Every run deletes what it wrote: without a vacuum the next one reads past millions of dead
    # rows (seen here: fan-out 15.5 s on a bloated database, 9.4 s after VACUUM).
    subprocess.run(["psql", database_url, "-qc", "VACUUM ANALYZE"], capture_output=True, check=True)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int) -> Iterator[str]:
    """The app under gunicorn on a free loopback port; yields its address once /healthz answers."""
    with socket.socket() as probe:  # a port nothing listens on: bound, then released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    server = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _hammer(host: str, port: int, request: bytes, seconds: float, threads: int) -> tuple[int, int]:
    """One process's share of load(): `threads` loops of connect, GET, read to the close."""
    import threading

    counts = [0, 0]  # answered 2xx/3xx, other
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        good = bad = 0
        while time.monotonic() < deadline:
            with socket.create_connection((host, port)) as connection:
                connection.sendall(request)
                answer = b""
                while chunk := connection.recv(65536):
                    answer += chunk
            if answer[9:10] in (b"2", b"3"):
                good += 1
            else:
                bad += 1
        with lock:
            counts[0] += good
            counts[1] += bad

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counts[0], counts[1]


def load(url: str, *, seconds: float, connections: int, user_agent: str) -> tuple[float, int]:
    """wrk's job when wrk is not installed: `connections` clients in two processes, each a new
    connection per request (gunicorn's sync workers close it anyway). Returns requests/s and
    requests made. The client shares the machine, so compare its figures only with each other."""
    from concurrent.futures import ProcessPoolExecutor
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}\r\nUser-Agent: {user_agent}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    processes = 2
    with ProcessPoolExecutor(processes) as pool:
        shares = [
            pool.submit(_hammer, parts.hostname, parts.port, request, seconds, connections // processes)
            for _ in range(processes)
        ]
        results = [share.result() for share in shares]
    good, bad = sum(r[0] for r in results), sum(r[1] for r in results)
    if bad:
        raise SystemExit(f"{bad} requests to {url} were answered with an error")
    return good / seconds, good
