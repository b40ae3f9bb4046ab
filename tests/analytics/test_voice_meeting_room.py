"""What employees told us, on the meeting room's cards: an item's “useful?” votes and its checks'
share answering right over the twelve weeks to the week reviewed, on the dashboard's rule, and the
"rarely useful" suggestion as a card of the agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from analytics import reviews
from analytics.review.suggestions import Suggestion, SuggestionKind
from campaigns import journeys, sending
from campaigns.models import CheckAnswerCount, FeedbackCount, Medium, Usefulness
from curation.models import AgendaKind, ContentItem, ReviewMeeting
from tests.campaigns.journey_data import welcome_series
from tests.factories import live_item, ready_campaign

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)  # the meeting; it reviews the week of 16 November
REVIEWED = date(2026, 11, 16)
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TUESDAY, tick=False):
        yield


@pytest.fixture
def asked(internal_curator, django_capture_on_commit_callbacks):
    """A campaign asking “useful?” about the item, launched by the internal curator."""

    def launched(item: ContentItem, slug: str = "feedback-week"):
        campaign = ready_campaign(placements=list(item.placements.all()), slug=slug)
        with django_capture_on_commit_callbacks(execute=True):
            return sending.launch(campaign=campaign, by=internal_curator)

    return launched


def voted(campaign, item: ContentItem, week: date, *, useful: int = 0, not_for_me: int = 0, bots: int = 0):
    for answer, votes in ((Usefulness.USEFUL, useful), (Usefulness.NOT_FOR_ME, not_for_me)):
        FeedbackCount.objects.create(
            campaign=campaign,
            placement=item.placements.get(),
            medium=Medium.EMAIL,
            answer=answer,
            week=week,
            votes=votes,
            bot_votes=bots,
        )


def checked(item: ContentItem, by, week: date, name: str = "Welcome", **letters: int):
    journey = journeys.launch(journey=welcome_series(item.placements.get(), name=name), by=by)
    step = journey.steps.get(position=2)  # the check; A is right
    for letter, count in letters.items():
        CheckAnswerCount.objects.create(step=step, letter=letter, week=week, count=count)


def card_about(item: ContentItem) -> str:
    meeting = reviews.start_meeting(
        held_on=MONDAY,
        attendees=(),
        suggestions=[Suggestion(kind=SuggestionKind.RETIRE, reason="In the bottom fifth.", item=item)],
    )
    return reverse("review:card", args=[meeting.pk, 1])


def test_an_items_card_shows_its_votes_and_its_checks_answered_right(
    internal_client, internal_curator, asked
):
    item = live_item(title="Giving feedback")
    campaign = asked(item)
    voted(campaign, item, REVIEWED, useful=12, not_for_me=4)
    voted(campaign, item, REVIEWED - timedelta(weeks=6), useful=11, not_for_me=5)
    voted(campaign, item, REVIEWED - timedelta(weeks=12), useful=90)  # before the twelve weeks
    checked(item, internal_curator, REVIEWED, A=27, B=8, C=4)

    content = internal_client.get(card_about(item)).content.decode()

    # 32 votes, 23 useful, 9 not for me; 39 answers, 27 right: each rounded, shares of the rounded.
    assert (
        "“Useful?”, 12 weeks: <strong>67% useful</strong> · 20 useful, 10 not for me, of 30 votes" in content
    )
    assert (
        "Checks, 12 weeks: <strong>75% answered right</strong> · 30 right of 40 answers to 1 check about it"
        in content
    )
    assert "No feedback yet." not in content


def test_small_counts_and_bots_stay_withheld_on_the_card(internal_client, asked):
    item = live_item(title="Asked of a few")
    voted(asked(item), item, REVIEWED, useful=3, not_for_me=1, bots=60)

    content = internal_client.get(card_about(item)).content.decode()

    assert (
        '<strong class="suppressed">share withheld</strong> · fewer than 5 useful, fewer than 5 not for me, '
        "of fewer than 5 votes (a share is withheld when it rests on fewer than 5)"
    ) in content
    assert "60" not in content.split("Employees' feedback")[1].split("</div>")[0]


def test_an_item_nothing_asked_about_has_no_feedback_yet(internal_client):
    content = internal_client.get(card_about(live_item(title="Never asked"))).content.decode()

    assert "No feedback yet." in content
    assert "“Useful?”" not in content


def test_a_rarely_useful_item_is_a_card_on_the_meetings_agenda(internal_client, asked):
    item = live_item(title="Rarely useful guide", days_ago=100)
    voted(asked(item), item, REVIEWED, useful=6, not_for_me=24)

    response = internal_client.post(reverse("review:start_meeting"))

    meeting = ReviewMeeting.objects.get(held_on=TUESDAY.date())
    card = meeting.agenda.get(kind=AgendaKind.RARELY_USEFUL)
    assert card.item == item
    page = internal_client.get(reverse("review:card", args=[meeting.pk, card.position]))
    content = page.content.decode()
    assert response.status_code == 302
    assert "Rarely useful" in content
    assert "Only 33% of 30 “useful?” votes on it in 12 weeks said useful." in content
    assert ("Share useful", "33%") in page.context["figures"]
    assert "<strong>33% useful</strong> · 10 useful, 20 not for me, of 30 votes" in content


def test_a_card_costs_the_same_queries_however_many_campaigns_and_checks_asked(
    internal_client, internal_curator, asked, django_assert_max_num_queries
):
    def card_with(campaigns: int) -> str:
        item = live_item()
        for n in range(campaigns):
            voted(asked(item, slug=f"c-{item.pk}-{n}"), item, REVIEWED, useful=n, not_for_me=2)
            checked(item, internal_curator, REVIEWED, name=f"Journey {item.pk}-{n}", A=n, B=1)
        return card_about(item)

    small = card_with(1)
    with django_assert_max_num_queries(60) as few:
        internal_client.get(small)
    ReviewMeeting.objects.all().delete()
    large = card_with(8)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert internal_client.get(large).status_code == 200
