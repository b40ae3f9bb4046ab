"""A campaign's report shows its “useful?” votes per placement, on the small-count rule."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from campaigns.models import MediaPreference
from tests.campaigns.voting import launch, reply, use_twilio_settings
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture(autouse=True)
def twilio(settings, sms_outbox):
    use_twilio_settings(settings)


@pytest.fixture
def voted(client, internal_curator, django_capture_on_commit_callbacks):
    """Eleven employees texted about two placements: seven found it useful, three not, one said nothing."""
    people = subscribed_employees(11)
    placements = [live_item(title=title).placements.get() for title in ("Giving feedback", "Running a retro")]
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    for person, answer in zip(people, ["1"] * 7 + ["2"] * 3, strict=False):
        reply(client, person.phone, answer)
    return campaign


def cells(page: str, title: str) -> list[str]:
    """The cells of the report's row for one placement."""
    row = re.search(rf"<td class=\"placement-row\"[^>]*>{title}[^<]*</td>(.*?)</tr>", page, re.DOTALL)
    return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.DOTALL)]


def test_the_report_shows_votes_per_placement_rounded_with_small_counts_withheld(agency_client, voted):
    page = agency_client.get(reverse("admin:campaigns_campaign_report", args=[voted.pk])).content.decode()

    assert '<th scope="col">Useful</th>' in page and '<th scope="col">Not for me</th>' in page
    for title in ("Giving feedback", "Running a retro"):
        assert cells(page, title)[-2:] == ["10", "fewer than 5"]  # 7 and 3
    assert "fewer than 5 votes are not shown" in page


def test_the_csv_carries_the_same_published_votes(internal_client, voted):
    response = internal_client.get(reverse("admin:campaigns_campaign_report_csv", args=[voted.pk]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["Placement"], row["Useful"], row["Not for me"]) for row in rows] == [
        ("All placements", "", ""),
        (rows[1]["Placement"], "10", "fewer than 5"),
        (rows[2]["Placement"], "10", "fewer than 5"),
    ]
    assert rows[1]["Placement"].startswith("Giving feedback")
