"""Personal links (/me/, /u/, /join/email/, /join/invited/) name nobody: a token decoded gives
neither the subscriber's id nor anything else about them, and the pages they open are never
stored by a browser or a proxy."""

from __future__ import annotations

import base64
import contextlib
import re
import zlib
from datetime import timedelta

import pytest
import time_machine
from django.core import signing

from campaigns.links import account_url, email_confirmation_url, invitation_url, unsubscribe_url
from campaigns.models import ConsentState, Medium, Subscriber
from campaigns.tokens import ACCOUNT_MAX_AGE, Purpose
from tests.factories import SubscriberFactory, give_consent_history
from tests.helpers import TUESDAY_MORNING, path_of

pytestmark = pytest.mark.django_db


DISTINCTIVE_ID = 731_947


@pytest.fixture
def employee():
    """Sam, subscribed by text and asked to confirm an email, under an id no random text matches."""
    person = SubscriberFactory(
        phone="+447400123456", email="sam.jones@acme-learning.example", display_name="Sam Jones"
    )
    Subscriber.objects.filter(pk=person.pk).update(id=DISTINCTIVE_ID)  # nothing refers to it yet
    person = Subscriber.objects.get(pk=DISTINCTIVE_ID)
    give_consent_history(person, sms=ConsentState.SUBSCRIBED, email_consent=ConsentState.PENDING)
    person.refresh_from_db()
    return person


def everything_readable(token: str) -> str:
    """All a token holder can read without the server's key: each part base64-decoded (and
    inflated if compressed), joined with the raw token."""
    readable = [token]
    for part in re.split(r"[:/.]", token):
        for candidate in (part, part[1:]):
            try:
                raw = base64.urlsafe_b64decode(candidate + "=" * (-len(candidate) % 4))
            except ValueError:
                continue
            readable.append(raw.decode("latin-1"))
            with contextlib.suppress(zlib.error):
                readable.append(zlib.decompress(raw).decode("latin-1"))
    return " ".join(readable)


def personal_tokens(employee) -> dict[str, str]:
    return {
        "account": path_of(account_url(employee)).split("/")[2],
        "unsubscribe": path_of(unsubscribe_url(employee, Medium.EMAIL)).split("/")[2],
        "email confirmation": path_of(email_confirmation_url(employee)).split("/")[3],
        "invitation": path_of(invitation_url(employee)).split("/")[3],
    }


def test_a_decoded_token_reveals_neither_the_id_nor_anything_personal(employee):
    for purpose, token in personal_tokens(employee).items():
        readable = everything_readable(token)
        assert not re.search(rf"(?<!\d){employee.pk}(?!\d)", readable), (
            f"the id is readable in the {purpose} token"
        )
        for personal in ("447400123456", "sam.jones", "Sam Jones", employee.email_hash, employee.phone_hash):
            assert personal not in readable, f"{personal!r} is readable in the {purpose} token"


def test_each_personal_link_still_opens_its_page(client, employee):
    assert client.get(path_of(account_url(employee))).status_code == 200
    assert client.get(path_of(unsubscribe_url(employee, Medium.EMAIL))).status_code == 200
    assert client.get(path_of(email_confirmation_url(employee))).status_code == 200
    assert client.get(path_of(invitation_url(employee))).status_code == 200


def test_a_token_for_one_purpose_opens_no_other_page(client, employee):
    tokens = personal_tokens(employee)
    assert client.get(f"/me/{tokens['unsubscribe']}/").status_code == 404
    assert client.get(f"/u/{tokens['account']}/").status_code == 404


def test_an_account_link_sent_before_the_change_keeps_working_until_it_expires(client, employee):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        sent_earlier = signing.dumps({"s": employee.pk}, salt=Purpose.ACCOUNT, compress=True)
        unsubscribe_earlier = signing.dumps({"s": employee.pk, "m": "email"}, salt=Purpose.UNSUBSCRIBE)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=30), tick=False):
        assert client.get(f"/me/{sent_earlier}/").status_code == 200
        assert client.get(f"/u/{unsubscribe_earlier}/").status_code == 200
    with time_machine.travel(TUESDAY_MORNING + timedelta(seconds=ACCOUNT_MAX_AGE + 60), tick=False):
        assert client.get(f"/me/{sent_earlier}/").status_code == 404


def test_pages_showing_a_persons_details_are_never_stored(client, employee):
    for path in (
        path_of(account_url(employee)),
        path_of(unsubscribe_url(employee, Medium.EMAIL)),
        path_of(email_confirmation_url(employee)),
        path_of(invitation_url(employee)),
        "/join/",
        "/join/confirm/",
    ):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    saved = client.post(path_of(account_url(employee)), {"action": "erase"})
    assert "no-store" in saved.headers.get("Cache-Control", "")
