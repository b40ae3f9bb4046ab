"""Tracked links follow the one destination rule, when made and at every redirect."""

from __future__ import annotations

import ada_url
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings

from campaigns.models import Campaign, Medium, TrackedLink
from campaigns.tracking import check_destination, tracked_link_for
from channels.models import Channel, Platform
from curation import services
from curation.models import Placement
from tests.channels.hostile_urls import hostile_urls, python_agrees, whatwg_lands_on_platform
from tests.factories import ChannelFactory, ContentItemFactory, YouTubeChannelFactory

PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

# Addresses the old tracked-link check let through: a browser cannot open them as written, or
# would not read them as the host we checked.
ODD_BUT_ONCE_ACCEPTED = [
    "https://www.youtube.com./watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com:99999/watch?v=dQw4w9WgXcQ",
]
FOUND = [
    "https://evil.example\\@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com\\.evil.example/watch?v=dQw4w9WgXcQ",
]


@pytest.fixture
def placement(db):
    placement = services.place_item(
        item=ContentItemFactory(title="Giving feedback"), channel=YouTubeChannelFactory(), url=VIDEO
    )
    services.mark_live(item=placement.item)
    return placement


@pytest.fixture
def link(placement):
    campaign = Campaign.objects.create(name="Feedback week", slug="feedback-week")
    return tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement)


def click(client, link):
    return client.get(f"/l/{link.token}", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="203.0.113.7")


@pytest.mark.parametrize("url", FOUND + ODD_BUT_ONCE_ACCEPTED)
def test_no_link_is_made_to_a_placement_address_saved_before_the_rule(placement, url):
    Placement.objects.filter(pk=placement.pk).update(url=url)
    placement.refresh_from_db()
    campaign = Campaign.objects.create(name="Feedback week", slug="feedback-week")

    with pytest.raises(ValidationError):
        tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement)
    assert not TrackedLink.objects.exists()


@pytest.mark.parametrize("url", ODD_BUT_ONCE_ACCEPTED)
def test_the_redirect_refuses_a_destination_the_rule_refuses(client, link, url):
    TrackedLink.objects.filter(pk=link.pk).update(destination=url)

    assert click(client, link).status_code == 404


def test_a_blog_channel_saved_on_an_ip_address_leads_nowhere(client, db):
    blog = ChannelFactory(url="https://blog.acme-learning.example/")
    placement = services.place_item(
        item=ContentItemFactory(), channel=blog, url="https://blog.acme-learning.example/posts/1/"
    )
    services.mark_live(item=placement.item)
    link = tracked_link_for(
        campaign=Campaign.objects.create(name="C", slug="c"), medium=Medium.SMS, placement=placement
    )
    # Both written past the forms, as an old row or a hand edit would be.
    Channel.objects.filter(pk=blog.pk).update(url="https://127.0.0.1/")
    TrackedLink.objects.filter(pk=link.pk).update(destination="https://127.0.0.1/posts/1/")

    assert click(client, link).status_code == 404


def test_the_redirect_sends_the_browsers_own_reading_of_the_address(client, link):
    TrackedLink.objects.filter(pk=link.pk).update(
        destination="https://WWW.YouTube.com:443/watch?v=dQw4w9WgXcQ"
    )

    location = click(client, link)["Location"]

    assert location.startswith("https://www.youtube.com/watch?v=dQw4w9WgXcQ&utm_source=sms&")


def tracked_link_accepts(url: str) -> bool:
    channel = Channel(
        pk=1, name="Acme videos", platform=Platform.YOUTUBE, url="https://www.youtube.com/@acme"
    )
    try:
        check_destination(url, Placement(channel=channel, url=VIDEO))
    except ValidationError:
        return False
    return True


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_urls())
def test_an_accepted_destination_leads_a_browser_to_the_platform_and_python_agrees(url):
    if tracked_link_accepts(url):
        assert whatwg_lands_on_platform(url), url
        assert python_agrees(url), url
        assert ada_url.URL(url).port == "", url
