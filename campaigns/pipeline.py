"""What every medium's sender shares with the send pipeline (campaigns.sending): a row's outcome,
the batch it is sent in, the links a message carries, the end of a send, and the reconciler's tally.

Its own module so the senders of each medium (campaigns.whatsapp.sending) and of the team posts
(campaigns.team_channels.services) can use them without importing the pipeline that calls them.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Exists

from campaigns import compose
from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Subscriber, TrackedLink
from campaigns.quiet_hours import SendWindow
from campaigns.team_channels.selectors import still_to_post

STILL_TO_GO = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)


@dataclass
class Outcome:
    status: str
    provider_id: str = ""
    error_code: int | None = None
    error: str = ""
    not_before: datetime | None = None
    handed_over: bool = False
    tried: bool = True  # False: put back untried, so the attempt does not count
    free_text: bool = False  # WhatsApp: sent as free text, not a template (Delivery.free_text)


@dataclass
class BatchContext:
    campaign: Campaign
    medium: str
    claim: uuid.UUID

    def __post_init__(self) -> None:
        self.tracked_links = links_for(self.campaign, self.medium)
        self.links = compose.links_text(self.tracked_links, self.medium)
        self.window = SendWindow.from_settings()


class Ready(NamedTuple):
    """A recipient cleared to send to now, and when their working hours end."""

    row: Delivery
    subscriber: Subscriber
    closes: datetime


def links_for(campaign: Campaign, medium: str) -> list[TrackedLink]:
    """The links a message carries: to the placements the campaign still promotes (a retired item's
    is dropped, or swapped for its successor's, by campaigns.retirement)."""
    return list(
        TrackedLink.objects.filter(
            campaign=campaign, medium=medium, repointed_from=None, placement__campaigns=campaign
        )
        .select_related("placement__item")
        .order_by("pk")
    )


def retry_outcome(row: Delivery, error: DeliveryError, now: datetime) -> Outcome:
    if row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        return Outcome(
            DeliveryStatus.FAILED,
            error_code=error.code,
            error=f"{error.message} Gave up after {row.attempts} tries.",
        )
    backoff = min(settings.DELIVERY_RETRY_SECONDS * 2 ** (row.attempts - 1), 3600)
    wait = timedelta(
        seconds=backoff * (1 + secrets.randbelow(500) / 1000)
    )  # jitter: workers do not return together
    return Outcome(DeliveryStatus.PENDING, error_code=error.code, error=error.message, not_before=now + wait)


def outcome_of(row: Delivery, error: DeliveryError, now: datetime) -> Outcome:
    if error.outcome is DeliveryOutcome.RETRY:
        return retry_outcome(row, error, now)
    if error.outcome is DeliveryOutcome.UNKNOWN:
        return Outcome(DeliveryStatus.UNKNOWN, error_code=error.code, error=error.message)
    return Outcome(DeliveryStatus.FAILED, error_code=error.code, error=error.message)


def finish_if_done(campaign_id: int) -> None:
    """Sending ends when no row of this send is waiting or being sent; a weekly one waits for next week.
    A live journey's step sends for as long as its journey runs: people reach it one by one."""
    campaign = Campaign.objects.filter(
        pk=campaign_id, status=CampaignStatus.SENDING, journey_step__isnull=True
    ).first()
    if campaign is None:
        return
    waiting = Delivery.objects.filter(
        campaign=campaign, occurrence=campaign.occurrence, status__in=STILL_TO_GO
    )
    # Its team posts too: a campaign that only posts is sent once its posts have gone (or failed).
    posts_waiting = still_to_post(campaign)
    Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).exclude(Exists(waiting)).exclude(
        Exists(posts_waiting)
    ).update(status=CampaignStatus.SCHEDULED if campaign.next_send_at else CampaignStatus.SENT)


@dataclass
class Reconciled:
    found_sent: int = 0
    requeued: int = 0
    left_unknown: int = 0
