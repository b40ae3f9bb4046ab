"""The meeting room in headless Chromium at a laptop's size, over the demo programme with the clock
frozen on a Tuesday: the team starts the meeting from the dashboard, decides every card by
keyboard, applies the decisions, and prints the minutes, and no page scrolls sideways."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from curation.demo import DEMO_USERS
from curation.models import Decision, ReviewMeeting
from tests.browser import LAPTOP, signed_in_page

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

PROJECTOR = {"width": 1920, "height": 1080}
TUESDAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
# Set MEETING_SCREENSHOTS to a folder to keep the pages as pictures (for the lead's notes).
SCREENSHOTS = os.environ.get("MEETING_SCREENSHOTS", "")


@pytest.fixture
def room_page(browser, live_server):
    """A laptop-sized page signed in as the demo's internal curator, on the frozen Tuesday."""
    with time_machine.travel(TUESDAY, tick=True):
        call_command("load_demo", force=True, stdout=io.StringIO())
        with signed_in_page(
            browser,
            live_server,
            get_user_model().objects.get(username=DEMO_USERS[0][0]),
            accept_downloads=True,
        ) as page:
            yield page


def scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


def snap(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def test_the_team_runs_the_weekly_meeting_from_the_dashboard_by_keyboard(room_page, tmp_path):
    page = room_page
    page.goto("/admin/review/")
    snap(page, "0-dashboard")
    page.get_by_role("button", name="Start this week's meeting").click()

    meeting = ReviewMeeting.objects.get(held_on=TUESDAY.date())
    cards = meeting.agenda.count()
    assert cards > 3
    assert page.url.endswith(f"/admin/review/meetings/{meeting.pk}/1/")
    # Small capitals are the stylesheet's: the words are the same before it applies.
    assert page.locator(".room-kind").first.inner_text().upper().startswith("NOT DONE SINCE LAST MEETING")
    snap(page, "1-first-card")

    # The keys are meeting.js's (deferred): it shows the "? Keys" button once it listens.
    expect(page.locator(".room-help-open")).to_be_visible()
    # Typing in the note never decides: "k" and "r" are letters of the note, not shortcuts.
    page.keyboard.press("n")
    page.keyboard.type("Keep it, write the brief first")
    page.keyboard.press("Escape")
    assert page.url.endswith("/1/")

    # ? lists the keys; Escape closes the list.
    page.keyboard.press("?")
    expect(page.locator("#room-help")).to_be_visible()
    page.keyboard.press("Escape")

    decided = []
    for number in range(1, cards + 1):
        assert page.url.endswith(f"/{number}/")
        assert not scrolls_sideways(page), f"card {number} scrolls sideways"
        if number == 3:  # a projector's width too: larger type, still nothing sideways
            snap(page, "3-item-card")
            page.set_viewport_size(PROJECTOR)
            assert not scrolls_sideways(page)
            snap(page, "3-item-card-projector")
            page.set_viewport_size(LAPTOP["viewport"])
        keys = page.locator(".room-action").evaluate_all("buttons => buttons.map(b => b.dataset.key)")
        key = "b" if keys == ["b"] else "lrk"[number % 3]
        decided.append(key)
        with page.expect_navigation():
            page.keyboard.press(key)

    assert page.url.endswith(f"/meetings/{meeting.pk}/minutes/")
    assert "No decision" not in page.locator(".room-minutes-table").inner_text()
    assert not scrolls_sideways(page)
    snap(page, "4-minutes-before-applying")

    apply = page.get_by_role("button", name="Apply all")
    apply.dblclick()  # an impatient double-click applies once
    page.wait_for_load_state("networkidle")

    assert not meeting.decisions.filter(applied_at=None).exists()
    applied_records = Decision.history.filter(meeting_id=meeting.pk, applied_at__isnull=False)
    assert applied_records.count() == meeting.decisions.count()  # each applied once, not twice
    assert "Not applied yet" not in page.locator(".room-minutes-table").inner_text()
    snap(page, "5-minutes-applied")

    page.emulate_media(media="print")
    assert page.locator("#header").is_hidden()
    assert page.locator(".room-bar").is_hidden()
    expect(page.locator(".room-minutes-table")).to_be_visible()
    snap(page, "5-minutes-printed")
    page.pdf(path=str(tmp_path / "minutes.pdf"))
    assert (tmp_path / "minutes.pdf").read_bytes().startswith(b"%PDF")
    page.emulate_media(media="screen")

    # The record page in the admin links back into the room, within a laptop's width.
    page.goto(f"/admin/curation/reviewmeeting/{meeting.pk}/change/")
    expect(page.get_by_role("link", name="Open the meeting room")).to_be_visible()
    assert not scrolls_sideways(page)
    snap(page, "6-record")
