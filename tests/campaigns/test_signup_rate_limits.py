"""SMS pumping defence: the provider is called exactly up to each threshold, and the rest get 429."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from campaigns import sms
from campaigns.models import Subscriber
from tests.processes import run_python

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many attempts from here. Try again in an hour."


@pytest.fixture(autouse=True)
def signup_settings(open_signup):
    settings = open_signup
    settings.SIGNUP_RATE_PER_IP = settings.SIGNUP_RATE_PER_NUMBER = settings.SIGNUP_RATE_PER_PREFIX = "100/h"
    settings.SIGNUP_RATE_PER_NUMBER_CEILING = "100/h"
    settings.SIGNUP_SMS_DAILY_CAP = 100
    return settings


def ask_for_code(phone: str, ip: str = "198.51.100.7", client: Client | None = None):
    client = client or Client()
    data = {
        "phone": phone,
        "preferred_media": "sms",
        "time_zone": "Europe/London",
        "invitation_code": "LEARN-2026",
    }
    return client.post("/join/", data, REMOTE_ADDR=ip)


def statuses(responses: list) -> list[int]:
    return [response.status_code for response in responses]


def assert_refused(response) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert TOO_MANY in response.content.decode()


def test_from_one_ip_codes_stop_at_the_threshold(settings):
    settings.SIGNUP_RATE_PER_IP = "3/h"

    responses = [ask_for_code(f"+4477001000{n:02d}") for n in range(6)]

    assert statuses(responses) == [302, 302, 302, 429, 429, 429]
    assert len(sms.outbox) == 3
    assert_refused(responses[-1])
    # Refused before anything was written: no invitee, no consent row.
    assert Subscriber.objects.count() == 3


def test_rotating_ips_on_one_prefix_stop_at_the_prefix_threshold(settings):
    settings.SIGNUP_RATE_PER_IP = "3/h"
    settings.SIGNUP_RATE_PER_PREFIX = "4/h"

    responses = [ask_for_code(f"+4477001000{n:02d}", ip=f"203.0.113.{n}") for n in range(7)]

    assert statuses(responses) == [302, 302, 302, 302, 429, 429, 429]
    assert len(sms.outbox) == 4
    # Another range is not held up by the one under attack.
    assert ask_for_code("+447800123456", ip="203.0.113.200").status_code == 302


def test_one_number_gets_only_so_many_codes_whichever_ip_asks(settings):
    settings.SIGNUP_RATE_PER_NUMBER_CEILING = "2/h"

    responses = [ask_for_code("+447700100001", ip=f"203.0.113.{n}") for n in range(4)]

    assert statuses(responses) == [302, 302, 429, 429]
    assert len(sms.outbox) == 2


def test_one_ip_gets_only_so_many_codes_to_one_number(settings):
    settings.SIGNUP_RATE_PER_NUMBER = "2/h"

    responses = [ask_for_code("+447700100001") for _ in range(3)]

    assert statuses(responses) == [302, 302, 429]
    assert len(sms.outbox) == 2


def test_the_daily_cap_stops_codes_to_every_number(settings):
    settings.SIGNUP_SMS_DAILY_CAP = 3

    responses = [ask_for_code(f"+4477{n}0123456", ip=f"203.0.113.{n}") for n in range(5)]

    assert statuses(responses) == [302, 302, 302, 429, 429]
    assert len(sms.outbox) == 3


def test_a_blocked_ip_does_not_use_up_the_numbers_allowance(settings):
    settings.SIGNUP_RATE_PER_IP = "1/h"
    settings.SIGNUP_RATE_PER_NUMBER_CEILING = "2/h"
    ask_for_code("+447700100001", ip="198.51.100.7")

    for _ in range(3):
        assert_refused(ask_for_code("+447700100001", ip="198.51.100.7"))

    assert ask_for_code("+447700100001", ip="203.0.113.1").status_code == 302
    assert len(sms.outbox) == 2


def test_only_codes_that_would_be_sent_are_counted(settings):
    settings.SIGNUP_RATE_PER_IP = "1/h"
    client = Client()
    refused = ask_for_code("+1 202 555 0123", client=client)
    email_only = client.post(
        "/join/",
        {"email": "dev@acme-learning.example", "preferred_media": "email", "time_zone": "Europe/London"},
        REMOTE_ADDR="198.51.100.7",
    )

    first_code = ask_for_code("+447700100001", client=client)

    assert refused.status_code == 200
    assert email_only.status_code == 302
    assert first_code.status_code == 302
    assert len(sms.outbox) == 1


def test_guesses_at_the_code_are_limited_per_ip(settings):
    settings.SIGNUP_RATE_PER_IP = "3/h"
    client = Client()
    ask_for_code("+447700100001", client=client)
    texted = re.search(r"\d{6}", sms.outbox[0].body).group(0)
    wrong = f"{(int(texted) + 1) % 1_000_000:06d}"

    responses = [client.post("/join/confirm/", {"code": wrong}, REMOTE_ADDR="198.51.100.7") for _ in range(4)]

    assert statuses(responses) == [200, 200, 200, 429]
    assert_refused(responses[-1])


@pytest.mark.requires("redis")
def test_every_web_process_counts_against_the_same_limits(settings):
    """Limits held in one process's memory would multiply by the number of gunicorn workers."""
    settings.SIGNUP_RATE_PER_NUMBER_CEILING = "2/h"
    other_process = run_python(
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from campaigns.ratelimits import may_send_code\n"
        "request = RequestFactory().post('/join/', REMOTE_ADDR='192.0.2.1')\n"
        "print([may_send_code(request, phone='+447700100001') for _ in range(2)])\n",
        env={
            "REDIS_URL": settings.REDIS_URL,
            "SIGNUP_RATE_PER_NUMBER_CEILING": "2/h",
            "SIGNUP_RATE_PER_NUMBER": "100/h",
            "SIGNUP_RATE_PER_IP": "100/h",
            "SIGNUP_RATE_PER_PREFIX": "100/h",
            "SIGNUP_SMS_DAILY_CAP": "100",
        },
    )
    assert other_process.stdout.strip() == "[True, True]", other_process.stderr

    assert_refused(ask_for_code("+447700100001", ip="203.0.113.1"))
    assert sms.outbox == []
