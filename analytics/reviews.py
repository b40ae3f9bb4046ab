"""Review meetings: an agenda made from the dashboard's suggestions, decisions, and applying them.

The models live in curation (which knows nothing of analytics or campaigns); the workflow lives
here because it reads the dashboard's suggestions and drafts campaigns. Applying a decision does
what it says through the same services a curator uses elsewhere: retiring goes through
curation.services.retire_item, exactly as the admin's retire action does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.review.suggestions import Suggestion, suggestions
from analytics.review.weeks import week_start_of
from campaigns.models import Campaign, CampaignStatus
from campaigns.tracking import check_promotable
from curation import services
from curation.models import (
    AgendaItem,
    AgendaKind,
    ContentItem,
    Decision,
    DecisionAction,
    Format,
    ReviewMeeting,
    Stage,
    Topic,
    day_in_words,
)


@dataclass(frozen=True)
class BriefDetails:
    """What a brief for new content asks for; its "why" is the decision's reason."""

    topic: Topic
    format: Format | str
    stage: Stage | str
    audience: str = ""


def week_reviewed(held_on: date) -> date:
    """The Monday of the last complete week before the meeting: the week its figures cover."""
    return week_start_of(held_on) - timedelta(weeks=1)


def dashboard_suggestions(*, held_on: date) -> list[Suggestion]:
    """The dashboard's suggestions for the week the meeting reviews."""
    return suggestions(week_start=week_reviewed(held_on))


def previous_meeting(meeting: ReviewMeeting) -> ReviewMeeting | None:
    return ReviewMeeting.objects.filter(held_on__lt=meeting.held_on).order_by("-held_on").first()


def decisions_of(meeting: ReviewMeeting | None) -> list[Decision]:
    """What a meeting decided, applied or not, in the order it was decided."""
    if meeting is None:
        return []
    related = ("meeting", "item", "successor", "topic", "applied_by")
    return list(meeting.decisions.select_related(*related).order_by("pk"))


def last_meeting_actions(before: ReviewMeeting) -> list[Decision]:
    """Everything the previous meeting decided, applied or not: read out at the top of this one."""
    return decisions_of(previous_meeting(before))


def item_history(item: ContentItem) -> list[Decision]:
    """Every decision taken on the item, oldest first."""
    return list(
        Decision.objects.filter(item=item)
        .select_related("meeting", "successor", "applied_by")
        .order_by("meeting__held_on", "pk")
    )


def _carried_reason(decision: Decision) -> str:
    said = f": {decision.reason}" if decision.reason else ""
    held_on = day_in_words(decision.meeting.held_on)
    return f"Decided at the review of {held_on} and not applied yet — {decision}{said}"


@transaction.atomic
def generate_agenda(
    *, meeting: ReviewMeeting, suggestions: Iterable[Suggestion] | None = None
) -> list[AgendaItem]:
    """Last meeting's decisions not yet applied first, then the suggestions (by default the
    dashboard's for the week reviewed) in their order."""
    if meeting.agenda.exists():
        raise ValidationError(
            f"The review of {day_in_words(meeting.held_on)} already has an agenda: add to it by hand."
        )
    if suggestions is None:
        suggestions = dashboard_suggestions(held_on=meeting.held_on)
    rows = [
        AgendaItem(
            kind=AgendaKind.CARRIED_OVER,
            reason=_carried_reason(decision),
            item=decision.item,
            topic=decision.topic,
            figures=decision.figures,
            carried_from=decision,
        )
        for decision in last_meeting_actions(meeting)
        if not decision.is_applied
    ]
    for suggestion in suggestions:
        # Every SuggestionKind is an AgendaKind: tests/analytics/test_reviews.py keeps it so.
        rows.append(
            AgendaItem(
                kind=suggestion.kind,
                reason=suggestion.reason,
                item=suggestion.item,
                topic=suggestion.topic,
                placement=suggestion.placement,
                figures=dict(suggestion.figures),
            )
        )
    for position, row in enumerate(rows, start=1):
        row.meeting, row.position = meeting, position
    return AgendaItem.objects.bulk_create(rows)


@transaction.atomic
def start_meeting(
    *,
    held_on: date,
    attendees: Iterable[AbstractBaseUser],
    suggestions: Iterable[Suggestion],
    notes: str = "",
) -> ReviewMeeting:
    meeting = ReviewMeeting(held_on=held_on, notes=notes)
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    generate_agenda(meeting=meeting, suggestions=suggestions)
    return meeting


def put_at_end(*, meeting: ReviewMeeting, rows: Iterable[AgendaItem]) -> None:
    """Number rows added by hand after the meeting's agenda; the caller saves them."""
    last = max(meeting.agenda.values_list("position", flat=True), default=0)
    for position, row in enumerate(rows, start=last + 1):
        row.position = position


def figures_for(*, meeting: ReviewMeeting, item: ContentItem | None, topic: Topic | None = None) -> dict:
    """The figures the agenda showed for this item (or topic): what the decision was taken on."""
    rows = meeting.agenda.exclude(figures={})
    if item is not None:
        rows = rows.filter(item=item)
    elif topic is not None:
        rows = rows.filter(topic=topic, item=None)
    else:
        return {}
    row = rows.order_by("position", "pk").first()
    return dict(row.figures) if row else {}


@transaction.atomic
def decide(
    *,
    meeting: ReviewMeeting,
    item: ContentItem | None,
    action: DecisionAction | str,
    reason: str = "",
    successor: ContentItem | None = None,
    figures: dict | None = None,
    brief: BriefDetails | None = None,
) -> Decision:
    """Record a decision; nothing happens to the item until it is applied.

    The decision's own rules (Decision.clean and its constraints) say what each action needs.
    """
    decision = Decision(
        meeting=meeting,
        item=item,
        action=action,
        reason=reason.strip(),
        successor=successor,
        topic=brief.topic if brief else None,
        brief_format=brief.format if brief else "",
        brief_stage=brief.stage if brief else "",
        brief_audience=brief.audience.strip() if brief else "",
    )
    if figures is None:
        figures = figures_for(meeting=meeting, item=item, topic=decision.topic)
    decision.figures = figures
    decision.full_clean()
    decision.save()
    return decision


# Applying.


def _retire(decision: Decision) -> str:
    item = ContentItem.objects.select_for_update().get(pk=decision.item_id)
    successor = decision.successor
    services.retire_item(item=item, reason=decision.reason, successor=successor)
    if successor is None:
        return f"Retired “{item}”."
    return f"Retired “{item}”; campaigns and links sent now lead to “{successor}”."


def promotion_campaign(meeting: ReviewMeeting) -> Campaign:
    """This review's draft campaign of promoted items: one per meeting, made on first use.

    Once launched it is no longer a draft, so a later promotion starts a fresh draft beside it.
    """
    base = f"review-{meeting.held_on:%Y-%m-%d}"
    drafts = Campaign.objects.select_for_update().filter(slug__startswith=base, status=CampaignStatus.DRAFT)
    campaign = drafts.order_by("pk").first()
    if campaign is not None:
        return campaign
    slug, number = base, 1
    while Campaign.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    campaign = Campaign(
        name=f"Promoted from the review of {day_in_words(meeting.held_on)}",
        slug=slug,
        purpose=f"Items the review of {day_in_words(meeting.held_on)} chose to promote.",
    )
    campaign.full_clean()
    campaign.save()
    return campaign


def _promote(decision: Decision) -> str:
    item = decision.item
    promotable, refusals = [], []
    for placement in item.placements.select_related("item", "channel"):
        try:
            check_promotable(placement)
        except ValidationError as error:
            refusals.extend(message for message in error.messages if message not in refusals)
        else:
            promotable.append(placement)
    if not promotable:
        why = " ".join(refusals) or f"“{item}” is not placed on any channel."
        raise ValidationError(
            f"“{item}” cannot be promoted: no placement a campaign may send people to. {why}"
        )
    campaign = promotion_campaign(decision.meeting)
    campaign.placements.add(*promotable)
    if decision.reason:
        campaign.purpose = f"{campaign.purpose}\n- {item}: {decision.reason}"
        campaign.save(update_fields=["purpose"])
    channels = ", ".join(placement.channel.name for placement in promotable)
    return (
        f"Added “{item}” ({channels}) to the draft campaign “{campaign}”: write its messages and "
        "choose its segments; an internal curator launches it."
    )


def _brief(decision: Decision) -> str:
    brief = services.create_brief(
        topic=decision.topic,
        format=decision.brief_format,
        stage=decision.brief_stage,
        audience=decision.brief_audience,
        why=decision.reason,
        figures=decision.figures,
        decision=decision,
    )
    return f"Opened the brief “{brief}”."


def _record(decision: Decision) -> str:
    if decision.action == DecisionAction.KEEP:
        return f"Kept “{decision.item}” as it is."
    return f"Recorded: improve “{decision.item}” — {decision.reason}"


# Each action: what applying it does, and the permission the person applying it needs for that.
APPLY: dict[str, tuple[Callable[[Decision], str], tuple[str, ...]]] = {
    DecisionAction.RETIRE: (_retire, ("curation.change_contentitem",)),
    DecisionAction.PROMOTE: (_promote, ("campaigns.add_campaign", "campaigns.change_campaign")),
    DecisionAction.BRIEF: (_brief, ("curation.add_contentbrief",)),
    DecisionAction.KEEP: (_record, ()),
    DecisionAction.IMPROVE: (_record, ()),
}


def apply_decision(*, decision: Decision, by: AbstractBaseUser) -> Decision:
    """Do what the decision says, once: applying it again changes nothing.

    All or nothing: if the service refuses (a successor that is not live, an item that may not be
    promoted), its message is raised and neither the item nor the decision has changed.
    """
    action, permissions = APPLY[decision.action]
    if not by.has_perms(permissions):
        raise PermissionDenied(f"You may not apply “{decision}”: ask the other curator.")
    with transaction.atomic():
        decision = Decision.objects.select_for_update().select_related("meeting").get(pk=decision.pk)
        if decision.is_applied:
            return decision
        try:
            result = action(decision)
        except ValidationError as error:
            raise ValidationError(error.messages) from error  # plain sentences, not field names
        decision.applied_at, decision.applied_by, decision.result = timezone.now(), by, result
        decision.save(update_fields=["applied_at", "applied_by", "result"])
    return decision
