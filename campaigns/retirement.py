"""What retiring a content item does to campaigns (curation's item_retired signal).

Campaigns not yet sent, and journey steps still to reach people, drop the item's placements, or
swap in the successor's (whose links are made before the next send); links already in
employees' phones and inboxes are re-pointed to the successor, so an old text still leads to
something live.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from campaigns import sending
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, TrackedLink
from campaigns.tracking import check_destination, check_promotable, forget_target
from curation.models import ContentItem, Placement

NOT_YET_SENT = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)
# A live journey's step is sending for as long as the journey runs, yet most of its people have
# not reached it: it changes like a campaign not yet sent.
STILL_TO_REACH = Q(status__in=NOT_YET_SENT) | Q(status=CampaignStatus.SENDING, journey_step__isnull=False)


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
    changed: dict[int, Campaign] = {}
    for placement in item.placements.select_related("channel"):
        replacement = successor_placement(placement, successor)
        for campaign in Campaign.objects.filter(STILL_TO_REACH, placements=placement):
            campaign.placements.remove(placement)
            if replacement:
                campaign.placements.add(replacement)
            changed[campaign.pk] = campaign
        if replacement:
            repoint_links(placement, replacement)
    for campaign in changed.values():
        if campaign.status != CampaignStatus.DRAFT:
            sending.make_links(campaign)  # the successor's, before anything more is sent
        if not campaign.placements.exists():
            skip_what_would_go_dead(campaign)


def skip_what_would_go_dead(campaign: Campaign) -> None:
    """Nothing left to promote: what was waiting to go is skipped rather than sent without a link
    (a journey's scheduler skips the step for whoever reaches it later)."""
    Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SKIPPED, error="Its content was retired with no successor."
    )


def repoint_links(old: Placement, new: Placement) -> None:
    for link in TrackedLink.objects.filter(placement=old):
        link.repointed_from = link.repointed_from or old
        link.placement = new
        link.destination = check_destination(new.url, new)
        link.save(update_fields=["repointed_from", "placement", "destination"])
        forget_target(link.token)
