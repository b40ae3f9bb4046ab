"""Delivery receipts from Twilio's status callbacks: each delivery only ever moves forward.

Callbacks arrive out of order and are retried, so a receipt is applied only if it is further
along than what we hold: a late "sent" never overwrites "delivered", and a repeat changes nothing.
"""

from __future__ import annotations

import re

from django.db import transaction

from campaigns import consent
from campaigns.models import DELIVERY_PROGRESS, Delivery, DeliveryStatus, Medium, SuppressionReason
from campaigns.sms.twilio import SUPPRESS_CODES
from campaigns.whatsapp import reads
from ops import counters

TWILIO_STATUSES = {
    "accepted": DeliveryStatus.ACCEPTED,
    "scheduled": DeliveryStatus.ACCEPTED,
    "queued": DeliveryStatus.ACCEPTED,
    "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
# Why a text did not arrive, in words a curator can act on (Twilio's error dictionary).
RECEIPT_ERRORS = {
    21610: "The employee has blocked texts from us (21610).",
    30003: "The phone was off or out of reach (30003).",
    30005: "The number does not exist any more (30005).",
    30006: "The number is a landline or cannot receive texts (30006).",
    30007: "The carrier filtered the text as spam (30007).",
    30008: "The carrier did not say why it failed (30008).",
    30036: "It expired in the queue before the working day ended (30036).",
    # WhatsApp's, reported by the same callbacks.
    63016: "WhatsApp refused free text outside the 24-hour window; only a template may be sent (63016).",
    63003: "The number is not on WhatsApp (63003).",
    63024: "The number cannot receive WhatsApp messages (63024).",
    63049: "WhatsApp chose not to deliver this marketing message to the person (63049).",
}


TWILIO_ERROR_CODE = re.compile(r"[0-9]{1,6}", re.ASCII)


@transaction.atomic
def record_receipt(
    *, message_sid: str, status: str, error_code: str = "", idempotency_token: str = ""
) -> bool:
    """Apply a status callback; True if it moved a delivery forward. A WhatsApp "read" is
    counted for the campaign (campaigns.whatsapp.reads), never kept on the row."""
    new = TWILIO_STATUSES.get(status.lower())
    if new is None or not message_sid:
        return False
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("subscriber")
        .filter(provider_id=message_sid, medium__in=[Medium.SMS, Medium.WHATSAPP])
        .first()
    )
    if delivery is not None and delivery.medium == Medium.WHATSAPP and status.lower() == "read":
        reads.count_read(delivery, idempotency_token=idempotency_token)
    if delivery is None or DELIVERY_PROGRESS[new] <= DELIVERY_PROGRESS[delivery.status]:
        return False
    # Twilio's codes are five digits; "²" (a digit to Python) or 23 digits (past the column) is no code.
    code = int(error_code) if TWILIO_ERROR_CODE.fullmatch(error_code) else None
    delivery.status = new
    if code:
        delivery.error_code = code
        delivery.error = RECEIPT_ERRORS.get(code, f"Twilio reported error {code}.")
    delivery.save(update_fields=["status", "error_code", "error", "updated_at"])
    transaction.on_commit(lambda: counters.count_receipt(delivery.medium, new, code=code))  # /metrics
    if code in SUPPRESS_CODES and delivery.subscriber:
        consent.suppress(
            medium=delivery.medium,
            address=delivery.subscriber.phone,
            reason=SuppressionReason.PROVIDER_OPTED_OUT,
        )
    return True
