"""The embedded default does on a schedule what production's beat does: waiting texts go out."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery import shared_task
from celery.schedules import crontab

from campaigns import sending
from campaigns.models import CampaignStatus, Delivery, DeliveryStatus, MediaPreference
from config.embedded_schedule import ScheduleRunner
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import free_port
from tests.processes import PROJECT_ROOT, SETTINGS_VARIABLES, run_python

# Sunday 6 December 2026, 7 pm in London (GMT, so UTC too): working hours open Monday at 08:00.
SUNDAY_EVENING = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)
MONDAY_OPENING = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

runs: list[tuple[str, datetime]] = []


@shared_task(name="tests.test_embedded_schedule.note_run")
def note_run(name: str) -> None:
    """A task of the test's own, so the runner's timing is seen without running the app's tasks."""
    from django.utils import timezone

    runs.append((name, timezone.now()))


@pytest.mark.django_db
def test_a_campaign_launched_on_sunday_evening_is_texted_when_working_hours_open(
    internal_curator, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.LINKCHECK_MAX_PER_RUN = 0  # the hourly link check runs too, but leaves the internet alone
    with time_machine.travel(SUNDAY_EVENING, tick=False) as clock:
        subscribed_employees(1)
        campaign = ready_campaign(
            placements=[live_item(title="Giving feedback").placements.get()], media=MediaPreference.SMS
        )
        with django_capture_on_commit_callbacks(execute=True):
            sending.launch(campaign=campaign, by=internal_curator)
        runner = ScheduleRunner.from_settings()  # the web process starts on Sunday evening too

        texted_at = []
        now = SUNDAY_EVENING
        while now < MONDAY_OPENING + timedelta(hours=1):
            # Five-minute steps overnight, one-minute steps around the opening.
            step = 60 if MONDAY_OPENING - timedelta(minutes=10) <= now else 300
            clock.shift(step)
            now += timedelta(seconds=step)
            with django_capture_on_commit_callbacks(execute=True):
                runner.run_due()
            texted_at += [now] * (len(sms_outbox) - len(texted_at))

    assert len(sms_outbox) == 1  # once, and only once, however many times the schedule ran since
    assert MONDAY_OPENING <= texted_at[0] <= MONDAY_OPENING + timedelta(minutes=1)
    assert Delivery.objects.get().status == DeliveryStatus.ACCEPTED
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_each_due_task_runs_exactly_once_when_its_schedule_says(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "every-minute": {"task": note_run.name, "schedule": 60.0, "args": ("every-minute",)},
        "hourly": {"task": note_run.name, "schedule": crontab(minute=17), "args": ("hourly",)},
    }
    runs.clear()
    with time_machine.travel(SUNDAY_EVENING, tick=False) as clock:
        runner = ScheduleRunner.from_settings()
        assert runner.run_due()[0] == []  # an interval counts from the start, as beat's does

        clock.shift(60)
        assert runner.run_due()[0] == ["every-minute"]
        assert runner.run_due()[0] == []  # asked again at the same moment: nothing twice

        clock.shift(59)
        ran, wait = runner.run_due()
        assert (ran, wait) == ([], 1)

        clock.shift(16 * 60)  # 19:17: the hourly one is due, and the minute one once, not sixteen times
        assert sorted(runner.run_due()[0]) == ["every-minute", "hourly"]
        clock.shift(60)
        assert runner.run_due()[0] == ["every-minute"]

    assert [name for name, _ in runs] == ["every-minute", "every-minute", "hourly", "every-minute"]


class Remember(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_failing_task_is_logged_and_the_others_still_run(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "broken": {"task": note_run.name, "schedule": 60.0, "args": ("broken", "one argument too many")},
        "fine": {"task": note_run.name, "schedule": 60.0, "args": ("fine",)},
    }
    runs.clear()
    with time_machine.travel(SUNDAY_EVENING, tick=False) as clock:
        runner = ScheduleRunner.from_settings()
        clock.shift(60)
        logged = Remember()
        logging.getLogger("config.embedded_schedule").addHandler(logged)
        try:
            ran, _ = runner.run_due()
        finally:
            logging.getLogger("config.embedded_schedule").removeHandler(logged)

    assert ran == ["broken", "fine"] and [name for name, _ in runs] == ["fine"]
    assert logged.lines == ["Scheduled task broken failed; it runs again at its next time"]


def embedded_env(tmp_path) -> dict[str, str]:
    """The embedded default, on a database of the test's own."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
    }


def test_only_the_embedded_defaults_web_process_starts_it_and_only_once(tmp_path):
    serve = (
        "import threading; import config.wsgi; from config import embedded_schedule; "
        "again = embedded_schedule.start(); "
        "print(sum(t.name == 'embedded-schedule' for t in threading.enumerate()))"
    )
    embedded = {"DATABASE_URL": f"sqlite:///{tmp_path}/demo.db"}
    production = {**embedded, "REDIS_URL": "redis://127.0.0.1:1/0"}
    command = "import django; django.setup(); import threading; print(threading.active_count())"
    quiet = "import django, logging; django.setup(); print(logging.getLogger('celery.app.trace').level)"

    assert run_python(serve, embedded).stdout.split() == ["1"]
    assert run_python(serve, production).stdout.split() == ["0"]
    assert run_python(command, embedded).stdout.split() == ["1"]  # manage.py and the like: no thread
    # The schedule's runs do not bury the texts and emails the demo prints; a worker's log keeps them.
    assert run_python(quiet, embedded).stdout.split() == [str(logging.WARNING)]
    assert run_python(quiet, production).stdout.split() == [str(logging.NOTSET)]


def test_runserver_with_its_autoreloader_runs_the_schedule_in_one_process(tmp_path):
    """`make demo` serves with runserver, which watches files in one process and serves in another."""
    log = tmp_path / "runserver.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{free_port()}"],
            cwd=PROJECT_ROOT,
            env=embedded_env(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "Running the beat schedule" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # time enough for a second one to start, were there one
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    assert log.read_text().count("Running the beat schedule in this process") == 1, log.read_text()
