"""A journey with the real things: the scheduler's tick and a Celery worker in processes of their own,
each on a clock set by libfaketime, texting through the real Twilio client to the loopback fake.

Working hours are Monday to Friday, 08:00-18:00 in each person's zone, as the consent text promises.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import Celery

from campaigns import journeys
from campaigns.models import ConsentState, Delivery, DeliveryStatus, Enrolment, EnrolmentStatus, Medium
from tests.campaigns.journey_data import welcome_series
from tests.campaigns.test_feedback_worker import reply_by_text
from tests.campaigns.test_sending_worker import reconcile_in_subprocess, worker_env
from tests.factories import SubscriberFactory, live_item, subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN
from tests.processes import run_python
from tests.workers import CeleryWorker, wait_for

LIBFAKETIME = next(
    (str(path) for path in Path("/usr/lib").glob("*/faketime/libfaketime.so.1")),
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
)

pytestmark = [
    pytest.mark.requires("postgres", "redis"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(LIBFAKETIME).exists() or not shutil.which("faketime"), reason="needs faketime"
    ),
]

TICK = """
import django
django.setup()
from campaigns import journey_schedule
print(journey_schedule.tick())
"""

# Friday 27 November 2026, 19:30 in Tokyo; Saturday noon there; Monday 08:01 there.
FRIDAY_EVENING_TOKYO = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
SATURDAY_TOKYO = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
MONDAY_MORNING_TOKYO = datetime(2026, 11, 29, 23, 1, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(moment: datetime, env: dict[str, str]) -> dict[str, str]:
    """The environment of a process whose clock starts at `moment` and runs on."""
    return {**env, "LD_PRELOAD": LIBFAKETIME, "FAKETIME": moment.strftime("@%Y-%m-%d %H:%M:%S"), "TZ": "UTC"}


def office_hours_env(redis_url: str, fake) -> dict[str, str]:
    return worker_env(
        redis_url,
        fake,
        SEND_WINDOW_DAYS="0,1,2,3,4",
        SEND_WINDOW_START="08:00",
        SEND_WINDOW_END="18:00",
        PUBLIC_BASE_URL="https://learn.example.org",
    )


def tick_in_subprocess(env: dict[str, str]) -> str:
    ticked = run_python(TICK, env)
    assert ticked.returncode == 0, ticked.stderr
    return ticked.stdout


def texts_to(fake, phone: str) -> list[str]:
    return [
        request.params["Body"]
        for request in fake.requests
        if request.method == "POST" and request.params.get("To") == phone
    ]


@pytest.fixture
def placement():
    return live_item(title="Calming an angry customer").placements.get()


def test_a_welcome_to_someone_confirming_on_a_friday_evening_in_tokyo_arrives_in_their_monday_hours(
    placement, internal_curator, fake, own_redis
):
    env = office_hours_env(own_redis.url, fake)
    with time_machine.travel(FRIDAY_EVENING_TOKYO - timedelta(minutes=5), tick=False):
        journey = journeys.launch(journey=welcome_series(placement), by=internal_curator)
        person = subscribed_employees(1, time_zone="Asia/Tokyo")[0]
    welcome = journey.steps.get(position=1).message

    tick_in_subprocess(at(FRIDAY_EVENING_TOKYO, env))
    assert {row.not_before for row in Delivery.objects.filter(medium=Medium.SMS)} == {
        datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Monday 08:00 in Tokyo
    }

    # The weekend: a worker told to send the step finds nothing due for anyone.
    worker = CeleryWorker(at(SATURDAY_TOKYO, env)).start()
    try:
        # An app of its own, never the current one: the test's tasks stay eager.
        with Celery(broker=own_redis.url, set_as_current=False) as sender:
            sender.send_task("campaigns.tasks.send_deliveries", args=[welcome.pk])
        wait_for(lambda: "succeeded" in worker.output(), timeout=60, what="the send task to run")
    finally:
        worker.stop()
    assert texts_to(fake, person.phone) == []

    # Monday morning in Tokyo: the reconciler finds the rows due and a worker sends them.
    monday = at(MONDAY_MORNING_TOKYO, env)
    worker = CeleryWorker(monday).start()
    try:
        reconcile_in_subprocess(monday)
        wait_for(lambda: texts_to(fake, person.phone), timeout=60, what="the welcome text")
    finally:
        worker.stop()

    assert len(texts_to(fake, person.phone)) == 1
    sent = Delivery.objects.get(subscriber=person, medium=Medium.SMS)
    tokyo = sent.sent_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (tokyo.weekday(), 8 <= tokyo.hour < 18) == (0, True)
    assert sent.status in (DeliveryStatus.ACCEPTED, DeliveryStatus.DELIVERED, DeliveryStatus.SENT)


def test_a_stop_between_steps_ends_the_journey_and_nothing_more_is_texted(
    placement, internal_curator, fake, own_redis, client, settings
):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = "https://learn.example.org"
    env = office_hours_env(own_redis.url, fake)
    with time_machine.travel(TUESDAY_MORNING - timedelta(minutes=5), tick=False):
        journey = journeys.launch(journey=welcome_series(placement), by=internal_curator)
        person = SubscriberFactory(sms=ConsentState.SUBSCRIBED)  # reached by text only

    worker = CeleryWorker(at(TUESDAY_MORNING, env)).start()
    try:
        tick_in_subprocess(at(TUESDAY_MORNING, env))
        wait_for(lambda: texts_to(fake, person.phone), timeout=60, what="the welcome text")

        reply_by_text(client, settings, person.phone, "STOP", "SM" + "5" * 32)

        # Two days on, when the check falls due: the tick lets them go instead.
        tick_in_subprocess(at(TUESDAY_MORNING + timedelta(days=2, minutes=5), env))
        reconcile_in_subprocess(at(TUESDAY_MORNING + timedelta(days=2, minutes=6), env))
    finally:
        worker.stop()

    assert len(texts_to(fake, person.phone)) == 1
    assert Enrolment.objects.get(journey=journey, subscriber=person).status == EnrolmentStatus.OPTED_OUT
    assert Delivery.objects.filter(subscriber=person).count() == 1
