"""Arabic in a real phone-sized Chromium: the pages are right-to-left, mirrored, and nothing
overflows the screen; the language switcher works without JavaScript (issue 16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from campaigns import sms
from campaigns.links import account_url
from campaigns.models import Subscriber
from tests.browser import PHONE, watched_page
from tests.factories import TopicFactory
from tests.helpers import path_of

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

# Whatever sits outside the screen on purpose: the skip link until it has the focus.
OFF_SCREEN_ON_PURPOSE = ".skip-link"
OUTSIDE_THE_SCREEN = """selector => {
  const width = document.documentElement.clientWidth;
  return [...document.body.querySelectorAll('*')]
    .filter(element => !element.closest(selector))
    .filter(element => {
      const box = element.getBoundingClientRect();
      return box.width > 0 && (box.left < -0.5 || box.right > width + 0.5);
    })
    .map(element => element.outerHTML.slice(0, 120));
}"""


@pytest.fixture(autouse=True)
def signup_settings(open_signup):
    return open_signup


@pytest.fixture
def arabic_phone(browser, live_server):
    """A phone whose browser asks for Arabic (Accept-Language: ar-SA)."""
    with watched_page(browser.new_context(**PHONE, locale="ar-SA", base_url=live_server.url)) as page:
        yield page


def assert_right_to_left_and_fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(OUTSIDE_THE_SCREEN, OFF_SCREEN_ON_PURPOSE) == []
    # Mirrored: the heading starts at the right-hand edge, inside the page's padding.
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert heading["x"] + heading["width"] > 390 - 24


def test_an_arabic_phone_signs_up_right_to_left(arabic_phone):
    TopicFactory(name="Wellbeing", slug="wellbeing")
    page = arabic_phone

    page.goto("/join/")
    expect(page.get_by_role("heading", level=1)).to_have_text("اشترك في Learn Socially")
    assert_right_to_left_and_fits(page)
    expect(page.get_by_label("اللغة", exact=True)).to_have_value("ar")
    page.get_by_label("رقم الجوال").fill("07700 100001")
    page.get_by_label("رسائل نصية فقط").check()
    page.get_by_label("Wellbeing").check()
    page.get_by_label("رمز الدعوة").fill("LEARN-2026")
    page.get_by_role("button", name="اشتركني").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("تحقّق من هاتفك")
    assert_right_to_left_and_fits(page)
    text = sms.outbox[-1].body
    assert text.startswith("رمزك في Learn Socially")
    page.get_by_label("الرمز الوارد في الرسالة النصية").fill(re.search(r"\d{6}", text).group())
    page.get_by_role("button", name="تأكيد").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("تم اشتراكك")
    assert_right_to_left_and_fits(page)
    assert Subscriber.objects.get(phone="+447700100001").language == "ar"


def test_an_arabic_employees_own_page_fits_a_phone(arabic_phone):
    subscriber = Subscriber.objects.create(
        phone="+447700100002", email="amel.long.address@acme-learning.example", language="ar"
    )
    page = arabic_phone

    page.goto(path_of(account_url(subscriber)))

    expect(page.get_by_role("heading", level=2, name="ما نحتفظ به عنك")).to_be_visible()
    assert_right_to_left_and_fits(page)


def test_the_switcher_turns_a_french_page_arabic_without_javascript(browser, live_server):
    without_javascript = {**PHONE, "locale": "fr-FR", "java_script_enabled": False}
    with watched_page(browser.new_context(**without_javascript, base_url=live_server.url)) as page:
        page.goto("/join/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Inscrivez-vous à Learn Socially")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # French runs longest
        # JavaScript is off: only the form's own POST can change the language.
        page.get_by_label("Langue de la page").select_option("ar")
        page.get_by_role("button", name="Changer de langue").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("اشترك في Learn Socially")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
