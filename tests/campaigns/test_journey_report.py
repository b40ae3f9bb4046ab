"""The journey report: per step, counts of people published by the small-count rule, page and CSV alike."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from campaigns import journey_report, journeys
from campaigns.models import (
    CheckAnswerCount,
    Delivery,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    FeedbackCount,
    LinkClickDay,
    Medium,
    TrackedLink,
    Usefulness,
)
from tests.campaigns.journey_data import welcome_series
from tests.factories import live_item, subscribed_employees

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

WEEK = date(2026, 11, 23)


@pytest.fixture
def placement():
    return live_item(title="Calming an angry customer").placements.get()


@pytest.fixture
def journey(placement, internal_curator):
    journey = welcome_series(placement)
    return journeys.launch(journey=journey, by=internal_curator)


def sent(step, people, *, medium=Medium.SMS, status=DeliveryStatus.DELIVERED) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            campaign=step.message,
            subscriber=person,
            medium=medium,
            status=status,
            not_before="2026-11-24T10:00Z",
        )
        for person in people
    )


def enrol(journey, people, *, status=EnrolmentStatus.ACTIVE, next_position=1) -> None:
    Enrolment.objects.bulk_create(
        Enrolment(
            journey=journey,
            subscriber=person,
            status=status,
            next_position=next_position,
            entered_at="2026-11-24T10:00Z",
        )
        for person in people
    )


def rows_by_position(report):
    return {row.position: row for row in report.steps}


def run_journey(journey, placement):
    """23 people entered; 20 reached the check; 5 opted out after the welcome, 3 stopped at the check."""
    people = subscribed_employees(23)
    welcome, check = journey.steps.order_by("position")
    sent(welcome, people)
    sent(welcome, people[:16], medium=Medium.EMAIL, status=DeliveryStatus.SENT)
    sent(check, people[:18])
    sent(check, people[18:20], status=DeliveryStatus.FAILED)
    enrol(journey, people[:3], status=EnrolmentStatus.STOPPED, next_position=3)  # answered: stop
    enrol(journey, people[3:13], status=EnrolmentStatus.FINISHED, next_position=3)
    enrol(journey, people[13:16], status=EnrolmentStatus.ACTIVE, next_position=3)
    enrol(journey, people[16:18], status=EnrolmentStatus.ACTIVE, next_position=2)
    enrol(journey, people[18:], status=EnrolmentStatus.OPTED_OUT, next_position=2)
    link = TrackedLink.objects.get(campaign=welcome.message, medium=Medium.SMS)
    LinkClickDay.objects.create(
        link=link, date=WEEK, raw_hits=20, bot_hits=3, human_clicks=14, unique_clicks=12
    )
    for answer, votes in ((Usefulness.USEFUL, 11), (Usefulness.NOT_FOR_ME, 2)):
        FeedbackCount.objects.create(
            campaign=welcome.message,
            placement=placement,
            medium=Medium.SMS,
            answer=answer,
            week=WEEK,
            votes=votes,
        )
    for letter, count in (("A", 16), ("B", 6), ("C", 3)):
        CheckAnswerCount.objects.create(step=check, letter=letter, week=WEEK, count=count)
    return people


def test_each_step_shows_its_figures_rounded_and_small_ones_withheld(journey, placement):
    run_journey(journey, placement)

    report = journey_report.journey_report(journey)
    welcome, check = rows_by_position(report)[1], rows_by_position(report)[2]

    assert str(welcome.entered) == "20"  # 23 people
    assert str(welcome.sent) == "40"  # 23 texts and 16 emails
    assert str(welcome.delivered) == "20"  # 23 texts with a receipt; emails have none
    assert str(welcome.human_clicks) == "10"  # 14
    assert (str(welcome.useful), str(welcome.not_for_me)) == ("10", "fewer than 5")  # 11 and 2
    assert str(welcome.left) == "10"  # 5 opted out after the welcome
    assert welcome.answered is None and welcome.right is None
    assert str(check.entered) == "20"  # 20 people (2 of them failed)
    assert str(check.sent) == "20"  # 18
    assert str(check.left) == "fewer than 5"  # 3 stopped on answering
    assert str(check.answered) == "30"  # 25
    assert str(check.right) == "67%"  # 16 of 25 (64%), from the published 20 of 30
    assert str(report.enrolled) == "20"  # 23
    assert str(report.on_the_journey) == "10"  # 5: 3 waiting for the end, 2 for the check
    assert str(report.finished) == "10"
    assert str(report.left) == "10"  # 8
    assert str(report.left_before_first_step) == "fewer than 5"


def test_no_small_group_can_be_worked_out_by_subtracting_published_figures(journey, placement):
    """Exact counts would give the 2 who left after the welcome away: entered 12 - 10 at the check."""
    people = subscribed_employees(12)
    welcome, check = journey.steps.order_by("position")
    sent(welcome, people)
    sent(check, people[:10])
    enrol(journey, people[:10], status=EnrolmentStatus.FINISHED, next_position=3)
    enrol(journey, people[10:], status=EnrolmentStatus.OPTED_OUT, next_position=2)

    report = journey_report.journey_report(journey)
    first, second = rows_by_position(report)[1], rows_by_position(report)[2]

    assert str(first.left) == "fewer than 5"
    assert first.entered.value - second.entered.value == 0  # 10 - 10: the 2 stay hidden
    assert report.enrolled.value - report.finished.value == 0
    figures = [row.entered for row in report.steps] + [report.enrolled, report.finished, report.left]
    assert all(figure.withheld or figure.value % 10 == 0 for figure in figures)


def test_a_check_answered_by_fewer_than_five_shows_no_share(journey, placement):
    check = journey.steps.get(position=2)
    CheckAnswerCount.objects.create(step=check, letter="A", week=WEEK, count=3)
    CheckAnswerCount.objects.create(step=check, letter="B", week=WEEK, count=1)

    row = rows_by_position(journey_report.journey_report(journey))[2]

    assert str(row.answered) == "fewer than 5"
    assert str(row.right) == "withheld (fewer than 5 answered)"


def test_the_page_and_the_csv_publish_the_same_figures(internal_client, journey, placement):
    run_journey(journey, placement)

    page = internal_client.get(reverse("admin:campaigns_journey_report", args=[journey.pk])).content.decode()
    response = internal_client.get(reverse("admin:campaigns_journey_report_csv", args=[journey.pk]))
    table = list(csv.reader(io.StringIO(response.content.decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert table[0][:4] == ["Step", "Message or question", "When", "Entered (people)"]
    assert table[1][3:10] == ["20", "40", "20", "10", "10", "fewer than 5", "10"]
    assert table[2][10:] == ["30", "67"]
    assert "fewer than 5" in page and "67%" in page
    assert "Which of these calms an angry customer first?" in page
    for withheld in ("11", "14", "23", "25", "16"):  # true counts appear nowhere
        assert f">{withheld}<" not in page
        assert withheld not in [cell for line in table[1:] for cell in line]


def test_a_question_starting_with_a_formula_sign_is_not_a_formula_in_the_csv(internal_client, journey):
    check = journey.steps.get(position=2)
    check.question = "=HYPERLINK(1) Reply A or B"
    check.save()

    response = internal_client.get(reverse("admin:campaigns_journey_report_csv", args=[journey.pk]))

    assert "'=HYPERLINK(1) Reply A or B" in response.content.decode()


def test_the_report_costs_the_same_queries_for_two_steps_or_eight(
    internal_client, journey, placement, django_assert_max_num_queries
):
    address = reverse("admin:campaigns_journey_report", args=[journey.pk])
    run_journey(journey, placement)
    with django_assert_max_num_queries(20) as two_steps:
        internal_client.get(address)
    for _ in range(6):
        journeys.create_step(journey=journey, wait_days=7)

    with django_assert_max_num_queries(len(two_steps.captured_queries)):
        assert internal_client.get(address).status_code == 200


def test_the_agency_curator_reads_the_report_and_it_names_nobody(agency_client, journey, placement):
    people = run_journey(journey, placement)

    page = agency_client.get(reverse("admin:campaigns_journey_report", args=[journey.pk])).content.decode()
    table = agency_client.get(
        reverse("admin:campaigns_journey_report_csv", args=[journey.pk])
    ).content.decode()

    assert "Entered" in page
    for person in people:
        for text in (page, table):
            assert person.phone not in text and person.email not in text and person.display_name not in text


def test_left_counts_at_the_last_step_sent_when_positions_have_gaps(journey):
    journeys.create_step(journey=journey, position=5, wait_days=7)
    people = subscribed_employees(17)
    enrol(journey, people[:6], status=EnrolmentStatus.OPTED_OUT, next_position=5)  # after step 2
    enrol(journey, people[6:12], status=EnrolmentStatus.REMOVED, next_position=6)  # after step 5
    enrol(journey, people[12:], status=EnrolmentStatus.OPTED_OUT, next_position=1)  # before any step

    report = journey_report.journey_report(journey)
    rows = rows_by_position(report)

    assert (str(rows[1].left), str(rows[2].left), str(rows[5].left)) == ("fewer than 5", "10", "10")
    assert str(report.left_before_first_step) == "10"  # 5
    assert str(report.left) == "20"  # 17


def test_a_message_that_never_asked_useful_shows_no_votes(journey):
    check = journey.steps.get(position=2)
    check.message.ask_useful = False
    check.message.save()

    row = rows_by_position(journey_report.journey_report(journey))[2]

    assert (str(row.useful), str(row.not_for_me)) == ("—", "—")
