"""WhatsApp read receipts, counted per campaign send and never kept per person.

A "read" moves the delivery no further than "delivered" (campaigns.receipts): the row keeps no
trace of it. Only the campaign send's total goes up. Twilio retries a callback with the same
I-Twilio-Idempotency-Token, so a retried "read" is counted once; the token is random, names nobody,
and is forgotten after a day.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F

from campaigns.models import Delivery, ReadCount

REMEMBER_TOKENS_SECONDS = 24 * 3600
# Longer than a campaign's messages are read in: a replay after that is a month-old copy.
REMEMBER_READ_MESSAGES_SECONDS = 35 * 24 * 3600


def count_read(delivery: Delivery, *, idempotency_token: str = "") -> bool:
    """Add one read to the delivery's campaign send; False for a callback already counted."""
    if idempotency_token and not cache.add(
        f"whatsapp-read:{idempotency_token[:100]}", 1, REMEMBER_TOKENS_SECONDS
    ):
        return False
    # A message is read once. Twilio's signature does not cover the idempotency header, so a
    # copied callback replayed under fresh tokens (or none) would otherwise count again. Kept in
    # the cache, like the token, so the row still keeps no trace of the read.
    if not cache.add(f"whatsapp-read-message:{delivery.pk}", 1, REMEMBER_READ_MESSAGES_SECONDS):
        return False
    counted, _ = ReadCount.objects.get_or_create(
        campaign_id=delivery.campaign_id, occurrence=delivery.occurrence
    )
    ReadCount.objects.filter(pk=counted.pk).update(reads=F("reads") + 1)
    return True


def reads(campaign_id: int) -> int:
    """Reads across all of a campaign's sends."""
    return sum(ReadCount.objects.filter(campaign_id=campaign_id).values_list("reads", flat=True))
