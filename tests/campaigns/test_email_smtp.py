"""Email through a real SMTP server on loopback: each message carries its own one-click unsubscribe."""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

import pytest
from django.test import Client

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.emails import build_email, send_emails
from campaigns.models import ConsentState
from campaigns.sending import email_error
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_each_employee_gets_their_own_unsubscribe_headers(smtp_server, settings):
    settings.PUBLIC_BASE_URL = "https://learning.example.org"
    people = [
        SubscriberFactory(email=f"person{n}@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)
        for n in range(3)
    ]

    accepted = send_emails(
        build_email(subscriber=person, subject="New this week", text="Three new videos.", html="<p>Three</p>")
        for person in people
    )

    assert accepted == 3
    assert [r.envelope_to for r in smtp_server.received] == [[p.email] for p in people]
    headers = [r.message["List-Unsubscribe"] for r in smtp_server.received]
    assert all(h.startswith("<https://learning.example.org/u/") and h.endswith("/>") for h in headers)
    assert len(set(headers)) == 3
    assert {r.message["List-Unsubscribe-Post"] for r in smtp_server.received} == {
        "List-Unsubscribe=One-Click"
    }
    assert smtp_server.received[0].message.get_body(("html",)).get_content().strip() == "<p>Three</p>"


def test_the_header_link_unsubscribes_with_one_post(smtp_server):
    person = SubscriberFactory(email="chloe@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)
    send_emails([build_email(subscriber=person, subject="Hello", text="Hi")])

    link = smtp_server.received[0].message["List-Unsubscribe"].strip("<>")
    response = Client(enforce_csrf_checks=True).post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.email_state == ConsentState.OPTED_OUT


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (smtplib.SMTPRecipientsRefused({"a@acme-learning.example": (550, b"No such user")}), "FAILED"),
        (smtplib.SMTPResponseException(451, b"Try later"), "RETRY"),
        (smtplib.SMTPServerDisconnected("gone"), "UNKNOWN"),
    ],
)
def test_an_email_failure_is_reported_as_a_delivery_error_not_an_sms_one(error, outcome):
    reported = email_error(error)

    assert type(reported) is DeliveryError
    assert reported.outcome is DeliveryOutcome[outcome]
    assert "sms" not in type(reported).__name__.lower() + type(reported.outcome).__name__.lower()
