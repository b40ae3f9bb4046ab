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
