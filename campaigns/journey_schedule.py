"""The journeys' scheduler: one tick a minute (beat) takes people in, lets the opted-out go, and
writes a Delivery row for every step that has fallen due.

A tick touches people by the thousand without reading them into Python: every write is one
statement per journey step, send time and medium (INSERT ... SELECT for ledger rows and
enrolments, UPDATE for moving people on; the zones whose working hours open at one moment share
it), so 100,000 people due at once cost about one and a half times what writing their ledger
rows from their enrolments in one statement does, in flat memory (benchmarks/journeys.py).

When a step is due for someone its row waits for their working hours (and the step's local time
of day, if it has one) as a campaign's do; the pipeline then re-reads consent, keeps the weekly
cap and the provider's rate, and the reconciler settles a worker that vanished. Each journey is
ticked under a lock on its row, so two ticks at once (beat twice, a slow tick overlapping the
next) move nobody twice; and were they to, the ledger's unique key still sends a step once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from campaigns import journeys, sending
from campaigns.bulk import insert_select
from campaigns.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    Journey,
    JourneyEntry,
    JourneyStatus,
    JourneyStep,
    MediaPreference,
    Medium,
    Subscriber,
    WaitFrom,
)
from campaigns.quiet_hours import SendWindow, zone
from campaigns.selectors import reachable_on, segment_members
from config import logging_context

# Consent confirmed by the person's own act at sign-up: what "on confirming sign-up" means.
SIGNED_UP = (ConsentSource.SIGNUP_PAGE, ConsentSource.EMAIL_LINK)


@dataclass
class Ticked:
    entered: int = 0
    opted_out: int = 0
    queued: int = 0  # ledger rows written
    skipped: int = 0  # people moved past a step that had nothing live to send
    finished: int = 0


def tick(*, now: datetime | None = None) -> Ticked:
    """Beat, every minute: safe to run twice, and at any moment."""
    now = now or timezone.now()
    ticked = Ticked(opted_out=let_opted_out_go(now))
    for journey_id in Journey.objects.filter(status=JourneyStatus.LIVE).values_list("pk", flat=True):
        with transaction.atomic():
            journey = (
                Journey.objects.select_for_update().filter(pk=journey_id, status=JourneyStatus.LIVE).first()
            )
            if journey is None:
                continue  # paused or ended meanwhile
            ticked.entered += take_people_in(journey, now)
            move_on(journey, now, ticked)
    return ticked


def reachable() -> Q:
    return reachable_on(Medium.SMS) | reachable_on(Medium.EMAIL) | reachable_on(Medium.WHATSAPP)


def let_opted_out_go(now: datetime) -> int:
    """Whoever can no longer be reached by any medium has left every journey they were on."""
    return (
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE)
        .exclude(subscriber__in=Subscriber.objects.filter(reachable()))
        .update(status=EnrolmentStatus.OPTED_OUT, ended_at=now, next_due_at=None)
    )


def take_people_in(journey: Journey, now: datetime) -> int:
    """New entrants: who confirmed sign-up since launch (entering when they confirmed), or who
    matches the entry segment while the journey runs. Nobody enters a journey twice."""
    not_yet_on = Subscriber.objects.filter(reachable()).exclude(enrolments__journey=journey)
    if journey.entry == JourneyEntry.SIGNUP:
        # Their first confirmation ever: adding a second medium later is not signing up again.
        # (Only people with a confirmation since launch are looked at: occurred_at is indexed.)
        since_launch = ConsentEvent.objects.filter(
            subscriber=OuterRef("pk"),
            action=ConsentAction.CONFIRMED,
            source__in=SIGNED_UP,
            occurred_at__gte=journey.launched_at,
        )
        people = (
            not_yet_on.filter(Exists(since_launch))
            .annotate(
                confirmed_at=Min(
                    "consent_events__occurred_at",
                    filter=Q(
                        consent_events__action=ConsentAction.CONFIRMED,
                        consent_events__source__in=SIGNED_UP,
                        consent_events__occurred_at__lte=now,
                    ),
                )
            )
            .filter(confirmed_at__gte=journey.launched_at)
        )
        return journeys.enter(journey=journey, people=people, entered_at=F("confirmed_at"))
    if journey.entry == JourneyEntry.SEGMENT and journey.entry_segment is not None:
        members = segment_members(journey.entry_segment).values("pk")
        return journeys.enter(
            journey=journey, people=not_yet_on.filter(pk__in=members), entered_at=Value(now)
        )
    return 0


def move_on(journey: Journey, now: datetime, ticked: Ticked) -> None:
    """Each step in turn: who is due for it (or for a step deleted before it) gets its rows and
    moves on to the next; past the last step, they have finished."""
    steps = list(journey.steps.select_related("message").order_by("position"))
    passed = 0
    for index, step in enumerate(steps):
        due = Enrolment.objects.filter(
            journey=journey,
            status=EnrolmentStatus.ACTIVE,
            next_position__gt=passed,
            next_position__lte=step.position,
            next_due_at__lte=now,
        )
        following = steps[index + 1] if index + 1 < len(steps) else None
        with logging_context.bound(campaign_id=step.message_id):
            send_step(step, following, due, now, ticked)
        passed = step.position
    ticked.finished += Enrolment.objects.filter(
        journey=journey, status=EnrolmentStatus.ACTIVE, next_position__gt=passed
    ).update(status=EnrolmentStatus.FINISHED, ended_at=now, next_due_at=None)


def send_step(
    step: JourneyStep, following: JourneyStep | None, due: QuerySet[Enrolment], now: datetime, ticked: Ticked
) -> None:
    send_times = zones_by_send_time(step, due, now)
    if not send_times:
        return  # nobody due: not even the step's links are looked at
    media = sendable_media(step)
    written = 0
    for send_at, names in send_times.items():
        # One zone's people or several's, all sent at one moment; everyone due, when all are.
        in_zone = due if len(send_times) == 1 else due.filter(subscriber__time_zone__in=names)
        people = Subscriber.objects.filter(pk__in=in_zone.values("subscriber_id"))
        for medium in media:
            audience = people.filter(
                reachable_on(medium), preferred_media__in=MediaPreference.including(medium)
            ).annotate(recent=sending.recent_campaigns(now))
            written += insert_select(
                Delivery,
                audience,
                sending.ledger_columns(step.message, medium, not_before=Value(send_at), now=now),
            )
        moved = move_past(in_zone, following, send_at, now)
        if not media:
            ticked.skipped += moved
        if following is None:
            ticked.finished += moved
    ticked.queued += written
    if written:
        message_id = step.message.pk
        transaction.on_commit(
            lambda: sending.queue_sending(message_id, batches=written // sending.batch_size(Medium.SMS) + 1)
        )


def zones_by_send_time(
    step: JourneyStep, due: QuerySet[Enrolment], now: datetime
) -> dict[datetime, list[str]]:
    """The due people's time zones, grouped by when the step goes out in them. Zones that share
    a moment share the statements that write and move their people: inside working hours, with
    no local time set, that is every zone, and a step costs a statement per medium, not per zone
    (each statement reads the enrolments afresh, so at 100,000 people fewer is faster)."""
    window = SendWindow.from_settings()
    groups: dict[datetime, list[str]] = {}
    for name in (
        due.order_by("subscriber__time_zone").values_list("subscriber__time_zone", flat=True).distinct()
    ):
        send_at = window.opens(at_local_time(now, step.at_local_time, name), zone(name))
        groups.setdefault(send_at, []).append(name)
    return groups


def sendable_media(step: JourneyStep) -> list[str]:
    """The media the step's message can go out on now: live, with a link to something live. A step
    whose content was retired with no successor, or whose message is still a draft, is skipped:
    never sent dead, never sent half-written."""
    message = step.message
    if message.status != journeys.LIVE_STEP:
        return []
    sending.make_links(message)  # a retired item's successor gets its link before anyone is sent it
    return [medium for medium in Medium if message.sends(medium) and sending.links_for(message, medium)]


def at_local_time(now: datetime, clock: time | None, zone_name: str) -> datetime:
    """The first moment at or after `now` that shows `clock` in the zone (now, without one)."""
    if clock is None:
        return now
    tz = zone(zone_name)
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), clock, tzinfo=tz)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), clock, tzinfo=tz)
    return candidate


def move_past(
    enrolments: QuerySet[Enrolment], following: JourneyStep | None, sent_at: datetime, now: datetime
) -> int:
    """On to the following step, its wait counted from this one's send or from joining."""
    if following is None:
        return enrolments.update(
            status=EnrolmentStatus.FINISHED, ended_at=now, last_step_at=sent_at, next_due_at=None
        )
    wait = timedelta(days=following.wait_days)
    if following.wait_from == WaitFrom.JOINED:
        next_due = ExpressionWrapper(F("entered_at") + wait, output_field=DateTimeField())
    else:
        next_due = Value(sent_at + wait)
    return enrolments.update(next_position=following.position, last_step_at=sent_at, next_due_at=next_due)
