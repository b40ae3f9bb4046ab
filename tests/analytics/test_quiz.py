"""The learner power quiz: scoring, anonymous counting, and the curators' aggregate."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from analytics import quiz
from analytics.models import QuizResponse
from curation.models import Stage

pytestmark = pytest.mark.django_db


def all_answers(code: str) -> dict[str, str]:
    return {question.code: code for question in quiz.QUESTIONS}


def form_data(answers: dict[str, str], attempt: str = "") -> dict[str, str]:
    return {**answers, "attempt": attempt}


def attempt_on(page: str) -> str:
    return re.search(r'name="attempt" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    ("code", "stage"),
    [
        ("a", Stage.EMBEDDED),
        ("b", Stage.DIGITAL_BLENDED),
        ("c", Stage.FACILITATED),
        ("d", Stage.UNFACILITATED),
    ],
)
def test_the_same_answer_throughout_places_the_organisation_at_its_stage(code, stage):
    assert quiz.stage_for(all_answers(code)) == stage


def test_mixed_answers_land_in_the_band_of_their_mean():
    # Seven questions score 0..21: 0-5 embedded, 6-10 digital blended, 11-15 facilitated, 16-21 unfacilitated.
    codes = [question.code for question in quiz.QUESTIONS]
    five = {**all_answers("a"), codes[0]: "d", codes[1]: "c"}
    six = {**five, codes[2]: "b"}
    fifteen = {**all_answers("c"), codes[0]: "d"}
    sixteen = {**fifteen, codes[1]: "d"}

    assert quiz.stage_for(five) == Stage.EMBEDDED
    assert quiz.stage_for(six) == Stage.DIGITAL_BLENDED
    assert quiz.stage_for(fifteen) == Stage.FACILITATED
    assert quiz.stage_for(sixteen) == Stage.UNFACILITATED


def test_every_stage_has_a_plain_result_and_next_steps():
    for stage in quiz.CONTINUUM:
        result = quiz.RESULTS[stage]
        assert result.headline and result.meaning
        assert len(result.next_steps) >= 3


def test_cautious_answers_bring_tips_most_cautious_first():
    answers = {**all_answers("d"), "phones": "b", "social_media": "a"}

    outcome = quiz.outcome_for(answers)

    assert outcome.tips == (
        quiz.QUESTIONS_BY_CODE["social_media"].tip,
        quiz.QUESTIONS_BY_CODE["phones"].tip,
    )


def test_the_quiz_page_asks_each_question_as_a_labelled_group(client):
    page = client.get("/quiz/").content.decode()

    assert "<h1>Are you ready to take the leap into social learning?</h1>" in page
    assert page.count("<fieldset") == len(quiz.QUESTIONS)
    assert page.count("<legend>") == len(quiz.QUESTIONS)
    assert 'name="csrfmiddlewaretoken"' in page
    assert "no-store" in client.get("/quiz/")["Cache-Control"]


def test_answering_shows_the_result_and_stores_only_the_anonymous_answers(client):
    page = client.get("/quiz/").content.decode()

    response = client.post(
        "/quiz/",
        form_data(all_answers("c"), attempt_on(page)),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 (Quiz taker's phone)",
    )

    result = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Your result: Facilitated</h1>" in result
    assert "Ready for facilitated social learning" in result
    stored = QuizResponse.objects.get()
    assert stored.stage == Stage.FACILITATED
    assert stored.answers == all_answers("c")
    assert stored.version == quiz.QUIZ_VERSION
    assert stored.answered_on == timezone.localdate()
    values = " ".join(str(getattr(stored, field.attname)) for field in QuizResponse._meta.concrete_fields)
    assert "203.0.113.9" not in values
    assert "Quiz taker" not in values
    assert Session.objects.count() == 0


def test_a_quiz_response_has_no_field_that_could_identify_anyone():
    fields = {field.name: field for field in QuizResponse._meta.get_fields()}

    assert set(fields) == {"id", "version", "stage", "answers", "answered_on"}
    assert type(fields["answered_on"]) is models.DateField  # the day, never the time
    assert isinstance(fields["id"], models.UUIDField)  # no sequence to line up with a server log


def test_posting_the_same_form_twice_counts_once(client):
    attempt = attempt_on(client.get("/quiz/").content.decode())

    client.post("/quiz/", form_data(all_answers("b"), attempt))
    again = client.post("/quiz/", form_data(all_answers("b"), attempt))

    assert "<h1>Your result: Digital blended</h1>" in again.content.decode()
    assert QuizResponse.objects.count() == 1


def test_answers_posted_over_and_over_from_one_address_stop_counting(client, settings):
    settings.QUIZ_RATE_PER_IP = "3/h"

    pages = [client.post("/quiz/", form_data(all_answers("b")), REMOTE_ADDR="198.51.100.9") for _ in range(5)]
    elsewhere = client.post("/quiz/", form_data(all_answers("b")), REMOTE_ADDR="198.51.100.10")

    # Everyone sees their result; only the first three from the one address are counted.
    assert all("<h1>Your result: Digital blended</h1>" in page.content.decode() for page in pages)
    assert elsewhere.status_code == 200
    assert QuizResponse.objects.count() == 4


def test_missing_answers_are_named_and_nothing_is_stored(client):
    answers = all_answers("a")
    del answers["phones"]

    response = client.post("/quiz/", form_data(answers))

    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_phones_0">Choose an answer to question 3.</a>' in page
    assert "<title>Error: " in page
    assert QuizResponse.objects.count() == 0


def test_an_answer_that_is_not_offered_is_refused(client):
    response = client.post("/quiz/", form_data({**all_answers("a"), "phones": "z"}))

    assert "There is a problem" in response.content.decode()
    assert QuizResponse.objects.count() == 0


def test_the_quiz_is_protected_against_cross_site_posts():
    response = Client(enforce_csrf_checks=True).post("/quiz/", form_data(all_answers("a")))

    assert response.status_code == 403
    assert QuizResponse.objects.count() == 0


def test_the_share_link_carries_the_stage_and_never_the_answers(client, settings):
    settings.PUBLIC_BASE_URL = "https://learn.acme.example"
    answers = {**all_answers("d"), "phones": "a"}

    result = client.post("/quiz/", form_data(answers)).content.decode()
    shared = client.get("/quiz/result/unfacilitated/").content.decode()

    assert '<a href="https://learn.acme.example/quiz/result/unfacilitated/">' in result
    assert "<h1>Learner power: Unfacilitated</h1>" in shared
    assert "Where to start, from your answers" in result
    assert "Where to start, from your answers" not in shared
    assert quiz.QUESTIONS_BY_CODE["phones"].tip not in shared


def test_each_stage_has_a_shareable_page_and_nothing_else_does(client):
    for stage in quiz.CONTINUUM:
        assert client.get(reverse("quiz-result", args=[stage])).status_code == 200
    assert client.get("/quiz/result/ready/").status_code == 404


# The curators' aggregate in the admin.


def responses(stage_code: str, count: int) -> None:
    for _ in range(count):
        quiz.record_response(answers=all_answers(stage_code), stage=quiz.stage_for(all_answers(stage_code)))


def test_counts_are_rounded_to_the_nearest_ten_and_those_under_five_withheld_zero_included():
    cells = quiz.published([("a", 9), ("b", 15), ("c", 3), ("d", 0), ("e", 5), ("f", 14)])

    assert [cell.shown for cell in cells] == ["10", "20", "fewer than 5", "fewer than 5", "10", "10"]


def test_the_aggregate_shows_counts_per_stage_and_answer_withholding_small_ones(internal_client):
    responses("c", 7)
    responses("b", 6)
    responses("a", 2)

    page = internal_client.get(reverse("admin:analytics_quizresponse_changelist")).content.decode()

    assert "Responses to this version of the quiz: 20" in page  # 15, rounded on its own
    assert '<th scope="row">Facilitated</th><td>10</td>' in page
    assert '<th scope="row">Digital blended</th><td>10</td>' in page
    assert '<th scope="row">Embedded</th><td>fewer than 5</td>' in page
    assert '<th scope="row">Unfacilitated</th><td>fewer than 5</td>' in page
    first = quiz.QUESTIONS[0].answers
    assert f'<th scope="row">{escape(first[2].text)}</th><td>10</td>' in page
    assert f'<th scope="row">{escape(first[0].text)}</th><td>fewer than 5</td>' in page


def test_fewer_than_five_responses_in_all_show_no_count_at_all(internal_client):
    responses("d", 3)

    page = internal_client.get(reverse("admin:analytics_quizresponse_changelist")).content.decode()

    assert "Responses to this version of the quiz: fewer than 5" in page
    assert "<td>3</td>" not in page


def test_a_single_response_cannot_be_opened_changed_or_deleted(internal_client):
    responses("a", 1)
    pk = QuizResponse.objects.get().pk

    for view in ("change", "delete", "history"):
        assert (
            internal_client.get(reverse(f"admin:analytics_quizresponse_{view}", args=[pk])).status_code == 403
        )
    assert internal_client.get(reverse("admin:analytics_quizresponse_add")).status_code == 403


def test_the_agency_curator_reads_the_aggregate_and_employees_cannot(agency_client):
    url = reverse("admin:analytics_quizresponse_changelist")

    assert agency_client.get(url).status_code == 200
    agency_client.logout()
    assert agency_client.get(url).status_code == 302  # to the admin's sign-in


def test_answers_to_an_earlier_version_of_the_quiz_are_not_counted():
    # Enough of them to be shown, were they counted.
    QuizResponse.objects.bulk_create(
        QuizResponse(
            version=quiz.QUIZ_VERSION - 1,
            stage=Stage.EMBEDDED,
            answers={"old": "a"},
            answered_on=date(2026, 1, 5),
        )
        for _ in range(6)
    )
    responses("b", 5)

    results = quiz.quiz_results()

    assert results.total.count == 10  # five, rounded
    assert results.by_stage[0].count is None
    assert results.by_stage[1].count == 10


def test_the_aggregate_is_counted_in_one_query(django_assert_num_queries):
    responses("c", 6)

    with django_assert_num_queries(1):
        results = quiz.quiz_results()

    assert results.by_question[0].cells[2].count == 10  # six, rounded
