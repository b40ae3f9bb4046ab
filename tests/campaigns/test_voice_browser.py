"""Why people leave and what they would like to learn, on a phone, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from campaigns.links import account_url, unsubscribe_url
from campaigns.models import ConsentState, LeaveReason, LeaveReasonCount
from curation.models import LearningWish
from tests.browser import PHONE, watched_page
from tests.factories import SubscriberFactory
from tests.helpers import path_of

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

QUESTION = "Why are you leaving? (optional)"


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def unlabelled_inputs(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(el => el.labels.length === 0).map(el => el.name)"
    )


def test_after_unsubscribing_a_person_may_say_why_with_one_tap(phone_page):
    subscriber = SubscriberFactory(email="erin@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)

    phone_page.goto(path_of(unsubscribe_url(subscriber)))
    phone_page.get_by_role("button", name="Unsubscribe from emails").click()

    question = phone_page.get_by_role("group", name=QUESTION)
    expect(question).to_be_visible()
    assert unlabelled_inputs(phone_page) == []
    assert fits_the_screen(phone_page)
    for reason in LeaveReason:
        expect(question.get_by_role("radio", name=reason.label, exact=True)).to_be_visible()
    question.get_by_label("Too many messages").check()
    phone_page.get_by_role("button", name="Send").click()

    expect(phone_page.get_by_role("status")).to_have_text("Thank you for telling us.")
    expect(phone_page.get_by_role("group", name=QUESTION)).to_have_count(0)
    assert list(LeaveReasonCount.objects.values_list("reason", "count")) == [(LeaveReason.TOO_MANY, 1)]


def test_skipping_the_question_leaves_the_person_unsubscribed(phone_page):
    subscriber = SubscriberFactory(email="erin@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)

    phone_page.goto(path_of(unsubscribe_url(subscriber)))
    phone_page.get_by_role("button", name="Unsubscribe from emails").click()
    phone_page.get_by_role("button", name="Skip").click()

    expect(phone_page.get_by_role("group", name=QUESTION)).to_have_count(0)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert not LeaveReasonCount.objects.exists()
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.OPTED_OUT


def test_stopping_texts_on_the_own_page_asks_why(phone_page):
    subscriber = SubscriberFactory(phone="+447400123456", sms=ConsentState.SUBSCRIBED)

    phone_page.goto(path_of(account_url(subscriber)))
    phone_page.get_by_role("button", name="Stop texts").click()
    question = phone_page.get_by_role("group", name=QUESTION)
    expect(question).to_be_visible()
    question.get_by_label("Wrong time").check()
    phone_page.get_by_role("button", name="Send", exact=True).click()

    expect(phone_page.get_by_role("status")).to_have_text("Thank you for telling us.")
    assert list(LeaveReasonCount.objects.values_list("reason", "count")) == [(LeaveReason.WRONG_TIME, 1)]


def test_a_wish_from_the_front_door_with_javascript_off(browser, live_server):
    SubscriberFactory(display_name="Priyanka Venkataraman")
    context = browser.new_context(**PHONE, base_url=live_server.url, java_script_enabled=False)
    with watched_page(context) as page:
        page.goto("/")
        box = page.get_by_label("What would you like to learn?")
        expect(box).to_have_accessible_description("Please don't include names or contact details.")
        assert unlabelled_inputs(page) == []
        assert fits_the_screen(page)

        box.fill("Running meetings like Priyanka, ring 07700 900123")
        page.get_by_role("button", name="Send my idea").click()

        page.wait_for_url("**/#wish")
        expect(page.get_by_role("status")).to_have_text("Thank you: the learning team reads every idea.")
        expect(page.get_by_label("What would you like to learn?")).to_have_value("")
    assert list(LearningWish.objects.values_list("text", flat=True)) == [
        "Running meetings like [removed], ring [removed]"
    ]


def test_an_empty_wish_is_explained_and_the_link_leads_to_the_box(phone_page):
    phone_page.goto("/")
    phone_page.get_by_role("button", name="Send my idea").click()

    summary = phone_page.get_by_role("alert")
    expect(summary).to_contain_text("Write what you would like to learn, or leave the box for another time.")
    expect(phone_page).to_have_title(re.compile(r"^Error: What would you like to learn\?"))
    summary.get_by_role("link").click()
    expect(phone_page.get_by_label("What would you like to learn?")).to_be_focused()
    assert fits_the_screen(phone_page)
    assert not LearningWish.objects.exists()
