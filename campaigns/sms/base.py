"""The SMS backend interface, shaped like django.core.mail's: a setting picks the class.

A backend's failures are campaigns.delivery_errors.DeliveryError, the one error type every
medium reports, whose `outcome` tells the caller what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        """Hand one text to the provider, or raise DeliveryError."""
        raise NotImplementedError
