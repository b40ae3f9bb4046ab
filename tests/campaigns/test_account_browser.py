"""The employee's own page and the unsubscribe page, on a phone, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.links import account_url, unsubscribe_url
from campaigns.models import ConsentState, Subscriber
from tests.factories import SubscriberFactory, TopicFactory
from tests.helpers import path_of

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def unlabelled_inputs(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(el => el.labels.length === 0).map(el => el.name)"
    )


def test_an_employee_changes_their_topics_on_their_phone(phone_page):
    TopicFactory(name="Wellbeing", slug="wellbeing")
    TopicFactory(name="Leading a team", slug="leading")
    subscriber = SubscriberFactory(phone="+447400123456", sms=ConsentState.SUBSCRIBED)

    phone_page.goto(path_of(account_url(subscriber)))
    assert fits_the_screen(phone_page)
    assert unlabelled_inputs(phone_page) == []
    phone_page.get_by_label("Wellbeing").check()
    phone_page.get_by_label("Texts only").check()
    phone_page.get_by_role("button", name="Save my choices").click()

    assert (
        phone_page.get_by_role("status").inner_text()
        == "Saved. Your choices apply to the next message we send."
    )
    assert phone_page.get_by_label("Wellbeing").is_checked()
    assert list(Subscriber.objects.get().topics.values_list("name", flat=True)) == ["Wellbeing"]


def test_an_employee_erases_themselves(phone_page):
    subscriber = SubscriberFactory(email="dev@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)

    phone_page.goto(path_of(account_url(subscriber)))
    phone_page.get_by_role("button", name="Delete my details…").click()
    phone_page.get_by_role("button", name="Yes, delete everything").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Your details are deleted")
    assert not Subscriber.objects.exists()


def test_the_unsubscribe_page_asks_then_unsubscribes(phone_page):
    subscriber = SubscriberFactory(email="erin@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)

    phone_page.goto(path_of(unsubscribe_url(subscriber)))
    assert fits_the_screen(phone_page)
    phone_page.get_by_role("button", name="Unsubscribe from emails").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.OPTED_OUT
