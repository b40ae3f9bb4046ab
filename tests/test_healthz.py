"""GET /healthz: 200 when the database (and, if configured, the broker) answer; 503 otherwise,
as it always was. /healthz/live asks nothing; /healthz/ready adds beat's last tick and sends
that are due and not going out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from campaigns import sending
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    MediaPreference,
    Medium,
    Subscriber,
)
from config.health import sending_campaigns_oldest_due
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import free_port
from tests.processes import run_python

pytestmark = pytest.mark.django_db


def test_healthy_without_a_broker_configured(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.requires("redis")
def test_healthy_with_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_unavailable_when_the_broker_does_not_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unreachable"},
    }


def test_unavailable_when_the_database_does_not_answer():
    probe = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""
    result = run_python(probe, {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/none"})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "status": 503,
        "body": {"status": "unavailable", "checks": {"database": "unreachable"}},
    }


# Liveness and readiness (issue 17).

SATURDAY = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MONDAY_OPENING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 08:00 in London: Saturday's texts fall due


@pytest.fixture
def beat_ran(settings):
    """Beat, as django-celery-beat records it: the minute jobs' last run, a minute ago."""
    settings.HEALTH_CHECK_BEAT = True
    settings.HEALTH_BEAT_MAX_AGE_SECONDS = 600
    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)

    def ran_at(moment: datetime) -> None:
        PeriodicTask.objects.update_or_create(
            name="flush-link-clicks",
            defaults={
                "task": "campaigns.tasks.flush_link_clicks",
                "interval": every_minute,
                "last_run_at": moment,
            },
        )

    return ran_at


def ready() -> tuple[int, dict]:
    response = Client().get("/healthz/ready")
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def launched_on_saturday(internal_curator, people: int = 3):
    """Texts launched at the weekend wait for Monday's working hours, pending in the ledger."""
    subscribed_employees(people, media=(Medium.SMS,))
    placement = live_item(title="Giving feedback").placements.get()
    with time_machine.travel(SATURDAY, tick=False):
        campaign = sending.launch(
            campaign=ready_campaign(placements=[placement], media=MediaPreference.SMS), by=internal_curator
        )
    assert campaign.status == CampaignStatus.SENDING
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING).count() == people
    return campaign


def test_liveness_asks_no_dependency(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/healthz/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.requires("redis")
def test_ready_when_every_part_is_working(beat_ran, django_assert_max_num_queries):
    with time_machine.travel(MONDAY_OPENING, tick=False):
        beat_ran(MONDAY_OPENING - timedelta(seconds=60))
        with django_assert_max_num_queries(3):
            status, body = ready()

    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok", "reason": "answers"},
            "redis": {"status": "ok", "reason": "answers"},
            "beat": {"status": "ok", "reason": "last scheduled run 60 s ago"},
            "sending": {"status": "ok", "reason": "nothing due"},
        },
    }


def test_not_ready_when_beat_has_not_run_for_longer_than_allowed(beat_ran, settings):
    settings.REDIS_URL = ""
    with time_machine.travel(MONDAY_OPENING, tick=False):
        beat_ran(MONDAY_OPENING - timedelta(seconds=601))
        status, body = ready()

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["beat"] == {"status": "failing", "reason": "last scheduled run 601 s ago"}
    assert body["checks"]["database"]["status"] == "ok"


def test_not_ready_when_beat_never_ran(settings):
    settings.REDIS_URL = ""
    settings.HEALTH_CHECK_BEAT = True

    status, body = ready()

    assert status == 503
    assert body["checks"]["beat"] == {"status": "failing", "reason": "beat has never run a scheduled task"}


def test_the_embedded_default_has_no_beat_to_check(settings):
    settings.REDIS_URL = ""
    settings.HEALTH_CHECK_BEAT = False

    status, body = ready()

    assert status == 200
    assert set(body["checks"]) == {"database", "sending"}


def test_not_ready_when_due_texts_wait_and_nothing_goes_out(beat_ran, settings, internal_curator):
    settings.REDIS_URL = ""
    settings.HEALTH_SENDING_STUCK_SECONDS = 600
    launched_on_saturday(internal_curator)
    stuck_at = MONDAY_OPENING + timedelta(seconds=601)

    with time_machine.travel(MONDAY_OPENING + timedelta(seconds=600), tick=False):
        beat_ran(timezone.now())
        still_waiting = ready()
    with time_machine.travel(stuck_at, tick=False):
        beat_ran(timezone.now())
        stuck = ready()

    assert still_waiting == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": {"status": "ok", "reason": "answers"},
                "beat": {"status": "ok", "reason": "last scheduled run 0 s ago"},
                "sending": {"status": "ok", "reason": "oldest due send waiting 600 s"},
            },
        },
    )
    assert stuck[0] == 503
    assert stuck[1]["checks"]["sending"] == {
        "status": "failing",
        "reason": "oldest due send waiting 601 s; nothing sent for 600 s",
    }


def test_a_long_send_at_the_providers_pace_is_not_stuck(
    beat_ran, settings, internal_curator, django_capture_on_commit_callbacks
):
    """Saturday's texts still wait at 08:20, but another campaign's went out at 08:15: the
    workers are at it, only slower than the queue (a long code sends one text a second)."""
    settings.REDIS_URL = ""
    settings.HEALTH_SENDING_STUCK_SECONDS = 600
    launched_on_saturday(internal_curator)
    placement = live_item(title="Running one-to-ones").placements.get()
    with (
        time_machine.travel(MONDAY_OPENING + timedelta(minutes=15), tick=False),
        django_capture_on_commit_callbacks(execute=True),  # its sending task runs, eagerly
    ):
        sending.launch(
            campaign=ready_campaign(
                placements=[placement], media=MediaPreference.SMS, name="One-to-ones", slug="one-to-ones"
            ),
            by=internal_curator,
        )

    with time_machine.travel(MONDAY_OPENING + timedelta(minutes=20), tick=False):
        beat_ran(timezone.now())
        status, body = ready()
    with time_machine.travel(MONDAY_OPENING + timedelta(minutes=25, seconds=1), tick=False):
        beat_ran(timezone.now())
        later = ready()

    assert status == 200
    assert body["checks"]["sending"] == {
        "status": "ok",
        "reason": "oldest due send waiting 1200 s; sends are going out",
    }
    assert later[0] == 503  # nothing since 08:15, ten minutes and a second ago


def test_a_paused_campaigns_texts_wait_on_purpose(beat_ran, settings, internal_curator):
    settings.REDIS_URL = ""
    campaign = launched_on_saturday(internal_curator)
    sending.pause(campaign=campaign, by=internal_curator)

    with time_machine.travel(MONDAY_OPENING + timedelta(hours=2), tick=False):
        beat_ran(timezone.now())
        status, body = ready()

    assert status == 200
    assert body["checks"]["sending"] == {"status": "ok", "reason": "nothing due"}


def test_readiness_names_no_person_or_campaign(beat_ran, settings, internal_curator):
    settings.REDIS_URL = ""
    campaign = launched_on_saturday(internal_curator)

    with time_machine.travel(MONDAY_OPENING + timedelta(hours=2), tick=False):
        beat_ran(timezone.now())
        response = Client().get("/healthz/ready")

    body = response.content.decode()
    assert response.status_code == 503
    for person in Subscriber.objects.all():
        assert person.phone not in body and person.email not in body and person.display_name not in body
    assert campaign.name not in body


@pytest.mark.requires("postgres")
def test_the_oldest_due_send_is_found_through_the_ledgers_index():
    """The probe runs every few seconds against a ledger of millions of rows: the plan reads
    deliveries through delivery_due (campaign, status, not_before), not through another index that
    starts with the campaign (the once-per-occurrence key), which would walk all its rows. The
    planner chooses by the table's statistics, so the test gives it a ledger of a real shape: a
    sending campaign whose many rows are mostly sent, a few still due."""
    campaign = ready_campaign(placements=[live_item(title="Giving feedback").placements.get()])
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    Delivery.objects.bulk_create(
        Delivery(
            campaign=campaign,
            medium=Medium.SMS,
            occurrence=1,
            status=DeliveryStatus.PENDING if number % 100 == 0 else DeliveryStatus.SENT,
            not_before=MONDAY_OPENING - timedelta(seconds=number),
        )
        for number in range(5_000)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_delivery")  # rolled back with the test, like the rows
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = sending_campaigns_oldest_due(MONDAY_OPENING).explain()

    assert "delivery_due" in plan
