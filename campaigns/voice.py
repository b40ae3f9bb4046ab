"""Counting the employees' voice without keeping who said what.

Every answer an employee gives (a "useful?" vote, a reason for leaving, a check's letter) is added
to a total; to count each person once per question, a receipt is kept: a keyed hash of the question
and the person's random link key, never the answer. Why this is safe to hold:

- the receipt says only that somebody answered; the totals carry no person and no time of day, so
  joining a receipt to a total gives nothing the published totals do not;
- the key is derived from SECRET_KEY, so the hash cannot be recomputed from a leaked table alone;
- receipts expire with the question's window (a message's, a check's) and housekeeping deletes them,
  after which nothing at all links the answer to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from campaigns.models import HANDED_OVER, Delivery, Medium, Subscriber, VoiceReceipt
from campaigns.quiet_hours import zone


def receipt_key(*parts: object) -> str:
    key = hashlib.sha256(f"campaigns.voice:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, "\x1f".join(str(part) for part in parts).encode(), hashlib.sha256).hexdigest()


def first_answer(*parts: object, expires_at: datetime) -> bool:
    """True the first time these parts (question and person) are seen before `expires_at`;
    False for every repeat. Two requests at once: the unique key lets exactly one through."""
    key = receipt_key(*parts)
    try:
        with transaction.atomic():
            VoiceReceipt.objects.create(key=key, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def window() -> timedelta:
    """How long after a message its question ("useful?", a check) may be answered."""
    return timedelta(days=settings.FEEDBACK_WINDOW_DAYS)


def latest_text_asking(
    subscriber: Subscriber, asked: Q, *, now: datetime, medium: str = Medium.SMS
) -> Delivery | None:
    """The last message by `medium` (a text, or a WhatsApp message: a reply answers what came by
    its own medium) handed over to this person within the window whose campaign asked (`asked`, a
    condition on the Delivery): what a bare reply like "1" or "A" answers."""
    if medium == Medium.WHATSAPP:
        # Only WhatsApp's free text asks: a template is WhatsApp-approved words without our lines.
        asked &= Q(free_text=True)
    return (
        Delivery.objects.filter(
            asked,
            subscriber=subscriber,
            medium=medium,
            status__in=HANDED_OVER,
            sent_at__gt=now - window(),
            sent_at__lte=now,
        )
        .select_related("campaign__journey_step")
        .order_by("-sent_at", "-pk")
        .first()
    )


def week_of(moment: datetime | None = None) -> date:
    """The Monday of the week `moment` falls in, on the programme's calendar."""
    day = (moment or timezone.now()).astimezone(zone(settings.PROGRAMME_TIME_ZONE)).date()
    return day - timedelta(days=day.weekday())


def add_one(model: type[Model], field: str, **key: object) -> None:
    """Add one to a total row, made on first use; safe under concurrent answers."""
    with transaction.atomic():
        row, _ = model.objects.select_for_update().get_or_create(**key)
        model.objects.filter(pk=row.pk).update(**{field: F(field) + 1})


def forget_expired(*, now: datetime | None = None) -> int:
    """Housekeeping: delete receipts whose window has closed. Returns how many went."""
    deleted, _ = VoiceReceipt.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
