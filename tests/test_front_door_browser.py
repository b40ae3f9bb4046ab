"""The front door and the quiz in a phone-sized Chromium: keyboard only, and with JavaScript off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics import quiz
from analytics.models import QuizResponse
from channels.models import Platform, Visibility
from curation import services
from tests.browser import PHONE
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_home_page_fits_a_phone_and_links_to_the_admin(phone_page):
    phone_page.goto("/")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Learn Socially")
    assert fits_the_screen(phone_page)
    expect(phone_page.get_by_role("link", name="sign in to the curation admin")).to_be_visible()


def test_home_page_shows_how_to_join_what_is_new_and_the_channels_to_follow(phone_page):
    youtube = ChannelFactory(
        name="Acme Learns on YouTube", platform=Platform.YOUTUBE, url="https://www.youtube.com/@acmelearns"
    )
    ChannelFactory(name="Leadership circle", visibility=Visibility.PRIVATE)
    placement = PlacementFactory(item=ContentItemFactory(title="Meetings with a purpose"), channel=youtube)
    services.mark_live(item=placement.item)

    phone_page.goto("/")

    expect(phone_page.get_by_role("link", name="Sign up for texts and emails")).to_be_visible()
    expect(phone_page.get_by_role("heading", name="New this week")).to_be_visible()
    expect(phone_page.get_by_role("link", name="Meetings with a purpose")).to_be_visible()
    channels = phone_page.get_by_role("heading", level=3).all_inner_texts()
    assert "Acme Learns on YouTube" in channels
    assert "Leadership circle" not in channels
    expect(
        phone_page.get_by_role("link", name="Get the YouTube app from the App Store (iPhone)")
    ).to_be_visible()
    assert fits_the_screen(phone_page)


def focused(page, script: str) -> str:
    return page.evaluate(f"document.activeElement.{script}")


def test_the_quiz_can_be_completed_with_the_keyboard_alone(phone_page):
    phone_page.goto("/quiz/")
    first = quiz.QUESTIONS[0].code
    for _ in range(5):  # past the skip link to the first answer
        phone_page.keyboard.press("Tab")
        if focused(phone_page, "name") == first:
            break

    for question in quiz.QUESTIONS:
        assert focused(phone_page, "name") == question.code
        phone_page.keyboard.press("Space")  # choose the first answer...
        phone_page.keyboard.press("ArrowDown")  # ...then arrows move the choice down the group
        phone_page.keyboard.press("ArrowDown")
        assert phone_page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        phone_page.keyboard.press("Tab")  # to the next question
    assert focused(phone_page, "tagName") == "BUTTON"
    assert phone_page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    phone_page.keyboard.press("Enter")

    heading = phone_page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Your result: Facilitated"
    assert phone_page.locator("[aria-current=step]").inner_text().startswith("Facilitated")
    assert fits_the_screen(phone_page)
    assert QuizResponse.objects.get().stage == "facilitated"


def test_the_quiz_works_with_javascript_turned_off(browser, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url  # where the share link points
    context = browser.new_context(**PHONE, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/quiz/")
        page.get_by_role("button", name="See where we are").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        assert QuizResponse.objects.count() == 0

        for question in quiz.QUESTIONS:
            page.get_by_role("group", name=question.text).get_by_label(question.answers[3].text).check()
        page.get_by_role("button", name="See where we are").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Your result: Unfacilitated")
        page.get_by_role("link", name="/quiz/result/unfacilitated/").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Learner power: Unfacilitated")
        assert fits_the_screen(page)
    finally:
        context.close()
    assert QuizResponse.objects.get().stage == "unfacilitated"
