"""A curator enrols a second factor and signs in with it, in headless Chromium.

Codes come from allauth's own TOTP helper; passkeys from Chromium's virtual authenticator
(WebAuthn over the DevTools protocol), so allauth's real page scripts and checks run.
"""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from playwright.sync_api import expect

from accounts.models import SignInAttempt, SignInOutcome
from curation.roles import INTERNAL_CURATOR, can_see_contact_data
from tests.browser import watched_page
from tests.helpers import enrol_totp, totp_code

pytestmark = [pytest.mark.requires("chromium", "postgres", "redis"), pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture
def priya(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="priya", email="priya@acme-learning.example", password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=INTERNAL_CURATOR))
    return user


@pytest.fixture
def page(browser, live_server):
    with watched_page(browser.new_context(base_url=live_server.url)) as page:
        yield page


def audit() -> list[tuple[str, str]]:
    return list(SignInAttempt.objects.order_by("pk").values_list("outcome", "method"))


TOTP_PERIOD = 30  # seconds: allauth's default (MFA_TOTP_PERIOD)


def sign_in_with_password(page, login: str = "priya") -> None:
    page.goto("/admin/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def sign_out(page) -> None:
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    # Wait for the redirect: a goto() that follows at once would cancel the sign-out's POST.
    page.wait_for_url(lambda url: not url.endswith("/accounts/logout/"))


def confirm_password(page) -> None:
    """allauth asks for the password again before a second factor is added or changed."""
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def enter_code(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In", exact=True).click()


def test_a_curator_enrols_an_authenticator_app_and_signs_in_with_its_code(page, priya):
    # Each code is typed a second into its 30-second period: one read just before a period ends
    # would be refused once the server checks it (on a loaded machine, seconds later).
    period_start = (int(time.time()) // TOTP_PERIOD + 1) * TOTP_PERIOD + 1
    with time_machine.travel(period_start, tick=True):
        sign_in_with_password(page)
        page.get_by_role("link", name="set up two-factor authentication").click()
        page.get_by_role("link", name="Activate").first.click()
        confirm_password(page)
        secret = page.locator("#authenticator_secret").input_value()
    with time_machine.travel(period_start + TOTP_PERIOD, tick=True):
        page.get_by_label("Authenticator code").fill(totp_code(secret))
        page.get_by_role("button", name="Activate").click()
        recovery_page = page.content()
        sign_out(page)
        sign_in_with_password(page)
        asked = page.url

    # One period later, as the app shows a new code (a code is good once).
    with time_machine.travel(period_start + 2 * TOTP_PERIOD, tick=True):
        enter_code(page, totp_code(secret))

    assert Authenticator.objects.filter(user=priya, type=Authenticator.Type.TOTP).exists()
    assert re.search(r"\b\d{8}\b", recovery_page), "recovery codes are shown after enrolling"
    assert asked.endswith("/accounts/2fa/authenticate/")
    page.wait_for_url("**/admin/")  # the code was accepted: the click posts, then the admin loads
    assert page.locator("#second-factor-missing").count() == 0
    assert can_see_contact_data(type(priya).objects.get(pk=priya.pk))


def test_a_recovery_code_signs_in_once(page, priya):
    enrol_totp(priya)
    code = RecoveryCodes.activate(priya).get_unused_codes()[0]

    sign_in_with_password(page)
    enter_code(page, code)
    page.wait_for_url("**/admin/")  # the first use is accepted: the click posts, then the admin loads
    sign_out(page)
    sign_in_with_password(page)
    enter_code(page, code)

    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert audit() == [
        (SignInOutcome.SUCCESS, "password+recovery_codes"),
        (SignInOutcome.MFA_FAILURE, "totp"),
    ]


def test_a_curator_adds_a_passkey_and_signs_in_with_it_alone(page, priya):
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    sign_in_with_password(page)
    page.goto("/accounts/2fa/webauthn/add/")
    confirm_password(page)
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/accounts/2fa/recovery-codes/$"))
    sign_out(page)

    page.goto("/accounts/login/?next=/admin/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/admin/$"))

    passkey = Authenticator.objects.get(user=priya, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Laptop" and passkey.wrap().is_passwordless
    expect(page.get_by_role("heading", name="Catalogue, channels and programme")).to_be_visible()
    assert page.locator("#second-factor-missing").count() == 0
    assert audit() == [(SignInOutcome.SUCCESS, "password"), (SignInOutcome.SUCCESS, "webauthn")]
