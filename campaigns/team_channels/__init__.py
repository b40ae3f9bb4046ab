"""Team channels: a campaign's posts to Microsoft Teams and Slack, through the backend named by
settings.TEAM_POST_BACKEND (web / console / locmem), as email goes through EMAIL_BACKEND.

A post goes to a whole channel, so it carries no personal data: no name, no placeholder, and
links tracked per campaign x channel kind x placement, whose utm_source is "teams" or "slack".
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from campaigns.team_channels.base import BaseTeamPostBackend, ChannelPost, Posted, PostLink

__all__ = ["BaseTeamPostBackend", "ChannelPost", "PostLink", "Posted", "get_backend", "outbox"]

# The locmem backend appends (channel name, post) here, like django.core.mail.outbox.
outbox: list[tuple[str, ChannelPost]] = []


def get_backend(backend: str | None = None) -> BaseTeamPostBackend:
    return import_string(backend or settings.TEAM_POST_BACKEND)()
