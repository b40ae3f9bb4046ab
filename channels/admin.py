from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from channels.admin_history import HistoryAdmin
from channels.models import Channel

# Curators paste links from their phones' share sheets; a bare host means https, as in Django 6.
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Channel)
class ChannelAdmin(HistoryAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "platform", "ownership", "visibility", "cost", "measures", "live_items"]
    list_filter = ["platform", "ownership", "visibility", "metric_source", "cost"]
    search_fields = ["name", "url"]
    readonly_fields = ["measures", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "platform", "url", "ownership", "visibility"]}),
        ("Cost to the organisation", {"fields": ["cost", "cost_note"]}),
        (
            "Measurement",
            {
                "description": "Owned channels can report analytics; third-party ones only clicks "
                "on our tracked links.",
                "fields": [
                    "metric_source",
                    "measures",
                    "ga4_property_id",
                    "ga4_path_prefix",
                    "youtube_channel_id",
                ],
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Channel]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_item_count=Count(
                    "placements__item", filter=Q(placements__item__lifecycle="live"), distinct=True
                )
            )
        )

    @admin.display(description="What it can measure")
    def measures(self, channel: Channel) -> str:
        return channel.measures

    @admin.display(description="Live items", ordering="live_item_count")
    def live_items(self, channel: Channel) -> int:
        return channel.live_item_count
