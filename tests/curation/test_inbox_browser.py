"""The inbox in headless Chromium at a laptop's size: a curator works three candidates by keyboard
alone (accepts one, dismisses one with a reason, attaches one to a brief) and sees the admin home's
count fall; without JavaScript the same three calls go through the plain forms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from curation.models import BriefStatus, Candidate, CandidateStatus, ContentBrief, Format, Lifecycle, Stage
from tests.browser import signed_in_page
from tests.factories import CandidateFactory, CandidateSourceFactory, ChannelFactory, TopicFactory

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

INBOX = "/admin/curation/candidate/inbox/"
TITLES = ["Calming an angry caller", "Saying no to a refund", "Following up after a complaint"]


@pytest.fixture
def inbox_data():
    service = TopicFactory(name="Customer service", slug="customer-service")
    ChannelFactory(name="Service blog", url="https://service.acme-learning.example/")
    source = CandidateSourceFactory(name="Service news", topic=service)
    for n, title in enumerate(TITLES):
        CandidateFactory(source=source, url=f"https://service.acme-learning.example/posts/{n}", title=title)
    # Every suggestion's format and stage, as a feed of blog posts would give.
    Candidate.objects.update(suggested_format=Format.BLOG_POST, suggested_stage=Stage.EMBEDDED)
    ContentBrief.objects.create(
        topic=TopicFactory(name="Sales", slug="sales"),
        format=Format.VIDEO,
        stage=Stage.EMBEDDED,
        why="Other.",
    )
    return ContentBrief.objects.create(
        topic=service, format=Format.HOW_TO, stage=Stage.EMBEDDED, why="Complaints escalate too often."
    )


def shown_title(page) -> str:
    return page.locator("#candidate-title").inner_text()


def keys_ready(page) -> None:
    """inbox.js is deferred: it shows the "? Keys" button once it listens. A key pressed before
    then, as the next candidate's page comes up, would go nowhere."""
    expect(page.locator(".inbox-help-open")).to_be_visible()


def scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


def status_of(title: str) -> str:
    return Candidate.objects.get(title=title).status


def test_a_curator_works_the_inbox_by_keyboard_and_the_count_falls(
    browser, live_server, agency_curator, inbox_data
):
    with signed_in_page(browser, live_server, agency_curator) as page:
        page.goto("/admin/")
        expect(page.locator("#inbox-total")).to_have_text("3 new candidates")
        expect(page.get_by_role("link", name="3 in Customer service")).to_be_visible()
        page.locator("#inbox-total").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{INBOX}")

        keys_ready(page)
        assert not scrolls_sideways(page)
        page.keyboard.press("?")
        expect(page.locator("#inbox-help")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#inbox-help")).to_be_hidden()

        first = shown_title(page)
        page.keyboard.press("j")
        expect(page.locator("#candidate-title")).not_to_have_text(first)
        keys_ready(page)
        page.keyboard.press("k")
        expect(page.locator("#candidate-title")).to_have_text(first)
        keys_ready(page)

        # a: accepted as the form says; the next candidate comes up with the result read out.
        page.keyboard.press("a")
        expect(page.locator("#inbox-result")).to_contain_text(
            f"Accepted “{first}” as an idea on Service blog."
        )
        expect(page.locator("#candidate-title")).not_to_have_text(first)
        keys_ready(page)
        assert status_of(first) == CandidateStatus.ACCEPTED
        assert Candidate.objects.get(title=first).item.lifecycle == Lifecycle.IDEA

        # d: the reason field; typing "a", "b" or "j" in it decides nothing; Enter dismisses.
        second = shown_title(page)
        page.keyboard.press("d")
        expect(page.locator("#id_reason")).to_be_focused()
        page.keyboard.type("Covered by a job aid already")
        page.keyboard.press("Enter")
        expect(page.locator("#inbox-result")).to_contain_text(f"Dismissed “{second}”: it will not come back.")
        keys_ready(page)
        dismissed = Candidate.objects.get(title=second)
        assert (dismissed.status, dismissed.dismiss_reason) == (
            CandidateStatus.DISMISSED,
            "Covered by a job aid already",
        )

        # b: the open briefs, the candidate's topic first; Enter attaches.
        third = shown_title(page)
        page.keyboard.press("b")
        expect(page.locator(f"#brief-{inbox_data.pk}")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#inbox-result")).to_contain_text(f"Attached “{third}” to the brief")
        expect(page.locator(".inbox-empty")).to_be_visible()
        attached = Candidate.objects.get(title=third)
        assert (attached.status, attached.brief) == (CandidateStatus.ATTACHED, inbox_data)

        page.goto("/admin/")
        expect(page.locator("#inbox-total")).to_have_text("0 new candidates")
        expect(page.get_by_role("link", name="3 in Customer service")).to_have_count(0)


def test_without_javascript_the_forms_do_the_same(browser, live_server, agency_curator, inbox_data):
    with signed_in_page(browser, live_server, agency_curator, java_script_enabled=False) as page:
        page.goto(INBOX)
        expect(page.locator(".inbox-help-open")).to_be_hidden()  # no keys without the script

        first = shown_title(page)
        page.get_by_label("Title").fill("Calming a caller, in five minutes")
        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page.locator("#inbox-result")).to_contain_text("Accepted “Calming a caller, in five minutes”")
        assert status_of(first) == CandidateStatus.ACCEPTED

        second = shown_title(page)
        page.get_by_role("button", name="Dismiss", exact=True).click()  # no reason: refused, kept
        expect(page.get_by_text("Say why it is dismissed: the other curator reads it.")).to_be_visible()
        assert status_of(second) == CandidateStatus.NEW
        # The refusal is a 400, as a form sent back to correct is: Chromium logs it, meant.
        page.console_errors.remove(
            "Failed to load resource: the server responded with a status of 400 (Bad Request)"
        )
        page.get_by_role("button", name="Already covered in the catalogue").click()
        expect(page.locator("#inbox-result")).to_contain_text(f"Dismissed “{second}”")
        assert Candidate.objects.get(title=second).dismiss_reason == "Already covered in the catalogue"

        third = shown_title(page)
        page.get_by_label("How-to guide on Customer service").check()
        page.get_by_role("button", name="Attach", exact=True).click()
        expect(page.locator("#inbox-result")).to_contain_text(f"Attached “{third}”")
        assert status_of(third) == CandidateStatus.ATTACHED
        assert ContentBrief.objects.get(pk=inbox_data.pk).status == BriefStatus.OPEN

        page.goto("/admin/")
        expect(page.locator("#inbox-total")).to_have_text("0 new candidates")
