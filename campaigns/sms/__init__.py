"""Sending texts: `send_sms()` through the backend named by settings.SMS_BACKEND."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from campaigns.sms.base import BaseSmsBackend, SentSms, SmsMessage

__all__ = [
    "BaseSmsBackend",
    "SentSms",
    "SmsMessage",
    "get_backend",
    "outbox",
    "send_sms",
]

# The locmem backend appends here, like django.core.mail.outbox; tests read and clear it.
outbox: list[SmsMessage] = []


def get_backend(backend: str | None = None, **kwargs: object) -> BaseSmsBackend:
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(to: str, body: str, *, status_callback: str = "") -> SentSms:
    return get_backend().send(SmsMessage(to=to, body=body, status_callback=status_callback))
