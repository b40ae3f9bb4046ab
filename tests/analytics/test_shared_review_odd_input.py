"""Whatever a stakeholder or a curator types, the shared review and its admin answer without a 5xx,
and nothing is saved from a form that says no.

Generated values (tests/test_odd_input_property.py's: NUL, lone surrogates, very long text, huge
numbers, odd ISO weeks, parameters given twice) for the link's token in the path, its ?week=, the
password form, the admin form that makes a link and the digest's admin form.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from analytics import sharing
from analytics.models import ReviewDigest, ReviewSection, ReviewShare
from tests.analytics.test_shared_review_digest import post_digest
from tests.test_odd_input_property import (
    any_text,
    encoded,
    get,
    huge_numbers,
    iso_dates,
    iso_weeks,
    long_text,
    odd_values,
    parameters,
    path_part,
    post,
    quick,
    undone,
)

pytestmark = pytest.mark.django_db

MEETING_MORNING = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def the_week_after():
    with time_machine.travel(MEETING_MORNING, tick=False):
        yield


@pytest.fixture
def stakeholder():
    return Client(raise_request_exception=False)


@pytest.fixture
def curator(internal_client):
    internal_client.raise_request_exception = False
    return internal_client


@pytest.fixture(autouse=True)
def generous_limits(settings):
    # The limits have tests of their own; here every example should reach the password check.
    settings.REVIEW_SHARE_PASSWORD_RATE = settings.REVIEW_SHARE_PASSWORD_CEILING = "100000/h"


@pytest.fixture
def links():
    """An open link and one behind a password: a good token now and then gets past the first check."""
    made = {}
    for name, password in (("open", ""), ("locked", "correct horse")):
        _share, made[name] = sharing.create_share(
            label=name,
            sections=ReviewSection.values,
            expires_on=MEETING_MORNING.date(),
            password=password,
            created_by=None,
        )
    return made


tokens = st.one_of(
    any_text,
    long_text,
    huge_numbers,
    st.from_regex(r"[A-Za-z0-9_-]{40,46}", fullmatch=True),
    st.sampled_from(["%2F", "%00", "%FF", "..", ".", "%2e%2e", "a/b", "a%2Fb"]),
)


@quick
@given(token=tokens, query=parameters({"week": ["2026-W47", "2026-W40"], "password": ["correct horse"]}))
def test_any_token_in_the_path_and_any_query_answer_without_a_server_error(stakeholder, links, token, query):
    for path in (
        f"/review/shared/{path_part(token)}/",
        f"/review/shared/{path_part(token)}",
        f"/review/shared/{path_part(token)}//",
        f"/review/shared/{token}/" if "/" not in token and "%" not in token else "/review/shared/x/",
    ):
        get(stakeholder, path, query)
        post(stakeholder, path, query)


week_values = st.one_of(odd_values, iso_weeks, iso_dates)


@quick
@given(query=parameters({"week": ["2026-W47", "2026-W40", "2026-W35", "2026-W48"]}), week=week_values)
def test_any_week_on_an_open_link_answers_the_review(stakeholder, links, query, week):
    path = f"/review/shared/{links['open']}/"
    get(stakeholder, path, [*query, ("week", week)])


@quick
@given(password=st.one_of(odd_values, st.binary(max_size=40).map(lambda b: b.decode("latin-1"))))
def test_any_password_is_answered_without_a_server_error(stakeholder, links, password):
    post(stakeholder, f"/review/shared/{links['locked']}/", [("password", password)])


def test_a_password_that_is_not_utf8_is_refused_like_any_wrong_one(stakeholder, links):
    path = f"/review/shared/{links['locked']}/"

    for body in (b"password=%FF%FE%00", b"password=\xff\xfe", b"password=" + b"%FF" * 5000, b""):
        response = undone(
            lambda body=body: stakeholder.post(path, body, content_type="application/x-www-form-urlencoded")
        )
        assert response.status_code == 403, body[:40]
        assert "not the password" in response.content.decode()


@quick
@given(
    form=parameters(
        {
            "label": ["Board"],
            "sections": list(ReviewSection.values),
            "expires_on": ["2026-12-01", "2026-11-24", "2027-02-22"],
            "password": ["secret"],
        }
    )
)
def test_the_admin_form_that_makes_a_link_answers_anything_posted(curator, form):
    before = ReviewShare.objects.count()
    post(curator, reverse("admin:analytics_reviewshare_add"), form)
    assert ReviewShare.objects.count() == before  # each request is rolled back...


@quick
@given(
    form=parameters(
        {
            "label": ["Board"],
            "addresses": ["cfo@example.org", "cfo@example.org\nhr@example.org"],
            "sections": list(ReviewSection.values),
            "is_active": ["on"],
            "sent-TOTAL_FORMS": ["0"],
            "sent-INITIAL_FORMS": ["0"],
        }
    )
)
def test_the_digest_admin_form_answers_anything_posted(curator, form):
    post(curator, reverse("admin:analytics_reviewdigest_add"), form)


def add_share(curator, **fields):
    values = {"label": "Board", "sections": ["glance"], "expires_on": "2026-12-01", "password": ""}
    return curator.post(reverse("admin:analytics_reviewshare_add"), values | fields)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"sections": ["contacts"]}, "Select a valid choice. contacts is not one of the available choices."),
        ({"sections": []}, "This field is required."),
        ({"expires_on": "2026-11-23"}, "The expiry must be today or later."),
        ({"expires_on": "2027-02-23"}, "A shared link lasts 90 days at most"),
        ({"expires_on": "2026-02-30"}, "Enter a valid date."),
        ({"expires_on": "9999-99-99"}, "Enter a valid date."),
        ({"label": "x" * 10_000}, "Ensure this value has at most 200 characters"),
        ({"label": "   "}, "This field is required."),
        ({"label": "Board\x00"}, "Null characters are not allowed."),
    ],
)
def test_a_link_the_admin_form_refuses_is_named_in_plain_words_and_not_saved(curator, fields, said):
    response = add_share(curator, **fields)

    assert response.status_code == 200
    assert said in response.content.decode()
    assert not ReviewShare.objects.exists()


@pytest.mark.parametrize(
    ("addresses", "said"),
    [
        ("Chief Finance <cfo@example.org>", "Line 1, “Chief Finance &lt;cfo@example.org&gt;”, is not"),
        ("cfo@example.org\r\nBcc: all@example.org", "Line 2, “Bcc: all@example.org”, is not"),
        ("cfo@example.org%0ABcc:all@example.org", "is not an email address"),
        (" \n \n", "This field is required."),
    ],
)
def test_an_address_list_the_digest_admin_refuses_is_named_and_not_saved(curator, addresses, said):
    response = post_digest(curator, addresses)

    assert response.status_code == 200
    assert said in response.content.decode()
    assert not ReviewDigest.objects.exists()


def test_ten_thousand_addresses_with_duplicates_are_kept_once_each(curator):
    lines = [f"person{n}@example.org" for n in range(5_000)] * 2

    response = post_digest(curator, "\n".join(lines))

    assert response.status_code == 302
    assert len(ReviewDigest.objects.get().address_list) == 5_000


def test_ten_thousand_bad_lines_are_one_clear_error_and_nothing_saved(curator):
    response = post_digest(curator, "\n".join(f"not an address {n}" for n in range(10_000)))

    assert response.status_code == 200
    assert "Line 1, “not an address 0”, is not an email address." in response.content.decode()
    assert not ReviewDigest.objects.exists()


def test_a_query_string_given_twice_or_encoded_oddly_is_one_week(stakeholder, links):
    path = f"/review/shared/{links['open']}/"
    response = stakeholder.get(f"{path}?{encoded([('week', '2026-W40'), ('week', '2026-W47')])}")

    assert response.status_code == 200
    assert "Week 47, 2026" in response.content.decode()
