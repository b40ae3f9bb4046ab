"""“Useful?” by text: the line every asking text ends with, and a reply 1 or 2 counted once per
person per message, through the signed inbound webhook."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client

from campaigns.models import FeedbackCount, MediaPreference, VoiceReceipt
from campaigns.preview import campaign_preview
from campaigns.sms.segments import count_segments
from tests.campaigns.voting import answer_in, launch, reply, use_twilio_settings, votes
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import TUESDAY_MORNING

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

LINE = "Reply 1 if useful, 2 if not for you"
COUNTED = "Thanks, counted."
ALREADY = "Thanks, you've already told us about that one."


@pytest.fixture(autouse=True)
def twilio(settings, sms_outbox):
    use_twilio_settings(settings)


@pytest.fixture
def placements():
    return [live_item(title=title).placements.get() for title in ("Giving feedback", "Running a retro")]


@pytest.fixture
def texted(placements, internal_curator, django_capture_on_commit_callbacks):
    """Two employees sent a text (asking "useful?") promoting two placements."""
    people = subscribed_employees(2)
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    return campaign, people


def test_an_asking_text_ends_with_the_useful_line_then_the_stop_footer(texted, sms_outbox):
    assert len(sms_outbox) == 2
    for text in sms_outbox:
        assert text.body.endswith(f"\n{LINE}\nReply STOP to stop")


def test_a_campaign_that_does_not_ask_sends_no_useful_line(
    placements, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    subscribed_employees(1)
    for slug, ask in (("silent", False), ("asking", True)):
        campaign = ready_campaign(placements=placements, media=MediaPreference.SMS, slug=slug, ask_useful=ask)
        launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    silent, asking = sms_outbox
    assert silent.body.endswith("\nReply STOP to stop") and LINE not in silent.body
    assert asking.body.endswith(f"\n{LINE}\nReply STOP to stop")


def test_the_preview_counts_the_useful_line_in_the_segments_and_the_cost(placements, settings):
    """A text that fits one segment without the line takes two with it: the cost shown doubles."""
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.04")
    subscribed_employees(3)
    words = "Hi {first_name}, three minutes on giving feedback that lands well this week: {links}"
    asking = ready_campaign(placements=placements[:1], media=MediaPreference.SMS, sms_text=words)
    silent = ready_campaign(
        placements=placements[:1], media=MediaPreference.SMS, sms_text=words, slug="silent", ask_useful=False
    )

    (with_line,) = campaign_preview(asking).media
    (without,) = campaign_preview(silent).media

    assert with_line.body.endswith(f"{LINE}\nReply STOP to stop")
    assert count_segments(with_line.body) == with_line.segments
    assert (without.segments.segments, with_line.segments.segments) == (1, 2)
    assert (without.estimated_cost, with_line.estimated_cost) == (Decimal("0.12"), Decimal("0.24"))


def test_a_reply_1_counts_once_for_each_placement_however_often_it_is_sent(client, texted):
    campaign, (sam, _) = texted

    answers = [answer_in(reply(client, sam.phone, "1", sid=f"SM{n:032d}")) for n in range(5)]

    assert answers == [COUNTED] + [ALREADY] * 4
    assert votes() == {("Giving feedback", "Useful"): 1, ("Running a retro", "Useful"): 1}
    assert set(FeedbackCount.objects.values_list("campaign", flat=True)) == {campaign.pk}


def test_a_2_after_a_1_does_not_move_the_vote(client, texted):
    _, (sam, _) = texted

    assert answer_in(reply(client, sam.phone, "1 ", sid="SM" + "1" * 32)) == COUNTED
    assert answer_in(reply(client, sam.phone, "2", sid="SM" + "2" * 32)) == ALREADY

    assert votes() == {("Giving feedback", "Useful"): 1, ("Running a retro", "Useful"): 1}


def test_two_people_s_answers_are_both_counted(client, texted):
    _, (sam, kim) = texted

    reply(client, sam.phone, "1")
    reply(client, kim.phone, "2.")

    assert votes() == {
        ("Giving feedback", "Useful"): 1,
        ("Running a retro", "Useful"): 1,
        ("Giving feedback", "Not for me"): 1,
        ("Running a retro", "Not for me"): 1,
    }


def test_a_reply_with_no_recent_asking_text_counts_nothing_and_gets_no_answer(client, texted):
    _, (sam, _) = texted
    (stranger,) = subscribed_employees(1)

    assert answer_in(reply(client, stranger.phone, "1")) is None
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=7, minutes=1), tick=False):
        assert answer_in(reply(client, sam.phone, "1")) is None

    assert not FeedbackCount.objects.exists()
    assert not VoiceReceipt.objects.exists()
    assert answer_in(reply(client, sam.phone, "1")) == COUNTED  # while the window is open


def test_a_reply_counts_against_the_latest_text_that_asked(
    client, texted, placements, internal_curator, django_capture_on_commit_callbacks
):
    _, (sam, _) = texted
    with time_machine.travel(TUESDAY_MORNING + timedelta(hours=2), tick=True):
        later = ready_campaign(placements=placements[1:], media=MediaPreference.SMS, slug="later")
        launch(later, internal_curator, django_capture_on_commit_callbacks)
        quiet = ready_campaign(
            placements=placements[:1], media=MediaPreference.SMS, slug="quiet", ask_useful=False
        )
        launch(quiet, internal_curator, django_capture_on_commit_callbacks)

        assert answer_in(reply(client, sam.phone, "2")) == COUNTED

    assert list(FeedbackCount.objects.values_list("campaign__slug", "votes")) == [("later", 1)]


def test_a_forged_webhook_counts_nothing(client, texted):
    _, (sam, _) = texted

    response = reply(client, sam.phone, "1", token="not-the-real-token")

    assert response.status_code == 403
    assert not FeedbackCount.objects.exists()
    assert not VoiceReceipt.objects.exists()
    assert answer_in(reply(client, sam.phone, "1")) == COUNTED  # the forgery used up nothing


def test_a_reply_that_is_not_1_or_2_counts_nothing(client, texted):
    _, (sam, _) = texted

    for body in ("3", "12", "yes", "\u0661"):  # the last is an Arabic-Indic one
        assert answer_in(reply(client, sam.phone, body)) is None

    assert not FeedbackCount.objects.exists()
    assert answer_in(reply(client, sam.phone, "1")) == COUNTED


@pytest.mark.requires("postgres")
@pytest.mark.django_db(transaction=True)
def test_the_same_reply_arriving_on_eight_webhooks_at_once_counts_once(texted):
    """Twilio retries a slow webhook while the first is still running: the receipt's unique key
    lets exactly one through, whichever commits first."""
    _, (sam, _) = texted
    start = threading.Barrier(8)
    answers: list[str | None] = []

    def send(n: int) -> None:
        try:
            start.wait()
            answers.append(answer_in(reply(Client(), sam.phone, "1", sid=f"SM{n:032d}")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == sorted([COUNTED] + [ALREADY] * 7)
    assert votes() == {("Giving feedback", "Useful"): 1, ("Running a retro", "Useful"): 1}
    assert VoiceReceipt.objects.count() == 1


@pytest.mark.requires("postgres")
@pytest.mark.django_db(transaction=True)
def test_eight_people_answering_at_once_are_all_counted(
    placements, internal_curator, django_capture_on_commit_callbacks
):
    """The first votes on a message make its total rows: people arriving together all count."""
    people = subscribed_employees(8)
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    start = threading.Barrier(8)
    answers: list[str | None] = []

    def send(person) -> None:
        try:
            start.wait()
            answers.append(answer_in(reply(Client(), person.phone, "1")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [COUNTED] * 8
    assert votes() == {("Giving feedback", "Useful"): 8, ("Running a retro", "Useful"): 8}
