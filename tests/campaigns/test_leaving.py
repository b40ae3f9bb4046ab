"""“Why are you leaving?”: optional, counted once per opt-out, never kept per person."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from campaigns.links import account_url, unsubscribe_url
from campaigns.models import (
    ConsentState,
    LeaveReason,
    LeaveReasonCount,
    Medium,
    Subscriber,
    VoiceReceipt,
)
from tests.factories import SubscriberFactory
from tests.helpers import TUESDAY_MORNING, path_of

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
THANKS = "Thank you for telling us."
MONDAY = TUESDAY_MORNING.date() - timedelta(days=1)


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ben():
    return SubscriberFactory(
        email="ben@acme-learning.example",
        phone="+447400765432",
        display_name="Ben Okafor",
        email_consent=ConsentState.SUBSCRIBED,
        sms=ConsentState.SUBSCRIBED,
    )


def counts() -> dict[tuple, int]:
    return {(row.week, row.reason): row.count for row in LeaveReasonCount.objects.all()}


def unsubscribe(client, subscriber, medium=Medium.EMAIL):
    return client.post(path_of(unsubscribe_url(subscriber, medium)))


def why(client, subscriber, reason, medium=Medium.EMAIL, action="leave_reason"):
    return client.post(
        path_of(unsubscribe_url(subscriber, medium)) + "why/", {"reason": reason, "action": action}
    )


def test_the_unsubscribed_page_asks_why_with_every_reason(client, ben):
    page = unsubscribe(client, ben).content.decode()

    assert "You are unsubscribed" in page
    assert "Why are you leaving? (optional)" in page
    for reason in LeaveReason:
        assert reason.label in page
    assert ">Skip</button>" in page


def test_a_reason_is_counted_in_the_week_with_no_person(client, ben):
    unsubscribe(client, ben)

    response = why(client, ben, LeaveReason.TOO_MANY)

    assert response.status_code == 200
    assert THANKS in response.content.decode()
    assert counts() == {(MONDAY, LeaveReason.TOO_MANY): 1}
    # The total's only columns are the week, the reason and the count.
    fields = {field.name for field in LeaveReasonCount._meta.get_fields()}
    assert fields == {"id", "week", "reason", "count"}
    # The receipt that counts it once is a keyed hash without the answer, gone in two days.
    receipt = VoiceReceipt.objects.get()
    assert {field.name for field in VoiceReceipt._meta.get_fields()} == {"id", "key", "expires_at"}
    assert re.fullmatch(r"[0-9a-f]{64}", receipt.key)
    assert receipt.expires_at == TUESDAY_MORNING + timedelta(days=2)


def test_a_reason_is_counted_once_however_often_it_is_sent(client, ben):
    unsubscribe(client, ben)

    for reason in (LeaveReason.TOO_MANY, LeaveReason.TOO_MANY, LeaveReason.WRONG_TIME):
        assert THANKS in why(client, ben, reason).content.decode()
    other_browser = Client()
    why(other_browser, ben, LeaveReason.OTHER)

    assert counts() == {(MONDAY, LeaveReason.TOO_MANY): 1}


def test_skipping_counts_nothing_and_the_opt_out_stands(client, ben):
    unsubscribe(client, ben)

    response = why(client, ben, LeaveReason.TOO_MANY, action="leave_skip")

    assert "You are unsubscribed" in response.content.decode()
    assert counts() == {}
    ben.refresh_from_db()
    assert ben.email_state == ConsentState.OPTED_OUT


def test_one_click_unsubscribe_works_with_no_reason_and_counts_none(ben):
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(path_of(unsubscribe_url(ben)), ONE_CLICK)

    assert response.status_code == 200
    ben.refresh_from_db()
    assert ben.email_state == ConsentState.OPTED_OUT
    assert counts() == {}


def test_a_tampered_token_counts_nothing(client, ben):
    unsubscribe(client, ben)
    path = path_of(unsubscribe_url(ben))
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    response = client.post(tampered + "why/", {"reason": LeaveReason.TOO_MANY, "action": "leave_reason"})

    assert response.status_code == 404
    assert counts() == {}


def test_a_reason_without_an_opt_out_counts_nothing(client, ben):
    # A forged post straight to the question, for a person still subscribed.
    assert THANKS in why(client, ben, LeaveReason.TOO_MANY).content.decode()

    assert counts() == {}


def test_a_reason_that_is_not_on_the_list_counts_nothing(client, ben):
    unsubscribe(client, ben)

    assert THANKS in why(client, ben, "hates-us").content.decode()

    assert counts() == {}
    # The real answer afterwards still counts: the forged one used nothing up.
    why(client, ben, LeaveReason.NOT_RELEVANT)
    assert counts() == {(MONDAY, LeaveReason.NOT_RELEVANT): 1}


def test_a_reason_long_after_the_opt_out_counts_nothing(client, ben, tuesday):
    unsubscribe(client, ben)
    tuesday.shift(timedelta(days=3))

    why(client, ben, LeaveReason.TOO_MANY)

    assert counts() == {}


def test_leaving_again_after_coming_back_may_be_answered_again(client, ben, tuesday):
    from campaigns import consent
    from campaigns.models import ConsentAction, ConsentSource

    unsubscribe(client, ben)
    why(client, ben, LeaveReason.TOO_MANY)
    tuesday.shift(timedelta(days=7))
    consent.record_consent(
        subscriber=ben,
        medium=Medium.EMAIL,
        action=ConsentAction.OPTED_IN,
        source=ConsentSource.SIGNUP_PAGE,
        evidence="test: signed up again",
    )
    unsubscribe(client, ben)
    why(client, ben, LeaveReason.TOO_MANY)

    assert counts() == {
        (MONDAY, LeaveReason.TOO_MANY): 1,
        (MONDAY + timedelta(days=7), LeaveReason.TOO_MANY): 1,
    }


def test_the_own_page_asks_why_after_stopping_a_medium(client, ben):
    path = path_of(account_url(ben))

    page = client.post(path, {"action": "stop_sms"}).content.decode()

    assert "Done: we will not send you texts any more." in page
    assert "Why are you leaving? (optional)" in page
    assert 'name="medium" value="sms"' in page
    response = client.post(
        path, {"action": "leave_reason", "medium": "sms", "reason": LeaveReason.WRONG_TIME}
    )
    assert THANKS in response.content.decode()
    client.post(path, {"action": "leave_reason", "medium": "sms", "reason": LeaveReason.WRONG_TIME})
    assert counts() == {(MONDAY, LeaveReason.WRONG_TIME): 1}


def test_the_own_page_counts_nothing_for_a_medium_still_subscribed(client, ben):
    path = path_of(account_url(ben))
    client.post(path, {"action": "stop_sms"})

    client.post(path, {"action": "leave_reason", "medium": "email", "reason": LeaveReason.OTHER})
    client.post(path, {"action": "leave_reason", "medium": "fax", "reason": LeaveReason.OTHER})

    assert counts() == {}
    assert Subscriber.objects.get().email_state == ConsentState.SUBSCRIBED


def test_the_own_page_does_not_ask_when_nothing_was_stopped(client, ben):
    page = client.get(path_of(account_url(ben))).content.decode()

    assert "Why are you leaving?" not in page
