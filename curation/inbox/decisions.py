"""A curator's call on a candidate: accept it as an idea, dismiss it, or attach it to an open brief.

Each call is one transaction that locks the candidate first, so when both curators act on the
same candidate at once the second is told who decided it, and nothing is saved twice. Accepting
goes through the catalogue's own services, so the compliance guard and the URL rule run as they
do for a placement typed into the admin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels.models import Channel
from curation import services
from curation.inbox.canonical import canonical_or_none
from curation.inbox.models import Candidate, CandidateStatus
from curation.models import (
    BriefStatus,
    ContentBrief,
    ContentItem,
    Format,
    Placement,
    Sensitivity,
    Stage,
    Topic,
    youtube_video_id,
)
from curation.people import person_name

TITLE_LENGTH = ContentItem._meta.get_field("title").max_length


def _lock_new(candidate: Candidate) -> Candidate:
    """The candidate as stored, locked until the transaction ends; refused unless still new."""
    locked = (
        Candidate.objects.select_for_update(of=("self",))
        .select_related("source__channel", "decided_by")
        .get(pk=candidate.pk)
    )
    if locked.status != CandidateStatus.NEW:
        raise ValidationError(already_decided(locked))
    return locked


def already_decided(candidate: Candidate) -> str:
    """Who decided the candidate first, in words, for the curator whose call came second."""
    who = person_name(candidate.decided_by) or "another curator"
    done = candidate.get_status_display().lower()
    return f"“{candidate.title}” was already {done} by {who}: nothing more to decide."


def matching_channels(url: str) -> list[Channel]:
    """Every channel whose rule lets this address be placed on it (its platform's or its own host)."""
    matches = []
    for channel in Channel.objects.order_by("name"):
        try:
            channel.check_url(url)
        except ValidationError:
            continue
        matches.append(channel)
    return matches


def channel_for(candidate: Candidate) -> Channel:
    """Where an accepted candidate is placed: its source's channel, else the one channel it fits."""
    if candidate.source.channel is not None:
        return candidate.source.channel
    matches = matching_channels(candidate.canonical_url)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(
            f"No channel takes addresses like {candidate.canonical_url}: register the channel it is "
            f"published on, or give the source “{candidate.source}” its channel, then accept it again."
        )
    names = ", ".join(channel.name for channel in matches)
    raise ValidationError(
        f"{candidate.canonical_url} fits several channels ({names}): choose the channel when you "
        f"accept it, or give the source “{candidate.source}” its channel."
    )


def placement_at(canonical: str) -> Placement | None:
    """A placement at this canonical address, however it was typed (a curator may have placed the
    page by hand since the candidate came in): accepting it again would make a second item."""
    video = youtube_video_id(canonical)
    # Narrowed in the database to the same video or site, then compared as the poll compares them.
    near = Q(url__contains=video) if video else Q(url__icontains=urlsplit(canonical).hostname)
    for placement in Placement.objects.filter(near).select_related("item", "channel").order_by("pk"):
        if canonical_or_none(placement.url) == canonical:
            return placement
    return None


def _decided(candidate: Candidate, status: str, by: AbstractBaseUser) -> None:
    candidate.status = status
    candidate.decided_by = by
    candidate.decided_at = timezone.now()


@transaction.atomic
def accept_candidate(
    candidate: Candidate,
    *,
    by: AbstractBaseUser,
    title: str | None = None,
    format: str | None = None,
    stage: str | None = None,
    topic: Topic | None = None,
    sensitivity: str = Sensitivity.PUBLIC,
    channel: Channel | None = None,
) -> ContentItem:
    """Make the candidate an idea in the catalogue, placed on its channel; the suggestion fills
    whatever the curator left out. `channel` chooses where when several channels fit."""
    candidate = _lock_new(candidate)
    title = " ".join((title if title is not None else candidate.title).split())
    format = format or candidate.suggested_format
    stage = stage or candidate.suggested_stage
    topic = topic or candidate.suggested_topic
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the idea a title."
    elif len(title) > TITLE_LENGTH:
        errors["title"] = f"Shorten the title to {TITLE_LENGTH} characters (it has {len(title)})."
    if format not in Format.values:
        errors["format"] = "Choose the format (video, blog post…): nothing was suggested."
    if stage not in Stage.values:
        errors["stage"] = "Choose the learner power stage: nothing was suggested."
    if sensitivity not in Sensitivity.values:
        errors["sensitivity"] = "Choose public, business-sensitive or compliance."
    if errors:
        raise ValidationError(errors)
    placed = placement_at(candidate.canonical_url)
    if placed is not None:
        raise ValidationError(
            f"“{candidate.title}” is already in the catalogue as “{placed.item.title}” "
            f"(on {placed.channel.name}): dismiss it, or attach it to a brief."
        )
    channel = channel or channel_for(candidate)
    item = services.create_item(
        title=title,
        summary=candidate.summary,
        format=format,
        stage=stage,
        sensitivity=sensitivity,
        topics=[topic] if topic else [],
        owner=by,
    )
    # The canonical address: no tracking parameters, and what the next poll compares against.
    services.place_item(
        item=item,
        channel=channel,
        url=candidate.canonical_url,
        published_on=timezone.localdate(candidate.published_at) if candidate.published_at else None,
    )
    _decided(candidate, CandidateStatus.ACCEPTED, by)
    candidate.item = item
    candidate.save(update_fields=["status", "item", "decided_by", "decided_at"])
    return item


@transaction.atomic
def dismiss_candidate(candidate: Candidate, *, by: AbstractBaseUser, reason: str) -> Candidate:
    """Take the candidate off the inbox for good: it stays on record, so its address never returns."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is dismissed: the other curator reads it."})
    candidate = _lock_new(candidate)
    _decided(candidate, CandidateStatus.DISMISSED, by)
    candidate.dismiss_reason = reason.strip()
    candidate.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at"])
    return candidate


@transaction.atomic
def attach_candidate(candidate: Candidate, *, brief: ContentBrief, by: AbstractBaseUser) -> Candidate:
    """Offer the candidate to an open brief: whoever fills the brief finds it there."""
    candidate = _lock_new(candidate)
    brief = ContentBrief.objects.select_for_update().select_related("topic").get(pk=brief.pk)
    if brief.status != BriefStatus.OPEN:
        raise ValidationError(
            {
                "brief": f"The brief “{brief}” is {brief.get_status_display().lower()}: "
                "attach the candidate to an open brief."
            }
        )
    _decided(candidate, CandidateStatus.ATTACHED, by)
    candidate.brief = brief
    candidate.save(update_fields=["status", "brief", "decided_by", "decided_at"])
    return candidate
