"""Email through a sending service's API (django-anymail): its failures in the ledger's words, and
the id its webhooks will name the email by.

SMTP stays the default; with EMAIL_BACKEND set to one of anymail's backends (Postmark, Mailgun,
SendGrid, Brevo, Amazon SES...) the same per-person messages go through that service's API. A
service's answer is not an SMTP reply, so its errors are mapped here to the same three outcomes:
try again later (never processed), failed (refused for good), or unknown (the request may have
been processed: not re-sent blindly, which would be a duplicate).
"""

from __future__ import annotations

import requests
from anymail.backends.base import AnymailBaseBackend
from anymail.exceptions import AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.core.mail import EmailMessage
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome

# The service is busy or down and says it did nothing: safe to send again after a wait.
TRY_LATER_STATUSES = frozenset({429, 503})


def is_service(connection: object) -> bool:
    """Whether this email connection is a sending service's API rather than SMTP."""
    return isinstance(connection, AnymailBaseBackend)


def service_message_id(message: EmailMessage) -> str:
    """The id the service gave the email after sending: its webhooks name the email by it."""
    status = getattr(message, "anymail_status", None)
    found = status.message_id if status is not None else None
    return found if isinstance(found, str) else ""


def never_connected(error: BaseException) -> bool:
    """The request never reached the service: refused, unresolvable, or timed out connecting."""
    cause = error.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    retries = cause.args[0] if isinstance(cause, requests.ConnectionError) and cause.args else None
    return isinstance(retries, MaxRetryError) and isinstance(
        retries.reason, NewConnectionError | NameResolutionError
    )


def service_error(error: AnymailError) -> DeliveryError:
    """What a sending service's refusal or silence means for this email."""
    if isinstance(error, AnymailRecipientsRefused):
        return DeliveryError(
            "The sending service refused the address: it bounced or complained before, or is invalid.",
            outcome=DeliveryOutcome.FAILED,
        )
    if isinstance(error, AnymailInvalidAddress):
        return DeliveryError(
            "The address is not one the sending service accepts.", outcome=DeliveryOutcome.FAILED
        )
    status = getattr(error, "status_code", None)
    if status in TRY_LATER_STATUSES:
        return DeliveryError(
            f"The sending service asked us to try later ({status}).",
            outcome=DeliveryOutcome.RETRY,
            code=status,
        )
    if status in (401, 403):
        return DeliveryError(
            f"The sending service refused our credentials ({status}): check the ANYMAIL settings.",
            outcome=DeliveryOutcome.FAILED,
            code=status,
        )
    if status is not None and 400 <= status < 500:
        return DeliveryError(
            f"The sending service refused the email ({status}).", outcome=DeliveryOutcome.FAILED, code=status
        )
    if status is not None:
        return DeliveryError(
            f"The sending service failed mid-send ({status}); the email may have gone, so it is not re-sent.",
            outcome=DeliveryOutcome.UNKNOWN,
            code=status,
        )
    if never_connected(error):
        return DeliveryError(
            "The sending service could not be reached; it will be tried again.", outcome=DeliveryOutcome.RETRY
        )
    if isinstance(error.__cause__, requests.RequestException):
        return DeliveryError(
            "The sending service stopped answering mid-send; the email may have gone, so it is not re-sent.",
            outcome=DeliveryOutcome.UNKNOWN,
        )
    return DeliveryError(
        f"The sending service cannot send this email: {str(error).splitlines()[0][:200]}",
        outcome=DeliveryOutcome.FAILED,
    )
