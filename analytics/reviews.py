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
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.review import outcomes
from analytics.review.suggestions import Suggestion, suggestions
from analytics.review.weeks import week_start_of
from campaigns.models import Campaign, CampaignStatus
from campaigns.tracking import check_promotable
from curation import services
from curation.meeting_records import decisions_of, previous_meeting
from curation.models import (
    NEEDS_REASON,
    AgendaItem,
    AgendaKind,
    ContentItem,
    Decision,
    DecisionAction,
    Format,
    IntendedEffect,
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
    if decision.action == DecisionAction.LOOK_AGAIN:
        return f"The review of {held_on} chose to look at it again this week{said}"
    return f"Decided at the review of {held_on} and not applied yet — {decision}{said}"


def _carried(decision: Decision) -> AgendaItem:
    """Last meeting's open action as a card: looked at again, or still to be done."""
    looking_again = decision.action == DecisionAction.LOOK_AGAIN
    return AgendaItem(
        kind=AgendaKind.LOOK_AGAIN if looking_again else AgendaKind.CARRIED_OVER,
        reason=_carried_reason(decision),
        item=decision.item,
        topic=decision.topic,
        figures=decision.figures,
        carried_from=decision,
    )


@transaction.atomic
def generate_agenda(
    *, meeting: ReviewMeeting, suggestions: Iterable[Suggestion] | None = None
) -> list[AgendaItem]:
    """Last meeting's open actions first (decisions not yet applied, and what it chose to look at
    again, applied or not), then "did it work?" for earlier decisions whose effect has been
    measured since, then the suggestions (by default the dashboard's for the week reviewed)."""
    if meeting.agenda.exists():
        raise ValidationError(
            f"The review of {day_in_words(meeting.held_on)} already has an agenda: add to it by hand."
        )
    if suggestions is None:
        suggestions = dashboard_suggestions(held_on=meeting.held_on)
    rows = [
        _carried(decision)
        for decision in last_meeting_actions(meeting)
        if decision.action == DecisionAction.LOOK_AGAIN or not decision.is_applied
    ]
    rows.extend(outcomes.outcome_cards(meeting))
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


# What each action is meant to change unless the team says otherwise: measured weeks later.
MEANT_TO: dict[str, IntendedEffect] = {
    DecisionAction.KEEP: IntendedEffect.HOLD_STEADY,
    DecisionAction.PROMOTE: IntendedEffect.MORE_CLICKS,
    DecisionAction.RETIRE: IntendedEffect.FEWER_DROPOUTS,
    DecisionAction.IMPROVE: IntendedEffect.FEWER_DROPOUTS,
    DecisionAction.BRIEF: IntendedEffect.FILL_TOPIC_GAP,
    DecisionAction.LOOK_AGAIN: IntendedEffect.NONE,
}


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
    intended_effect: IntendedEffect | str | None = None,
    owner: AbstractBaseUser | None = None,
    due_on: date | None = None,
) -> Decision:
    """Record a decision; nothing happens to the item until it is applied.

    The decision's own rules (Decision.clean and its constraints) say what each action needs;
    what it is meant to change defaults to the action's usual aim (MEANT_TO).
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
        intended_effect=MEANT_TO.get(action, IntendedEffect.NONE)
        if intended_effect is None
        else intended_effect,
        owner=owner,
        due_on=due_on,
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
    if decision.action == DecisionAction.LOOK_AGAIN:
        return f"“{decision.item}” is on the next meeting's agenda to look at again."
    return f"Recorded: improve “{decision.item}” — {decision.reason}"


# Each action: what applying it does, and the permission the person applying it needs for that.
APPLY: dict[str, tuple[Callable[[Decision], str], tuple[str, ...]]] = {
    DecisionAction.RETIRE: (_retire, ("curation.change_contentitem",)),
    DecisionAction.PROMOTE: (_promote, ("campaigns.add_campaign", "campaigns.change_campaign")),
    DecisionAction.BRIEF: (_brief, ("curation.add_contentbrief",)),
    DecisionAction.KEEP: (_record, ()),
    DecisionAction.IMPROVE: (_record, ()),
    DecisionAction.LOOK_AGAIN: (_record, ()),
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


# The meeting room.


def open_meeting(*, held_on: date, by: AbstractBaseUser) -> ReviewMeeting:
    """This week's meeting, started with its agenda if there is none yet; whoever opens it attends.

    Two curators pressing "Start" at once get the one meeting: the day is unique, and the second
    finds the first's.
    """
    monday = week_start_of(held_on)
    week = (monday, monday + timedelta(days=6))
    meeting = ReviewMeeting.objects.filter(held_on__range=week).order_by("-held_on").first()
    if meeting is None:
        try:
            with transaction.atomic():
                meeting = start_meeting(
                    held_on=held_on, attendees=[by], suggestions=dashboard_suggestions(held_on=held_on)
                )
        except (ValidationError, IntegrityError):
            meeting = ReviewMeeting.objects.get(held_on=held_on)
    meeting.attendees.add(by)
    return meeting


def card_decision(card: AgendaItem) -> Decision | None:
    """The meeting's decision on a card's item (or, on a topic card, its topic), if taken."""
    decisions = Decision.objects.select_for_update().filter(meeting=card.meeting_id).order_by("-pk")
    if card.item_id is not None:
        return decisions.filter(item=card.item_id).first()
    return decisions.filter(item=None, topic=card.topic_id).first()


@transaction.atomic
def decide_card(
    *,
    card: AgendaItem,
    action: DecisionAction | str,
    note: str = "",
    successor: ContentItem | None = None,
    brief: BriefDetails | None = None,
    intended_effect: IntendedEffect | str | None = None,
    owner: AbstractBaseUser | None = None,
    due_on: date | None = None,
) -> Decision:
    """The meeting's decision on one card, in one click: a second answer replaces the first until
    it is applied. Without a note, an action that must say why says what put the card on the
    agenda."""
    earlier = card_decision(card)
    if earlier is not None and earlier.is_applied:
        raise ValidationError(f"“{earlier}” is already applied: it stays as it was decided.")
    if earlier is not None:
        earlier.delete()
    reason = note.strip() or (card.reason if action in NEEDS_REASON else "")
    return decide(
        meeting=card.meeting,
        item=card.item,
        action=action,
        reason=reason,
        successor=successor if action == DecisionAction.RETIRE else None,
        figures=dict(card.figures) or None,
        brief=brief if action == DecisionAction.BRIEF else None,
        intended_effect=intended_effect,
        owner=owner,
        due_on=due_on,
    )


@dataclass(frozen=True)
class Applied:
    decision: Decision
    message: str
    done: bool


def apply_meeting(*, meeting: ReviewMeeting, by: AbstractBaseUser) -> list[Applied]:
    """Apply every decision of the meeting not applied yet, each once: a second press (a
    double-click, another tab) finds them applied and does nothing again."""
    outcomes = []
    for decision in meeting.decisions.filter(applied_at=None).select_related("item", "topic").order_by("pk"):
        try:
            applied = apply_decision(decision=decision, by=by)
        except (ValidationError, PermissionDenied) as refused:
            said = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
            outcomes.append(Applied(decision, f"Not applied — {decision}: {said}", done=False))
        else:
            if applied.applied_by_id == by.pk and applied.result:
                outcomes.append(Applied(applied, applied.result, done=True))
    return outcomes
