"""What “useful?” keeps: totals with no person in them, and receipts (keyed hashes) that are
deleted when the message's window closes, by the daily housekeeping task."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db.models import Max, Min

from campaigns import tasks
from campaigns.models import FeedbackCount, MediaPreference, Medium, Subscriber, VoiceReceipt
from tests.campaigns.voting import PHONE_BROWSER, answer_in, launch, reply, use_twilio_settings, votes
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import path_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

COUNTED = "Thanks, counted."
ALREADY = "Thanks, you've already told us about that one."


@pytest.fixture(autouse=True)
def twilio(settings, sms_outbox):
    use_twilio_settings(settings)


@pytest.fixture
def texted(internal_curator, django_capture_on_commit_callbacks):
    people = subscribed_employees(3)
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement], media=MediaPreference.BOTH)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    return campaign, people


def test_receipts_expire_with_the_window_and_housekeeping_deletes_them(client, texted):
    campaign, (sam, kim, _) = texted
    reply(client, sam.phone, "1")
    texts = campaign.deliveries.filter(medium=Medium.SMS)
    first_sent, last_sent = (texts.aggregate(at=agg("sent_at"))["at"] for agg in (Min, Max))
    window_closes = last_sent + timedelta(days=7)
    assert window_closes - (first_sent + timedelta(days=7)) < timedelta(seconds=1)

    with time_machine.travel(first_sent + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert tasks.forget_expired_voice_receipts.delay().get() == 0
        assert answer_in(reply(client, sam.phone, "2")) == ALREADY
        assert answer_in(reply(client, kim.phone, "1")) == COUNTED
    with time_machine.travel(window_closes + timedelta(seconds=1), tick=False):
        assert tasks.forget_expired_voice_receipts.delay().get() == 2
        # The window is closed for the message too: a late reply is not a second vote.
        assert answer_in(reply(client, sam.phone, "2")) is None

    assert not VoiceReceipt.objects.exists()
    assert votes() == {("Giving feedback", "Useful"): 2}


def test_housekeeping_runs_daily_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["forget-expired-voice-receipts"]

    assert entry["task"] == tasks.forget_expired_voice_receipts.name
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {40}


def rows_as_text(model) -> str:
    """Every column of every row of the model's table, as the database holds it."""
    columns = [field.attname for field in model._meta.concrete_fields]
    return repr(list(model.objects.values_list(*columns)))


def test_no_row_a_vote_writes_holds_who_voted(client, texted):
    _, people = texted
    for person in people:
        reply(client, person.phone, "1")
    email = next(message for message in mail.outbox if message.to == [people[0].email])
    button = next(line.split(": ", 1)[1] for line in email.body.splitlines() if line.startswith("Useful: "))
    client.post(path_of(button), HTTP_USER_AGENT=PHONE_BROWSER)

    # The tables a vote writes: no column could point at a person.
    for model in (FeedbackCount, VoiceReceipt):
        assert not [f.name for f in model._meta.get_fields() if f.related_model is Subscriber], model
    written = rows_as_text(FeedbackCount) + rows_as_text(VoiceReceipt)
    for person in people:
        for personal in (person.phone, person.phone.lstrip("+"), person.email, person.link_key):
            assert personal not in written
    receipts = set(VoiceReceipt.objects.values_list("key", flat=True))
    assert len(receipts) == 4
    assert not receipts & {str(person.pk) for person in Subscriber.objects.all()}
    assert votes() == {("Giving feedback", "Useful"): 3}
