"""What a failed send means, whichever medium carried it: one error type for texts and emails.

Failures are one exception type whose `outcome` tells the caller what to do next, so retry,
suppression and "mark the address invalid" are decided in one place per provider (healthchecks'
TransportError, with more than two answers because messages cost money and can arrive twice).
The SMS backends raise it; campaigns.sending maps SMTP errors to it, so an email's failure is
recorded with the same words as a text's.
"""

from __future__ import annotations

import enum


class DeliveryOutcome(enum.Enum):
    RETRY = "retry"  # Never processed (rate limited, provider down): safe to send again later.
    UNKNOWN = "unknown"  # The request may have left: ask the provider's log before resending.
    SUPPRESS = "suppress"  # The recipient opted out at the provider (texted STOP to our sender).
    INVALID_NUMBER = "invalid_number"  # Not a number that can receive texts.
    FAILED = "failed"  # Refused for this message (configuration, permissions, fraud guard).


class DeliveryError(Exception):
    def __init__(self, message: str, *, outcome: DeliveryOutcome, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.outcome is DeliveryOutcome.RETRY
