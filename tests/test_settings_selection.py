"""The environment alone chooses between the embedded default and production."""

from __future__ import annotations

import json

import pytest

from tests.processes import run_manage, run_python

READ_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "database": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "sms": settings.SMS_BACKEND,
    "hosts": settings.ALLOWED_HOSTS,
    "secure_cookies": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""

PRODUCTION = {
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-enough-for-django-checks-0123",
    "DATABASE_URL": "postgres://curation:pw@db.internal:5432/curation",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "ALLOWED_HOSTS": "learning.example.org",
}


def read_settings(env: dict[str, str]) -> dict:
    result = run_python(READ_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_set_runs_the_embedded_default():
    settings = read_settings({})

    assert settings == {
        "debug": True,
        "database": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
        "sms": "campaigns.sms.console.ConsoleBackend",
        "hosts": ["127.0.0.1", "localhost"],
        "secure_cookies": False,
        "hsts": 0,
        "static": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }


def test_production_environment_selects_postgres_redis_and_security():
    settings = read_settings(PRODUCTION)

    assert settings["debug"] is False
    assert settings["database"] == "django.db.backends.postgresql"
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["eager"] is False
    assert settings["broker"] == "redis://cache.internal:6379/0"
    assert settings["hosts"] == ["learning.example.org"]
    assert settings["secure_cookies"] is True
    assert settings["hsts"] >= 31_536_000
    assert settings["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = run_python(READ_SETTINGS, {"DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"EMAIL_URL": "smtp+tls://user:pw@smtp.example.org:587"}, "smtp.EmailBackend"),
        ({"SMS_BACKEND": "campaigns.sms.locmem.LocmemBackend"}, "locmem"),
    ],
)
def test_messaging_backends_follow_the_environment(env, expected):
    settings = read_settings(env)

    assert expected in settings["email"] + settings["sms"]


def test_deployment_checklist_has_no_warnings_with_production_settings():
    # sqlite keeps the check from needing a database server; the settings are production's.
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "DATABASE_URL": "sqlite://"}
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
