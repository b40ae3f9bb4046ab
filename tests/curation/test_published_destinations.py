"""The front door and the feed publish only addresses that pass the destination rule."""

from __future__ import annotations

import pytest

from channels.models import Channel
from curation import services
from curation.models import Placement
from tests.factories import ChannelFactory, live_item

pytestmark = pytest.mark.django_db

HOSTILE = "https://evil.example\\@blog.acme-learning.example/posts/1/"  # a browser goes to evil.example


def written_past_the_forms(placement: Placement, url: str) -> None:
    """As a row saved before the rule, or a hand edit in the database, would be."""
    Placement.objects.filter(pk=placement.pk).update(url=url)


def test_an_item_whose_only_address_fails_is_left_off_the_front_door_and_the_feed(client):
    blog = ChannelFactory(url="https://blog.acme-learning.example/")
    item = live_item(channel=blog, days_ago=2, title="Planted")
    written_past_the_forms(item.placements.get(), HOSTILE)

    page = client.get("/").content.decode()
    feed = client.get("/feed.xml").content.decode()

    assert "Planted" not in page and "evil.example" not in page
    assert "Planted" not in feed and "evil.example" not in feed


def test_an_item_falls_back_to_its_next_address_that_passes(client):
    blog = ChannelFactory(url="https://blog.acme-learning.example/")
    item = live_item(channel=blog, days_ago=2, title="Two homes")
    first = item.placements.get()
    second = services.place_item(item=item, channel=blog, url="https://blog.acme-learning.example/posts/2/")
    Placement.objects.filter(pk=second.pk).update(published_on=first.published_on)
    written_past_the_forms(first, HOSTILE)

    page = client.get("/").content.decode()
    feed = client.get("/feed.xml").content.decode()

    assert '<a href="https://blog.acme-learning.example/posts/2/">Two homes</a>' in page
    assert "evil.example" not in page
    assert 'href="https://blog.acme-learning.example/posts/2/"' in feed
    assert "evil.example" not in feed


def test_a_channel_whose_address_fails_is_not_recommended(client):
    ChannelFactory(name="Planted blog", url="https://blog.acme-learning.example/")
    Channel.objects.filter(name="Planted blog").update(url=HOSTILE)
    ChannelFactory(name="Honest blog", url="https://honest.acme-learning.example/")

    page = client.get("/").content.decode()

    assert "Planted blog" not in page and "evil.example" not in page
    assert '<a href="https://honest.acme-learning.example/">Follow Honest blog</a>' in page


def test_published_addresses_are_the_browsers_reading(client):
    blog = ChannelFactory(url="https://blog.acme-learning.example/")
    item = live_item(channel=blog, days_ago=2, title="Shouted")
    written_past_the_forms(item.placements.get(), "https://BLOG.Acme-Learning.example:443/posts/1/")

    page = client.get("/").content.decode()

    assert '<a href="https://blog.acme-learning.example/posts/1/">Shouted</a>' in page
