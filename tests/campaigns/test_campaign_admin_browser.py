"""Composing and launching a campaign in headless Chromium at a laptop's size, without a line of
our own JavaScript: "Preview changes" shows unsaved edits, and Launch asks first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign, CampaignStatus, MediaPreference
from tests.browser import signed_in_page
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = [
    pytest.mark.requires("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]


@pytest.fixture
def launcher_page(browser, live_server, internal_curator):
    with signed_in_page(browser, live_server, internal_curator) as page:
        yield page


@pytest.fixture
def campaign() -> Campaign:
    subscribed_employees(2)
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(placements=[placement], media=MediaPreference.SMS)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_preview_changes_shows_the_unsaved_text_and_saves_it_only_when_asked(launcher_page, campaign):
    page = launcher_page
    page.goto(f"/admin/campaigns/campaign/{campaign.pk}/change/")
    page.get_by_label("Text message").fill("Hi {first_name}, two minutes on feedback: {links}")

    page.get_by_role("button", name="Preview changes").click()

    # expect() waits for the posted page; is_visible() would read whatever is there at that instant.
    expect(page.get_by_text("Not saved yet.")).to_be_visible()
    assert "Hi Sam, two minutes on feedback: http" in page.locator("pre.message-body").inner_text()
    assert fits(page)
    campaign.refresh_from_db()
    assert campaign.sms_text == "Hi {first_name}, 3 minutes on giving feedback: {links}"

    page.get_by_role("button", name="Save these changes").click()

    expect(page.locator("ul.messagelist")).to_be_visible()  # saved and back on the campaign
    campaign.refresh_from_db()
    assert campaign.sms_text == "Hi {first_name}, two minutes on feedback: {links}"


def test_launch_asks_first_and_launches_on_yes(launcher_page, campaign):
    page = launcher_page
    page.goto(f"/admin/campaigns/campaign/{campaign.pk}/change/")

    page.get_by_role("link", name="Launch…").click()

    summary = page.locator("dl.launch-summary").inner_text()
    assert "2 people by text" in summary and "GBP" in summary and "Nobody waits" in summary
    assert fits(page)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT

    page.get_by_role("button", name="Yes, launch").click()

    assert "is now" in page.locator("ul.messagelist").inner_text()
    campaign.refresh_from_db()
    assert campaign.status != CampaignStatus.DRAFT
