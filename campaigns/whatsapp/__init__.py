"""WhatsApp through a backend named by settings.WHATSAPP_BACKEND (twilio / console / locmem),
shaped like campaigns.sms: the same seam, a message type of its own because a WhatsApp message
outside the customer-service window is a template (ContentSid and variables), not words."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from campaigns.whatsapp.base import BaseWhatsAppBackend, TemplateInfo, WhatsAppMessage

__all__ = ["BaseWhatsAppBackend", "TemplateInfo", "WhatsAppMessage", "get_backend", "outbox"]

# The locmem backend appends here, like django.core.mail.outbox; tests read and clear it.
outbox: list[WhatsAppMessage] = []


def get_backend(backend: str | None = None, **kwargs: object) -> BaseWhatsAppBackend:
    return import_string(backend or settings.WHATSAPP_BACKEND)(**kwargs)
