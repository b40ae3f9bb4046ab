"""Adding a language to a campaign in headless Chromium at a laptop's size, through the admin's own
inline ("Add another Language"), then "Preview changes": the Arabic text is costed as UCS-2."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign, MediaPreference, MessageVariant
from tests.browser import signed_in_page
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = [
    pytest.mark.requires("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]


@pytest.fixture
def agency_page(browser, live_server, agency_curator):
    with signed_in_page(browser, live_server, agency_curator) as page:
        yield page


@pytest.fixture
def campaign() -> Campaign:
    subscribed_employees(2)
    subscribed_employees(1, language="ar")
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(placements=[placement], media=MediaPreference.SMS)


def test_the_agency_adds_an_arabic_text_previews_its_cost_then_saves_it(agency_page, campaign):
    page = agency_page
    page.goto(f"/admin/campaigns/campaign/{campaign.pk}/change/")

    page.get_by_role("button", name="Add another Language").click()
    added = page.locator("#variants-0")  # the form the button added (the template beside it is hidden)
    added.get_by_role("combobox", name="Language").select_option("ar")
    added.get_by_label("SMS text in this language").fill("مرحبا {first_name}، ثلاث دقائق: {links}")
    page.get_by_role("button", name="Preview changes").click()

    expect(page.get_by_text("Not saved yet.")).to_be_visible()
    arabic = page.locator('.message-variant[lang="ar"]').inner_text()
    assert "1 person will get it." in arabic
    assert "UCS-2 because of" in arabic and "70 characters instead of 160" in arabic
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not MessageVariant.objects.exists()

    page.get_by_role("button", name="Save these changes").click()

    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert MessageVariant.objects.get(campaign=campaign).sms_text.startswith("مرحبا {first_name}")
