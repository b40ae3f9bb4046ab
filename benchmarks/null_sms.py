"""An SMS backend that accepts every text at once and keeps none: the provider costs nothing,
so a benchmark through it measures the send pipeline alone (the locmem backend would hold
every message in memory and swell the worker's peak). NullWhatsAppBackend does the same for WhatsApp."""

from __future__ import annotations

import itertools
import json
import os

from campaigns.sms.base import BaseSmsBackend, SentSms, SmsMessage

# Unique per process and cheap: the pid keeps two pool processes' ids apart.
_ids = itertools.count(1)


class NullSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> SentSms:
        return SentSms(provider_id=f"null-{os.getpid()}-{next(_ids)}", status="queued")


class NullWhatsAppBackend:
    """The same for WhatsApp: accepts every message at once. It still encodes the template's
    variables as the Twilio backend does, so the WhatsApp path's own work is counted."""

    def send(self, message):
        from campaigns.sms.base import SentSms

        json.dumps(message.content_variables)
        return SentSms(provider_id=f"null-wa-{os.getpid()}-{next(_ids)}", status="queued")
