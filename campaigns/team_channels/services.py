"""Team channels' writes: registering a channel's secret, planning a send's posts, posting them
once each, and the curator's test post.

The post ledger (TeamPost) is written in the transaction that starts a campaign's send, before
anything is posted; a post is claimed by a conditional update from pending to posting, so a task
run twice, or two workers, post once. A claim whose worker vanished is settled as "outcome
unknown", never posted again blindly: neither service keeps a log we could ask without more scopes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import ada_url
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns import compose, pipeline
from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import (
    Campaign,
    CampaignStatus,
    TeamChannel,
    TeamChannelKind,
    TeamPost,
    TeamPostStatus,
    TrackedLink,
)
from campaigns.signals import team_posts_due
from campaigns.team_channels import get_backend, secrets
from campaigns.team_channels.base import ChannelPost, PostLink
from campaigns.team_channels.payloads import MOST_LINKS
from campaigns.tracking import tracked_link_for
from channels.destinations import check_destination, host_matches
from config import logging_context

# Office 365 / Microsoft 365 connectors' incoming webhooks: retired, they no longer post.
CONNECTOR_HOSTS = ("webhook.office.com", "outlook.office.com", "outlook.office365.com")
SLACK_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{8,20}", re.ASCII)
SLACK_BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]{10,250}", re.ASCII)
# A link of the words' own: Slack's <url|text>, a Markdown link an Adaptive Card renders, or an
# address either client turns into a link. It would go untracked, and anywhere (issue 16 attacks).
OWN_LINK = re.compile(r"[a-z][a-z0-9+.-]*:/|\bwww\.|\bmailto:|\]\(|<[^<>]*\|", re.IGNORECASE)
# A paused campaign's posts wait for its resume (a cancelled one's are refused when claimed).
HELD = (CampaignStatus.DRAFT, CampaignStatus.PAUSED)


# Registering a channel.


def check_teams_workflow_url(url: str) -> str:
    try:
        host = ada_url.URL(url).hostname
    except ValueError:
        host = ""
    if any(host_matches(host, connector) for connector in CONNECTOR_HOSTS):
        raise ValidationError(
            "This is an Office 365 connector's address: connectors are retired and no longer post. "
            "In the Teams channel, add the Workflows template “Post to a channel when a webhook request "
            "is received” and paste its address."
        )
    return check_destination(
        url, hosts=settings.TEAMS_WORKFLOW_HOSTS, place="Power Automate (a Teams workflow's address)"
    )


def check_secret(kind: str, secret: str) -> str:
    """The secret as it will be used, if it has the right shape for the kind; ValidationError if not.
    Messages never repeat the secret."""
    secret = secret.strip()
    if kind == TeamChannelKind.TEAMS:
        return check_teams_workflow_url(secret)
    if secret.startswith("xoxp-"):
        raise ValidationError(
            "This is a person's token (xoxp-…): use the app's Bot User OAuth Token (xoxb-…), so posts "
            "come from the app and not from someone's account."
        )
    if not SLACK_BOT_TOKEN.fullmatch(secret):
        raise ValidationError("A Slack bot token starts xoxb- (the app's Bot User OAuth Token).")
    return secret


def check_slack_channel_id(channel_id: str) -> str:
    channel_id = channel_id.strip()
    if channel_id.startswith("#") or not SLACK_CHANNEL_ID.fullmatch(channel_id):
        raise ValidationError(
            "Give the channel's ID (like C0123456789, at the bottom of its details in Slack), not its "
            "name: names change."
        )
    return channel_id


@transaction.atomic
def save_channel(*, channel: TeamChannel, new_secret: str = "") -> TeamChannel:
    """Save the channel; a new secret replaces the stored one (encrypted), an empty one keeps it."""
    if channel.kind == TeamChannelKind.SLACK:
        channel.slack_channel_id = check_slack_channel_id(channel.slack_channel_id)
    else:
        channel.slack_channel_id = ""
    if channel.secret_env_var:
        channel.secret_env_var = secrets.check_env_var_name(channel.secret_env_var)
    if new_secret.strip():
        channel.secret_encrypted = secrets.encrypt(check_secret(channel.kind, new_secret))
    channel.full_clean()
    channel.save()
    return channel


def rotate_secrets() -> tuple[int, list[str]]:
    """After TEAM_CHANNEL_SECRET_KEY changed (the old one in its FALLBACKS): every stored secret
    encrypted again with the new key. Returns how many were, and the channels no key could read."""
    rotated, unreadable = 0, []
    for channel in TeamChannel.objects.exclude(secret_encrypted="").order_by("name"):
        try:
            channel.secret_encrypted = secrets.rotate(channel.secret_encrypted)
        except InvalidToken:
            unreadable.append(channel.name)
            continue
        channel.save(update_fields=["secret_encrypted"])
        rotated += 1
    return rotated, unreadable


# A send's posts.


def post_for(campaign: Campaign, kind: str) -> ChannelPost:
    """What the channels of one kind are sent: the same words for everyone, the kind's own links."""
    return post_with(campaign, pipeline.links_for(campaign, kind))


def post_with(campaign: Campaign, links: Sequence[TrackedLink]) -> ChannelPost:
    """The post with these links (the preview's are stand-ins until launch)."""
    return ChannelPost(
        title=campaign.team_post_title.strip() or campaign.name,
        text=campaign.team_post_text.strip(),
        links=tuple(
            PostLink(title=link.placement.item.title, url=compose.link_url(link.token))
            for link in links[:MOST_LINKS]
        ),
    )


def problems(campaign: Campaign) -> list[str]:
    """Why the campaign's team posts could not go as it stands; empty when they can (or it has none)."""
    channels = list(campaign.team_channels.all())
    if not channels:
        return []
    found = []
    if not (campaign.team_post_title.strip() or campaign.team_post_text.strip()):
        found.append("Write the team post: its heading or its text.")
    text = f"{campaign.team_post_title} {campaign.team_post_text}"
    if compose.PLACEHOLDER.search(text):
        found.append("A team post goes to a whole channel: it has no placeholders ({first_name}, {links}).")
    if OWN_LINK.search(text):
        found.append(
            "A team post carries only its tracked links (the buttons): take the address or link "
            "out of its heading and text."
        )
    if any(channel.kind == TeamChannelKind.TEAMS for channel in channels) and (
        campaign.placements.count() > MOST_LINKS
    ):
        found.append(f"A Teams card shows at most {MOST_LINKS} links: promote fewer placements.")
    found.extend(
        f"The team channel “{channel.name}” is switched off." for channel in channels if not channel.is_active
    )
    found.extend(
        f"The team channel “{channel.name}” has no secret yet."
        for channel in channels
        if not channel.has_secret
    )
    return found


def plan_posts(campaign: Campaign, *, now: datetime) -> int:
    """Inside the transaction that starts a send: its links and one ledger row per channel (a row
    already there is kept), posted once it commits. Returns how many channels the send posts to."""
    channels = list(campaign.team_channels.filter(is_active=True))
    if not channels:
        return 0
    for kind in sorted({channel.kind for channel in channels}):
        for placement in campaign.placements.select_related("item", "channel"):
            try:
                tracked_link_for(campaign=campaign, medium=kind, placement=placement)
            except ValidationError:
                continue  # launch refused it first; sending.links_for leaves it out
    TeamPost.objects.bulk_create(
        [
            TeamPost(campaign=campaign, channel=channel, occurrence=campaign.occurrence, not_before=now)
            for channel in channels
        ],
        ignore_conflicts=True,
    )
    campaign_id = campaign.pk
    transaction.on_commit(lambda: team_posts_due.send(sender=Campaign, campaign_id=campaign_id))
    return len(channels)


@dataclass
class PostRun:
    posted: int = 0
    failed: int = 0
    waiting: int = 0  # to be tried again
    unknown: int = 0


@logging_context.binds(campaign_id="campaign_id")
def post_due(*, campaign_id: int | None = None, now: datetime | None = None) -> PostRun:
    """Post every due ledger row (of one campaign, or all): each claimed before it is posted."""
    now = now or timezone.now()
    run = PostRun()
    settle_lost_claims(now=now)
    due = TeamPost.objects.filter(status=TeamPostStatus.PENDING, not_before__lte=now)
    if campaign_id is not None:
        due = due.filter(campaign_id=campaign_id)
    due = due.exclude(campaign__status__in=HELD)
    campaigns = set()
    for row in due.select_related("campaign", "channel").order_by("not_before", "pk"):
        with logging_context.bound(campaign_id=row.campaign_id):
            post_one(row, run)
        campaigns.add(row.campaign_id)
    for posted_for in sorted(campaigns):
        pipeline.finish_if_done(posted_for)  # a send with nothing left but these posts is now sent
    return run


def post_one(row: TeamPost, run: PostRun) -> None:
    claim, now = uuid.uuid4(), timezone.now()
    taken = TeamPost.objects.filter(pk=row.pk, status=TeamPostStatus.PENDING).update(
        status=TeamPostStatus.POSTING, claim=claim, claimed_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return  # another worker's, or already done
    ours = TeamPost.objects.filter(pk=row.pk, claim=claim)
    attempts = row.attempts + 1
    if row.campaign.status == CampaignStatus.CANCELLED:
        ours.update(status=TeamPostStatus.FAILED, error="The campaign was cancelled before it was posted.")
        run.failed += 1
        return
    try:
        posted = get_backend().post(row.channel, post_for(row.campaign, row.channel.kind))
    except DeliveryError as error:
        record_failure(ours, error, attempts=attempts, run=run)
    else:
        ours.update(
            status=TeamPostStatus.POSTED, posted_at=timezone.now(), provider_id=posted.provider_id, error=""
        )
        run.posted += 1


def record_failure(ours, error: DeliveryError, *, attempts: int, run: PostRun) -> None:
    if error.outcome is DeliveryOutcome.RETRY and attempts < settings.TEAM_POST_MAX_ATTEMPTS:
        wait = timedelta(seconds=settings.TEAM_POST_RETRY_SECONDS * 2 ** (attempts - 1))
        ours.update(
            status=TeamPostStatus.PENDING, not_before=timezone.now() + wait, error=error.message[:300]
        )
        run.waiting += 1
    elif error.outcome is DeliveryOutcome.UNKNOWN:
        ours.update(status=TeamPostStatus.UNKNOWN, error=error.message[:300])
        run.unknown += 1
    else:
        gave_up = f" Gave up after {attempts} tries." if error.outcome is DeliveryOutcome.RETRY else ""
        ours.update(status=TeamPostStatus.FAILED, error=f"{error.message}{gave_up}"[:300])
        run.failed += 1


def settle_lost_claims(*, now: datetime) -> int:
    """A post claimed longer ago than any post takes lost its worker: unknown, not re-posted. The
    claim stays, so a worker that was only slow still records what really happened."""
    return TeamPost.objects.filter(
        status=TeamPostStatus.POSTING,
        claimed_at__lte=now - timedelta(seconds=settings.TEAM_POST_CLAIM_SECONDS),
    ).update(
        status=TeamPostStatus.UNKNOWN,
        error="The poster stopped before recording the outcome; not posted again in case it went.",
    )


# The curator's test.


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def send_test_post(*, channel: TeamChannel) -> TestResult:
    """Post a test card or message now and say, in plain words, whether it went."""
    post = ChannelPost(
        title=f"Test post from {settings.PROGRAMME_NAME}",
        text="If you can read this, campaigns can post to this channel. Nothing else was sent.",
    )
    try:
        get_backend().post(channel, post)
    except DeliveryError as error:
        result = TestResult(ok=False, message=f"“{channel.name}”: the test post failed. {error.message}")
    else:
        result = TestResult(ok=True, message=f"“{channel.name}”: the test post went.")
    TeamChannel.objects.filter(pk=channel.pk).update(
        last_tested_at=timezone.now(), last_test_result=result.message[:300]
    )
    return result
