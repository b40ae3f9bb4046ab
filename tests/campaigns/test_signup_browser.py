"""Sign-up in a real phone-sized browser: the pages fit the screen, every field is labelled."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from campaigns import sms
from campaigns.links import email_confirmation_url
from campaigns.models import ConsentState, Subscriber
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def signup_settings(open_signup):
    return open_signup


def assert_fits_a_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def assert_every_field_labelled(page: Page) -> None:
    fields = page.locator("input:not([type=hidden]), select, textarea")
    assert fields.count() > 0
    for index in range(fields.count()):
        field = fields.nth(index)
        assert field.evaluate("element => element.labels.length") > 0, field.evaluate("e => e.outerHTML")


def test_an_employee_signs_up_by_phone_and_confirms_the_texted_code(phone_page):
    TopicFactory(name="Wellbeing", slug="wellbeing")
    page = phone_page

    page.goto("/join/")
    assert_fits_a_phone(page)
    assert_every_field_labelled(page)
    page.get_by_label("Mobile number").fill("07700 100001")
    page.get_by_label("Texts only").check()
    page.get_by_label("Wellbeing").check()
    page.get_by_label("Your time zone").select_option("Europe/Dublin")
    page.get_by_label("Department (optional)").fill("Finance")
    page.get_by_label("Invitation code").fill("LEARN-2026")
    page.get_by_role("button", name="Sign me up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your phone")
    assert_fits_a_phone(page)
    assert_every_field_labelled(page)
    code = re.search(r"code is (\d{6})", sms.outbox[-1].body).group(1)
    page.get_by_label("Code from the text").fill(code)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed up")
    expect(page.get_by_role("link", name="Open your page")).to_be_visible()
    assert_fits_a_phone(page)
    subscriber = Subscriber.objects.get()
    assert (subscriber.phone, subscriber.sms_state) == ("+447700100001", ConsentState.SUBSCRIBED)
    assert (subscriber.time_zone, subscriber.department) == ("Europe/Dublin", "Finance")


def test_a_bad_number_is_explained_beside_its_field_and_kept(phone_page):
    page = phone_page
    page.goto("/join/")
    page.get_by_label("Mobile number").fill("+1 202 555 0123")
    page.get_by_label("Texts only").check()
    page.get_by_label("Invitation code").fill("LEARN-2026")

    page.get_by_role("button", name="Sign me up").click()

    message = "We can only text numbers in the countries where we employ people (GB, IE)."
    phone = page.get_by_label("Mobile number")
    expect(phone).to_have_value("+1 202 555 0123")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=phone).locator(".errorlist")).to_have_text(message)
    expect(page.locator(".error-summary").get_by_role("link", name=message)).to_be_visible()
    assert "id_phone_error" in phone.get_attribute("aria-describedby")
    assert_fits_a_phone(page)
    assert sms.outbox == []


def test_an_email_link_opened_on_the_phone_confirms_with_one_button(phone_page):
    subscriber = SubscriberFactory(email_consent=ConsentState.PENDING)
    page = phone_page

    page.goto(urlsplit(email_confirmation_url(subscriber)).path)
    assert_fits_a_phone(page)
    page.get_by_role("button", name="Confirm my email address").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed up")
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.SUBSCRIBED
