"""Consent is a ledger: the state per medium is its latest word, and suppression follows it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from campaigns import consent
from campaigns.hashing import address_hash
from campaigns.models import ConsentAction, ConsentSource, ConsentState, Medium, Suppression
from campaigns.services import create_subscriber, find_subscriber
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", ["07400 123456", "+44 7400 123456", "(07400) 123-456", "00447400123456"])
def test_one_number_written_many_ways_is_one_subscriber(written):
    create_subscriber(phone="+447400123456")

    with pytest.raises(ValidationError, match="already has this phone number"):
        create_subscriber(phone=written)
    assert find_subscriber(phone="+447400123456") is not None


def test_email_is_unique_whatever_its_case():
    create_subscriber(email="Priya.Shah@Acme-Learning.example")

    with pytest.raises(ValidationError, match="already has this email address"):
        create_subscriber(email="priya.shah@acme-learning.example")
    assert find_subscriber(email="PRIYA.SHAH@acme-learning.example") is not None


def test_state_per_medium_is_the_ledgers_latest_word():
    subscriber = SubscriberFactory(sms=ConsentState.SUBSCRIBED, email_consent=ConsentState.PENDING)

    assert (subscriber.sms_state, subscriber.email_state) == (ConsentState.SUBSCRIBED, ConsentState.PENDING)
    for medium in Medium:
        assert consent.derived_state(subscriber, medium) == subscriber.state(medium)
    assert consent.may_message(subscriber, Medium.SMS)
    assert not consent.may_message(subscriber, Medium.EMAIL)


def test_opting_out_suppresses_and_repeating_it_changes_nothing():
    subscriber = SubscriberFactory(sms=ConsentState.SUBSCRIBED)

    for _ in range(2):
        consent.opt_out(
            subscriber=subscriber, media=[Medium.SMS], source=ConsentSource.SMS_KEYWORD, evidence="STOP"
        )

    assert subscriber.consent_events.filter(action=ConsentAction.OPTED_OUT).count() == 1
    assert consent.is_suppressed(Medium.SMS, subscriber.phone)
    assert not consent.may_message(subscriber, Medium.SMS)


def test_a_curator_or_an_import_cannot_resubscribe_a_suppressed_number():
    subscriber = SubscriberFactory(sms=ConsentState.OPTED_OUT)

    with pytest.raises(ValidationError, match="only the employee can subscribe it again"):
        consent.record_consent(
            subscriber=subscriber,
            medium=Medium.SMS,
            action=ConsentAction.OPTED_IN,
            source=ConsentSource.IMPORT,
            evidence="HR list",
        )
    assert subscriber.sms_state == ConsentState.OPTED_OUT


def test_the_employee_texting_start_lifts_their_own_suppression():
    subscriber = SubscriberFactory(sms=ConsentState.OPTED_OUT)

    consent.record_consent(
        subscriber=subscriber,
        medium=Medium.SMS,
        action=ConsentAction.OPTED_IN,
        source=ConsentSource.SMS_KEYWORD,
        evidence="START",
    )

    assert consent.may_message(subscriber, Medium.SMS)


def test_erasure_keeps_only_a_keyed_hash():
    subscriber = SubscriberFactory(phone="+447400123555", email="gone@acme-learning.example")

    consent.erase_subscriber(subscriber=subscriber)

    assert find_subscriber(phone="+447400123555") is None
    hashes = set(Suppression.objects.values_list("address_hash", flat=True))
    assert hashes == {
        address_hash(Medium.SMS, "+447400123555"),
        address_hash(Medium.EMAIL, "GONE@acme-learning.example"),
        address_hash(Medium.WHATSAPP, "+447400123555"),  # the number, on WhatsApp too
    }
    assert not any("447400123555" in h or "gone" in h for h in hashes)
