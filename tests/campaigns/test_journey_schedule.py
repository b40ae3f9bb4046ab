"""Journeys run themselves: the scheduler takes people in, sends each step once when it falls due
in their working hours, lets the opted-out go, and never sends a retired item's dead link."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaigns import consent, journey_schedule, journeys, replies
from campaigns.models import (
    CampaignStatus,
    CheckAnswerCount,
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Delivery,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    FeedbackCount,
    JourneyEntry,
    JourneyStatus,
    MediaPreference,
    Medium,
    Segment,
    Subscriber,
    TrackedLink,
    VoiceReceipt,
    WaitFrom,
)
from curation import services
from tests.campaigns.journey_data import compose, welcome_series
from tests.campaigns.test_feedback_worker import reply_by_text
from tests.factories import SubscriberFactory, live_item, subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN

pytestmark = [pytest.mark.django_db]

# Friday 27 November 2026, 19:30 in Tokyo (10:30 UTC): after working hours, before a weekend.
FRIDAY_EVENING_TOKYO = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
MONDAY_0800_TOKYO = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
# Tuesday 24 November 2026, 10:00 in London: working hours.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def office_hours(settings):
    settings.SEND_WINDOW_START, settings.SEND_WINDOW_END = "08:00", "18:00"
    settings.SEND_WINDOW_DAYS = [0, 1, 2, 3, 4]
    settings.PUBLIC_BASE_URL = "https://learn.example.org"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


@pytest.fixture
def placement():
    return live_item(title="Calming an angry customer").placements.get()


@pytest.fixture
def live_series(placement, internal_curator):
    with time_machine.travel(TUESDAY_MORNING - timedelta(days=30), tick=False):
        return journeys.launch(journey=welcome_series(placement), by=internal_curator)


def confirmed(count: int, **fields) -> list[Subscriber]:
    """People who confirmed sign-up now, as the sign-up services record it."""
    return subscribed_employees(count, **fields)


def tick(capture) -> journey_schedule.Ticked:
    with capture(execute=True):
        return journey_schedule.tick()


def rows(step, **filters) -> list[Delivery]:
    return list(Delivery.objects.filter(campaign=step.message, **filters).order_by("pk"))


def steps_of(journey):
    return list(journey.steps.select_related("message").order_by("position"))


def test_a_welcome_series_starts_when_someone_confirms_and_each_step_is_sent_once(
    live_series, sms_outbox, django_capture_on_commit_callbacks
):
    welcome, check = steps_of(live_series)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        person = confirmed(1)[0]
        first = tick(django_capture_on_commit_callbacks)
        again = tick(django_capture_on_commit_callbacks)

    assert (first.entered, first.queued) == (1, 2)  # a text and an email
    assert (again.entered, again.queued) == (0, 0)
    assert {row.status for row in rows(welcome)} == {DeliveryStatus.ACCEPTED}
    assert [text.to for text in sms_outbox] == [person.phone]
    enrolment = Enrolment.objects.get(subscriber=person)
    assert enrolment.next_position == check.position
    assert enrolment.next_due_at == TUESDAY_MORNING + timedelta(days=2)

    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)
        tick(django_capture_on_commit_callbacks)

    assert len(rows(check)) == 1  # the check is asked by text only
    assert (
        "Which of these calms an angry customer first? Reply A, B or C\nA) Listen first"
        in sms_outbox[-1].body
    )
    assert Enrolment.objects.get(subscriber=person).status == EnrolmentStatus.FINISHED
    assert len(sms_outbox) == 2


def test_someone_who_confirms_on_a_friday_evening_in_tokyo_is_welcomed_in_their_monday_hours(
    live_series, django_capture_on_commit_callbacks
):
    welcome, _check = steps_of(live_series)
    with time_machine.travel(FRIDAY_EVENING_TOKYO, tick=False):
        person = confirmed(1, time_zone="Asia/Tokyo")[0]
        tick(django_capture_on_commit_callbacks)

    assert {row.not_before for row in rows(welcome)} == {MONDAY_0800_TOKYO}
    assert {row.status for row in rows(welcome)} == {DeliveryStatus.PENDING}
    # The check waits two days from Monday's welcome, not from Friday's sign-up.
    assert Enrolment.objects.get(subscriber=person).next_due_at == MONDAY_0800_TOKYO + timedelta(days=2)


def test_people_whose_working_hours_open_together_are_sent_together_and_the_rest_wait_for_theirs(
    live_series, django_capture_on_commit_callbacks
):
    welcome, _check = steps_of(live_series)
    with time_machine.travel(
        TUESDAY_MORNING, tick=False
    ):  # 10:00 in London, 15:30 in Kolkata, 05:00 in New York
        london = confirmed(1)[0]
        kolkata = confirmed(1, time_zone="Asia/Kolkata")[0]
        new_york = confirmed(1, time_zone="America/New_York")[0]
        ticked = tick(django_capture_on_commit_callbacks)

    new_york_opens = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert ticked.queued == 6  # a text and an email each
    sent_at = {(row.subscriber_id, row.medium): row.not_before for row in rows(welcome)}
    assert sent_at == {
        (person.pk, medium): when
        for person, when in [
            (london, TUESDAY_MORNING),
            (kolkata, TUESDAY_MORNING),
            (new_york, new_york_opens),
        ]
        for medium in (Medium.SMS, Medium.EMAIL)
    }
    due = dict(Enrolment.objects.values_list("subscriber_id", "next_due_at"))
    assert due == {
        london.pk: TUESDAY_MORNING + timedelta(days=2),
        kolkata.pk: TUESDAY_MORNING + timedelta(days=2),
        new_york.pk: new_york_opens + timedelta(days=2),
    }


def test_a_step_at_a_local_time_of_day_goes_then_in_each_persons_zone(
    placement, internal_curator, django_capture_on_commit_callbacks
):
    journey = welcome_series(placement)
    welcome = steps_of(journey)[0]
    welcome.at_local_time = time(10, 0)
    welcome.save()
    with time_machine.travel(TUESDAY_MORNING, tick=False):  # 10:00 in London, 19:00 in Tokyo
        journeys.launch(journey=journey, by=internal_curator)
        london = confirmed(1)[0]
        tokyo = confirmed(1, time_zone="Asia/Tokyo")[0]
        tick(django_capture_on_commit_callbacks)

    sent_at = {row.subscriber_id: row.not_before for row in rows(welcome, medium=Medium.SMS)}
    assert sent_at[london.pk] == TUESDAY_MORNING  # 10:00 in London is now
    assert sent_at[tokyo.pk] == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Tokyo


def test_nobody_who_confirmed_before_the_launch_enters(live_series, django_capture_on_commit_callbacks):
    with time_machine.travel(TUESDAY_MORNING - timedelta(days=40), tick=False):
        confirmed(3)
        texts_first = SubscriberFactory(sms=ConsentState.SUBSCRIBED)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        # Adding an email address after the launch is not signing up again.
        consent.record_consent(
            subscriber=texts_first,
            medium=Medium.EMAIL,
            action=ConsentAction.CONFIRMED,
            source=ConsentSource.EMAIL_LINK,
            evidence="Link emailed to the address",
        )
        ticked = tick(django_capture_on_commit_callbacks)
    assert ticked.entered == 0
    assert not Delivery.objects.exists()


def test_a_stop_between_steps_ends_the_journey_for_someone_reached_only_by_text(
    live_series, client, settings, sms_outbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        texts_only = SubscriberFactory(sms=ConsentState.SUBSCRIBED)
        tick(django_capture_on_commit_callbacks)
        assert [text.to for text in sms_outbox] == [texts_only.phone]
        reply_by_text(client, settings, texts_only.phone, "STOP", "SM" + "1" * 32)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=3), tick=False):
        ticked = tick(django_capture_on_commit_callbacks)

    enrolment = Enrolment.objects.get(subscriber=texts_only)
    assert (enrolment.status, ticked.opted_out) == (EnrolmentStatus.OPTED_OUT, 1)
    assert len(sms_outbox) == 1
    assert Delivery.objects.filter(subscriber=texts_only).count() == 1


def test_a_stop_leaves_someone_with_email_on_the_journey_but_never_texts_them_again(
    placement, internal_curator, client, settings, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    journey = welcome_series(placement)
    check = steps_of(journey)[1]
    check.question, check.choices, check.correct = "", [], ""  # a plain second step, by text and email
    check.save()
    check.message.media = MediaPreference.BOTH
    check.message.email_subject, check.message.email_body = "Two days in", "Next: {links}"
    check.message.save()
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        journeys.launch(journey=journey, by=internal_curator)
        person = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
        reply_by_text(client, settings, person.phone, "STOP", "SM" + "2" * 32)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=5), tick=False):
        tick(django_capture_on_commit_callbacks)

    assert len(sms_outbox) == 1  # the welcome (the STOP is answered in the webhook's reply)
    assert len(mailoutbox) == 2
    assert Enrolment.objects.get(subscriber=person).status == EnrolmentStatus.FINISHED


def test_editing_a_live_journey_never_resends_a_step_anyone_already_got(
    live_series, sms_outbox, django_capture_on_commit_callbacks
):
    welcome, _check = steps_of(live_series)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        people = confirmed(3)
        tick(django_capture_on_commit_callbacks)
        # The curator rewrites the welcome, and puts everyone back to the start by hand in the database.
        welcome.message.sms_text = "Welcome again, {first_name}: {links}"
        welcome.message.save()
        Enrolment.objects.update(next_position=1, next_due_at=timezone.now())
        tick(django_capture_on_commit_callbacks)

    assert len(rows(welcome)) == 2 * len(people)
    assert sorted(text.to for text in sms_outbox) == sorted(person.phone for person in people)


def test_a_retired_item_in_a_future_step_is_repointed_to_its_successor(
    live_series, placement, sms_outbox, django_capture_on_commit_callbacks
):
    _welcome, _check = steps_of(live_series)
    successor = live_item(title="Calm customers, the 2027 cut")
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        confirmed(1)
        tick(django_capture_on_commit_callbacks)
        services.retire_item(item=placement.item, reason="Superseded", successor=successor)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)

    token = sms_outbox[-1].body.split("/l/")[1].split("/")[0].split()[0]
    assert TrackedLink.objects.get(token=token).placement.item == successor


def test_a_step_whose_item_was_retired_with_no_successor_is_skipped_never_sent_dead(
    live_series, placement, sms_outbox, django_capture_on_commit_callbacks
):
    _welcome, check = steps_of(live_series)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        person = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
        services.retire_item(item=placement.item, reason="Out of date")
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        ticked = tick(django_capture_on_commit_callbacks)

    assert ticked.skipped == 1
    assert rows(check) == []
    assert len(sms_outbox) == 1
    assert Enrolment.objects.get(subscriber=person).status == EnrolmentStatus.FINISHED


def test_a_check_reply_gets_its_answer_and_link_and_counts_once_per_person(
    live_series, client, settings, sms_outbox, django_capture_on_commit_callbacks
):
    _welcome, _check = steps_of(live_series)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        first, second = confirmed(2)
        tick(django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)
        right = reply_by_text(client, settings, first.phone, "a", "SM" + "3" * 32)
        again = reply_by_text(client, settings, first.phone, "B", "SM" + "4" * 32)
        wrong = reply_by_text(client, settings, second.phone, "C.", "SM" + "5" * 32)
        nonsense = reply_by_text(client, settings, second.phone, "D", "SM" + "6" * 32)

    assert "Right: A) Listen first. More: https://learn.example.org/l/" in right
    assert "already" in again
    assert "Not quite: the answer is A) Listen first." in wrong
    assert "Reply with one of A, B, C" in nonsense
    assert dict(CheckAnswerCount.objects.values_list("letter", "count")) == {"A": 1, "C": 1}


def test_a_check_that_stops_the_journey_takes_whoever_answers_off_it(
    placement, internal_curator, client, settings, sms_outbox, django_capture_on_commit_callbacks
):
    journey = welcome_series(placement)
    _welcome, check = steps_of(journey)
    check.stop_on_answer = True
    check.save()
    follow_up = compose(
        journeys.create_step(journey=journey, wait_days=5), placement, media=MediaPreference.SMS
    )
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        journeys.launch(journey=journey, by=internal_curator)
        answering, silent = confirmed(2)
        tick(django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)
        reply_by_text(client, settings, answering.phone, "A", "SM" + "7" * 32)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=7, minutes=2), tick=False):
        tick(django_capture_on_commit_callbacks)

    assert Enrolment.objects.get(subscriber=answering).status == EnrolmentStatus.STOPPED
    assert Enrolment.objects.get(subscriber=silent).status == EnrolmentStatus.FINISHED
    assert [row.subscriber_id for row in rows(follow_up)] == [silent.pk]


def test_a_letter_from_someone_never_asked_is_not_an_answer(client, settings, live_series):
    person = confirmed(1)[0]
    reply = reply_by_text(client, settings, person.phone, "A", "SM" + "8" * 32)
    assert "Right" not in reply and "Not quite" not in reply
    assert not CheckAnswerCount.objects.exists()


def test_a_segment_journey_takes_in_its_members_and_a_curator_enrols_a_segment(
    placement, internal_curator, agency_curator, django_capture_on_commit_callbacks
):
    leeds = Segment.objects.create(name="Leeds", locations=["Leeds"])
    on_segment = welcome_series(placement, name="Leeds welcome")
    on_segment.entry, on_segment.entry_segment = JourneyEntry.SEGMENT, leeds
    on_segment.save()
    by_hand = welcome_series(placement, name="Picked by hand")
    by_hand.entry = JourneyEntry.CURATOR
    by_hand.save()
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        confirmed(2)
        Subscriber.objects.filter(pk=confirmed(1)[0].pk).update(location="York")
        journeys.launch(journey=on_segment, by=internal_curator)
        journeys.launch(journey=by_hand, by=internal_curator)
        tick(django_capture_on_commit_callbacks)
        assert on_segment.enrolments.count() == 2
        assert by_hand.enrolments.count() == 0

        with pytest.raises(PermissionDenied):
            journeys.enrol(journey=by_hand, subscribers=Subscriber.objects.all(), by=agency_curator)
        assert journeys.enrol(journey=by_hand, subscribers=Subscriber.objects.all(), by=internal_curator) == 3
        assert journeys.enrol(journey=by_hand, subscribers=Subscriber.objects.all(), by=internal_curator) == 0
        tick(django_capture_on_commit_callbacks)

    assert len(rows(steps_of(by_hand)[0], medium=Medium.SMS)) == 3


def test_a_paused_journey_holds_everyone_and_resuming_sends_what_fell_due_once(
    live_series, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    _welcome, check = steps_of(live_series)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        person = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
        journeys.pause(journey=live_series, by=internal_curator)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=3), tick=False):
        tick(django_capture_on_commit_callbacks)
        assert rows(check) == []
        with django_capture_on_commit_callbacks(execute=True):
            journeys.resume(journey=live_series, by=internal_curator)
        tick(django_capture_on_commit_callbacks)
        tick(django_capture_on_commit_callbacks)

    assert [row.status for row in rows(check)] == [DeliveryStatus.ACCEPTED]
    assert [text.to for text in sms_outbox] == [person.phone, person.phone]
    with pytest.raises(ValidationError):
        journeys.resume(journey=live_series, by=internal_curator)


def test_ending_a_journey_sends_nothing_more(
    live_series, internal_curator, django_capture_on_commit_callbacks
):
    welcome, check = steps_of(live_series)
    with time_machine.travel(FRIDAY_EVENING_TOKYO, tick=False):
        confirmed(1, time_zone="Asia/Tokyo")
        tick(django_capture_on_commit_callbacks)
        journeys.end(journey=live_series, by=internal_curator)
    with time_machine.travel(MONDAY_0800_TOKYO + timedelta(days=3), tick=False):
        tick(django_capture_on_commit_callbacks)

    live_series.refresh_from_db()
    assert live_series.status == JourneyStatus.ENDED
    assert {row.status for row in rows(welcome)} == {DeliveryStatus.SKIPPED}
    welcome.message.refresh_from_db()
    assert welcome.message.status == CampaignStatus.CANCELLED
    assert rows(check) == []


def test_the_weekly_cap_holds_on_journey_steps(
    live_series, settings, placement, internal_curator, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_WEEKLY_CAP = 1
    _welcome, check = steps_of(live_series)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        person = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)

    assert [row.status for row in rows(check)] == [DeliveryStatus.CAPPED]
    assert Enrolment.objects.get(subscriber=person).status == EnrolmentStatus.FINISHED


def test_a_tick_costs_the_same_queries_for_ten_people_or_two_hundred(
    live_series, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        confirmed(10)
        with django_assert_max_num_queries(40):
            journey_schedule.tick()
        confirmed(200)
        with django_assert_max_num_queries(40):
            journey_schedule.tick()
    assert Enrolment.objects.count() == 210
    assert Delivery.objects.count() == 420


def test_sign_up_through_the_page_confirms_the_entry(live_series, django_capture_on_commit_callbacks):
    """Only consent confirmed by the person's own act counts as signing up: an import does not."""
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        imported = SubscriberFactory(sms=ConsentState.SUBSCRIBED)
        ConsentEvent.objects.filter(subscriber=imported).update(source=ConsentSource.IMPORT)
        assert ConsentEvent.objects.filter(subscriber=imported, action=ConsentAction.CONFIRMED).exists()
        ticked = tick(django_capture_on_commit_callbacks)
    assert ticked.entered == 0


def test_a_step_added_while_the_journey_runs_is_skipped_as_a_draft_and_sent_once_resumed(
    live_series, placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    added = journeys.create_step(journey=live_series, wait_days=0, wait_from=WaitFrom.JOINED)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        early = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)
    assert rows(added) == []  # still a draft when the early joiner reached it

    compose(added, placement, media=MediaPreference.SMS)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, hours=1), tick=False):
        journeys.pause(journey=live_series, by=internal_curator)
        with django_capture_on_commit_callbacks(execute=True):
            journeys.resume(journey=live_series, by=internal_curator)
        late = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=4, hours=2), tick=False):
        tick(django_capture_on_commit_callbacks)
        tick(django_capture_on_commit_callbacks)

    assert [row.subscriber_id for row in rows(added)] == [late.pk]
    assert Enrolment.objects.get(subscriber=early).status == EnrolmentStatus.FINISHED


@pytest.fixture
def asked(live_series, django_capture_on_commit_callbacks):
    """Someone who was sent the check two days after joining."""
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        person = confirmed(1)[0]
        tick(django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        tick(django_capture_on_commit_callbacks)
    return person


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bodies=st.lists(
        st.one_of(st.text(max_size=8), st.sampled_from(["a", "B", " c ", "D", "1", "A!"])), max_size=6
    )
)
def test_whatever_someone_asked_texts_back_their_check_counts_at_most_once(asked, bodies):
    CheckAnswerCount.objects.all().delete()
    VoiceReceipt.objects.all().delete()
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, hours=1), tick=False):
        for body in bodies:
            reply = replies.answer_reply(sender=asked.phone, body=body, message_sid="SM" + "9" * 32)
            assert reply is None or len(reply) <= 300

    answered = [body.strip().upper().rstrip(".!") for body in bodies]
    first = next((word for word in answered if word in ("A", "B", "C")), None)
    counts = dict(CheckAnswerCount.objects.values_list("letter", "count"))
    assert counts == ({first: 1} if first else {})


def test_a_checks_text_asks_only_its_letters_and_a_1_after_it_is_no_vote(asked, client, settings, sms_outbox):
    check_text = sms_outbox[-1].body
    assert "Reply A, B or C" in check_text
    assert "Reply 1 if useful" not in check_text
    assert "Reply 1 if useful" in sms_outbox[0].body  # the welcome before it asks

    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, hours=1), tick=False):
        reply = reply_by_text(client, settings, asked.phone, "1", "SM" + "1" * 32)

    assert "counted" not in reply.lower()
    assert not FeedbackCount.objects.filter(campaign__journey_step__question__gt="").exists()
