"""Keeps posts in campaigns.team_channels.outbox: for tests, like Django's locmem email backend."""

from __future__ import annotations

import uuid

from campaigns import team_channels
from campaigns.models import TeamChannel
from campaigns.team_channels.base import BaseTeamPostBackend, ChannelPost, Posted


class LocmemBackend(BaseTeamPostBackend):
    def post(self, channel: TeamChannel, post: ChannelPost) -> Posted:
        team_channels.outbox.append((channel.name, post))
        return Posted(provider_id=f"locmem-{uuid.uuid4().hex}")
