"""“Why are you leaving?”: one optional answer after an opt-out, counted per week, never kept per person.

The answer belongs to one opt-out: the latest opt-out row of the consent ledger for that medium,
answered within ANSWER_WINDOW of it. The receipt that counts it once is keyed on that row's id, so
a replayed or repeated post counts nothing, while a person who leaves again next year may say why
again. Nothing here can change consent: the opt-out is done before the question is asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from campaigns import voice
from campaigns.models import (
    ConsentAction,
    ConsentEvent,
    ConsentState,
    LeaveReason,
    LeaveReasonCount,
    Medium,
    Subscriber,
)

# Long enough for the page left open overnight; short enough that the receipt goes soon after.
ANSWER_WINDOW = timedelta(days=2)


def opt_out_to_answer(subscriber: Subscriber, medium: str, *, now: datetime) -> ConsentEvent | None:
    """The opt-out a reason would be about: the person's latest for `medium`, if still in force and recent."""
    if medium not in Medium.values or subscriber.state(medium) != ConsentState.OPTED_OUT:
        return None
    latest = (
        ConsentEvent.objects.filter(subscriber=subscriber, medium=medium)
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if latest is None or latest.action != ConsentAction.OPTED_OUT:
        return None
    return latest if latest.occurred_at + ANSWER_WINDOW > now else None


def may_ask(subscriber: Subscriber, medium: str) -> bool:
    return opt_out_to_answer(subscriber, medium, now=timezone.now()) is not None


def record_leave_reason(*, subscriber: Subscriber, medium: str, reason: str) -> bool:
    """Add one to this week's total for `reason`, once per opt-out. True if it counted.

    Whether it counted is for tests and logs, not for the person: the page thanks them either way,
    so a replay learns nothing.
    """
    now = timezone.now()
    if reason not in LeaveReason.values:
        return False
    opt_out = opt_out_to_answer(subscriber, medium, now=now)
    if opt_out is None:
        return False
    with transaction.atomic():
        if not voice.first_answer(
            "leave", subscriber.link_key, medium, opt_out.pk, expires_at=opt_out.occurred_at + ANSWER_WINDOW
        ):
            return False
        voice.add_one(LeaveReasonCount, "count", week=voice.week_of(now), reason=reason)
    return True
