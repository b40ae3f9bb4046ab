"""Stored addresses that fail the destination rule (channels.destinations).

Rows saved before the rule, or written past the forms, are not silently kept: the pages and the
redirect already refuse to publish them, and this lists them so an operator can mend each one.
It lives in campaigns because campaigns is the app that sees channels, placements and tracked
links alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError

from campaigns.models import TrackedLink
from channels.models import Channel
from curation.models import Placement


@dataclass(frozen=True)
class FailingDestination:
    model: str
    pk: int
    url: str
    reason: str


def failing_destinations() -> Iterator[FailingDestination]:
    """Every stored channel address, placement address and tracked-link destination that fails."""
    for channel in Channel.objects.order_by("pk").iterator():
        if reason := _reason(channel.check_own_url):
            yield FailingDestination("channel", channel.pk, channel.url, reason)
    placements = Placement.objects.select_related("channel").order_by("pk")
    for placement in placements.iterator(chunk_size=2000):
        if reason := _reason(partial(placement.channel.check_url, placement.url)):
            yield FailingDestination("placement", placement.pk, placement.url, reason)
    links = TrackedLink.objects.select_related("placement__channel").order_by("pk")
    for link in links.iterator(chunk_size=2000):
        if reason := _reason(partial(link.placement.channel.check_url, link.destination)):
            yield FailingDestination("tracked link", link.pk, link.destination, reason)


def _reason(check: Callable[[], str]) -> str | None:
    try:
        check()
    except ValidationError as error:
        return error.message
    return None
