"""What the benchmarks share: a PostgreSQL database of their own, created and migrated on demand."""

from __future__ import annotations

import os
import subprocess
import sys
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
