"""What a channel is, what it can measure, and which links may be placed on it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from channels.models import Channel, MetricSource, Ownership, Platform
from channels.services import register_channel
from curation import services
from tests.factories import ChannelFactory, ContentItemFactory, YouTubeChannelFactory

pytestmark = pytest.mark.django_db


def test_third_party_channel_can_only_count_clicks():
    with pytest.raises(ValidationError) as refused:
        register_channel(
            name="WikiHow",
            platform=Platform.WIKIHOW,
            url="https://www.wikihow.com/",
            ownership=Ownership.THIRD_PARTY,
            metric_source=MetricSource.CSV_IMPORT,
        )

    assert "only be measured by clicks" in refused.value.message_dict["metric_source"][0]
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("property_id", "message"),
    [("", "needs its GA4 property id"), ("G-ABC123", "digits only")],
)
def test_ga4_channel_needs_a_numeric_property_id(property_id, message):
    with pytest.raises(ValidationError) as refused:
        register_channel(
            name="Blog",
            platform=Platform.BLOG,
            url="https://blog.example/",
            metric_source=MetricSource.GA4,
            ga4_property_id=property_id,
        )

    assert message in refused.value.message_dict["ga4_property_id"][0]


def test_youtube_analytics_only_measures_youtube():
    with pytest.raises(ValidationError) as refused:
        register_channel(
            name="Blog",
            platform=Platform.BLOG,
            url="https://blog.example/",
            metric_source=MetricSource.YOUTUBE,
            youtube_channel_id="UCx",
        )

    assert refused.value.message_dict["metric_source"] == [
        "YouTube Analytics can only measure a YouTube channel."
    ]


def test_prepaid_licence_needs_a_note():
    with pytest.raises(ValidationError) as refused:
        register_channel(
            name="Anders Pink", platform=Platform.CURATED_FEED, url="https://anderspink.com/", cost="prepaid"
        )

    assert "cost_note" in refused.value.message_dict


def test_admin_lists_what_each_channel_can_measure(internal_client):
    YouTubeChannelFactory(name="Our videos")
    ChannelFactory(name="Partner blog", ownership=Ownership.THIRD_PARTY)

    page = internal_client.get(reverse("admin:channels_channel_changelist")).content.decode()

    assert "Views, watch time, average view duration and drop-out curves" in page
    assert "Clicks on our tracked links only" in page


def test_placement_link_must_be_on_the_channel():
    channel = YouTubeChannelFactory()
    item = ContentItemFactory()

    with pytest.raises(ValidationError) as refused:
        services.place_item(item=item, channel=channel, url="https://evil.example/watch?v=dQw4w9WgXcQ")

    assert "expected a link on" in refused.value.message_dict["url"][0]
    assert "youtube.com" in refused.value.message_dict["url"][0]


def test_placement_link_must_be_https():
    channel = ChannelFactory(url="https://blog.example/")

    with pytest.raises(ValidationError) as refused:
        services.place_item(item=ContentItemFactory(), channel=channel, url="http://blog.example/a/")

    assert refused.value.message_dict["url"] == [
        "Use the https:// address: employees open these links on their phones."
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://m.youtube.com/shorts/dQw4w9WgXcQ",
    ],
)
def test_youtube_video_id_is_read_from_the_link(url):
    placement = services.place_item(item=ContentItemFactory(), channel=YouTubeChannelFactory(), url=url)

    assert placement.external_id == "dQw4w9WgXcQ"


def test_youtube_placement_without_a_video_id_is_refused():
    with pytest.raises(ValidationError) as refused:
        services.place_item(
            item=ContentItemFactory(),
            channel=YouTubeChannelFactory(),
            url="https://www.youtube.com/@acme/videos",
        )

    assert "11-character YouTube video id" in refused.value.message_dict["external_id"][0]


def test_ga4_page_path_is_read_from_the_link_and_must_sit_under_the_prefix():
    blog = register_channel(
        name="Blog",
        platform=Platform.BLOG,
        url="https://www.acme.example/learning/",
        metric_source=MetricSource.GA4,
        ga4_property_id="123",
        ga4_path_prefix="/learning/",
    )

    placed = services.place_item(
        item=ContentItemFactory(), channel=blog, url="https://www.acme.example/learning/sleep/"
    )
    assert placed.external_id == "/learning/sleep/"

    with pytest.raises(ValidationError, match="must start with /learning/"):
        services.place_item(item=ContentItemFactory(), channel=blog, url="https://www.acme.example/shop/")


def test_same_platform_id_twice_on_one_channel_is_refused():
    channel = YouTubeChannelFactory()
    services.place_item(item=ContentItemFactory(), channel=channel, url="https://youtu.be/dQw4w9WgXcQ")

    with pytest.raises(ValidationError, match="same platform id"):
        services.place_item(
            item=ContentItemFactory(), channel=channel, url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )
