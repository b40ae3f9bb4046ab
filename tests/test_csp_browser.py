"""Under the Content-Security-Policy every page still works in Chromium and nothing is refused.

The admin's own scripts (actions, filters, prepopulated slugs, calendars), the weekly review's
charts and the employees' pages run with no inline script or style outside the policy: a refused
one shows as a `securitypolicyviolation` event and a console error, and either fails the test.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from analytics import quiz
from campaigns.links import account_url
from campaigns.models import ConsentState
from curation.demo import DEMO_USERS
from curation.models import ContentItem, Topic
from tests.browser import PHONE
from tests.factories import SubscriberFactory
from tests.helpers import path_of

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => window.reportViolation(
  `${event.violatedDirective} refused ${event.blockedURI || 'inline'} at ${event.documentURI}`));
"""


def watched_page(context):
    """A page that collects in `page.refused` what the policy refused (the violation events and
    Chromium's console messages about them), script errors, and requests the server failed."""
    page = context.new_page()
    page.refused = []
    page.expose_function("reportViolation", lambda text: page.refused.append(text))
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            page.refused.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400:
            page.refused.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.refused.append(str(error)))
    page.on("response", on_response)
    return page


@pytest.fixture
def demo():
    call_command("load_demo", force=True, stdout=io.StringIO())


@pytest.fixture
def curator_page(browser, live_server, demo):
    from django.contrib.auth import get_user_model

    signed_in = Client()
    signed_in.force_login(get_user_model().objects.get(username=DEMO_USERS[0][0]))
    context = browser.new_context(**LAPTOP, base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = watched_page(context)
    yield page
    context.close()


@pytest.fixture
def employee_page(browser, live_server):
    context = browser.new_context(**PHONE, base_url=live_server.url)
    page = watched_page(context)
    yield page
    context.close()


def test_the_admin_works_under_the_policy(curator_page):
    page = curator_page
    page.goto("/admin/")
    expect(page.get_by_role("link", name="Content items").first).to_be_visible()

    # A changelist: a filter applied, then the actions' select-all counts the rows.
    page.goto("/admin/curation/contentitem/")
    page.get_by_role("link", name="Live", exact=True).first.click()
    page.wait_for_url("**lifecycle__exact=live**")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")

    # A change form with a prepopulated slug and the calendar and clock shortcuts.
    page.goto("/admin/campaigns/campaign/add/")
    page.get_by_label("Name:").fill("Working in the open")
    page.get_by_label("Name:").blur()
    assert page.locator("#id_slug").input_value() == "working-in-the-open"
    page.locator("#calendarlink0").click()
    expect(page.locator("#calendarbox0")).to_be_visible()
    page.locator("#calendarbox0").get_by_role("link", name="Today").click()
    page.locator("#clocklink0").click()
    page.locator("#clockbox0").get_by_role("link", name="Noon").click()
    assert page.locator("#id_send_at_0").input_value() and page.locator("#id_send_at_1").input_value()

    # A form that submits: a new topic, its slug filled in by the admin's script.
    page.goto("/admin/curation/topic/add/")
    page.get_by_label("Name:").fill("Remote meetings")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Topic.objects.filter(slug="remote-meetings").exists()

    # django-import-export's export page: "Select all" unticks every column.
    page.goto("/admin/campaigns/subscriber/export/")
    page.locator("input.select-toggle").uncheck()
    columns = page.locator(".selectable-field-export-row input[type=checkbox]")
    assert columns.count() > 0
    assert not any(box.is_checked() for box in columns.all())

    item = ContentItem.objects.order_by("pk").first()
    page.goto(f"/admin/curation/contentitem/{item.pk}/history/")
    # Read-only for everyone (curation.admin_policy): past versions are shown, never restored.
    assert page.get_by_role("heading", level=1).inner_text() == f"View history: {item.title}"

    assert page.refused == []


def test_the_weekly_review_draws_its_charts_under_the_policy(curator_page):
    curator_page.goto("/admin/review/")
    curator_page.wait_for_load_state("networkidle")

    drawn = curator_page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]'))
            .filter(c => window.Chart.getChart(c) && c.width > 0).map(c => c.dataset.chart)"""
    )
    assert "traffic_campaign" in drawn
    assert curator_page.refused == []


def test_employees_pages_work_under_the_policy(employee_page, live_server, settings, demo):
    settings.PUBLIC_BASE_URL = live_server.url
    employee = SubscriberFactory(phone="+447400999888", sms=ConsentState.SUBSCRIBED)
    page = employee_page
    for path in ("/", "/join/", "/feed.xml", path_of(account_url(employee))):
        page.goto(path)
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    page.goto("/quiz/")
    for question in quiz.QUESTIONS:
        page.get_by_role("group", name=question.text).get_by_label(question.answers[3].text).check()
    page.get_by_role("button", name="See where we are").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your result: Unfacilitated")

    assert page.refused == []
