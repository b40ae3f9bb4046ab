"""An SMS backend that accepts every text at once and keeps none: the provider costs nothing,
so a benchmark through it measures the send pipeline alone (the locmem backend would hold
every message in memory and swell the worker's peak)."""

from __future__ import annotations

import itertools
import os

from campaigns.sms.base import BaseSmsBackend, SentSms, SmsMessage

# Unique per process and cheap: the pid keeps two pool processes' ids apart.
_ids = itertools.count(1)


class NullSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> SentSms:
        return SentSms(provider_id=f"null-{os.getpid()}-{next(_ids)}", status="queued")
