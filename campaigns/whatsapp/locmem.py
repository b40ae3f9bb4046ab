"""Keeps WhatsApp messages in campaigns.whatsapp.outbox: for tests, like the SMS locmem backend."""

from __future__ import annotations

import uuid

from campaigns import whatsapp
from campaigns.sms.base import SentSms
from campaigns.whatsapp.base import BaseWhatsAppBackend, TemplateInfo, WhatsAppMessage
from campaigns.whatsapp.console import DEMO_TEMPLATES


class LocmemBackend(BaseWhatsAppBackend):
    def send(self, message: WhatsAppMessage) -> SentSms:
        whatsapp.outbox.append(message)
        return SentSms(provider_id=f"locmem-{uuid.uuid4().hex}", status="queued")

    def templates(self) -> list[TemplateInfo]:
        return list(DEMO_TEMPLATES)
