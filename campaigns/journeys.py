"""Journeys that run themselves: writes (steps, launch, pause, resume, end, enrol).

Each step's message is a Campaign of its own (JourneyStep.message), composed, previewed and costed
in the campaign admin like any other. While its journey is live the step's campaign is "sending"
at occurrence 1 with no send time of its own (release_due_campaigns never starts it, and
finish_if_done leaves it sending): the scheduler (campaigns.journey_schedule) writes a Delivery row
per person as their step falls due, so the pipeline, the reconciler, working hours and the weekly
cap apply unchanged, and the ledger's unique key (campaign, subscriber, medium, occurrence) sends
each step to a person once, however the journey is edited later.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, Expression, ExpressionWrapper, F, Max, QuerySet, Value
from django.utils import timezone

from campaigns import sending
from campaigns.bulk import insert_select
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Enrolment,
    EnrolmentStatus,
    Journey,
    JourneyEntry,
    JourneyStatus,
    JourneyStep,
    Medium,
    Subscriber,
)

LIVE_STEP = CampaignStatus.SENDING
# A step's message in any of these is made live again when its journey launches or resumes.
NOT_LIVE_YET = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)


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
    return go_live(journey=journey, by=by, allowed_from=(JourneyStatus.DRAFT, JourneyStatus.PAUSED))


def resume(*, journey: Journey, by: AbstractBaseUser) -> Journey:
    """Carry on after a pause: steps composed meanwhile go live; whoever fell due meanwhile is sent
    their step as working hours allow, and nobody gets a step twice."""
    return go_live(journey=journey, by=by, allowed_from=(JourneyStatus.PAUSED,))


def go_live(*, journey: Journey, by: AbstractBaseUser, allowed_from: tuple[str, ...]) -> Journey:
    sending.require_launcher(by)
    now = timezone.now()
    with transaction.atomic():
        journey = Journey.objects.select_for_update().get(pk=journey.pk)
        if journey.status not in allowed_from:
            status = journey.get_status_display().lower()
            raise ValidationError(f"The journey is {status}: it cannot go live.")
        found = problems(journey)
        if found:
            raise ValidationError(found)
        for step in journey.steps.select_related("message"):
            make_live(step.message, by=by, now=now)
        journey.status = JourneyStatus.LIVE
        if journey.launched_at is None:
            journey.launched_by, journey.launched_at = by, now
        journey.save()
    return journey


def make_live(message: Campaign, *, by: AbstractBaseUser, now) -> None:
    """A step's message ready to receive rows: links made, sending with no send time of its own."""
    sending.make_links(message)
    if message.status in NOT_LIVE_YET:
        if message.status == CampaignStatus.DRAFT:
            message.launched_by, message.launched_at = by, now
        message.status = LIVE_STEP
        message.occurrence = 1
        message.next_send_at = None
        message.paused_reason = ""
        message.save()
        transaction.on_commit(lambda: sending.queue_sending(message.pk))  # rows held by a pause


def enrol(*, journey: Journey, subscribers: QuerySet[Subscriber], by: AbstractBaseUser) -> int:
    """A curator puts people on a live journey; whoever is on it already stays where they are.
    Returns how many joined."""
    sending.require_launcher(by)
    with transaction.atomic():
        journey = Journey.objects.select_for_update().get(pk=journey.pk)
        if journey.status != JourneyStatus.LIVE:
            raise ValidationError("Only a live journey takes people in.")
        return enter(journey=journey, people=subscribers, entered_at=Value(timezone.now()))


def enter(*, journey: Journey, people: QuerySet[Subscriber], entered_at: Expression) -> int:
    """Enrolments for `people` (a Subscriber query; `entered_at` an expression over it), due for
    the first step its wait after they entered; written by the database, once per person."""
    first = journey.steps.order_by("position").first()
    if first is None:
        return 0
    return insert_select(
        Enrolment,
        people.annotate(entered=ExpressionWrapper(entered_at, output_field=DateTimeField())),
        {
            "journey_id": Value(journey.pk),
            "subscriber_id": F("pk"),
            "status": Value(EnrolmentStatus.ACTIVE),
            "entered_at": F("entered"),
            "next_position": Value(first.position),
            "next_due_at": ExpressionWrapper(
                F("entered") + timedelta(days=first.wait_days), output_field=DateTimeField()
            ),
        },
    )


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
