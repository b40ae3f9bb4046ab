"""RFC 8058 one-click unsubscribe: a GET only asks, a POST with no cookies unsubscribes."""

from __future__ import annotations

import pytest
from django.test import Client

from campaigns import consent
from campaigns.links import unsubscribe_url
from campaigns.models import ConsentAction, ConsentState, Medium
from tests.factories import SubscriberFactory
from tests.helpers import path_of

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def subscriber():
    return SubscriberFactory(email="ben@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)


def test_following_the_link_only_asks(client, subscriber):
    rows_before = subscriber.consent_events.count()

    response = client.get(path_of(unsubscribe_url(subscriber)))

    assert response.status_code == 200
    assert "Stop emails from" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.SUBSCRIBED
    assert subscriber.consent_events.count() == rows_before
    assert not consent.is_suppressed(Medium.EMAIL, "ben@acme-learning.example")


def test_one_click_post_without_cookies_or_csrf_unsubscribes_with_a_200(subscriber):
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(path_of(unsubscribe_url(subscriber)), ONE_CLICK)

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.OPTED_OUT
    assert consent.is_suppressed(Medium.EMAIL, "ben@acme-learning.example")
    event = subscriber.consent_events.get(action=ConsentAction.OPTED_OUT)
    assert event.evidence == "Unsubscribe link, one-click (RFC 8058) POST"


def test_repeating_it_is_harmless(subscriber):
    mail_provider = Client(enforce_csrf_checks=True)

    for _ in range(3):
        assert mail_provider.post(path_of(unsubscribe_url(subscriber)), ONE_CLICK).status_code == 200

    assert subscriber.consent_events.filter(action=ConsentAction.OPTED_OUT).count() == 1


def test_the_button_on_the_page_unsubscribes_too(client, subscriber):
    client.post(path_of(unsubscribe_url(subscriber)))

    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.OPTED_OUT
    assert subscriber.consent_events.last().evidence == "Unsubscribe link, button on the unsubscribe page"


@pytest.mark.parametrize("path", ["/u/forged/", "/u/eyJzIjoxfQ:1abc:def/"])
def test_a_link_that_is_not_ours_changes_nothing(client, subscriber, path):
    response = client.post(path, ONE_CLICK)

    assert response.status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.SUBSCRIBED
