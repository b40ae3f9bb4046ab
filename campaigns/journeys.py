"""Journeys that run themselves: writes (steps, launch, pause, end, enrol).

Each step's message is a Campaign of its own (JourneyStep.message), composed, previewed and costed
in the campaign admin like any other. While its journey is live the step's campaign waits as
"scheduled" with no send time of its own (release_due_campaigns never starts it) and occurrence 1:
the scheduler (campaigns.journey_schedule) writes a Delivery row per person as their step falls
due, so the pipeline, the reconciler, working hours and the weekly cap apply unchanged, and the
ledger's unique key (campaign, subscriber, medium, occurrence) sends each step to a person once.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from campaigns import sending
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Journey,
    JourneyEntry,
    JourneyStatus,
    JourneyStep,
    Medium,
)
from campaigns.tracking import tracked_link_for

LIVE_STEP = CampaignStatus.SCHEDULED


def create_step(*, journey: Journey, position: int | None = None, **fields: object) -> JourneyStep:
    """A new step with a draft message of its own, named after the journey; fields are the step's."""
    with transaction.atomic():
        if position is None:
            last = journey.steps.aggregate(last=Max("position"))["last"] or 0
            position = last + 1
        message = Campaign.objects.create(
            name=f"{journey.name} · step {position}"[:120],
            slug=f"journey-{journey.pk}-{secrets.token_hex(4)}",
            purpose=f"Step {position} of the journey “{journey.name}”.",
        )
        return JourneyStep.objects.create(journey=journey, position=position, message=message, **fields)


def step_problems(step: JourneyStep) -> list[str]:
    """Why a step cannot go live; a step's audience is the journey's, so it needs no segment."""
    found = [
        problem
        for problem in sending.problems(step.message)
        if problem != sending.NO_SEGMENT  # a step's audience is whoever is enrolled
    ]
    if step.is_check:
        choices = [choice for choice in step.choices if str(choice).strip()]
        if not 2 <= len(choices) <= 4:
            found.append("Give the check two to four answers.")
        if step.correct not in "ABCD"[: len(choices)] or not step.correct:
            found.append("Say which letter is the right answer.")
        if not step.message.sends(Medium.SMS):
            found.append("A check is asked by text: let the step's message send texts.")
    return [f"Step {step.position}: {problem}" for problem in found]


def problems(journey: Journey) -> list[str]:
    """Why the journey cannot go live as it stands; empty when it can."""
    found = []
    steps = list(journey.steps.select_related("message"))
    if not steps:
        found.append("Add at least one step.")
    if journey.entry == JourneyEntry.SEGMENT and journey.entry_segment_id is None:
        found.append("Choose the segment whose new members enter the journey.")
    for step in steps:
        found.extend(step_problems(step))
    return found


def launch(*, journey: Journey, by: AbstractBaseUser) -> Journey:
    """Make every step's links and take the journey live; people enter from now on."""
    sending.require_launcher(by)
    if journey.status not in (JourneyStatus.DRAFT, JourneyStatus.PAUSED):
        raise ValidationError(f"The journey is {journey.get_status_display().lower()}: it cannot go live.")
    found = problems(journey)
    if found:
        raise ValidationError(found)
    now = timezone.now()
    with transaction.atomic():
        journey = Journey.objects.select_for_update().get(pk=journey.pk)
        for step in journey.steps.select_related("message"):
            make_live(step.message, by=by, now=now)
        journey.status = JourneyStatus.LIVE
        if journey.launched_at is None:
            journey.launched_by, journey.launched_at = by, now
        journey.save()
    return journey


def make_live(message: Campaign, *, by: AbstractBaseUser, now) -> None:
    """A step's message ready to receive rows: links made, waiting with no send time of its own."""
    for medium in Medium:
        if message.sends(medium):
            for placement in message.placements.all():
                tracked_link_for(campaign=message, medium=medium, placement=placement)
    if message.status == CampaignStatus.DRAFT:
        message.status = LIVE_STEP
        message.occurrence = 1
        message.next_send_at = None
        message.launched_by, message.launched_at = by, now
        message.save()


def pause(*, journey: Journey, by: AbstractBaseUser) -> None:
    """Nobody enters or moves on; rows already due are held (their step campaigns paused)."""
    sending.require_launcher(by)
    with transaction.atomic():
        if not Journey.objects.filter(pk=journey.pk, status=JourneyStatus.LIVE).update(
            status=JourneyStatus.PAUSED
        ):
            raise ValidationError("Only a live journey can be paused.")
        Campaign.objects.filter(
            journey_step__journey=journey, status__in=[CampaignStatus.SCHEDULED, CampaignStatus.SENDING]
        ).update(status=CampaignStatus.PAUSED, paused_reason=f"Journey paused by {by}.")


def end(*, journey: Journey, by: AbstractBaseUser) -> None:
    """Stop for good: nobody enters, nothing more is sent."""
    sending.require_launcher(by)
    with transaction.atomic():
        if not Journey.objects.filter(
            pk=journey.pk, status__in=[JourneyStatus.LIVE, JourneyStatus.PAUSED, JourneyStatus.DRAFT]
        ).update(status=JourneyStatus.ENDED):
            raise ValidationError("The journey has already ended.")
        for message in Campaign.objects.filter(
            journey_step__journey=journey,
            status__in=[CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED],
        ):
            sending.cancel(campaign=message, by=by)
