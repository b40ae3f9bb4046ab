"""Retiring an item: unsent campaigns drop it (or take its successor); sent links are re-pointed."""

from __future__ import annotations

import pytest

from campaigns.models import CampaignStatus, Medium
from campaigns.tracking import tracked_link_for
from curation import services
from tests.factories import PlacementFactory, live_item, ready_campaign

pytestmark = pytest.mark.django_db


def test_retiring_without_a_successor_pulls_the_item_from_a_draft(internal_curator):
    old, other = live_item(title="Old guide"), live_item(title="Other guide")
    campaign = ready_campaign(placements=[old.placements.get(), other.placements.get()])

    services.retire_item(item=old, reason="Out of date")

    assert list(campaign.placements.all()) == [other.placements.get()]


def test_retiring_with_a_successor_re_points_links_already_sent(client):
    old = live_item(title="Feedback 2025")
    new = live_item(title="Feedback 2026")
    sent = ready_campaign(placements=[old.placements.get()], slug="sent-one")
    link = tracked_link_for(campaign=sent, medium=Medium.SMS, placement=old.placements.get())
    sent.status = CampaignStatus.SENT
    sent.save()
    draft = ready_campaign(placements=[old.placements.get()], slug="draft-one")
    assert client.get(f"/l/{link.token}")["Location"].startswith(old.placements.get().url)

    services.retire_item(item=old, reason="Replaced", successor=new)

    response = client.get(f"/l/{link.token}")
    assert response.status_code == 302
    assert response["Location"].startswith(new.placements.get().url + "?utm_source=sms")
    assert list(draft.placements.all()) == [new.placements.get()]
    assert list(sent.placements.all()) == [old.placements.get()]  # what it promoted, kept for its report


def test_the_successor_on_the_same_channel_is_preferred(client):
    old = live_item(title="Feedback 2025")
    new = live_item(title="Feedback 2026")
    same_channel = PlacementFactory(item=new, channel=old.placements.get().channel)
    campaign = ready_campaign(placements=[old.placements.get()])
    link = tracked_link_for(campaign=campaign, medium=Medium.EMAIL, placement=old.placements.get())

    services.retire_item(item=old, reason="Replaced", successor=new)

    link.refresh_from_db()
    assert link.placement == same_channel
    assert link.repointed_from == old.placements.get()
