"""What employees told us, in headless Chromium at a laptop's size with the clock on the Tuesday of
the meeting: the dashboard's section shows the week's votes, checks and reasons for leaving as
published, suggests the rarely useful item, and its card in the meeting room shows the votes and
the check as evidence; nothing scrolls sideways."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from campaigns import journeys, sending
from campaigns.models import (
    CheckAnswerCount,
    FeedbackCount,
    LeaveReason,
    LeaveReasonCount,
    Medium,
    Usefulness,
)
from curation.models import AgendaKind, ReviewMeeting
from tests.browser import signed_in_page
from tests.campaigns.journey_data import welcome_series
from tests.factories import live_item, ready_campaign

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

TUESDAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
REVIEWED = date(2026, 11, 16)  # 2026-W47, the last complete week on that Tuesday
SCREENSHOTS = os.environ.get("MEETING_SCREENSHOTS", "")


def the_voice(curator) -> None:
    """A guide employees rarely found useful, with a check on it, and a week's reasons for leaving."""
    item = live_item(title="Feedback in five steps", days_ago=120)
    campaign = ready_campaign(placements=list(item.placements.all()), slug="feedback-week")
    sending.launch(campaign=campaign, by=curator)
    for answer, votes in ((Usefulness.USEFUL, 6), (Usefulness.NOT_FOR_ME, 24)):
        FeedbackCount.objects.create(
            campaign=campaign,
            placement=item.placements.get(),
            medium=Medium.EMAIL,
            answer=answer,
            week=REVIEWED,
            votes=votes,
            bot_votes=40,
        )
    journey = journeys.launch(journey=welcome_series(item.placements.get()), by=curator)
    for letter, count in (("A", 27), ("B", 8), ("C", 4)):
        CheckAnswerCount.objects.create(
            step=journey.steps.get(position=2), letter=letter, week=REVIEWED, count=count
        )
    LeaveReasonCount.objects.create(week=REVIEWED, reason=LeaveReason.TOO_MANY, count=12)
    LeaveReasonCount.objects.create(week=REVIEWED, reason=LeaveReason.WRONG_TIME, count=3)


@pytest.fixture
def curator_page(browser, live_server, internal_curator):
    with time_machine.travel(TUESDAY, tick=True):
        the_voice(internal_curator)
        with signed_in_page(browser, live_server, internal_curator) as page:
            yield page


def cells(row) -> list[str]:
    return [cell.strip() for cell in row.locator("th, td").all_inner_texts()]


def scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


def snap(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"voice-{name}.png"), full_page=True)


def test_the_dashboard_and_the_items_card_show_what_employees_told_us(curator_page):
    page = curator_page
    page.goto("/admin/review/")

    section = page.locator("section.review-voice")
    # After what to discuss, before the folded detail.
    tops = page.evaluate(
        "() => ['suggestions', 'voice', 'detail'].map(id => document.getElementById(id).offsetTop)"
    )
    assert tops == sorted(tops)
    expect(section.get_by_role("heading", name="What employees told us")).to_be_visible()
    expect(section).to_contain_text("“Useful?”: 30 votes on items in week 2026-W47, 33% useful.")
    expect(section).to_contain_text("Checks: 40 answers, 75% right.")
    items = section.locator("#table-voice_items")
    expect(items.get_by_role("columnheader", name="Week 2026-W47")).to_be_visible()
    assert cells(items.locator("tr", has_text="Feedback in five steps")) == [
        "Feedback in five steps", "30", "10", "20", "33%", "30", "10", "20", "33%"
    ]  # fmt: skip
    checks = section.locator("#table-voice_checks tr", has_text="Feedback in five steps")
    assert cells(checks)[:5] == ["Feedback in five steps", "1", "40", "30", "75%"]
    leaving = section.locator("#table-voice_leaving")
    assert cells(leaving.locator("tr", has_text="Too many messages"))[1] == "10"
    assert cells(leaving.locator("tr", has_text="Wrong time"))[1] == "fewer than 5"
    expect(section).not_to_contain_text("40 votes")  # the scanners' presses are not votes
    suggestion = page.locator(".suggestion-rarely_useful")
    expect(suggestion).to_contain_text("Only 33% of 30 “useful?” votes on it in 12 weeks said useful.")
    assert not scrolls_sideways(page)
    snap(page, "dashboard")

    page.get_by_role("button", name="Start this week's meeting").click()
    meeting = ReviewMeeting.objects.get(held_on=TUESDAY.date())
    card = meeting.agenda.get(kind=AgendaKind.RARELY_USEFUL)
    page.goto(f"/admin/review/meetings/{meeting.pk}/{card.position}/")

    expect(page.locator(".room-kind")).to_contain_text("Rarely useful")
    feedback = page.locator(".evidence-feedback")
    expect(feedback.locator(".evidence-useful")).to_have_text(
        "“Useful?”, 12 weeks: 33% useful · 10 useful, 20 not for me, of 30 votes"
    )
    expect(feedback.locator(".evidence-checks")).to_have_text(
        "Checks, 12 weeks: 75% answered right · 30 right of 40 answers to 1 check about it"
    )
    assert not scrolls_sideways(page)
    snap(page, "card")
