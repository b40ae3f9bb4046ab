"""Prints posts instead of sending them: the embedded default, so `make demo` shows a Teams card."""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from campaigns.models import TeamChannel
from campaigns.team_channels.base import BaseTeamPostBackend, ChannelPost, Posted


class ConsoleBackend(BaseTeamPostBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def post(self, channel: TeamChannel, post: ChannelPost) -> Posted:
        lines = [f"{channel.get_kind_display()} post to {channel.name}", post.title, post.text]
        lines += [f"[{link.title}] {link.url}" for link in post.links]
        self.stream.write("\n".join(lines) + f"\n{'-' * 40}\n")
        self.stream.flush()
        return Posted(provider_id=f"console-{uuid.uuid4().hex}")
