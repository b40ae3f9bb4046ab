"""The page an email's “useful?” link opens, on a phone, in a real browser."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from campaigns import sending
from campaigns.models import FeedbackCount, MediaPreference, Usefulness
from tests.browser import PHONE, watched_page
from tests.campaigns.voting import PHONE_BROWSER
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import path_of

pytestmark = [
    pytest.mark.requires("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]

# WCAG 2.x contrast ratio of an element's text on its own background.
CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const lum = c => { const [r, g, b] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const style = getComputedStyle(el);
  const [a, b] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.fixture
def phone(browser, live_server):
    """A phone's browser that says it is one: headless Chromium's own user agent reads as a bot's
    (campaigns.tracking), and a bot's press is counted apart."""
    context = browser.new_context(**PHONE, user_agent=PHONE_BROWSER, base_url=live_server.url)
    with watched_page(context) as page:
        yield page


@pytest.fixture
def useful_link(internal_curator, settings):
    """The "Useful" link under "Giving feedback" in an employee's email, as a path."""
    settings.PUBLIC_BASE_URL = "https://learning.example.org"
    subscribed_employees(1)
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement], media=MediaPreference.EMAIL)
    sending.launch(campaign=campaign, by=internal_curator)
    (email,) = mail.outbox
    return path_of(
        next(line.split(": ", 1)[1] for line in email.body.splitlines() if line.startswith("Useful: "))
    )


def test_an_employee_confirms_useful_on_their_phone(phone, useful_link):
    phone.goto(useful_link)

    expect(phone.get_by_role("heading", level=1)).to_have_text("Was “Giving feedback” useful?")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert not FeedbackCount.objects.exists(), "opening the page counts nothing"
    button = phone.get_by_role("button", name="Send “Useful”")
    button.focus()
    assert button.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    assert button.evaluate(CONTRAST) >= 4.5
    assert button.bounding_box()["height"] >= 44  # a thumb's target
    phone.keyboard.press("Enter")

    expect(phone.get_by_role("heading", level=1)).to_have_text("Thanks, counted.")
    expect(phone.get_by_role("status")).to_contain_text("Giving feedback")
    assert list(FeedbackCount.objects.values_list("answer", "votes")) == [(Usefulness.USEFUL, 1)]

    phone.go_back()
    phone.get_by_role("button", name="Send “Useful”").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Thanks, you've already told us about that one."
    )
    assert list(FeedbackCount.objects.values_list("votes", flat=True)) == [1]


def test_a_mangled_link_says_so_on_a_phone(phone, useful_link):
    response = phone.goto(useful_link[:-6] + "/")

    assert response.status == 404
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link is not valid")
    expect(phone.get_by_text("Nothing has been counted.")).to_be_visible()
    assert not FeedbackCount.objects.exists()
    phone.console_errors.remove(
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    )
