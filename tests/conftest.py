"""Shared fixtures: the real services, the curator personas, and the rule for absent services.

A test marked `@pytest.mark.requires("postgres", "redis")` runs against the real service named by
DATABASE_URL / REDIS_URL. Where the service is absent it is skipped with the reason, unless
REQUIRE_SERVICES=1 (CI), when it fails instead: CI must never pass by skipping.
"""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
from django.db import connection

from campaigns import sms, whatsapp
from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR
from tests.helpers import enrol_totp

pytest_plugins = [
    "tests.browser",
    "tests.smtp",
    "tests.fakes.twilio",
    "tests.fakes.youtube",
    "tests.fakes.ga4",
    "tests.fakes.oidc",
    "tests.fakes.teams",
    "tests.fakes.slack",
]

# Google's client libraries must never probe the cloud metadata server from a test.
os.environ.setdefault("NO_GCE_CHECK", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _own_redis_database() -> None:
    """Under pytest-xdist (`make test` runs the suite in several processes) each process gets a
    Redis database of its own, as pytest-django gives each its own test database: the cache,
    rate-limit buckets and click buffers one test clears must not be another process's."""
    worker = os.environ["PYTEST_XDIST_WORKER"]
    if not worker.startswith("gw") or not settings.REDIS_URL:
        return
    url = redis.connection.parse_url(settings.REDIS_URL)
    own_db = (int(url.get("db", 0)) + int(worker.removeprefix("gw"))) % 16
    own_url = settings.REDIS_URL.rsplit("/", 1)[0] + f"/{own_db}"
    settings.REDIS_URL = own_url
    settings.CACHES["default"]["LOCATION"] = own_url
    if settings.CELERY_BROKER_URL.startswith("redis"):
        from config.celery import app

        settings.CELERY_BROKER_URL = app.conf.broker_url = own_url


def _postgres_missing() -> str | None:
    if connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_missing() -> str | None:
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"needs Redis, but {settings.REDIS_URL} does not answer ({error})"
    return None


def _gettext_missing() -> str | None:
    import shutil

    missing = [tool for tool in ("xgettext", "msgmerge") if not shutil.which(tool)]
    return f"needs GNU gettext ({', '.join(missing)}): apt-get install gettext" if missing else None


def _chromium_missing() -> str | None:
    from tests.browser import chromium_path

    return None if chromium_path() else "needs Chromium: apt-get install chromium"


SERVICE_CHECKS = {
    "postgres": _postgres_missing,
    "redis": _redis_missing,
    "chromium": _chromium_missing,
    "gettext": _gettext_missing,
}


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The controlling process compiled the catalogues before it started this one.
        _own_redis_database()
        return
    # Issue 16: the French and Arabic pages and texts need the compiled catalogues.
    from tests.catalogues import compile_stale_catalogues

    compile_stale_catalogues()


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("requires"):
        for service in marker.args:
            reason = SERVICE_CHECKS[service]()
            if reason and REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
            if reason:
                pytest.skip(reason)


def pytest_report_header(config: pytest.Config) -> str:
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {database}; redis: {settings.REDIS_URL or 'not configured'}"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Texts go to campaigns.sms.outbox in every test, as email goes to mail.outbox."""
    settings.SMS_BACKEND = "campaigns.sms.locmem.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def whatsapp_outbox(settings):
    """WhatsApp messages go to campaigns.whatsapp.outbox in every test, as texts do."""
    settings.WHATSAPP_BACKEND = "campaigns.whatsapp.locmem.LocmemBackend"
    whatsapp.outbox.clear()
    yield whatsapp.outbox
    whatsapp.outbox.clear()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Django's PBKDF2 costs ~0.4 s a password on purpose; a test makes hundreds of curators and
    checks sign-in behaviour, not the hash's cost. Production settings keep the default hashers."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and other cached state never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _curator(django_user_model, username: str, role: str):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username=username, password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def internal_curator(django_user_model):
    """Priya, the organisation's own curator: everything, including employees' contact data,
    since she has enrolled an authenticator app (contact data stays hidden until a curator has)."""
    user = _curator(django_user_model, "priya", INTERNAL_CURATOR)
    enrol_totp(user)
    return user


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with an authenticator app like every curator who sees contact data."""
    enrol_totp(admin_user)
    return admin_user


@pytest.fixture
def internal_curator_without_mfa(django_user_model):
    """Priya before she has set up a second factor: the role, but no contact data yet."""
    return _curator(django_user_model, "priya", INTERNAL_CURATOR)


@pytest.fixture
def agency_curator(django_user_model):
    """Tom, the content agency's curator: the catalogue and channels, never personal data."""
    return _curator(django_user_model, "tom", AGENCY_CURATOR)


@pytest.fixture
def internal_client(client, internal_curator):
    client.force_login(internal_curator)
    return client


@pytest.fixture
def agency_client(client, agency_curator):
    client.force_login(agency_curator)
    return client


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in the test's own process; tests about workers start a real one instead."""
    from config.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was
