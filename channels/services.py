"""Writes to the channel registry."""

from __future__ import annotations

from django.db import transaction

from channels.models import Channel, Cost, MetricSource, Ownership, Visibility


@transaction.atomic
def register_channel(
    *,
    name: str,
    platform: str,
    url: str,
    ownership: str = Ownership.OWNED,
    visibility: str = Visibility.PUBLIC,
    cost: str = Cost.FREE,
    cost_note: str = "",
    metric_source: str = MetricSource.CLICKS_ONLY,
    ga4_property_id: str = "",
    ga4_path_prefix: str = "",
    youtube_channel_id: str = "",
) -> Channel:
    channel = Channel(
        name=name,
        platform=platform,
        url=url,
        ownership=ownership,
        visibility=visibility,
        cost=cost,
        cost_note=cost_note,
        metric_source=metric_source,
        ga4_property_id=ga4_property_id,
        ga4_path_prefix=ga4_path_prefix,
        youtube_channel_id=youtube_channel_id,
    )
    channel.full_clean()
    channel.save()
    return channel


@transaction.atomic
def change_visibility(*, channel: Channel, visibility: str) -> Channel:
    channel.visibility = visibility
    channel.full_clean()  # The compliance guard refuses to expose sensitive placements.
    channel.save(update_fields=["visibility", "updated_at"])
    return channel
