"""Single sign-on through the organisation's IdP: its groups decide the role, on every sign-in.

allauth's own OpenID Connect client makes the real HTTP calls (discovery, token, JWKS, userinfo)
to the loopback IdP; the test plays the browser between the two.
"""

from __future__ import annotations

import time

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.adapters import NOT_A_CURATOR
from accounts.models import SignInAttempt, SignInOutcome
from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR, is_agency_curator, is_internal_curator
from tests.helpers import path_of

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres", "redis")]

User = get_user_model()


def sign_in_through_the_idp(client):
    """Press "sign in with your organisation", visit the IdP, come back with its code."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "idp"}))
    assert start.status_code == 302, start.content.decode()[:500]
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    return client.get(path_of(back.headers["Location"]), follow=True)


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_a_member_of_the_internal_group_becomes_an_internal_curator(client, oidc_fake):
    oidc_fake.sign_in_as(
        sub="u-1", email="priya@acme-learning.example", groups=["learning-curators", "staff"]
    )

    response = sign_in_through_the_idp(client)

    priya = User.objects.get(email="priya@acme-learning.example")
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200 and "Set up a second factor" in response.content.decode()
    assert priya.is_staff and roles_of(priya) == {INTERNAL_CURATOR} and is_internal_curator(priya)
    assert SocialAccount.objects.get(user=priya).uid == "u-1"
    assert oidc_fake.token_requests[0]["code_verifier"]  # PKCE
    success = SignInAttempt.objects.get()
    assert (success.outcome, success.user) == (SignInOutcome.SUCCESS, priya)


def test_a_member_of_the_agency_group_becomes_the_agency_curator(client, oidc_fake):
    oidc_fake.sign_in_as(sub="u-2", email="tom@agency.example", groups=["agency-partners"])

    sign_in_through_the_idp(client)

    tom = User.objects.get(email="tom@agency.example")
    assert tom.is_staff and roles_of(tom) == {AGENCY_CURATOR} and is_agency_curator(tom)
    assert client.get("/admin/").status_code == 200


def test_someone_in_neither_group_is_refused_with_the_reason(client, oidc_fake):
    oidc_fake.sign_in_as(sub="u-3", email="sam@acme-learning.example", groups=["sales"])

    response = sign_in_through_the_idp(client)

    assert escape(NOT_A_CURATOR) in response.content.decode()
    assert not User.objects.filter(email="sam@acme-learning.example").exists()
    assert not SocialAccount.objects.exists()
    assert client.get("/admin/").status_code == 302
    refused = SignInAttempt.objects.get()
    assert (refused.outcome, refused.login) == (SignInOutcome.SSO_REFUSED, "sam@acme-learning.example")


def test_the_groups_are_read_again_at_every_sign_in(client, oidc_fake):
    oidc_fake.sign_in_as(sub="u-4", email="alex@acme-learning.example", groups=["learning-curators"])
    sign_in_through_the_idp(client)
    alex = User.objects.get(email="alex@acme-learning.example")
    client.logout()

    oidc_fake.sign_in_as(sub="u-4", email="alex@acme-learning.example", groups=["agency-partners"])
    sign_in_through_the_idp(client)
    moved = roles_of(alex)
    client.logout()

    oidc_fake.sign_in_as(sub="u-4", email="alex@acme-learning.example", groups=[])
    refused = sign_in_through_the_idp(client)
    alex.refresh_from_db()

    assert moved == {AGENCY_CURATOR}
    assert escape(NOT_A_CURATOR) in refused.content.decode()
    assert roles_of(alex) == set() and not alex.is_staff
    assert client.get("/admin/").status_code == 302
    assert list(SignInAttempt.objects.order_by("pk").values_list("outcome", flat=True)) == [
        SignInOutcome.SUCCESS,
        SignInOutcome.SUCCESS,
        SignInOutcome.SSO_REFUSED,
    ]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, id="expired"),
        pytest.param({"aud": "another-app"}, id="for-another-client"),
        pytest.param({"iss": "https://idp.attacker.example"}, id="from-another-issuer"),
    ],
)
def test_a_bad_id_token_is_refused_and_nothing_is_created(client, oidc_fake, changes):
    oidc_fake.sign_in_as(sub="u-5", email="eve@acme-learning.example", groups=["learning-curators"])
    oidc_fake.id_token_changes = changes

    response = sign_in_through_the_idp(client)

    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    assert client.get("/admin/").status_code == 302
    assert SignInAttempt.objects.get().outcome == SignInOutcome.SSO_REFUSED


def test_an_id_token_signed_with_another_key_is_refused(client, oidc_fake):
    """allauth alone trusts a token it fetched from the token endpoint unsigned-checked; we do not."""
    oidc_fake.sign_in_as(sub="u-7", email="eve@acme-learning.example", groups=["learning-curators"])
    oidc_fake.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = sign_in_through_the_idp(client)

    assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    assert client.get("/admin/").status_code == 302
    assert SignInAttempt.objects.get().outcome == SignInOutcome.SSO_REFUSED


def test_a_forged_callback_is_refused_and_nothing_is_created(client, oidc_fake):
    """A made-up code, and a real code replayed into another browser: neither signs anyone in."""
    oidc_fake.sign_in_as(sub="u-6", email="eve@acme-learning.example", groups=["learning-curators"])
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "idp"}))
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = path_of(back.headers["Location"])
    made_up = client.get(callback.replace("code=", "code=forged"), follow=True)
    other_browser = Client().get(callback, follow=True)

    for response in (made_up, other_browser):
        assert "Third-Party Login Failure" in response.content.decode()
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    assert client.get("/admin/").status_code == 302
