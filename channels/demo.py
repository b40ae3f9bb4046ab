"""Demo channels across the platforms: one of each kind the programme uses."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from channels.models import Channel, Cost, MetricSource, Ownership, Platform, Visibility
from channels.services import register_channel

DEMO_CHANNELS = [
    dict(
        name="Acme Learns on YouTube",
        platform=Platform.YOUTUBE,
        url="https://www.youtube.com/@acmelearns",
        metric_source=MetricSource.YOUTUBE,
        youtube_channel_id="UCacmeLearnsDemo0000001",
    ),
    dict(
        name="Leadership circle (unlisted YouTube)",
        platform=Platform.YOUTUBE,
        url="https://www.youtube.com/@acmeleadership",
        visibility=Visibility.PRIVATE,
        metric_source=MetricSource.YOUTUBE,
        youtube_channel_id="UCacmeLeadershipDemo002",
    ),
    dict(
        name="Acme learning blog",
        platform=Platform.BLOG,
        url="https://www.acme-learning.example/learning/",
        metric_source=MetricSource.GA4,
        ga4_property_id="123456789",
        ga4_path_prefix="/learning/",
    ),
    dict(
        name="@acmelearns on Instagram",
        platform=Platform.INSTAGRAM,
        url="https://www.instagram.com/acmelearns/",
        metric_source=MetricSource.CSV_IMPORT,
    ),
    dict(
        name="Acme Learns boards on Pinterest",
        platform=Platform.PINTEREST,
        url="https://www.pinterest.com/acmelearns/",
        metric_source=MetricSource.CSV_IMPORT,
    ),
    dict(
        name="WikiHow how-to guides",
        platform=Platform.WIKIHOW,
        url="https://www.wikihow.com/",
        ownership=Ownership.THIRD_PARTY,
    ),
    dict(
        name="#AcmeLearns on X",
        platform=Platform.TWITTER,
        url="https://x.com/acmelearns",
        metric_source=MetricSource.CSV_IMPORT,
    ),
    dict(
        name="Learning community on Viva Engage",
        platform=Platform.YAMMER,
        url="https://engage.cloud.microsoft/main/groups/learning",
        visibility=Visibility.PRIVATE,
        cost=Cost.PREPAID,
        cost_note="Part of the Microsoft 365 licence; renews every April.",
        metric_source=MetricSource.CSV_IMPORT,
    ),
    dict(
        name="Anders Pink briefings",
        platform=Platform.CURATED_FEED,
        url="https://anderspink.com/",
        ownership=Ownership.THIRD_PARTY,
        visibility=Visibility.PRIVATE,
        cost=Cost.PREPAID,
        cost_note="25 seats paid by L&D until 31 March 2027.",
    ),
]


def load(*, stdout: OutputWrapper) -> None:
    created = 0
    for fields in DEMO_CHANNELS:
        if not Channel.objects.filter(name=fields["name"]).exists():
            register_channel(**fields)
            created += 1
    stdout.write(f"Channels: {created} created, {len(DEMO_CHANNELS) - created} already there.")
