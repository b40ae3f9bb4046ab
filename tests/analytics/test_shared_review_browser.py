"""A stakeholder opens a shared review link in headless Chromium on a 360 px phone: the password is
asked, a wrong one refused, the right one shows only the chosen sections; printing hides the
page's navigation; after revocation and after expiry the same link shows the not-available page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from analytics import sharing
from analytics.models import ReviewSection
from tests.analytics.test_shared_review import MEETING_MORNING, small_and_large_items
from tests.browser import watched_page

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def meeting_morning():
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


@pytest.fixture
def stakeholder_page(browser, live_server, meeting_morning):
    with watched_page(browser.new_context(**SMALL_PHONE, base_url=live_server.url)) as page:
        yield page


FORBIDDEN = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def sideways_scroll(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def shared(*, days: int = 30, password: str = "", sections=(ReviewSection.GLANCE, ReviewSection.TRENDS)):
    return sharing.create_share(
        label="Board",
        sections=sections,
        expires_on=date(2026, 11, 24) + timedelta(days=days),
        password=password,
        created_by=None,
    )


def test_a_stakeholder_gives_the_password_and_sees_only_the_chosen_sections(stakeholder_page):
    small_and_large_items()
    _share, token = shared(password="correct horse")
    page = stakeholder_page

    page.goto(f"/review/shared/{token}/")
    expect(page.get_by_label("Password")).to_be_visible()
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_role("alert")).to_have_text("That is not the password for this link.")
    page.console_errors.remove(FORBIDDEN)  # a wrong password answers 403, which Chromium logs

    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_role("heading", name="This week at a glance")).to_be_visible()
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Suggestions the data supports")).to_have_count(0)
    expect(page.get_by_role("heading", name="Past decisions: did they work?")).to_have_count(0)
    expect(page.locator(".headline-value.suppressed").first).to_be_attached()
    page.wait_for_load_state("networkidle")  # the charts draw, with no console error
    assert sideways_scroll(page) == 0
    assert page.locator("a[href*='/admin/']").count() == 0


def test_printing_hides_the_pages_navigation_and_keeps_the_figures(stakeholder_page):
    small_and_large_items()
    _share, token = shared()
    page = stakeholder_page
    page.goto(f"/review/shared/{token}/")
    expect(page.get_by_role("heading", name="This week at a glance")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".shared-review-weeks")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("heading", name="This week at a glance")).to_be_visible()
    widest = page.evaluate(
        """() => Math.max(...Array.from(document.querySelectorAll('canvas'))
            .map(c => c.getBoundingClientRect().right))"""
    )
    assert widest <= page.viewport_size["width"]


def test_a_revoked_link_shows_the_not_available_page(stakeholder_page):
    share, token = shared()
    page = stakeholder_page
    page.goto(f"/review/shared/{token}/")
    expect(page.get_by_role("heading", name="This week at a glance")).to_be_visible()

    sharing.revoke_share(share=share)
    page.reload()

    expect(page.get_by_role("heading", name="This link is not available")).to_be_visible()
    expect(page.get_by_role("heading", name="This week at a glance")).to_have_count(0)
    page.console_errors.remove(NOT_FOUND)  # the page answers 404, which Chromium logs


def test_an_expired_link_shows_the_not_available_page(stakeholder_page):
    _share, token = shared(days=2)  # through Thursday 26 November
    page = stakeholder_page
    page.goto(f"/review/shared/{token}/")
    expect(page.get_by_role("heading", name="This week at a glance")).to_be_visible()

    with time_machine.travel(datetime(2026, 11, 27, 9, tzinfo=UTC), tick=True):
        page.reload()
        expect(page.get_by_role("heading", name="This link is not available")).to_be_visible()
    page.console_errors.remove(NOT_FOUND)


def test_a_stakeholder_reads_the_shared_review_in_french(stakeholder_page):
    """The page's own language switcher posts back to us: the review and the not-available page
    must send an Origin the CSRF check accepts (a no-referrer policy sends "null")."""
    small_and_large_items()
    _share, token = shared(password="correct horse")
    page = stakeholder_page
    page.goto(f"/review/shared/{token}/")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_role("heading", name="This week at a glance")).to_be_visible()

    page.get_by_label("Page language").select_option("fr")
    page.get_by_role("button", name="Change language").click()

    expect(page.get_by_role("heading", name="Bilan de la semaine")).to_be_visible()
    page.wait_for_url(f"**/review/shared/{token}/")


def test_every_section_fits_a_phone_and_a_printed_page(
    browser, live_server, meeting_morning, internal_curator
):
    from tests.analytics.test_shared_review import decisions_by

    small_and_large_items()
    decisions_by(internal_curator, 3)
    _share, token = shared(sections=ReviewSection.values)

    with watched_page(browser.new_context(**SMALL_PHONE, base_url=live_server.url)) as page:
        page.goto(f"/review/shared/{token}/")
        expect(page.get_by_role("heading", name="Past decisions: did they work?")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert sideways_scroll(page) == 0

    # An A4 page's printable width at 96 dpi, margins taken off.
    with watched_page(
        browser.new_context(viewport={"width": 680, "height": 960}, base_url=live_server.url)
    ) as page:
        page.goto(f"/review/shared/{token}/")
        expect(page.get_by_role("heading", name="Past decisions: did they work?")).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        widest = page.evaluate(
            """() => Math.max(...Array.from(document.querySelectorAll('.shared-review table, canvas'))
                .map(e => e.getBoundingClientRect().right))"""
        )
        assert widest <= 680
        assert sideways_scroll(page) == 0


def test_the_review_in_arabic_reads_right_to_left_on_a_phone(stakeholder_page, internal_curator):
    from tests.analytics.test_shared_review import decisions_by

    small_and_large_items()
    decisions_by(internal_curator, 2)
    _share, token = shared(sections=ReviewSection.values)
    page = stakeholder_page
    page.goto(f"/review/shared/{token}/")

    page.get_by_label("Page language").select_option("ar")
    page.get_by_role("button", name="Change language").click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h2#decisions")).to_be_visible()  # its heading in Arabic now
    page.wait_for_load_state("networkidle")
    assert sideways_scroll(page) == 0
