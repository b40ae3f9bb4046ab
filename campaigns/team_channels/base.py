"""The team-post backend interface: one `post()` per channel, failures as DeliveryError.

Failures use campaigns.delivery_errors, the one error type every medium reports: RETRY (never
reached the provider, or throttled), UNKNOWN (it may have gone: not re-posted blindly) or FAILED
(refused; the message says what to fix, in words a curator can act on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campaigns.models import TeamChannel


@dataclass(frozen=True)
class PostLink:
    title: str
    url: str  # a tracked link (/l/<token>), never the destination itself


@dataclass(frozen=True)
class ChannelPost:
    title: str
    text: str
    links: tuple[PostLink, ...] = ()


@dataclass(frozen=True)
class Posted:
    provider_id: str = ""  # Slack's message timestamp; Teams workflows return none


class BaseTeamPostBackend:
    def post(self, channel: TeamChannel, post: ChannelPost) -> Posted:
        """Post once to the channel, or raise DeliveryError."""
        raise NotImplementedError
