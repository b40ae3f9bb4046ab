"""A campaign's visits to owned pages: GA4 sessions per utm_campaign and utm_source, synced by
analytics, shown per medium in the campaign's report and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from analytics import services
from analytics.models import Source
from analytics.sources.base import Period
from campaigns.reports import campaign_report
from channels.models import MetricSource
from tests.factories import ChannelFactory, live_item, ready_campaign
from tests.fakes.ga4 import PROPERTY_ID

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)


@pytest.fixture
def campaign():
    return ready_campaign(placements=[live_item(title="Giving feedback").placements.get()])


@pytest.fixture
def synced(ga4_fake, campaign):
    """GA4 saw the campaign's texts and emails bring visits over two days, besides other traffic."""
    blog = ChannelFactory(
        url="https://www.acme-learning.example/learning/",
        metric_source=MetricSource.GA4,
        ga4_property_id=PROPERTY_ID,
        ga4_path_prefix="/learning/",
    )
    for day, source, sessions in ((MONDAY, "sms", 30), (TUESDAY, "sms", 8), (MONDAY, "email", 11)):
        ga4_fake.add_campaign(campaign.slug, day, sessions, landing_page="/learning/feedback/", source=source)
    ga4_fake.add_campaign("another-campaign", MONDAY, 99, landing_page="/learning/x/", source="sms")
    ga4_fake.add_campaign(campaign.slug, MONDAY, 5, landing_page="/learning/feedback/", source="newsletter")
    run = services.start_sync(source=Source.GA4, channel=blog, period=Period(MONDAY, TUESDAY))
    assert services.run_sync(run.pk).status == "succeeded"


def test_the_report_shows_each_mediums_ga4_sessions(synced, campaign):
    totals = {row.medium: row.ga4_sessions for row in campaign_report(campaign) if row.placement is None}

    # Sessions tagged by someone else's link (utm_source "newsletter") are not the campaign's texts or emails.
    assert totals == {"sms": 38, "email": 11}


def test_without_ga4_figures_the_column_is_empty_not_zero(campaign):
    totals = {row.medium: row.ga4_sessions for row in campaign_report(campaign) if row.placement is None}

    assert totals == {"sms": None, "email": None}


def test_the_report_page_and_csv_carry_the_sessions(synced, campaign, internal_client):
    page = internal_client.get(reverse("admin:campaigns_campaign_report", args=[campaign.pk]))
    exported = internal_client.get(reverse("admin:campaigns_campaign_report_csv", args=[campaign.pk]))

    assert "<td>38</td>" in page.content.decode()
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    placement = str(campaign.placements.get())
    assert [(row["Medium"], row["Placement"], row["GA4 sessions"]) for row in rows] == [
        ("SMS", "All placements", "38"),
        ("SMS", placement, ""),  # GA4 reports a campaign's visits, not which link brought them
        ("Email", "All placements", "11"),
        ("Email", placement, ""),
    ]
