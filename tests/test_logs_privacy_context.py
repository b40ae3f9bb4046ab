"""Which request, task, campaign or sync a log line belongs to: ids only, bound where work enters.

The request id middleware keeps a proxy's sane X-Request-ID and says it back, and replaces one it
would not write on every line. A real worker, started as docker-compose starts it with LOG_FORMAT
json, writes one JSON object per log line, each line of a send carrying its task, its campaign and
the request that queued it (passed on in the task's message), and still through the redacting
filter. A sync's lines carry its run.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection

from analytics import services as analytics
from analytics.models import Source, SyncRun, SyncStatus
from analytics.sources.base import Period
from campaigns import sending
from campaigns.models import DeliveryStatus, MediaPreference
from config import logging_context
from config.celery import app
from tests.factories import (
    live_item,
    ready_campaign,
    subscribed_employees,
    youtube_channel_with_videos,
)
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, FakeTwilio
from tests.logs import production_log_lines
from tests.workers import CeleryWorker, wait_for

# Request ids


@pytest.mark.django_db
@pytest.mark.parametrize("offered", ["4f1c9a7e-2b1d-4c3e-9f00-5a6b7c8d9e0f", "nginx.0a1b2c3d4e5f"])
def test_a_proxys_request_id_is_kept_and_said_back(client, offered):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert response["X-Request-ID"] == offered


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offered",
    [
        "",
        "short",
        "+447400946199",
        "someone@example.test",
        "with spaces in it",
        "x" * 65,
        "a\nb-injected-line",
    ],
)
def test_a_request_id_that_is_not_an_id_is_replaced_by_a_new_one(client, offered):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32 and int(response["X-Request-ID"], 16) >= 0


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


# Tasks on a real worker


@pytest.mark.requires("postgres", "redis")
@pytest.mark.django_db(transaction=True)
def test_a_workers_lines_are_json_with_the_task_campaign_and_queuing_request(settings, internal_curator):
    twilio = FakeTwilio().start()
    db = connection.settings_dict
    worker = CeleryWorker(
        {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "SECRET_KEY": "a-deployment-key-for-the-worker-test",  # production: JSON lines
            "LOG_LEVEL": "DEBUG",  # urllib3 writes a line per text, with the task's ids
            "SMS_BACKEND": "campaigns.sms.twilio.TwilioBackend",
            "TWILIO_API_BASE_URL": twilio.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
            "SEND_WINDOW_DAYS": "0,1,2,3,4,5,6",
            "SEND_WINDOW_START": "00:00",
            "SEND_WINDOW_END": "00:00",
        }
    )
    # The launch here reckons working hours as the worker does: all day, every day, so the texts
    # are due whatever the clock says (a launch at 23:30 would otherwise wait for the morning).
    settings.SEND_WINDOW_DAYS = [0, 1, 2, 3, 4, 5, 6]
    settings.SEND_WINDOW_START = settings.SEND_WINDOW_END = "00:00"
    people = subscribed_employees(3)
    campaign = ready_campaign(placements=[live_item().placements.get()], media=MediaPreference.SMS)
    app.conf.task_always_eager = False  # queued to Redis, for the worker
    worker.start()
    try:
        with logging_context.bound(request_id="launch-request-0042"):  # as the admin's launch request
            sending.launch(campaign=campaign, by=internal_curator)
        wait_for(
            lambda: campaign.deliveries.filter(status=DeliveryStatus.ACCEPTED).count() == len(people),
            timeout=30,
            what="the worker to send the texts",
        )
    finally:
        worker.stop()
        twilio.stop()

    output = worker.output()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    sending_lines = [line for line in lines if line.get("task_name") == "campaigns.tasks.send_deliveries"]
    assert sending_lines, output
    assert all(line["request_id"] == "launch-request-0042" and line["task_id"] for line in sending_lines), (
        output
    )
    # Every line the send wrote (the provider client's), not the worker's note that the task ended.
    assert {line.get("campaign_id") for line in sending_lines} == {campaign.pk, None}, output
    assert [line for line in sending_lines if line["logger"] == "urllib3.connectionpool"], output
    assert all(
        line["campaign_id"] == campaign.pk
        for line in sending_lines
        if line["logger"] == "urllib3.connectionpool"
    ), output
    for person in people:
        assert person.phone not in output and person.phone.removeprefix("+44") not in output


# Syncs


@pytest.fixture
def captured():
    """Production's console handler, every logger at DEBUG, into a buffer, as JSON."""
    with production_log_lines() as lines:
        yield lines


@pytest.mark.django_db
def test_a_syncs_lines_carry_its_run_and_task(youtube_fake, captured, django_capture_on_commit_callbacks):
    youtube_fake.add_video("intro000001")
    channel = youtube_channel_with_videos(["intro000001"], titles=["Intro"])

    with django_capture_on_commit_callbacks(execute=True):
        queued = analytics.queue_sync(
            source=Source.YOUTUBE, channel=channel, period=Period(date(2026, 11, 16), date(2026, 11, 22))
        )

    run = SyncRun.objects.get(pk=queued.pk)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    of_the_run = [line for line in captured() if line.get("sync_run_id") == run.pk]
    assert of_the_run, "no line of the sync carries its run"
    assert all(
        line["task_name"] == "analytics.tasks.run_sync_task" and line["task_id"] for line in of_the_run
    )
