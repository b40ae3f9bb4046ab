"""What retiring a content item does to campaigns (curation's item_retired signal).

Campaigns not yet sent drop the item's placements, or swap in the successor's; links already in
employees' phones and inboxes are re-pointed to the successor, so an old text still leads to
something live.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from campaigns.models import Campaign, CampaignStatus, TrackedLink
from campaigns.tracking import check_destination, check_promotable, forget_target
from curation.models import ContentItem, Placement

NOT_YET_SENT = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)


def successor_placement(placement: Placement, successor: ContentItem | None) -> Placement | None:
    """The successor's placement on the same channel, else its first one that may be promoted."""
    if successor is None:
        return None
    candidates = sorted(
        successor.placements.select_related("channel", "item"),
        key=lambda candidate: (candidate.channel_id != placement.channel_id, candidate.pk),
    )
    for candidate in candidates:
        try:
            check_promotable(candidate)
        except ValidationError:
            continue
        return candidate
    return None


def on_item_retired(*, item: ContentItem, successor: ContentItem | None, **kwargs: object) -> None:
    for placement in item.placements.select_related("channel"):
        replacement = successor_placement(placement, successor)
        for campaign in Campaign.objects.filter(placements=placement, status__in=NOT_YET_SENT):
            campaign.placements.remove(placement)
            if replacement:
                campaign.placements.add(replacement)
        if replacement:
            repoint_links(placement, replacement)


def repoint_links(old: Placement, new: Placement) -> None:
    for link in TrackedLink.objects.filter(placement=old):
        link.repointed_from = link.repointed_from or old
        link.placement = new
        link.destination = check_destination(new.url, new)
        link.save(update_fields=["repointed_from", "placement", "destination"])
        forget_target(link.token)
