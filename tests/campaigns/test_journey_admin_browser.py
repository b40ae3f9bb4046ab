"""Building a welcome series in headless Chromium at a laptop's size: the steps, a check's answers,
a step's message in the campaign composer, then Launch; the agency curator gets no Launch."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignStatus, Journey, JourneyStatus, MediaPreference
from tests.browser import signed_in_page
from tests.campaigns.journey_data import compose, welcome_series
from tests.factories import live_item

pytestmark = [
    pytest.mark.requires("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]

QUESTION = "Which of these calms an angry customer first? Reply A, B or C"


@pytest.fixture
def launcher_page(browser, live_server, internal_curator):
    with signed_in_page(browser, live_server, internal_curator) as page:
        yield page


@pytest.fixture
def agency_page(browser, live_server, agency_curator):
    with signed_in_page(browser, live_server, agency_curator) as page:
        yield page


@pytest.fixture
def placement():
    return live_item(title="Calming an angry customer").placements.get()


def test_a_curator_builds_a_two_step_journey_with_a_check_composes_it_and_launches_it(
    launcher_page, placement
):
    page = launcher_page
    page.goto("/admin/campaigns/journey/add/")
    page.get_by_label("Name:").fill("Welcome to Learn Socially")
    page.get_by_role("button", name="Add another step").click()
    page.get_by_role("button", name="Add another step").click()
    page.locator('[name="steps-1-wait_days"]').fill("2")
    page.locator('[name="steps-1-question"]').fill(QUESTION)
    for box, answer in enumerate(("Listen first", "Offer a refund", "Call a manager")):
        page.locator(f'[name="steps-1-choices_{box}"]').fill(answer)
    page.locator('[name="steps-1-correct"]').select_option("A")

    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator("ul.messagelist li.success")).to_contain_text("was added successfully")
    journey = Journey.objects.get(name="Welcome to Learn Socially")
    check = journey.steps.get(position=2)
    assert check.choices == ["Listen first", "Offer a refund", "Call a manager"]
    expect(page.locator('[name="steps-1-choices_2"]')).to_have_value("Call a manager")

    # Not composed yet: Launch says what is missing, step by step.
    page.get_by_role("link", name="Launch…").click()
    expect(page.get_by_text("Not ready to launch")).to_be_visible()
    expect(page.locator("ul.errorlist")).to_contain_text("Step 1: Choose at least one placement")
    page.get_by_role("link", name="Back to the journey").click()

    page.locator("a.compose-message").first.click()
    expect(page.locator("p.journey-step-of")).to_contain_text("Step 1 of the journey")
    page.locator(".field-placements .select2-selection").click()
    page.locator(".select2-search__field").fill("Calming")
    page.locator(".select2-results__option", has_text="Calming an angry customer").click()
    page.get_by_label("Text message:").fill("Welcome, {first_name}! Start here: {links}")
    page.get_by_label("Email subject:").fill("Welcome, {first_name}")
    page.get_by_label("Email body:").fill("Hi {first_name},\n\nStart here: {links}\n")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was changed successfully")
    welcome = journey.steps.get(position=1).message
    assert list(welcome.placements.all()) == [placement]
    compose(check, placement, media=MediaPreference.SMS)  # the second, as the first was composed

    page.locator("p.journey-step-of a").click()
    page.get_by_role("link", name="Launch…").click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    page.get_by_role("button", name="Yes, launch").click()

    expect(page.locator("ul.messagelist li.info")).to_contain_text("is now live")
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.LIVE
    welcome.refresh_from_db()
    assert welcome.status != CampaignStatus.DRAFT
    expect(page.get_by_role("button", name="Pause")).to_be_visible()


def test_the_agency_curator_composes_a_journey_but_gets_no_launch(agency_page, placement):
    journey = welcome_series(placement)
    page = agency_page

    page.goto(f"/admin/campaigns/journey/{journey.pk}/change/")

    expect(page.locator("a.compose-message")).to_have_count(2)
    expect(page.get_by_role("link", name="Report")).to_be_visible()
    expect(page.get_by_role("link", name="Launch…")).to_have_count(0)
    expect(page.get_by_role("link", name="Enrol a segment…")).to_have_count(0)
    page.locator('[name="steps-0-wait_days"]').fill("1")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was changed successfully")
    assert journey.steps.get(position=1).wait_days == 1
