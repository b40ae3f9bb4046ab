"""The SMS backend interface, shaped like django.core.mail's: a setting picks the class.

Failures are one exception type whose `outcome` tells the caller what to do next, so retry,
suppression and "mark the number invalid" are decided in one place per provider (healthchecks'
TransportError, with more than two answers because texts cost money and can arrive twice).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SmsOutcome(enum.Enum):
    RETRY = "retry"  # Never processed (rate limited, provider down): safe to send again later.
    UNKNOWN = "unknown"  # The request may have left: ask the provider's log before resending.
    SUPPRESS = "suppress"  # The recipient opted out at the provider (texted STOP to our sender).
    INVALID_NUMBER = "invalid_number"  # Not a number that can receive texts.
    FAILED = "failed"  # Refused for this message (configuration, permissions, fraud guard).


class SmsError(Exception):
    def __init__(self, message: str, *, outcome: SmsOutcome, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.outcome is SmsOutcome.RETRY


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    status_callback: str = ""  # Absolute URL for delivery receipts, if the backend supports them.
    validity_seconds: int = 0  # Expire in the provider's queue after this long; 0: SMS_VALIDITY_SECONDS.


@dataclass(frozen=True)
class SentSms:
    provider_id: str
    status: str
    body: str = ""


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> SentSms:
        """Hand one text to the provider, or raise SmsError."""
        raise NotImplementedError
