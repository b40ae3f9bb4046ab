"""An email service's webhooks, signed as the service signs them, posted to the running app: a
delivery moves forward only; a complaint or a hard bounce stops all email to the address within
the request; soft bounces only after the limit; a forged event changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from campaigns import sending
from campaigns.hashing import address_hash
from campaigns.models import (
    CampaignStatus,
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    DeliveryStatus,
    EmailFeedback,
    Medium,
    Suppression,
    SuppressionReason,
)
from campaigns.reports import campaign_report, email_feedback
from tests.campaigns.email_services import (
    delivery_to,
    mailgun_event,
    post_mailgun,
    post_postmark,
    postmark_bounce,
    postmark_complaint,
    postmark_delivered,
    postmark_open,
    send_campaign,
)
from tests.factories import live_item, subscribed_employees

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


@pytest.fixture
def send(placement, internal_curator, django_capture_on_commit_callbacks):
    def send_one(slug: str = "feedback-week", *, weekly: bool = False):
        return send_campaign(
            placement, internal_curator, django_capture_on_commit_callbacks, slug=slug, weekly=weekly
        )

    return send_one


def suppressed(person) -> str | None:
    found = Suppression.objects.filter(address_hash=address_hash(Medium.EMAIL, person.email)).first()
    return found.reason if found else None


def test_a_postmark_delivery_receipt_marks_the_email_delivered(postmark, send):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)

    response = post_postmark(postmark_delivered(row))

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED


def test_a_complaint_suppresses_the_address_within_the_request_and_the_next_campaign_skips_them(
    postmark, send
):
    complainer, other = subscribed_employees(2)
    row = delivery_to(send(), complainer)

    response = post_postmark(postmark_complaint(row))

    # Nothing queued, nothing to wait for: all of it is committed when the service gets its 200.
    assert response.status_code == 200
    complainer.refresh_from_db()
    assert complainer.email_state == ConsentState.OPTED_OUT
    assert suppressed(complainer) == SuppressionReason.COMPLAINED
    latest = ConsentEvent.objects.filter(subscriber=complainer, medium=Medium.EMAIL).last()
    assert (latest.action, latest.source) == (ConsentAction.OPTED_OUT, ConsentSource.PROVIDER)
    assert latest.evidence.startswith(f"Marked campaign #{row.campaign_id}'s email as spam")
    row.refresh_from_db()
    assert (row.status, row.feedback) == (DeliveryStatus.DELIVERED, EmailFeedback.COMPLAINED)

    send("next-week")

    assert len(postmark.sent_to(complainer.email)) == 1
    assert len(postmark.sent_to(other.email)) == 2


def test_a_forged_postmark_event_is_refused_and_changes_nothing(postmark, send):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)

    wrong = post_postmark(postmark_complaint(row), auth="hooks:guessed")
    missing = post_postmark(postmark_complaint(row), auth=None)

    assert (wrong.status_code, missing.status_code) == (400, 400)
    person.refresh_from_db()
    assert person.email_state == ConsentState.SUBSCRIBED
    assert suppressed(person) is None
    row.refresh_from_db()
    assert (row.status, row.feedback) == (DeliveryStatus.ACCEPTED, EmailFeedback.NONE)


def test_the_webhooks_refuse_everything_until_a_secret_is_set(postmark, send, settings):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": []}

    response = post_postmark(postmark_complaint(row), auth=None)

    assert response.status_code == 403
    assert response.content.decode() == "Email webhooks are off until ANYMAIL_WEBHOOK_SECRET is set."
    assert suppressed(person) is None


def test_a_mailgun_signed_hard_bounce_suppresses_the_address(mailgun, send):
    bounced, other = subscribed_employees(2)
    row = delivery_to(send(), bounced)

    response = post_mailgun(mailgun_event(row, "failed", severity="permanent"))

    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.status, row.feedback) == (DeliveryStatus.UNDELIVERED, EmailFeedback.HARD_BOUNCE)
    assert row.error.startswith("Hard bounce: the address does not exist or refuses our email.")
    assert suppressed(bounced) == SuppressionReason.HARD_BOUNCE
    assert suppressed(other) is None
    # Not the person's choice: the ledger is theirs, the suppression list says why we stopped.
    bounced.refresh_from_db()
    assert bounced.email_state == ConsentState.SUBSCRIBED

    send("next-week")

    assert len(mailgun.sent_to(bounced.email)) == 1


def test_a_mailgun_event_with_a_bad_signature_is_refused_and_changes_nothing(mailgun, send):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)

    forged = post_mailgun(mailgun_event(row, "complained", key="not-the-signing-key"))
    unsigned_but_authed = post_mailgun({"event-data": {"event": "complained"}})

    assert (forged.status_code, unsigned_but_authed.status_code) == (400, 400)
    assert suppressed(person) is None
    row.refresh_from_db()
    assert row.feedback == EmailFeedback.NONE


def test_soft_bounces_suppress_the_address_only_after_the_limit(postmark, send, settings):
    settings.EMAIL_SOFT_BOUNCE_LIMIT = 3
    person, other = subscribed_employees(2)

    for week in (1, 2):
        row = delivery_to(send(f"week-{week}"), person)
        # The service retries: one email deferred three times is one soft bounce.
        for _ in range(3):
            assert post_postmark(postmark_bounce(row, "Transient")).status_code == 200
    assert suppressed(person) is None

    row = delivery_to(send("week-3"), person)
    post_postmark(postmark_bounce(row, "SoftBounce"))

    assert suppressed(person) == SuppressionReason.SOFT_BOUNCES
    row.refresh_from_db()
    assert (row.status, row.feedback) == (DeliveryStatus.UNDELIVERED, EmailFeedback.SOFT_BOUNCE)
    assert suppressed(other) is None
    send("week-4")
    assert len(postmark.sent_to(person.email)) == 3


def test_an_email_delivered_in_between_starts_the_soft_bounce_count_again(postmark, send, settings):
    settings.EMAIL_SOFT_BOUNCE_LIMIT = 2
    (person,) = subscribed_employees(1)

    post_postmark(postmark_bounce(delivery_to(send("week-1"), person), "Transient"))
    post_postmark(postmark_delivered(delivery_to(send("week-2"), person)))
    post_postmark(postmark_bounce(delivery_to(send("week-3"), person), "Transient"))

    assert suppressed(person) is None


def test_events_out_of_order_and_twice_move_the_email_forward_only(postmark, send):
    complainer, delivered = subscribed_employees(2)
    campaign = send()
    row, other = delivery_to(campaign, complainer), delivery_to(campaign, delivered)

    for payload in (
        postmark_complaint(row),
        postmark_delivered(row),
        postmark_bounce(row, "Transient"),
        postmark_complaint(row),
        postmark_delivered(other),
        postmark_bounce(other, "Transient"),  # a deferral reported late: not a bounce
        postmark_delivered(other),
    ):
        assert post_postmark(payload).status_code == 200

    row.refresh_from_db()
    other.refresh_from_db()
    assert (row.status, row.feedback) == (DeliveryStatus.DELIVERED, EmailFeedback.COMPLAINED)
    assert (other.status, other.feedback) == (DeliveryStatus.DELIVERED, EmailFeedback.NONE)
    assert ConsentEvent.objects.filter(subscriber=complainer, source=ConsentSource.PROVIDER).count() == 1
    assert Suppression.objects.count() == 1


def test_an_event_for_an_email_we_did_not_send_is_acknowledged_and_ignored(postmark, send):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)
    row.provider_id = "0a129aee-e1cd-480d-b08d-4f48548ff48d"  # a sign-up confirmation, say

    response = post_postmark(postmark_complaint(row))

    assert response.status_code == 200
    assert suppressed(person) is None
    assert Suppression.objects.count() == 0


def test_opens_are_never_recorded(postmark, send):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)
    before = (row.status, row.feedback, row.updated_at)

    response = post_postmark(postmark_open(row))

    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.status, row.feedback, row.updated_at) == before


def test_an_email_the_service_rejects_is_failed_with_its_reason(postmark, send):
    (person,) = subscribed_employees(1)
    row = delivery_to(send(), person)

    post_postmark(postmark_bounce(row, "BadEmailAddress"))

    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert row.error.startswith("The sending service did not send it (invalid).")


def test_complaints_past_the_limit_pause_the_send_and_the_report_shows_them(
    postmark, send, settings, internal_curator, internal_client
):
    settings.EMAIL_COMPLAINT_PAUSE_MIN = 3
    settings.EMAIL_COMPLAINT_PAUSE_RATE = 0.003
    people = subscribed_employees(10)
    campaign = send(weekly=True)
    rows = [delivery_to(campaign, person) for person in people]
    assert campaign.status == CampaignStatus.SCHEDULED  # next week's send is waiting

    post_postmark(postmark_complaint(rows[0]))
    post_postmark(postmark_complaint(rows[1]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED  # two is not yet a pattern

    post_postmark(postmark_complaint(rows[2]))

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.paused_reason == (
        "Paused: 3 of 10 emails sent were marked as spam (30.0%, above 0.3%). "
        "Check the audience and the message before resuming."
    )

    # A curator who resumes after reading why is not paused again by the same send's complaints.
    sending.resume(campaign=campaign, by=internal_curator)
    post_postmark(postmark_complaint(rows[3]))
    post_postmark(postmark_bounce(rows[4], "HardBounce"))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED

    email_totals = next(row for row in campaign_report(campaign) if row.medium == Medium.EMAIL)
    assert email_totals.delivered == 4  # the complaints prove their emails arrived
    counts = email_feedback(campaign)
    assert (counts.sent, counts.hard_bounces, counts.soft_bounces, counts.complaints) == (10, 1, 0, 4)
    page = internal_client.get(
        reverse("admin:campaigns_campaign_report", args=[campaign.pk])
    ).content.decode()
    assert "Email bounces and complaints" in page
    assert "<td>4</td>" in page and "<td>40.0%</td>" in page
    exported = internal_client.get(reverse("admin:campaigns_campaign_report_csv", args=[campaign.pk]))
    email_row = next(
        row for row in csv.DictReader(io.StringIO(exported.content.decode())) if row["Medium"] == "Email"
    )
    assert (email_row["Hard bounces"], email_row["Soft bounces"], email_row["Spam complaints"]) == (
        "1",
        "0",
        "4",
    )


def test_the_review_shows_bounces_and_complaints_by_campaign_through_the_small_count_rule(
    postmark, send, internal_client
):
    people = subscribed_employees(12)
    campaign = send()
    for person in people[:2]:
        post_postmark(postmark_complaint(delivery_to(campaign, person)))
    for person in people[2:8]:
        post_postmark(postmark_bounce(delivery_to(campaign, person), "HardBounce"))

    exported = internal_client.get(reverse("review:csv", args=["email_health"]), {"week": "2026-W48"})
    page = internal_client.get(reverse("review:week", args=["2026-W48"])).content.decode()

    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows == [
        ["Campaign", "Emails sent", "Bounces", "Spam complaints", "Complaint rate"],
        [campaign.name, "10", "10", "fewer than 5", "fewer than 5"],
    ]
    assert "Email bounces and complaints by campaign" in page
