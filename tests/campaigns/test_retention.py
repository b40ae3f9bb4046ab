"""Retention of the send ledger: old deliveries lose their contact data and then go, in bounded
batches, while the figures stay as they were and nothing still in use is touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from anymail.signals import AnymailTrackingEvent
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.review.dashboard import weekly_review
from analytics.review.weeks import ReviewFilters, week_start_of
from campaigns import sending, tasks
from campaigns.email_events import record_event
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, MediaPreference, Medium
from campaigns.receipts import record_receipt
from campaigns.reports import report_csv
from campaigns.retention import apply_retention
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = pytest.mark.django_db

SENT_AT = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)  # a Tuesday morning in London's working hours
BOUNCED_ADDRESS = "employee1@acme-learning.example"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def sent(
    internal_curator, capture, *, when: datetime = SENT_AT, media: str = MediaPreference.BOTH
) -> Campaign:
    """Texted and emailed at `when`, then told how it went by Twilio and the email service: a text
    delivered, one not (30003), an email bounced with the address in the service's words, one
    marked as spam."""
    with at(when):
        placement = live_item(title=f"Item {when:%Y%m%d%H}").placements.get()
        campaign = ready_campaign(placements=[placement], media=media, slug=f"send-{when:%Y%m%d%H}")
        with capture(execute=True):
            sending.launch(campaign=campaign, by=internal_curator)
        texts = list(Delivery.objects.filter(campaign=campaign, medium=Medium.SMS).order_by("pk"))
        for text, status, code in zip(texts, ["delivered", "undelivered"], ["", "30003"], strict=False):
            record_receipt(message_sid=text.provider_id, status=status, error_code=code)
        emails = list(Delivery.objects.filter(campaign=campaign, medium=Medium.EMAIL).order_by("pk"))
        for email, kind, description in zip(
            emails,
            ["bounced", "complained"],
            [f"550 5.1.1 <{BOUNCED_ADDRESS}>: Recipient address rejected, call +44 20 7946 0000", ""],
            strict=False,
        ):
            event = AnymailTrackingEvent(
                event_type=kind, message_id=email.provider_id, recipient="", description=description
            )
            record_event(event=event, esp_name="Postmark")
    campaign.refresh_from_db()
    return campaign


def figures(campaign: Campaign) -> tuple:
    """What curators see: the weekly review of the week it went (headlines, every table) and the
    campaign's report as its CSV."""
    review = weekly_review(week=week_start_of(SENT_AT.date()), filters=ReviewFilters())
    return review.headlines, review.tables, report_csv(campaign)


def test_old_deliveries_lose_their_contact_data_and_the_figures_stay_the_same(
    internal_curator, django_capture_on_commit_callbacks
):
    subscribed_employees(3)
    campaign = sent(internal_curator, django_capture_on_commit_callbacks)
    rows = Delivery.objects.filter(campaign=campaign)
    assert rows.filter(error__contains=BOUNCED_ADDRESS).exists()
    with at(SENT_AT + timedelta(days=91)):
        before = figures(campaign)

        done = apply_retention()

        after = figures(campaign)
    assert after == before
    _headlines, tables, _report = before
    assert [row[0] for row in tables["email_health"].rows] == [campaign.name]  # the figures are there
    assert [(pruned.what, pruned.rows) for pruned in done] == [
        ("deliveries deleted", 0),
        ("deliveries cleared of contact data", 6),
        ("daily figures deleted", 0),
    ]
    assert rows.count() == 6
    assert not rows.filter(subscriber__isnull=False).exists()
    assert not rows.exclude(provider_id="").exists()
    assert not rows.filter(error__contains="acme-learning").exists()
    assert not rows.filter(error__contains="7946").exists()
    # What the figures read is still there.
    assert rows.filter(medium=Medium.EMAIL, feedback="complained").count() == 1
    assert rows.filter(status=DeliveryStatus.UNDELIVERED, error_code=30003).count() == 1


def test_young_deliveries_keep_their_contact_data(internal_curator, django_capture_on_commit_callbacks):
    subscribed_employees(2)
    campaign = sent(internal_curator, django_capture_on_commit_callbacks)

    with at(SENT_AT + timedelta(days=89)):
        apply_retention()

    rows = Delivery.objects.filter(campaign=campaign)
    assert rows.count() == 4
    assert not rows.filter(subscriber__isnull=True).exists()


def test_deliveries_past_retention_go_and_younger_ones_stay(
    internal_curator, django_capture_on_commit_callbacks
):
    subscribed_employees(2)
    old = sent(internal_curator, django_capture_on_commit_callbacks)
    young = sent(internal_curator, django_capture_on_commit_callbacks, when=SENT_AT + timedelta(days=300))

    with at(SENT_AT + timedelta(days=396)):
        done = apply_retention()

    assert not Delivery.objects.filter(campaign=old).exists()
    # Texts only the second time: one email address bounced, the other complained.
    assert Delivery.objects.filter(campaign=young).count() == 2
    assert not Delivery.objects.filter(campaign=young, subscriber__isnull=False).exists()  # 96 days old
    assert [pruned.rows for pruned in done[:2]] == [4, 2]


def test_deliveries_still_waiting_or_of_a_send_under_way_are_never_pruned(
    internal_curator, django_capture_on_commit_callbacks, sms_outbox
):
    subscribed_employees(2)
    with at(SENT_AT):
        waiting = ready_campaign(placements=[live_item(title="Waiting").placements.get()], slug="waiting")
        sending.launch(campaign=waiting, by=internal_curator)  # its batches never queued: rows pending
    paused = sent(internal_curator, django_capture_on_commit_callbacks, when=SENT_AT + timedelta(hours=1))
    Campaign.objects.filter(pk=paused.pk).update(status=CampaignStatus.SENDING)
    sending.pause(campaign=paused, by=internal_curator)
    assert set(Delivery.objects.filter(campaign=waiting).values_list("status", flat=True)) == {"pending"}

    with at(SENT_AT + timedelta(days=800)):
        done = apply_retention()

    assert Delivery.objects.filter(campaign=waiting, subscriber__isnull=False).count() == 4
    assert Delivery.objects.filter(campaign=paused, subscriber__isnull=False).count() == 4
    assert [pruned.rows for pruned in done[:2]] == [0, 0]


@pytest.fixture
def ten_deliveries(internal_curator, django_capture_on_commit_callbacks, settings) -> Campaign:
    """Five employees texted and emailed, pruned three rows at a time; daily figures kept."""
    subscribed_employees(5)
    settings.RETENTION_BATCH_SIZE = 3
    settings.DAILY_METRIC_RETENTION_DAYS = 0
    return sent(internal_curator, django_capture_on_commit_callbacks)


def test_pruning_goes_in_bounded_batches(ten_deliveries):
    campaign = ten_deliveries
    with at(SENT_AT + timedelta(days=400)), CaptureQueriesContext(connection) as queries:
        done = apply_retention()

    assert not Delivery.objects.filter(campaign=campaign).exists()
    deletes = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]
    assert len(deletes) == 4  # 3 + 3 + 3 + 1 rows, each its own statement
    # The campaigns holding old rows, then per batch its ids and their delete; the contact rule
    # finds nothing left.
    assert len(queries.captured_queries) <= 1 + 4 * 2 + 1
    assert done[0].rows == 10


def test_contact_data_goes_in_bounded_batches(ten_deliveries):
    campaign = ten_deliveries
    with at(SENT_AT + timedelta(days=100)), CaptureQueriesContext(connection) as queries:
        done = apply_retention()

    assert not Delivery.objects.filter(campaign=campaign, subscriber__isnull=False).exists()
    clearing = [
        query["sql"] for query in queries.captured_queries if 'SET "subscriber_id" = NULL' in query["sql"]
    ]
    assert len(clearing) == 4  # 3 + 3 + 3 + 1 rows, each batch its own transaction
    # Per batch: its ids, the errors to rewrite, at most one rewrite (the one bounce), the clearing,
    # and the savepoint or transaction around them.
    assert len(queries.captured_queries) <= 2 + 4 * 6
    assert done[1].rows == 10


def test_dry_run_counts_and_changes_nothing(internal_curator, django_capture_on_commit_callbacks, capsys):
    subscribed_employees(2)
    old = sent(internal_curator, django_capture_on_commit_callbacks)
    middle = sent(internal_curator, django_capture_on_commit_callbacks, when=SENT_AT + timedelta(days=300))

    with at(SENT_AT + timedelta(days=400)):
        call_command("apply_retention", "--dry-run")
        assert Delivery.objects.filter(campaign=old).count() == 4
        assert not Delivery.objects.filter(subscriber__isnull=True).exists()
        preview = capsys.readouterr().out

        call_command("apply_retention")
        applied = capsys.readouterr().out

    assert "Dry run: nothing changed" in preview
    assert "deliveries deleted: 4 (older than 2026-06-07)" in preview
    # The middle send's texts (its emails were not sent: bounced and complained the first time);
    # the old send's rows are counted once, as deleted.
    assert "deliveries cleared of contact data: 2 (older than 2027-04-08)" in preview
    assert "deliveries deleted: 4" in applied
    assert "deliveries cleared of contact data: 2" in applied
    assert not Delivery.objects.filter(campaign=old).exists()
    assert not Delivery.objects.filter(campaign=middle, subscriber__isnull=False).exists()


def test_the_housekeeping_task_applies_it(internal_curator, django_capture_on_commit_callbacks):
    subscribed_employees(1)
    campaign = sent(internal_curator, django_capture_on_commit_callbacks)

    with at(SENT_AT + timedelta(days=400)):
        assert tasks.apply_retention.delay().get() == 2

    assert not Delivery.objects.filter(campaign=campaign).exists()


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "campaigns.tasks.apply_retention"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {50}


@pytest.mark.parametrize(
    ("name", "days", "said"),
    [
        ("DELIVERY_CONTACT_RETENTION_DAYS", 5, "DELIVERY_CONTACT_RETENTION_DAYS is 5: at least 30, or 0."),
        ("DELIVERY_RETENTION_DAYS", 14, "DELIVERY_RETENTION_DAYS is 14: at least 30, or 0."),
        ("DELIVERY_RETENTION_DAYS", 60, "DELIVERY_CONTACT_RETENTION_DAYS (90) must be shorter than"),
        ("DAILY_METRIC_RETENTION_DAYS", 365, "DAILY_METRIC_RETENTION_DAYS is 365: at least 738, or 0."),
        ("DELIVERY_RETENTION_DAYS", -1, "0 keeps rows for ever"),
    ],
)
def test_settings_that_would_cut_into_what_is_still_read_are_refused(settings, name, days, said):
    setattr(settings, name, days)

    with pytest.raises(SystemCheckError, match=r"E017") as refused:
        call_command("check")
    assert said in str(refused.value)
    with pytest.raises(ImproperlyConfigured, match=said.replace("(", r"\(").replace(")", r"\)")):
        apply_retention()
    with pytest.raises(CommandError):
        call_command("apply_retention", "--dry-run")


def test_zero_keeps_everything(internal_curator, django_capture_on_commit_callbacks, settings, capsys):
    settings.DELIVERY_RETENTION_DAYS = settings.DELIVERY_CONTACT_RETENTION_DAYS = 0
    settings.DAILY_METRIC_RETENTION_DAYS = 0
    subscribed_employees(1)
    campaign = sent(internal_curator, django_capture_on_commit_callbacks)

    with at(SENT_AT + timedelta(days=4000)):
        call_command("apply_retention")

    assert "nothing: every retention setting is 0" in capsys.readouterr().out
    assert Delivery.objects.filter(campaign=campaign, subscriber__isnull=False).count() == 2
