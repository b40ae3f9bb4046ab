"""“Useful?” end to end: a real worker texts through the real Twilio client to the loopback fake,
and the replies come back through the signed inbound webhook."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from campaigns.models import FeedbackCount, Usefulness
from tests.campaigns.test_sending_worker import launch_in_subprocess, wait_until_sent, worker_env
from tests.factories import subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN
from tests.workers import CeleryWorker

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]


def reply_by_text(client, settings, phone: str, body: str, sid: str) -> str:
    params = {"From": phone, "Body": body, "MessageSid": sid}
    url = settings.PUBLIC_BASE_URL + "/hooks/twilio/inbound/"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = client.post("/hooks/twilio/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    return response.content.decode()


def test_a_text_sent_by_the_worker_asks_and_a_reply_1_counts_once_however_often_it_is_sent(
    campaign, internal_curator, fake, own_redis, client, settings
):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    people = subscribed_employees(3)
    worker = CeleryWorker(worker_env(own_redis.url, fake)).start()
    try:
        launch_in_subprocess(campaign, internal_curator, worker_env(own_redis.url, fake))
        wait_until_sent(campaign, worker)
    finally:
        worker.stop()

    bodies = {
        message.params["To"]: message.params["Body"] for message in fake.requests if message.method == "POST"
    }
    assert set(bodies) == {person.phone for person in people}
    assert all(
        body.endswith("\nReply 1 if useful, 2 if not for you\nReply STOP to stop") for body in bodies.values()
    )

    answers = [reply_by_text(client, settings, people[0].phone, "1", f"SM{n:032d}") for n in range(5)]
    reply_by_text(client, settings, people[1].phone, "2", "SM" + "9" * 32)

    assert "Thanks, counted." in answers[0]
    assert all("already told us" in answer for answer in answers[1:])
    totals = dict(FeedbackCount.objects.values_list("answer", "votes"))
    assert totals == {Usefulness.USEFUL: 1, Usefulness.NOT_FOR_ME: 1}
