"""Keeps texts in campaigns.sms.outbox: for tests, like Django's locmem email backend."""

from __future__ import annotations

import uuid

from campaigns import sms
from campaigns.sms.base import BaseSmsBackend, SentSms, SmsMessage


class LocmemBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> SentSms:
        sms.outbox.append(message)
        return SentSms(provider_id=f"locmem-{uuid.uuid4().hex}", status="queued")
