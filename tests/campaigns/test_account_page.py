"""The employee's own page: see what is held, change choices, stop, erase."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from campaigns import consent
from campaigns.links import account_url, unsubscribe_url
from campaigns.models import ConsentAction, ConsentEvent, ConsentState, Medium, Subscriber
from campaigns.tokens import ACCOUNT_MAX_AGE
from tests.factories import SubscriberFactory, TopicFactory
from tests.helpers import path_of

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "+447400123456", "amira@acme-learning.example"


@pytest.fixture
def amira():
    subscriber = SubscriberFactory(
        phone=PHONE,
        email=EMAIL,
        display_name="Amira K.",
        department="Sales",
        sms=ConsentState.SUBSCRIBED,
        email_consent=ConsentState.PENDING,
    )
    subscriber.topics.set([TopicFactory(name="Wellbeing", slug="wellbeing")])
    return subscriber


def test_the_page_shows_everything_held(client, amira):
    page = client.get(path_of(account_url(amira))).content.decode()

    assert f"<bdi>{PHONE}</bdi>: you get our texts (since" in page
    assert f"<bdi>{EMAIL}</bdi>: waiting for you to confirm it" in page
    for shown in ("Amira K.", "Sales", "Leeds", "Europe/London", "Wellbeing", "Texts and emails"):
        assert shown in page
    assert "<dt>Invitations we sent you</dt><dd>0</dd>" in page


def test_an_invitee_sees_they_have_not_signed_up(client):
    invitee = SubscriberFactory(phone=PHONE, email="")

    page = client.get(path_of(account_url(invitee))).content.decode()

    assert f"<bdi>{PHONE}</bdi>: invited, not signed up</dd>" in page
    assert "<dt>Email</dt>" not in page
    assert "<dt>Topics</dt><dd>None chosen</dd>" in page


def test_choices_are_saved(client, amira):
    leadership = TopicFactory(name="Leading a team", slug="leading")

    response = client.post(
        path_of(account_url(amira)),
        {
            "action": "save",
            "topics": [leadership.pk],
            "preferred_media": "email",
            "time_zone": "Europe/Dublin",
        },
    )

    assert "Saved. Your choices apply to the next message we send." in response.content.decode()
    amira.refresh_from_db()
    assert (amira.preferred_media, amira.time_zone) == ("email", "Europe/Dublin")
    assert list(amira.topics.all()) == [leadership]


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, amira):
    response = client.post(
        path_of(account_url(amira)), {"action": "save", "preferred_media": "sms", "time_zone": "Mars/Olympus"}
    )

    assert "Choose a time zone from the list, such as Europe/London." in response.content.decode()
    amira.refresh_from_db()
    assert (amira.preferred_media, amira.time_zone) == ("both", "Europe/London")
    assert amira.topics.count() == 1


def test_stopping_texts_writes_one_ledger_row_and_suppresses(client, amira):
    for _ in range(2):
        response = client.post(path_of(account_url(amira)), {"action": "stop_sms"})

    assert "we will not send you texts any more" in response.content.decode()
    assert amira.consent_events.filter(medium=Medium.SMS, action=ConsentAction.OPTED_OUT).count() == 1
    assert consent.is_suppressed(Medium.SMS, PHONE)


def test_erasing_asks_first_then_leaves_only_hashes(client, amira):
    url = path_of(account_url(amira))
    client.post(url, {"action": "save", "preferred_media": "sms", "time_zone": "Europe/Dublin"})
    client.post(url, {"action": "stop_email"})

    confirm = client.post(url, {"action": "erase"})
    assert "Delete your details?" in confirm.content.decode()
    assert Subscriber.objects.filter(pk=amira.pk).exists()

    erased = client.post(url, {"action": "erase_confirmed"})

    assert "Your details are deleted" in erased.content.decode()
    assert not Subscriber.objects.exists()
    assert consent.is_suppressed(Medium.SMS, PHONE) and consent.is_suppressed(Medium.EMAIL, EMAIL)
    assert not ConsentEvent.objects.exists()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = [str(row).lower() for row in cursor.fetchall()]
            assert not any(PHONE in row or EMAIL in row for row in rows), table
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "make_path",
    [
        lambda s: path_of(account_url(s))[:-6] + "xxxxx/",
        lambda s: "/me/" + path_of(unsubscribe_url(s)).split("/")[2] + "/",
        lambda s: "/me/not-a-token/",
    ],
    ids=["tampered", "another purpose's token", "garbage"],
)
def test_a_link_that_is_not_ours_opens_nothing(client, amira, make_path):
    response = client.get(make_path(amira))

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert PHONE not in response.content.decode()


def test_an_expired_link_opens_nothing(client, amira):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        url = path_of(account_url(amira))
        traveller.shift(ACCOUNT_MAX_AGE + 1)

        response = client.get(url)

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
