"""What the web process writes to its logs: what happened, never who.

gunicorn runs as the Dockerfile runs it (config/gunicorn.py), with production's settings, and is
sent requests from a distinctive loopback address and user agent to personal pages; its output
(access log, gunicorn's and Django's own lines) must name none of them, nor any token, while
still recording each request. In production every line is one JSON object (LOG_FORMAT=json),
and each request's lines carry its id, the one its response's X-Request-ID gives.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from campaigns.links import account_url, unsubscribe_url
from campaigns.models import Campaign, ConsentState, Medium
from campaigns.tracking import tracked_link_for
from config.redaction import RedactingFilter
from tests.factories import SubscriberFactory, live_item
from tests.helpers import free_port, path_of
from tests.processes import PROJECT_ROOT, SETTINGS_VARIABLES, run_manage
from tests.workers import wait_for

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]

CLIENT_ADDRESS = "127.0.0.3"  # the server listens on 127.0.0.1; this is only the caller's
HOSTILE_AGENT = "HostileTester/13.0 (log-leak-probe; +tracking-me@example.test)"
FORWARDED_FOR = "203.0.113.77"  # what a proxy would say the client's address is
# A request id a proxy may pass on is written on every line: one holding anything but an id is not.
PERSONAL_REQUEST_ID = "phone-+447700900777"


def production_env(static_root: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        # The test's own key, so links made here open there; set, it turns DEBUG off.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": static_root,
    }


class Gunicorn:
    def __init__(self, env: dict[str, str], log_path: str) -> None:
        self.port = free_port()
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--config",
                    "python:config.gunicorn",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                ],
                cwd=PROJECT_ROOT,
                env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: self.get("/healthz")[0] == 200, timeout=60, what="gunicorn to answer")
        return self

    def get(self, path: str, request_id: str = PERSONAL_REQUEST_ID) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(CLIENT_ADDRESS, 0)
        )
        headers = {
            "User-Agent": HOSTILE_AGENT,
            "Referer": path,
            "X-Forwarded-For": FORWARDED_FOR,
            "X-Request-ID": request_id,
        }
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        except OSError:
            return 0, b"", {}
        finally:
            connection.close()

    def output(self) -> str:
        with open(self.log_path, errors="replace") as log:
            return log.read()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def web(tmp_path):
    static_root = str(tmp_path / "static")
    env = production_env(static_root)
    collected = run_manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    server = Gunicorn(env, str(tmp_path / "gunicorn.log")).start()
    yield server
    server.stop()


def test_the_web_log_records_requests_to_personal_pages_without_address_agent_or_token(web):
    employee = SubscriberFactory(sms=ConsentState.SUBSCRIBED, email_consent=ConsentState.SUBSCRIBED)
    account = path_of(account_url(employee))
    unsubscribe = path_of(unsubscribe_url(employee, Medium.EMAIL))
    campaign = Campaign.objects.create(name="Feedback week", slug="feedback-week")
    placement = live_item(title="Giving feedback").placements.get()
    link = tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement)
    bogus_token = "Zm9yZ2VkLXRva2VuLWZvci1sb2dz"

    assert web.get(account)[0] == 200
    status, _, headers = web.get(f"/me/{bogus_token}/", request_id="proxy-4f1c9a7e")
    assert (status, headers["X-Request-ID"]) == (404, "proxy-4f1c9a7e")  # the proxy's id, kept
    assert web.get(unsubscribe)[0] == 200
    assert web.get(f"/l/{link.token}?utm_source=leak-probe")[0] == 302
    status, _, headers = web.get("/no-such-page/?email=someone@example.test")
    made_up = headers["X-Request-ID"]
    assert status == 404 and made_up != PERSONAL_REQUEST_ID  # not an id: replaced by one of ours
    web.stop()  # every line flushed

    log = web.output()
    account_token = account.split("/")[2]
    for secret in (
        CLIENT_ADDRESS,
        HOSTILE_AGENT,
        "HostileTester",
        account_token,
        bogus_token,
        link.token,
        unsubscribe.split("/")[2],
        "leak-probe",
        "someone@example.test",
        FORWARDED_FOR,
        "+447700900777",
    ):
        assert secret not in log, f"{secret!r} is in the log:\n{log}"
    # One JSON object per line, gunicorn's own lines too.
    entries = [json.loads(line) for line in log.splitlines()]
    assert {entry["logger"] for entry in entries} >= {"gunicorn.error", "gunicorn.access", "django.request"}
    # Each request is still recorded: method, path without its token, status; and its id.
    written = [(re.sub(r" \d+ms$", "", entry["message"]), entry.get("request_id")) for entry in entries]
    for line in (
        ('"GET /me/<redacted>/" 200', None),
        ('"GET /me/<redacted>/" 404', "proxy-4f1c9a7e"),
        ("Not Found: /me/<redacted>/", "proxy-4f1c9a7e"),
        ('"GET /u/<redacted>/" 200', None),
        ('"GET /l/<redacted>" 302', None),
        ('"GET /no-such-page/" 404', made_up),
        ("Not Found: /no-such-page/", made_up),
    ):
        message, request_id = line
        assert any(
            seen == message and (request_id is None or seen_id == request_id) for seen, seen_id in written
        ), f"{line!r} is missing from the log:\n{log}"
    requests = [entry for entry in entries if entry["logger"] in ("gunicorn.access", "django.request")]
    assert all(len(entry["request_id"]) >= 8 for entry in requests), log


def test_a_server_errors_traceback_is_logged_without_the_token():
    """Django logs a 500 with its traceback; an exception's message may quote the path."""
    token = "eyJzIjo0Mn0:1xaM3T:QFum3O6wlOpMIg7D6-eXoMyPKmf5KwAQPY_MDNxirsg"
    (console,) = [  # settings.LOGGING's console handler, as in production
        handler
        for handler in logging.getLogger("django").handlers
        if any(isinstance(f, RedactingFilter) for f in handler.filters)
    ]
    written = io.StringIO()
    stream = console.setStream(written)
    try:
        raise LookupError(f"no page for /me/{token}/?from=sms")
    except LookupError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", f"/me/{token}/")
    finally:
        console.setStream(stream)

    logged = written.getvalue()
    assert "Internal Server Error: /me/<redacted>/" in logged
    assert "LookupError: no page for /me/<redacted>/" in logged
    assert token not in logged and "from=sms" not in logged
