"""Building journeys in the admin: the agency composes drafts, a launcher runs them, nobody is named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from campaigns import journeys
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Enrolment,
    Journey,
    JourneyStatus,
    JourneyStep,
    Medium,
)
from tests.campaigns.journey_data import welcome_series
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

QUESTION = "Which of these calms an angry customer first? Reply A, B or C"


@pytest.fixture
def placement():
    return live_item(title="Calming an angry customer").placements.get()


def url(name: str, journey: Journey | None = None) -> str:
    return reverse(f"admin:campaigns_journey_{name}", args=[journey.pk] if journey else [])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def step_data(index: int, step: JourneyStep | None = None, **fields: object) -> dict[str, object]:
    values = {
        "id": step.pk if step else "",
        "journey": step.journey_id if step else "",
        "position": step.position if step else "",
        "wait_days": 0,
        "wait_from": "previous",
        "at_local_time": "",
        "question": "",
        "choices_0": "",
        "choices_1": "",
        "choices_2": "",
        "choices_3": "",
        "correct": "",
        **fields,
    }
    return {f"steps-{index}-{name}": value for name, value in values.items() if value is not False}


def journey_form(*steps: dict[str, object], initial: int = 0, **fields: object) -> dict[str, object]:
    data = {
        "name": "Welcome to Learn Socially",
        "purpose": "",
        "entry": "signup",
        "entry_segment": "",
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": initial,
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
        **fields,
    }
    for step in steps:
        data.update(step)
    return data


CHECK = {
    "wait_days": 2,
    "question": QUESTION,
    "choices_0": "Listen first",
    "choices_1": "Offer a refund",
    "choices_2": "Call a manager",
    "correct": "A",
    "stop_on_answer": "on",
}


def test_journey_pages_open(admin_client, placement):
    journey = welcome_series(placement)

    for address in (
        url("changelist"),
        url("add"),
        url("change", journey),
        url("history", journey),
        url("launch", journey),
        url("enrol", journey),
        url("report", journey),
        url("report_csv", journey),
    ):
        assert admin_client.get(address).status_code == 200, address


def test_steps_added_in_the_admin_get_messages_of_their_own_and_the_answers_are_a_list(agency_client):
    added = agency_client.post(url("add"), journey_form(step_data(0), step_data(1, **CHECK)))

    assert added.status_code == 302, added.context["errors"] if added.context else added
    journey = Journey.objects.get(name="Welcome to Learn Socially")
    assert journey.status == JourneyStatus.DRAFT
    first, check = journey.steps.order_by("position")
    assert (first.position, check.position) == (1, 2)
    assert check.choices == ["Listen first", "Offer a refund", "Call a manager"]
    assert (check.correct, check.wait_days, check.stop_on_answer) == ("A", 2, True)
    assert first.message != check.message
    assert check.message.status == CampaignStatus.DRAFT
    page = agency_client.get(url("change", journey)).content.decode()
    assert reverse("admin:campaigns_campaign_change", args=[check.message.pk]) in page
    assert "Compose message" in page
    assert "nobody is ever sent a step twice" in page


def test_a_step_added_to_a_saved_journey_comes_after_the_last(internal_client, placement):
    journey = welcome_series(placement)
    first, second = journey.steps.order_by("position")

    saved = internal_client.post(
        url("change", journey),
        journey_form(
            step_data(0, first),
            step_data(1, second, **CHECK),
            step_data(2, wait_days=7),
            initial=2,
        ),
    )

    assert saved.status_code == 302
    assert list(journey.steps.order_by("position").values_list("position", "wait_days")) == [
        (1, 0),
        (2, 2),
        (3, 7),
    ]
    assert Campaign.objects.filter(journey_step__journey=journey).count() == 3


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"question": QUESTION, "choices_0": "Listen", "correct": "A"},
            "Give the check two to four answers.",
        ),
        (
            {"question": QUESTION, "choices_0": "Listen", "choices_2": "Call", "correct": "A"},
            "Fill the answers in order from A, without a gap",
        ),
        (
            {"question": QUESTION, "choices_0": "Listen", "choices_1": "Refund", "correct": "C"},
            "Say which of the answers given is right.",
        ),
        ({"choices_0": "Listen", "choices_1": "Refund"}, "Ask the question these answers belong to"),
    ],
)
def test_a_check_that_cannot_be_asked_is_refused_with_what_to_fix(internal_client, fields, error):
    refused = internal_client.post(url("add"), journey_form(step_data(0, **fields)))

    assert refused.status_code == 200
    assert error in refused.content.decode()
    assert not Journey.objects.exists()
    assert not Campaign.objects.exists()


def test_launch_lists_what_is_missing_and_launches_nothing(internal_client):
    journey = Journey.objects.create(name="Welcome")
    journeys.create_step(journey=journey)

    page = internal_client.get(url("launch", journey)).content.decode()
    launched = internal_client.post(url("launch", journey), follow=True)

    assert "Not ready to launch" in page
    assert "Step 1: Choose at least one placement" in page
    assert "Yes, launch" not in page
    assert any("Step 1: Choose at least one placement" in message for message in messages_of(launched))
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.DRAFT


def test_a_launcher_launches_pauses_and_ends_a_journey_from_its_page(internal_client, placement):
    journey = welcome_series(placement)
    page = internal_client.get(url("change", journey)).content.decode()
    assert url("launch", journey) in page

    confirm = internal_client.get(url("launch", journey)).content.decode()
    assert "Yes, launch" in confirm and QUESTION in confirm
    launched = internal_client.post(url("launch", journey), follow=True)

    assert "“Welcome to Learn Socially” is now live." in messages_of(launched)
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.LIVE
    live_page = internal_client.get(url("change", journey)).content.decode()
    assert url("pause", journey) in live_page and url("enrol", journey) in live_page
    assert url("launch", journey) not in live_page

    internal_client.post(url("pause", journey))
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.PAUSED
    internal_client.post(url("end", journey))
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.ENDED
    assert url("end", journey) not in internal_client.get(url("change", journey)).content.decode()


def test_launching_twice_says_so_and_changes_nothing(internal_client, placement):
    journey = welcome_series(placement)
    internal_client.post(url("launch", journey))

    again = internal_client.post(url("launch", journey), follow=True)

    assert "The journey is live: it cannot go live." in messages_of(again)


def test_the_agency_curator_composes_a_draft_but_cannot_launch_pause_end_or_enrol(agency_client, placement):
    journey = welcome_series(placement)
    page = agency_client.get(url("change", journey)).content.decode()
    assert url("launch", journey) not in page
    assert url("enrol", journey) not in page

    for action in ("launch", "pause", "end", "enrol"):
        assert agency_client.post(url(action, journey)).status_code == 403, action
    assert agency_client.get(url("launch", journey)).status_code == 403
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.DRAFT


def test_the_agency_curator_cannot_change_a_live_journey(agency_client, internal_curator, placement):
    journey = welcome_series(placement)
    journeys.launch(journey=journey, by=internal_curator)
    first, second = journey.steps.order_by("position")

    form = journey_form(step_data(0, first, wait_days=9), step_data(1, second), initial=2)

    refused = agency_client.post(url("change", journey), form)

    assert refused.status_code == 403
    first.refresh_from_db()
    assert first.wait_days == 0


def test_a_launcher_may_change_a_live_journeys_steps_but_not_delete_them(internal_client, placement):
    journey = welcome_series(placement)
    internal_client.post(url("launch", journey))
    first, second = journey.steps.order_by("position")

    saved = internal_client.post(
        url("change", journey),
        journey_form(step_data(0, first, wait_days=1, DELETE="on"), step_data(1, second, **CHECK), initial=2),
    )

    assert saved.status_code == 302
    first.refresh_from_db()
    assert first.wait_days == 1
    assert journey.steps.count() == 2
    assert 'name="steps-0-DELETE"' not in internal_client.get(url("change", journey)).content.decode()


def test_deleting_a_draft_step_deletes_its_message(internal_client, placement):
    journey = welcome_series(placement)
    first, second = journey.steps.order_by("position")

    internal_client.post(
        url("change", journey),
        journey_form(step_data(0, first), step_data(1, second, DELETE="on", **CHECK), initial=2),
    )

    assert list(journey.steps.all()) == [first]
    assert not Campaign.objects.filter(pk=second.message_id).exists()


def test_enrolling_a_segment_shows_the_count_first_and_enrols_nobody_until_yes(internal_client, placement):
    from campaigns.models import Segment

    subscribed_employees(3)
    everyone = Segment.objects.create(name="Everyone")
    journey = welcome_series(placement)
    internal_client.post(url("launch", journey))

    counted = internal_client.post(url("enrol", journey), {"segment": everyone.pk}).content.decode()
    assert "has <strong>3 people</strong> subscribed now" in counted
    assert not Enrolment.objects.exists()
    assert "+44" not in counted and "@" not in counted.split("<body")[1].split("csrfmiddlewaretoken")[0]


def test_staff_without_a_role_are_refused_every_journey_page(client, django_user_model, placement):
    journey = welcome_series(placement)
    client.force_login(django_user_model.objects.create_user("visitor", password="x" * 20, is_staff=True))

    for address in (
        url("changelist"),
        url("add"),
        url("change", journey),
        url("launch", journey),
        url("enrol", journey),
        url("report", journey),
        url("report_csv", journey),
    ):
        assert client.get(address).status_code == 403, address
    assert client.post(url("pause", journey)).status_code == 403


def test_the_agency_curator_sees_no_phone_or_email_on_any_journey_page(
    agency_client, internal_curator, placement
):
    people = subscribed_employees(6)
    journey = welcome_series(placement)
    journeys.launch(journey=journey, by=internal_curator)
    first = journey.steps.get(position=1)
    for person in people:
        Enrolment.objects.create(journey=journey, subscriber=person, entered_at="2026-11-24T10:00Z")
        Delivery.objects.create(
            campaign=first.message,
            subscriber=person,
            medium=Medium.SMS,
            status=DeliveryStatus.DELIVERED,
            not_before="2026-11-24T10:00Z",
        )

    for address in (
        url("changelist"),
        url("change", journey),
        url("history", journey),
        url("report", journey),
        url("report_csv", journey),
        reverse("admin:campaigns_campaign_change", args=[first.message_id]),
    ):
        page = agency_client.get(address).content.decode()
        for person in people:
            assert person.phone not in page, address
            assert person.email not in page, address
            assert person.display_name not in page, address


def test_the_journey_list_shows_status_entry_steps_and_who_is_on_it(internal_client, placement):
    journey = welcome_series(placement)
    for person in subscribed_employees(7):
        Enrolment.objects.create(journey=journey, subscriber=person, entered_at="2026-11-24T10:00Z")

    page = internal_client.get(url("changelist")).content.decode()

    assert "Welcome to Learn Socially" in page
    assert '<td class="field-steps">2</td>' in page
    assert '<td class="field-active_enrolments">10</td>' in page  # 7, published rounded


def test_the_journey_list_does_not_query_per_row(internal_client, placement, django_assert_max_num_queries):
    for index in range(6):
        welcome_series(placement, name=f"Journey {index}")

    with django_assert_max_num_queries(12):
        assert internal_client.get(url("changelist")).status_code == 200


# The campaign admin: a step's message is composed there, and run by its journey.


def test_the_campaign_list_leaves_journey_steps_out_unless_asked(internal_client, placement):
    ready_campaign(placements=[placement], name="Feedback week")
    journey = welcome_series(placement)
    changelist = reverse("admin:campaigns_campaign_changelist")

    campaigns = internal_client.get(changelist).content.decode()
    steps = internal_client.get(changelist, {"kind": "steps"}).content.decode()
    odd = internal_client.get(changelist, {"kind": "everything"})

    assert "Feedback week" in campaigns and "step 1" not in campaigns
    assert f"{journey.name} · step 1" in steps and "Feedback week" not in steps
    assert odd.status_code == 302 and "e=1" in odd["Location"]


def test_a_steps_message_names_its_journey_and_has_no_buttons_audience_or_schedule(
    internal_client, placement
):
    journey = welcome_series(placement)
    step = journey.steps.get(position=2)

    page = internal_client.get(reverse("admin:campaigns_campaign_change", args=[step.message_id]))
    html = page.content.decode()

    assert "Step 2 of the journey" in html
    assert reverse("admin:campaigns_journey_change", args=[journey.pk]) in html
    assert "Launch…" not in html
    assert 'name="segments"' not in html and 'name="send_at_0"' not in html
    assert 'name="sms_text"' in html
    assert page.context["controls"] == []


def test_a_steps_message_cannot_be_launched_or_reported_on_its_own(internal_client, placement):
    journey = welcome_series(placement)
    message = journey.steps.get(position=1).message

    launched = internal_client.post(reverse("admin:campaigns_campaign_launch", args=[message.pk]))
    report = internal_client.get(reverse("admin:campaigns_campaign_report", args=[message.pk]))

    assert launched.status_code == 302
    assert launched["Location"] == url("change", journey)
    message.refresh_from_db()
    assert message.status == CampaignStatus.DRAFT
    assert report["Location"] == url("report", journey)


def test_a_steps_message_saves_without_segments_or_schedule(internal_client, placement):
    journey = welcome_series(placement)
    message = journey.steps.get(position=1).message

    saved = internal_client.post(
        reverse("admin:campaigns_campaign_change", args=[message.pk]),
        {
            "name": message.name,
            "slug": message.slug,
            "purpose": "",
            "placements": [placement.pk],
            "sms_text": "Welcome, {first_name}! Start here: {links}",
            "email_subject": "Welcome",
            "email_body": "Hi {first_name},\n\nStart here: {links}\n",
            "media": "both",
            "ask_useful": "on",
            "variants-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
        },
    )

    assert saved.status_code == 302
    message.refresh_from_db()
    assert message.sms_text == "Welcome, {first_name}! Start here: {links}"


def test_a_steps_message_is_costed_per_person_who_reaches_it(internal_client, placement, settings):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.0400")
    journey = welcome_series(placement)
    message = journey.steps.get(position=1).message

    html = internal_client.get(reverse("admin:campaigns_campaign_change", args=[message.pk])).content.decode()

    assert "GBP 0.04</strong>\n        a person, for each one who reaches this step." in html
    assert "Audience after suppression" not in html


def test_a_step_added_to_a_live_journey_is_flagged_while_its_message_is_a_draft(internal_client, placement):
    journey = welcome_series(placement)
    internal_client.post(url("launch", journey))
    journeys.create_step(journey=journey, wait_days=7)

    page = internal_client.get(url("change", journey))

    assert (
        "Step 3's message is still a draft: nobody is sent it while it is one. "
        "Compose it, then pause and resume the journey to take it live."
    ) in messages_of(page)
    assert not any("Step 1" in message for message in messages_of(page))
