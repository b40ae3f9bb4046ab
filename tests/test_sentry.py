"""Error reports reach Sentry when SENTRY_DSN is set, and say what broke without saying who.

The real SDK (config/sentry.py's init, as settings call it) sends to a loopback fake of Sentry's
ingest endpoint (tests/fakes/sentry.py). A page that fails for a request carrying personal data
everywhere a request can (a token in the path, an address and a number in the query, a cookie,
the client's address, user agent and credentials in headers) and a task that fails with a number
and an address in its arguments and its message are each reported, and nothing of that data is
in anything the fake received.
"""

from __future__ import annotations

import http.client
import logging
from urllib.parse import urlencode, urlsplit

import pytest
import sentry_sdk
from celery import shared_task
from django.urls import path

from config import sentry
from config.urls import urlpatterns as site_urlpatterns
from tests.fakes.sentry import FakeSentry
from tests.processes import run_python

# The failing page and task first: a report quotes the source lines around a failure, and the
# values below must not be among them.


def broken_page(request, token):
    logging.getLogger("tests.sentry").warning("Looking up the page of %s for %s", PHONE, EMAIL)
    raise LookupError(f"no page for {request.get_full_path()} asked by {request.COOKIES.get('employee')}")


# This module is the URLconf of the request test: the site, and one page that fails.
urlpatterns = [path("me/<str:token>/broken/", broken_page), *site_urlpatterns]


@shared_task
def text_an_employee(phone: str, email: str) -> None:
    raise ConnectionError(f"The provider refused {phone} ({email})")


@pytest.fixture
def fake_sentry():
    fake = FakeSentry().start()
    assert sentry.init(dsn=fake.dsn, environment="test", traces_sample_rate=0.0)
    yield fake
    sentry_sdk.flush()
    sentry_sdk.init()  # no DSN: reporting off again for the tests that follow
    fake.stop()


TOKEN = "eyJzIjo5OX0:1xbQ7T:c2VudHJ5LXByb2JlLXRva2Vu"
PHONE = "+447400946191"
EMAIL = "griselda.moncrieff@acme-learning.example"
AGENT = "SentryProbe/1.0 (report-leak-probe)"
FORWARDED_FOR = "203.0.113.51"
CLIENT_ADDRESS = "127.0.0.51"  # the server listens on 127.0.0.1; this is only the caller's
BEARER = "Bearer c2VjcmV0LWJlYXJlci1wcm9iZQ"
SECRETS = [
    TOKEN,
    PHONE,
    PHONE.removeprefix("+44"),
    EMAIL,
    "griselda",
    AGENT,
    FORWARDED_FOR,
    CLIENT_ADDRESS,
    BEARER,
]


def assert_nothing_personal(fake: FakeSentry) -> None:
    sent = fake.sent()
    for secret in SECRETS:
        assert secret not in sent, f"{secret!r} was sent to Sentry:\n{sent}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.test_sentry")
def test_a_failing_page_is_reported_without_the_requests_personal_data(fake_sentry, live_server):
    """Over HTTP to the running app (WSGI, as gunicorn serves it), so the SDK sees a whole request."""
    server = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(server.hostname, server.port, source_address=(CLIENT_ADDRESS, 0))
    connection.request(
        "GET",
        f"/me/{TOKEN}/broken/?{urlencode({'email': EMAIL, 'phone': PHONE})}",
        headers={
            "User-Agent": AGENT,
            "X-Forwarded-For": FORWARDED_FOR,
            "Authorization": BEARER,
            "Cookie": f"employee={EMAIL}",
        },
    )
    response = connection.getresponse()
    status, request_id = response.status, response.getheader("X-Request-ID")
    connection.close()
    sentry_sdk.flush()

    assert status == 500
    events = fake_sentry.wait_for_events(1)
    (report,) = [event for event in events if event.get("exception")]
    (error,) = report["exception"]["values"]
    assert (error["type"], error["value"]) == (
        "LookupError",
        "no page for /me/<redacted>/broken/ asked by <redacted>",
    )
    assert report["request"] == {"method": "GET", "url": f"{live_server.url}/me/<redacted>/broken/"}
    assert "user" not in report
    assert report["environment"] == "test"
    assert report["tags"]["request_id"] == request_id  # the id its log lines carry
    crumbs = [crumb.get("message") for crumb in report["breadcrumbs"]["values"]]
    assert "Looking up the page of <redacted> for <redacted>" in crumbs
    assert_nothing_personal(fake_sentry)


def test_a_failing_task_is_reported_without_its_arguments_or_the_personal_data_in_its_message(fake_sentry):
    with pytest.raises(ConnectionError):  # run eagerly, it fails in the caller too
        text_an_employee.delay(phone=PHONE, email=EMAIL)
    sentry_sdk.flush()

    (report,) = fake_sentry.wait_for_events(1)
    (error,) = report["exception"]["values"]
    assert (error["type"], error["value"]) == (
        "ConnectionError",
        "The provider refused <redacted> (<redacted>)",
    )
    assert report["tags"]["task_id"] == report["tags"]["celery_task_id"]
    assert report["tags"]["task_name"] == "tests.test_sentry.text_an_employee"
    assert report["transaction"] == "tests.test_sentry.text_an_employee"
    assert_nothing_personal(fake_sentry)


def test_the_settings_start_reporting_from_sentry_dsn_and_only_then():
    fake = FakeSentry().start()
    probe = (
        "import django, logging, sentry_sdk; django.setup(); "
        "print(sentry_sdk.get_client().is_active()); "
        f"logging.getLogger('campaigns.probe').error('Could not text %s', {PHONE!r}); "
        "sentry_sdk.flush()"
    )
    try:
        off = run_python(probe, {"SENTRY_DSN": ""})
        assert (off.returncode, off.stdout.strip()) == (0, "False"), off.stderr
        assert fake.envelopes == []

        on = run_python(probe, {"SENTRY_DSN": fake.dsn, "SENTRY_ENVIRONMENT": "staging"})
        assert (on.returncode, on.stdout.strip()) == (0, "True"), on.stderr
        (report,) = fake.wait_for_events(1)
    finally:
        fake.stop()
    assert report["environment"] == "staging"
    assert report["logentry"]["formatted"] if "formatted" in report.get("logentry", {}) else True
    assert PHONE not in fake.sent()
    assert "Could not text <redacted>" in fake.sent()
