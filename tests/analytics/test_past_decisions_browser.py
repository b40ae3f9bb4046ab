"""The page of past decisions in headless Chromium at a laptop's size: it fits without scrolling
sideways, logs no error, and its filters apply."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.analytics.test_past_decisions import history  # noqa: F401 (a fixture)
from tests.browser import signed_in_page

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def curator_page(browser, live_server, internal_curator):
    with signed_in_page(browser, live_server, internal_curator) as page:
        yield page


def test_past_decisions_fit_a_laptop_and_filter_by_outcome(curator_page, history):  # noqa: F811
    curator_page.goto("/admin/review/decisions/")

    expect(curator_page.get_by_role("heading", name="Which moves pay off")).to_be_visible()
    assert curator_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if os.environ.get("SCREENSHOTS"):
        curator_page.screenshot(
            path=os.path.join(os.environ["SCREENSHOTS"], "past-decisions.png"), full_page=True
        )

    curator_page.get_by_label("Did it work?").select_option("worked")
    curator_page.get_by_role("button", name="Apply").click()

    rows = curator_page.locator("table.past-decisions tbody tr")
    assert rows.count() == 1
    assert "Giving feedback" in rows.first.inner_text()
    assert "verdict=worked" in curator_page.url
