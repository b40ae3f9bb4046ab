"""Signing in as a curator: allauth's form behind the admin, throttled, second factor, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import SignInAttempt, SignInOutcome
from accounts.services import address_hash
from tests.helpers import enrol_totp, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres", "redis")]

PASSWORD = "a-long-test-password"
WRONG = "not-the-password"
THROTTLED = "Too many failed sign-in attempts for this account or from this address."
MISMATCH = "The username and/or password you specified are not correct."
OFFICE, ELSEWHERE = "203.0.113.5", "198.51.100.7"


def sign_in(client, login: str, password: str, address: str = OFFICE):
    return client.post(reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address)


def outcomes() -> list[tuple[str, str]]:
    return list(SignInAttempt.objects.order_by("pk").values_list("login", "outcome"))


def test_the_admins_login_page_is_the_throttled_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_thirty_wrong_passwords_at_the_admin_login_then_the_right_one_does_not_sign_in(
    client, internal_curator
):
    """What the hostile testers did: the admin's own form no longer signs anyone in."""
    for _ in range(30):
        client.post("/admin/login/?next=/admin/", {"username": "priya", "password": WRONG})
    client.post("/admin/login/?next=/admin/", {"username": "priya", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_five_wrong_passwords_lock_the_account_from_any_address_but_not_others(
    client, internal_curator, agency_curator
):
    wrong = [sign_in(client, "priya", WRONG) for _ in range(5)]
    right_here = sign_in(client, "priya", PASSWORD)
    right_elsewhere = sign_in(client, "Priya", PASSWORD, address=ELSEWHERE)
    tom = sign_in(client, "tom", PASSWORD)

    assert all(MISMATCH in r.content.decode() for r in wrong)
    for refused in (right_here, right_elsewhere):
        assert refused.status_code == 200 and THROTTLED in refused.content.decode()
    assert tom.status_code == 302 and tom["Location"] == "/admin/"
    assert outcomes() == [("priya", SignInOutcome.FAILURE)] * 5 + [
        ("priya", SignInOutcome.THROTTLED),
        ("Priya", SignInOutcome.THROTTLED),
        ("tom", SignInOutcome.SUCCESS),
    ]


def test_guesses_at_the_username_and_the_email_count_against_the_same_account(client, agency_curator):
    agency_curator.email = "tom@agency.example"
    agency_curator.save()

    for login in ("tom", "Tom@Agency.example", "TOM", "tom@agency.example", "Tom"):
        sign_in(client, login, WRONG, address=f"198.51.100.{len(SignInAttempt.objects.all()) + 10}")
    right_by_email = sign_in(client, "tom@agency.example", PASSWORD, address=ELSEWHERE)

    assert right_by_email.status_code == 200 and THROTTLED in right_by_email.content.decode()


def test_twenty_failures_from_one_address_lock_that_address_but_not_another(client, internal_curator):
    for n in range(20):
        sign_in(client, f"guess{n}", WRONG)
    from_here = sign_in(client, "priya", PASSWORD)
    from_elsewhere = sign_in(client, "priya", PASSWORD, address=ELSEWHERE)

    assert THROTTLED in from_here.content.decode()
    assert from_elsewhere.status_code == 302 and from_elsewhere["Location"] == reverse("mfa_authenticate")
    assert SignInAttempt.objects.filter(outcome=SignInOutcome.FAILURE).count() == 20
    assert SignInAttempt.objects.filter(outcome=SignInOutcome.THROTTLED).get().login == "priya"


def test_a_curator_signs_in_with_password_and_authenticator_code_and_each_step_is_audited(
    client, internal_curator_without_mfa
):
    secret = enrol_totp(internal_curator_without_mfa)

    to_code = sign_in(client, "priya", PASSWORD)
    wrong_code = client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=OFFICE)
    not_yet = client.get("/admin/")
    right_code = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, REMOTE_ADDR=OFFICE)

    assert to_code["Location"] == reverse("mfa_authenticate")
    assert "Incorrect code." in wrong_code.content.decode()
    assert not_yet.status_code == 302
    assert right_code.status_code == 302 and client.get("/admin/").status_code == 200
    rows = list(SignInAttempt.objects.order_by("pk"))
    assert [(r.outcome, r.method, r.user) for r in rows] == [
        (SignInOutcome.MFA_FAILURE, "totp", internal_curator_without_mfa),
        (SignInOutcome.SUCCESS, "password+totp", internal_curator_without_mfa),
    ]


def test_the_audit_keeps_a_keyed_hash_of_the_address_never_the_address(client, internal_curator):
    sign_in(client, "priya", WRONG)
    sign_in(client, "priya", WRONG, address=ELSEWHERE)

    here, elsewhere = SignInAttempt.objects.order_by("pk")
    assert here.address_hash == address_hash(OFFICE) != elsewhere.address_hash
    stored = [str(value) for value in SignInAttempt.objects.values_list() for value in value]
    assert not any(OFFICE in value or ELSEWHERE in value for value in stored)


def test_nobody_can_sign_themselves_up(client):
    page = client.get(reverse("account_signup"))
    client.post(
        reverse("account_signup"),
        {
            "username": "mallory",
            "email": "m@example.org",
            "password1": "Sup3r-secret!",
            "password2": "Sup3r-secret!",
        },
    )

    assert "Sign Up Closed" in page.content.decode()
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_the_audit_is_read_only_and_internal_curators_only(internal_client, agency_curator):
    sign_in(Client(), "priya", WRONG)
    changelist = reverse("admin:accounts_signinattempt_changelist")
    row = SignInAttempt.objects.get()

    assert "priya" in internal_client.get(changelist).content.decode()
    assert (
        internal_client.post(
            reverse("admin:accounts_signinattempt_delete", args=[row.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert internal_client.get(reverse("admin:accounts_signinattempt_add")).status_code == 403
    agency_client = Client()
    agency_client.force_login(agency_curator)
    agency_client = Client()
    agency_client.force_login(agency_curator)
    assert agency_client.get(changelist).status_code == 403
    assert SignInAttempt.objects.count() == 1


def test_a_curator_signs_in_with_their_email_as_well_as_their_username(client, agency_curator):
    agency_curator.email = "tom@agency.example"
    agency_curator.save()

    response = sign_in(client, "Tom@Agency.example", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.parametrize("login", ["pri\x00ya", "x" * 5000, "  ", "9" * 40, "priya' OR '1'='1"])
def test_odd_logins_are_a_failed_sign_in_not_a_server_error(client, internal_curator, login):
    client.raise_request_exception = False

    response = sign_in(client, login, PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_curators_session_ends_after_a_working_day(client, internal_curator):
    """A curator removed at the IdP, or a laptop left signed in, loses the admin within hours, not weeks."""
    with time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=UTC), tick=False) as clock:
        client.force_login(internal_curator)
        clock.move_to(datetime(2026, 11, 23, 19, 30, tzinfo=UTC))
        late_in_the_day = client.get("/admin/")
        clock.move_to(datetime(2026, 11, 23, 20, 30, tzinfo=UTC))
        next_morning = client.get("/admin/")

    assert late_in_the_day.status_code == 200
    assert next_morning.status_code == 302 and "login" in next_morning["Location"]
