"""The channel admin, and the one place other apps add to its list.

Channels knows nothing of the apps built on it: analytics adds when each channel's figures were
last synced and a "Sync now" action by calling `extend_channel_list` from its AppConfig.ready,
instead of unregistering this admin and registering a copy of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib import admin
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from channels.admin_history import HistoryAdmin
from channels.models import Channel
from curation.admin_policy import PolicyAdmin

# Curators paste links from their phones' share sheets; a bare host means https, as in Django 6.
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@dataclass(frozen=True)
class ChannelListExtension:
    """What another app adds to the channel list.

    `annotate` adds to the list's one query what the columns read, so no column queries per row;
    `columns` and `actions` are functions decorated with admin.display and admin.action, as a
    ModelAdmin's own would be (a column takes the channel; an action takes the admin, the request
    and the selected channels).
    """

    name: str
    annotate: Callable[[QuerySet[Channel]], QuerySet[Channel]] = lambda queryset: queryset
    columns: Sequence[Callable[[Channel], object]] = field(default_factory=tuple)
    actions: Sequence[Callable[..., object]] = field(default_factory=tuple)


_list_extensions: dict[str, ChannelListExtension] = {}


def extend_channel_list(extension: ChannelListExtension) -> None:
    """Add columns, annotations and actions to the channel list; the same name again replaces
    the earlier one, so a ready() run twice (tests, autoreload) adds nothing twice."""
    _list_extensions[extension.name] = extension


def channel_list_extensions() -> list[ChannelListExtension]:
    return list(_list_extensions.values())


@admin.register(Channel)
class ChannelAdmin(PolicyAdmin, HistoryAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "platform", "visibility", "cost", "measures", "live_items"]
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

    @property
    def actions(self) -> list[Callable[..., object]]:  # type: ignore[override]
        # Read when asked, not when registered: extensions arrive in later apps' ready().
        return [action for extension in channel_list_extensions() for action in extension.actions]

    def get_list_display(self, request: HttpRequest) -> list[str | Callable[[Channel], object]]:
        extra = [column for extension in channel_list_extensions() for column in extension.columns]
        return [*self.list_display, *extra]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Channel]:
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                live_item_count=Count(
                    "placements__item", filter=Q(placements__item__lifecycle="live"), distinct=True
                )
            )
        )
        for extension in channel_list_extensions():
            queryset = extension.annotate(queryset)
        return queryset

    @admin.display(description="What it can measure")
    def measures(self, channel: Channel) -> str:
        return channel.measures

    @admin.display(description="Live items", ordering="live_item_count")
    def live_items(self, channel: Channel) -> int:
        return channel.live_item_count
