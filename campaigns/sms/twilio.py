"""Texts through Twilio's REST API with the official client.

`classify` is the one place a Twilio failure becomes an outcome: retry, ask the provider's log
(unknown), suppress, mark the number invalid, or fail this message.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from campaigns.sms.base import BaseSmsBackend, SentSms, SmsError, SmsMessage, SmsOutcome

SUPPRESS_CODES = {21610: "The number has opted out of texts from us at Twilio (21610)."}
INVALID_NUMBER_CODES = {
    21211: "The number is not a valid phone number (21211).",
    21614: "The number is not a mobile and cannot receive texts (21614).",
}
# Never processed by Twilio, so sending again later cannot make a duplicate.
RETRY_CODES = {20429: "Twilio is busy: too many requests at once (20429)."}


class RebasedHttpClient(TwilioHttpClient):
    """Sends Twilio's requests to another Twilio-compatible address (a proxy, or a test double)."""

    def __init__(self, base_url: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        base = urlsplit(base_url)
        self.scheme, self.netloc = base.scheme, base.netloc

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        parts = urlsplit(url)
        return super().request(
            method, urlunsplit((self.scheme, self.netloc, parts.path, parts.query, "")), *args, **kwargs
        )


def classify(error: Exception) -> SmsError:
    """What a failed call to Twilio means for this message."""
    if isinstance(error, TwilioRestException):
        code, status = error.code, error.status
        if code in SUPPRESS_CODES:
            return SmsError(SUPPRESS_CODES[code], outcome=SmsOutcome.SUPPRESS, code=code)
        if code in INVALID_NUMBER_CODES:
            return SmsError(INVALID_NUMBER_CODES[code], outcome=SmsOutcome.INVALID_NUMBER, code=code)
        if code in RETRY_CODES:
            return SmsError(RETRY_CODES[code], outcome=SmsOutcome.RETRY, code=code)
        if status >= 500:
            return SmsError(
                f"Twilio had a server error (HTTP {status}); it will be tried again.",
                outcome=SmsOutcome.RETRY,
                code=code,
            )
        # The client prefixes Twilio's own words with what it was doing ("Unable to create record: ").
        reason = error.msg.split(": ", 1)[-1]
        return SmsError(f"Twilio refused the text: {reason} ({code})", outcome=SmsOutcome.FAILED, code=code)
    if isinstance(error, requests.ConnectTimeout) or (
        isinstance(error, requests.ConnectionError) and "NewConnectionError" in repr(error)
    ):
        return SmsError("Twilio could not be reached; it will be tried again.", outcome=SmsOutcome.RETRY)
    return SmsError(
        "Twilio did not answer in time; the text may have been sent. Check Twilio's log before resending.",
        outcome=SmsOutcome.UNKNOWN,
    )


class TwilioBackend(BaseSmsBackend):
    def __init__(self, client: Client | None = None) -> None:
        self.client = client or self._build_client()

    @staticmethod
    def _build_client() -> Client:
        # TwilioHttpClient has no default timeout: without one a stalled request holds a worker.
        timeout = settings.TWILIO_TIMEOUT_SECONDS
        http_client = (
            RebasedHttpClient(settings.TWILIO_API_BASE_URL, timeout=timeout)
            if settings.TWILIO_API_BASE_URL
            else TwilioHttpClient(timeout=timeout)
        )
        return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)

    def send(self, message: SmsMessage) -> SentSms:
        params: dict[str, object] = {
            "to": message.to,
            "body": message.body,
            "validity_period": settings.SMS_VALIDITY_SECONDS,
        }
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            params["from_"] = settings.TWILIO_FROM_NUMBER
        if message.status_callback:
            params["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**params)
        except (TwilioRestException, requests.RequestException) as error:
            raise classify(error) from error
        return SentSms(provider_id=created.sid, status=created.status)

    def sent_to(self, *, to: str, since: datetime) -> list[SentSms]:
        """Twilio's own log of texts to a number: how a claim whose outcome was lost is settled."""
        try:
            messages = self.client.messages.list(to=to, date_sent_after=since)
        except (TwilioRestException, requests.RequestException) as error:
            raise classify(error) from error
        return [SentSms(provider_id=m.sid, status=m.status) for m in messages]
