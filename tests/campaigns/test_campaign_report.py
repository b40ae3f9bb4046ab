"""A campaign's report: what went, what arrived, what failed and why, and who clicked, as counts only."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from campaigns import sending
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    MediaPreference,
    Medium,
    TrackedLink,
)
from campaigns.receipts import record_receipt
from campaigns.reports import CSV_HEADER, campaign_report, progress, report_csv
from campaigns.tracking import flush_clicks
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture
def placements():
    return [live_item(title=title).placements.get() for title in ("Giving feedback", "Running a retro")]


@pytest.fixture
def sent_campaign(placements, internal_curator, django_capture_on_commit_callbacks):
    """Four employees texted and emailed; the texts' receipts and clicks arrive as Twilio and
    employees would send them."""
    subscribed_employees(4)
    campaign = ready_campaign(placements=placements)
    with django_capture_on_commit_callbacks(execute=True):
        sending.launch(campaign=campaign, by=internal_curator)
    texts = list(Delivery.objects.filter(campaign=campaign, medium=Medium.SMS).order_by("pk"))
    for text, status, code in zip(
        texts, ["delivered", "delivered", "undelivered", "sent"], ["", "", "30003", ""], strict=True
    ):
        record_receipt(message_sid=text.provider_id, status=status, error_code=code)
    campaign.refresh_from_db()
    return campaign


def click(client, link: TrackedLink, *, address: str, user_agent: str = PHONE_BROWSER) -> None:
    assert client.get(f"/l/{link.token}", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address).status_code == 302


def clicks_on(client, campaign, placement) -> None:
    """Two people click the texted link to `placement`, one twice; a link preview fetches it."""
    link = TrackedLink.objects.get(campaign=campaign, medium=Medium.SMS, placement=placement)
    click(client, link, address="203.0.113.7")
    click(client, link, address="203.0.113.7")
    click(client, link, address="198.51.100.9")
    click(client, link, address="198.51.100.9", user_agent="WhatsApp/2.23.20.0")
    flush_clicks()


def test_the_report_counts_sent_delivered_failed_with_reasons_and_clicks(client, sent_campaign, placements):
    clicks_on(client, sent_campaign, placements[0])

    sms, sms_feedback, sms_retro, email, email_feedback, email_retro = campaign_report(sent_campaign)

    assert (sms.medium, sms.placement, email.medium, email.placement) == (
        Medium.SMS,
        None,
        Medium.EMAIL,
        None,
    )
    assert (sms.audience, sms.sent, sms.delivered, sms.failed) == (4, 4, 2, 1)
    assert sms.failure_reasons == [("The phone was off or out of reach (30003).", 1)]
    assert (sms.human_clicks, sms.bot_hits, sms.unique_clicks) == (3, 1, 2)
    assert sms.click_through_rate == 1.0  # two people of the two texts known to have arrived
    assert (sms_feedback.placement, sms_feedback.human_clicks, sms_feedback.unique_clicks) == (
        placements[0],
        3,
        2,
    )
    assert (sms_retro.placement, sms_retro.human_clicks, sms_retro.click_through_rate) == (
        placements[1],
        0,
        0.0,
    )
    # Emails have no delivery receipts: the rate is per email sent.
    assert (email.audience, email.sent, email.delivered, email.failed) == (4, 4, None, 0)
    assert email.click_through_rate == 0.0
    assert {row.ga4_sessions for row in (sms, email)} == {None}
    assert (email_feedback.placement, email_retro.placement) == tuple(placements)


def test_the_report_keeps_those_held_back_skipped_and_unknown_apart(placements, internal_curator, settings):
    settings.CAMPAIGN_WEEKLY_CAP = 1
    subscribed_employees(3)
    sending.launch(
        campaign=ready_campaign(placements=placements, media=MediaPreference.SMS, slug="earlier"),
        by=internal_curator,
    )
    subscribed_employees(3)
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    sending.launch(campaign=campaign, by=internal_curator)  # written to the ledger, not sent yet
    skipped, unknown, _ = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING)
    Delivery.objects.filter(pk=skipped.pk).update(status=DeliveryStatus.SKIPPED)
    Delivery.objects.filter(pk=unknown.pk).update(status=DeliveryStatus.UNKNOWN)

    (sms, *_) = campaign_report(campaign)

    assert (sms.audience, sms.held_back, sms.skipped, sms.unknown, sms.to_go, sms.sent) == (3, 3, 1, 1, 1, 0)
    assert sms.click_through_rate is None


def test_failure_reasons_never_show_a_number_or_address(sent_campaign):
    Delivery.objects.filter(campaign=sent_campaign, medium=Medium.EMAIL).update(
        status=DeliveryStatus.FAILED,
        error="Twilio refused the text: The 'To' number +44 7400 123456 is not valid, "
        "nor is sam@acme.example (21211).",
    )

    (_, _, _, email, *_) = campaign_report(sent_campaign)

    assert email.failure_reasons == [
        ("Twilio refused the text: The 'To' number [hidden] is not valid, nor is [hidden] (21211).", 4)
    ]


def test_the_report_page_shows_the_table_and_offers_the_csv(agency_client, sent_campaign, placements):
    clicks_on(agency_client, sent_campaign, placements[0])

    response = agency_client.get(reverse("admin:campaigns_campaign_report", args=[sent_campaign.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The phone was off or out of reach (30003). (1)" in page
    assert "100.0%" in page
    assert "arrived with this campaign&#x27;s utm_campaign" in page
    assert reverse("admin:campaigns_campaign_report_csv", args=[sent_campaign.pk]) in page
    assert 'http-equiv="refresh"' not in page  # sent: nothing more to wait for
    for person in Delivery.objects.filter(campaign=sent_campaign).select_related("subscriber"):
        assert person.subscriber.phone not in page and person.subscriber.email not in page


def test_the_csv_has_a_header_and_a_row_per_medium_and_placement(internal_client, sent_campaign, placements):
    clicks_on(internal_client, sent_campaign, placements[0])

    response = internal_client.get(reverse("admin:campaigns_campaign_report_csv", args=[sent_campaign.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="campaign-feedback-week.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == CSV_HEADER
    assert [(row["Medium"], row["Placement"]) for row in rows] == [
        ("SMS", "All placements"),
        ("SMS", str(placements[0])),
        ("SMS", str(placements[1])),
        ("Email", "All placements"),
        ("Email", str(placements[0])),
        ("Email", str(placements[1])),
    ]
    assert {key: rows[0][key] for key in ("Sent", "Delivered", "Failed or not delivered", "Reasons")} == {
        "Sent": "4",
        "Delivered": "2",
        "Failed or not delivered": "1",
        "Reasons": "The phone was off or out of reach (30003). (1)",
    }
    assert (rows[1]["Human clicks"], rows[1]["Unique clicks"], rows[1]["Click-through rate"]) == (
        "3",
        "2",
        "100.0%",
    )
    assert rows[3]["Delivered"] == "" and rows[3]["GA4 sessions"] == ""


def test_a_csv_cell_a_spreadsheet_would_run_is_defused(placements):
    item = placements[0].item
    item.title = '=HYPERLINK("https://evil.example")'
    item.save()
    campaign = ready_campaign(placements=placements)

    rows = list(csv.reader(io.StringIO(report_csv(campaign))))

    assert ['\'=HYPERLINK("https://evil.example") on ' in row[1] for row in rows[1:]].count(True) == 2


def test_progress_while_sending_counts_those_waiting_for_their_working_hours(
    internal_client, placements, internal_curator, django_capture_on_commit_callbacks
):
    subscribed_employees(2)
    subscribed_employees(1, time_zone="Australia/Sydney")  # 21:00 there
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        sending.launch(campaign=campaign, by=internal_curator)
    campaign.refresh_from_db()

    assert campaign.status == CampaignStatus.SENDING
    assert str(progress(campaign)) == "2 of 3 sent · 0 failed · 1 waiting for working hours"
    page = internal_client.get(
        reverse("admin:campaigns_campaign_report", args=[campaign.pk])
    ).content.decode()
    # Nothing is being sent: the page reloads once Sydney's working hours open (08:00 there, 21:00
    # UTC) and the schedule has released the text, not every 15 s all night.
    reload_in = int(re.search(r'<meta http-equiv="refresh" content="(\d+)">', page).group(1))
    assert 11 * 3600 < reload_in <= 11 * 3600 + 60  # the clock ticks from 10:00 UTC
    assert "This page refreshes when working hours open (Tue 24 Nov 21:01 UTC)." in page
    listed = internal_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "2 of 3 sent · 0 failed · 1 waiting for working hours" in listed


def report_page(client, campaign) -> str:
    return client.get(reverse("admin:campaigns_campaign_report", args=[campaign.pk])).content.decode()


def test_the_report_refreshes_every_15_seconds_while_messages_are_being_sent(
    internal_client, placements, internal_curator
):
    subscribed_employees(3)
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    sending.launch(campaign=campaign, by=internal_curator)  # ledger written; no batch has run yet

    page = report_page(internal_client, campaign)

    assert '<meta http-equiv="refresh" content="15">' in page
    assert "This page refreshes every 15 seconds while messages are sent." in page


def test_the_report_stops_refreshing_once_nothing_is_left_to_send(internal_client, sent_campaign):
    # Every message handed over, the send not yet marked done (its last task closes it): nothing to wait for.
    Campaign.objects.filter(pk=sent_campaign.pk).update(status=CampaignStatus.SENDING)

    page = report_page(internal_client, sent_campaign)

    assert "Sending" in page
    assert 'http-equiv="refresh"' not in page and "This page refreshes" not in page


def test_progress_gives_the_time_left_at_the_providers_rate(placements, internal_curator, settings):
    settings.SMS_RATE_PER_SECOND = 1
    subscribed_employees(150)
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    sending.launch(campaign=campaign, by=internal_curator)  # ledger written; no batch has run
    campaign.refresh_from_db()

    assert str(progress(campaign)) == "0 of 150 sent · 0 failed · about 2 min left"


def test_the_report_costs_the_same_queries_for_two_placements_or_six(
    internal_client, sent_campaign, django_assert_max_num_queries
):
    url = reverse("admin:campaigns_campaign_report", args=[sent_campaign.pk])
    with django_assert_max_num_queries(15) as few:
        internal_client.get(url)

    more = [live_item().placements.get() for _ in range(4)]
    for placement in more:
        for medium in Medium:
            TrackedLink.objects.create(
                campaign=sent_campaign,
                medium=medium,
                placement=placement,
                token=f"t{placement.pk}{medium}",
                destination=placement.url,
            )
    sent_campaign.placements.add(*more)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = internal_client.get(url)

    assert response.context["rows"][0].sent == 4
    assert len(response.context["rows"]) == 2 * (1 + 6)
