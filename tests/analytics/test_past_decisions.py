"""The page of past decisions: each with its measured outcome, which moves pay off, and its CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from hypothesis import given

from analytics import reviews
from analytics.models import DailyMetric, Source
from analytics.review.past_decisions import VERDICTS
from curation.models import DecisionAction, IntendedEffect
from tests.analytics.test_outcomes import (
    AFTER,
    BEFORE,
    DECIDED_ON,
    FIRST_MEETING_MEASURED,
    clicks,
    decided,
    meeting_on,
    placed_live,
)
from tests.test_odd_input_property import get, parameters, quick

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def listed(response) -> list[str]:
    """What each listed decision is about, in the page's order."""
    table = response.content.decode().split('class="past-decisions"')[1]
    return [unescape(about) for about in re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', table)]


@pytest.fixture
def history(internal_curator):
    """Two meetings' decisions: a promotion that worked, one too small to tell, an item held steady
    that did not, a decision with nothing to measure, and a newer one not applied yet."""
    meeting = meeting_on(DECIDED_ON)
    worked, small, steady = placed_live("Giving feedback"), placed_live("Saying no"), placed_live("Coaching")
    clicks(worked, BEFORE, 120)
    clicks(worked, AFTER, 310)
    clicks(small, BEFORE, 1)
    clicks(small, AFTER, 1)
    clicks(steady, BEFORE, 100)
    clicks(steady, AFTER, 50)
    promote = {"action": DecisionAction.PROMOTE, "effect": IntendedEffect.MORE_CLICKS, "by": internal_curator}
    decided(meeting, item=worked.item, **promote)
    decided(meeting, item=small.item, **promote)
    decided(
        meeting,
        item=steady.item,
        action=DecisionAction.KEEP,
        effect=IntendedEffect.HOLD_STEADY,
        by=internal_curator,
    )
    decided(meeting, item=steady.item, action=DecisionAction.KEEP, effect="", by=internal_curator)
    later = meeting_on(FIRST_MEETING_MEASURED)  # measures the first meeting's decisions
    reviews.decide(meeting=later, item=worked.item, action=DecisionAction.RETIRE, reason="Done its job.")
    pending = later.decisions.get()
    pending.intended_effect = IntendedEffect.FEWER_DROPOUTS
    pending.save(update_fields=["intended_effect"])
    return meeting, later


def test_every_past_decision_is_listed_newest_first_with_its_outcome(internal_client, history):
    response = internal_client.get(reverse("review:decisions"))

    assert response.status_code == 200
    assert listed(response) == ["Giving feedback", "Coaching", "Coaching", "Saying no", "Giving feedback"]
    page = text_of(response)
    listed_text = page[page.index("Decisions, newest first") :]
    assert "29 Dec 2026 Retire Giving feedback Fewer drop-outs in its topic Not applied yet" in listed_text
    assert "Keep Coaching — Nothing to measure" in listed_text
    assert (
        "Keep Coaching Hold its engagement steady It did not work Engagement (four weeks) 400" in listed_text
    )
    assert (
        "Giving feedback More human clicks It worked Human clicks (four weeks) "
        "480 26 Oct 2026 to 22 Nov 2026 1,240 30 Nov 2026 to 27 Dec 2026 ▲ +158%"
    ) in listed_text
    assert (
        "Saying no More human clicks Too few people to tell Human clicks (four weeks) fewer than 5"
        in listed_text
    )


def test_which_moves_pay_off_counts_each_actions_outcomes(internal_client, history):
    page = text_of(internal_client.get(reverse("review:decisions")))

    summary = page[page.index("Which moves pay off") : page.index("Decisions, newest first")]
    assert "Promote in the next campaign 1 of 2 0 1 0 0" in summary
    assert "Retire 0 0 0 0 1" in summary
    assert "Keep 0 of 1 1 0 0 0" in summary  # the decision with nothing to measure is not counted


def test_a_decision_applied_but_not_measured_yet_says_when_it_will_be(internal_client, internal_curator):
    placement = placed_live("Giving feedback")
    decided(
        meeting_on(DECIDED_ON),
        item=placement.item,
        action=DecisionAction.PROMOTE,
        effect=IntendedEffect.MORE_CLICKS,
        by=internal_curator,
    )

    page = text_of(internal_client.get(reverse("review:decisions")))

    assert "Not measured yet: at the first review after 28 Dec 2026" in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"verdict": "worked"}, ["Giving feedback"]),
        ({"verdict": "too_small"}, ["Saying no"]),
        ({"verdict": "waiting"}, ["Giving feedback"]),
        ({"action": "keep"}, ["Coaching", "Coaching"]),
        ({"action": "promote", "verdict": "did_not"}, []),
    ],
)
def test_decisions_filter_by_action_and_outcome(internal_client, history, query, shown):
    response = internal_client.get(reverse("review:decisions"), query)

    assert listed(response) == shown


def test_bad_filters_are_named_and_left_out(internal_client, history):
    response = internal_client.get(
        reverse("review:decisions"), {"action": "delete", "verdict": "maybe", "page": "two"}
    )

    assert response.status_code == 200
    assert len(listed(response)) == 5  # every decision, unfiltered
    page = text_of(response)
    assert "“delete” is not a decision the review takes. It was left out." in page
    assert "“maybe” is not an outcome. It was left out." in page
    assert "“two” is not a page number: showing the first page." in page


def test_the_csv_has_every_figure_of_the_filtered_decisions(internal_client, history):
    page = internal_client.get(reverse("review:decisions"), {"action": "promote"}).content.decode()
    link = unescape(re.search(r'href="(/admin/review/decisions/csv/[^"]*)"', page).group(1))

    response = internal_client.get(link)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="review-decisions.csv"'
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header[:10] == [
        "Decided on",
        "Action",
        "About",
        "Meant to",
        "Applied on",
        "Did it work?",
        "Figure",
        "Before",
        "After",
        "Change",
    ]
    assert rows == [
        [
            "2026-11-24",
            "Promote in the next campaign",
            "Saying no",
            "More human clicks",
            "2026-11-25",
            "Too few people to tell",
            "Human clicks (four weeks)",
            "fewer than 5",
            "fewer than 5",
            "",
            "2026-10-26",
            "2026-11-22",
            "2026-11-30",
            "2026-12-27",
        ],
        [
            "2026-11-24",
            "Promote in the next campaign",
            "Giving feedback",
            "More human clicks",
            "2026-11-25",
            "It worked",
            "Human clicks (four weeks)",
            "480",
            "1240",
            "158.33",
            "2026-10-26",
            "2026-11-22",
            "2026-11-30",
            "2026-12-27",
        ],
    ]


def test_a_csv_with_a_bad_filter_is_refused_with_the_reason(internal_client):
    response = internal_client.get(reverse("review:decisions_csv"), {"verdict": "maybe"})

    assert response.status_code == 400
    assert response.content.decode() == "“maybe” is not an outcome. It was left out."


def test_the_page_and_the_csv_cost_the_same_queries_however_many_decisions(
    internal_client, internal_curator, django_assert_max_num_queries
):
    for n in range(2):
        meeting = meeting_on(DECIDED_ON - timedelta(weeks=n))
        for m in range(10):
            placement = placed_live(f"Item {n}-{m}")
            DailyMetric.objects.create(placement=placement, date=AFTER[0], source=Source.LINKS, clicks=40)
            decided(
                meeting,
                item=placement.item,
                action=DecisionAction.PROMOTE,
                effect=IntendedEffect.MORE_CLICKS,
                by=internal_curator,
            )
    meeting_on(FIRST_MEETING_MEASURED)

    # Session, user, permissions and second factor (5); then the count, the rows and the summary.
    with django_assert_max_num_queries(8):
        assert internal_client.get(reverse("review:decisions")).status_code == 200
    with django_assert_max_num_queries(6):
        assert internal_client.get(reverse("review:decisions_csv")).status_code == 200


def test_the_dashboard_leads_to_past_decisions(internal_client):
    page = internal_client.get(reverse("review:week", args=["2026-W47"])).content.decode()

    assert f'href="{reverse("review:decisions")}"' in page


DECISION_FIELDS = {
    "action": list(DecisionAction.values),
    "verdict": [value for value, _label in VERDICTS],
    "page": ["1", "2"],
}


@quick
@given(query=parameters(DECISION_FIELDS))
def test_the_page_and_its_csv_answer_any_filters(internal_client, query):
    internal_client.raise_request_exception = False
    get(internal_client, reverse("review:decisions"), query)
    get(internal_client, reverse("review:decisions_csv"), query)
