"""Team channels' reads: what a campaign's report shows of its posts and their links' clicks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from campaigns.models import Campaign, LinkClickDay, TeamChannelKind, TeamPost, TeamPostStatus

# Posts of a send not settled yet: its campaign is still sending.
STILL_TO_POST = (TeamPostStatus.PENDING, TeamPostStatus.POSTING)


@dataclass(frozen=True)
class TeamClicks:
    kind: str  # "Microsoft Teams"
    human_clicks: int
    bot_hits: int


def posts_of(campaign: Campaign) -> list[TeamPost]:
    """Every post of every send, newest send first: one query, whatever the number of sends."""
    return list(
        TeamPost.objects.filter(campaign=campaign)
        .select_related("channel")
        .order_by("-occurrence", "channel__name")
    )


def clicks_of(campaign: Campaign) -> list[TeamClicks]:
    """Clicks on the links in the campaign's posts, per kind of channel (all its channels and sends)."""
    totals = (
        LinkClickDay.objects.filter(link__campaign=campaign, link__medium__in=TeamChannelKind.values)
        .values("link__medium")
        .annotate(human=Sum("human_clicks"), bots=Sum("bot_hits"))
        .order_by("link__medium")
    )
    return [
        TeamClicks(
            kind=TeamChannelKind(row["link__medium"]).label, human_clicks=row["human"], bot_hits=row["bots"]
        )
        for row in totals
    ]


def still_to_post(campaign: Campaign) -> QuerySet[TeamPost]:
    """The current send's posts still waiting or being posted."""
    return TeamPost.objects.filter(
        campaign=campaign, occurrence=campaign.occurrence, status__in=STILL_TO_POST
    )
