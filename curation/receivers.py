"""Signal receivers: adapters from other apps' signals to curation's rules."""

from __future__ import annotations

from channels.models import Channel
from curation import compliance


def check_channel_visibility(sender: type[Channel], channel: Channel, **kwargs: object) -> None:
    compliance.check_channel_visibility(channel=channel)
