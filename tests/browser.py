"""Headless Chromium (Debian's, driven by Playwright) against the live test server.

Pages employees use are tested at a phone's size. Console errors fail the test that caused them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's guard against async-unsafe calls does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A page in a phone-sized browser; `page.console_errors` collects what went wrong."""
    with watched_page(browser.new_context(**PHONE, base_url=live_server.url)) as page:
        yield page


@contextmanager
def watched_page(context) -> Iterator:
    """A page of `context` that collects console errors in `page.console_errors`; any left at the
    end fail the test. The context is closed either way."""
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert page.console_errors == [], "the page logged errors"


def signed_in_page(browser, live_server, user, **options: object):
    """A laptop-sized watched_page signed in as `user` (the session force_login makes, as a cookie);
    `options` go to the browser context (accept_downloads=True, ...)."""
    from django.test import Client

    signed_in = Client()
    signed_in.force_login(user)
    context = browser.new_context(**LAPTOP, base_url=live_server.url, **options)
    context.add_cookies(
        [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}]
    )
    return watched_page(context)
