"""Run Django in a fresh process with a chosen environment: settings are read once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Settings read from the environment; a child process starts with none of them unless given.
SETTINGS_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "SMS_BACKEND",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "REQUIRE_SERVICES",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser fixture for the test process only
}


def run_python(code: str, env: dict[str, str] | None = None, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', *sys.argv[1:]])",
        env,
        *args,
    )
