"""Campaign email through a sending service's API (anymail's real backends against loopback fakes):
one-click unsubscribe kept, no open or click tracking, the service's id on the ledger, and its
failures recorded in plain words as retry, failed or unknown."""

from __future__ import annotations

import json

import pytest

from campaigns.models import DeliveryStatus
from tests.campaigns.email_services import delivery_to, send_campaign
from tests.factories import live_item, subscribed_employees
from tests.helpers import free_port
from tests.processes import run_python

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


def headers_of(sent: dict) -> dict[str, str]:
    return {header["Name"]: header["Value"] for header in sent.get("Headers", [])}


def test_a_campaign_goes_through_postmark_with_one_click_unsubscribe_and_no_tracking(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_BASE_URL = "https://learning.example.org"
    people = subscribed_employees(2)

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    assert sorted(sent["To"] for sent in postmark.emails) == sorted(person.email for person in people)
    for person in people:
        (sent,) = postmark.sent_to(person.email)
        headers = headers_of(sent)
        assert headers["List-Unsubscribe"].startswith("<https://learning.example.org/u/")
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Message-ID" not in headers  # the service names the email; its id is on the row
        assert sent["TrackOpens"] is False
        assert sent["TrackLinks"] == "None"
        assert "Giving feedback" in sent["TextBody"]
        row = delivery_to(campaign, person)
        assert row.status == DeliveryStatus.ACCEPTED
        assert row.provider_id == sent["MessageID"]
    assert len({headers_of(sent)["List-Unsubscribe"] for sent in postmark.emails}) == 2


def test_mailgun_gets_the_same_headers_and_its_message_id_is_recorded(
    mailgun, placement, internal_curator, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    (sent,) = mailgun.sent_to(person.email)
    assert sent["h:List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/u/" in sent["h:List-Unsubscribe"]
    assert sent["o:tracking-opens"] == "no"
    assert sent["o:tracking-clicks"] == "no"
    assert delivery_to(campaign, person).provider_id == sent["id"]


def test_an_address_the_service_refuses_fails_in_plain_words_and_the_others_still_go(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks
):
    refused, fine = subscribed_employees(2)
    postmark.fail_for(refused.email, status=422, error_code=406)

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    row = delivery_to(campaign, refused)
    assert row.status == DeliveryStatus.FAILED
    assert (
        row.error
        == "The sending service refused the address: it bounced or complained before, or is invalid."
    )
    assert delivery_to(campaign, fine).status == DeliveryStatus.ACCEPTED


def test_a_busy_service_leaves_the_emails_to_try_again_later(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks
):
    first, second = subscribed_employees(2)
    for person in (first, second):
        postmark.fail_for(person.email, status=429, error_code=429, message="Rate limit exceeded")

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    rows = [delivery_to(campaign, person) for person in (first, second)]
    assert {row.status for row in rows} == {DeliveryStatus.PENDING}
    tried = [row for row in rows if row.attempts]
    assert tried
    for row in tried:
        assert row.error == "The sending service asked us to try later (429)."
        assert row.not_before > row.updated_at  # after a backoff
    assert postmark.emails == []


def test_wrong_credentials_fail_the_email_and_say_what_to_check(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks, settings
):
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_SERVER_TOKEN": "revoked"}
    (person,) = subscribed_employees(1)

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    row = delivery_to(campaign, person)
    assert row.status == DeliveryStatus.FAILED
    assert row.error == "The sending service refused our credentials (401): check the ANYMAIL settings."
    assert postmark.emails == []


def test_a_service_that_cannot_be_reached_is_tried_again(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks, settings
):
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_API_URL": f"http://127.0.0.1:{free_port()}/"}
    (person,) = subscribed_employees(1)

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    row = delivery_to(campaign, person)
    assert row.status == DeliveryStatus.PENDING
    assert row.error == "The sending service could not be reached; it will be tried again."


def test_a_service_that_stops_answering_mid_send_is_not_sent_again_blindly(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks, settings
):
    settings.ANYMAIL = {**settings.ANYMAIL, "REQUESTS_TIMEOUT": 0.5}
    (person,) = subscribed_employees(1)
    postmark.fail_for(person.email, status=200, error_code=0, delay=1.5)

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    row = delivery_to(campaign, person)
    assert row.status == DeliveryStatus.UNKNOWN
    assert row.error.startswith("The sending service stopped answering mid-send; the email may have gone")


def test_a_service_error_mid_send_leaves_the_outcome_unknown_rather_than_send_twice(
    postmark, placement, internal_curator, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)
    postmark.fail_for(person.email, status=500, error_code=500, message="Internal server error")

    campaign = send_campaign(placement, internal_curator, django_capture_on_commit_callbacks)

    row = delivery_to(campaign, person)
    assert row.status == DeliveryStatus.UNKNOWN
    assert row.error == (
        "The sending service failed mid-send (500); the email may have gone, so it is not re-sent."
    )


READ_EMAIL_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"backend": settings.EMAIL_BACKEND, "anymail": settings.ANYMAIL}))
"""


def test_the_environment_chooses_the_service_and_its_settings_smtp_staying_the_default():
    chosen = run_python(
        READ_EMAIL_SETTINGS,
        {
            "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
            "ANYMAIL_POSTMARK_SERVER_TOKEN": "token-from-the-environment",
            "ANYMAIL_WEBHOOK_SECRET": "hooks:old-password,hooks:new-password",
        },
    )
    default = run_python(READ_EMAIL_SETTINGS, {"EMAIL_URL": "smtp+tls://user:pass@smtp.example.org:587"})

    assert chosen.returncode == 0, chosen.stderr
    chosen = json.loads(chosen.stdout)
    assert chosen["backend"] == "anymail.backends.postmark.EmailBackend"
    assert chosen["anymail"]["POSTMARK_SERVER_TOKEN"] == "token-from-the-environment"
    assert chosen["anymail"]["WEBHOOK_SECRET"] == ["hooks:old-password", "hooks:new-password"]
    assert chosen["anymail"]["SEND_DEFAULTS"] == {"track_opens": False, "track_clicks": False}
    assert json.loads(default.stdout)["backend"] == "django.core.mail.backends.smtp.EmailBackend"
