"""Texts through Twilio's REST API with the official client.

`classify` is the one place a Twilio failure becomes an outcome: retry, ask the provider's log
(unknown), suppress, mark the number invalid, or fail this message.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.sms.base import BaseSmsBackend, SentSms, SmsMessage

SUPPRESS_CODES = {21610: "The number has opted out of texts from us at Twilio (21610)."}
INVALID_NUMBER_CODES = {
    21211: "The number is not a valid phone number (21211).",
    21614: "The number is not a mobile and cannot receive texts (21614).",
}
# Never processed by Twilio, so sending again later cannot make a duplicate.
RETRY_CODES = {20429: "Twilio is busy: too many requests at once (20429)."}
# Refused for this text. In our words: Twilio's own name the phone numbers involved.
FAILED_CODES = {
    20003: "Twilio did not accept our account SID and auth token; check the Twilio settings (20003).",
    21408: "Our Twilio account may not text numbers in this country (21408).",
    21612: "Twilio cannot reach this number by text from our sender (21612).",
    30450: "Twilio's SMS pumping protection blocked the text (30450).",
    30453: "Twilio's SMS pumping protection blocked the text (30453).",
}
FAILURES = (TwilioRestException, TwilioServiceException, requests.RequestException)
# Anything that could be a phone number in Twilio's own words: curators may not see numbers.
PHONE_NUMBER = re.compile(r"\+?\d[\d ().-]{5,}\d")


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


def classify(error: Exception) -> DeliveryError:
    """What a failed call to Twilio means for this message."""
    if isinstance(error, TwilioRestException | TwilioServiceException):
        return _classify_answer(status=error.status, code=error.code, reason=_reason(error))
    if _never_connected(error):
        return DeliveryError(
            "Twilio could not be reached; it will be tried again.", outcome=DeliveryOutcome.RETRY
        )
    return DeliveryError(
        "Twilio did not answer in time; the text may have been sent. Check Twilio's log before resending.",
        outcome=DeliveryOutcome.UNKNOWN,
    )


def _classify_answer(*, status: int, code: int, reason: str) -> DeliveryError:
    if code in SUPPRESS_CODES:
        return DeliveryError(SUPPRESS_CODES[code], outcome=DeliveryOutcome.SUPPRESS, code=code)
    if code in INVALID_NUMBER_CODES:
        return DeliveryError(INVALID_NUMBER_CODES[code], outcome=DeliveryOutcome.INVALID_NUMBER, code=code)
    if code in RETRY_CODES:
        return DeliveryError(RETRY_CODES[code], outcome=DeliveryOutcome.RETRY, code=code)
    if code in FAILED_CODES:
        return DeliveryError(FAILED_CODES[code], outcome=DeliveryOutcome.FAILED, code=code)
    if status >= 500:
        return DeliveryError(
            f"Twilio had a server error (HTTP {status}); it will be tried again.",
            outcome=DeliveryOutcome.RETRY,
            code=code,
        )
    reason = PHONE_NUMBER.sub("[number]", reason).rstrip(".")
    return DeliveryError(
        f"Twilio refused the text: {reason} ({code}).", outcome=DeliveryOutcome.FAILED, code=code
    )


def _reason(error: TwilioRestException | TwilioServiceException) -> str:
    if isinstance(error, TwilioServiceException):
        return error.detail or error.title
    # The client prefixes Twilio's own words with what it was doing ("Unable to create record: ").
    return error.msg.split(": ", 1)[-1]


def _never_connected(error: Exception) -> bool:
    """True only when no byte of the request can have reached Twilio, so resending is safe.

    requests raises ConnectTimeout for a connect timeout, and a ConnectionError wrapping urllib3's
    NewConnectionError for a refused connection or a failed DNS lookup; a connection dropped after
    the request was written is a ConnectionError wrapping something else.
    """
    if isinstance(error, requests.ConnectTimeout):
        return True
    cause = error.args[0] if isinstance(error, requests.ConnectionError) and error.args else None
    return isinstance(getattr(cause, "reason", None), NewConnectionError)


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
            "validity_period": message.validity_seconds or settings.SMS_VALIDITY_SECONDS,
        }
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            params["from_"] = settings.TWILIO_FROM_NUMBER
        if message.status_callback:
            params["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**params)
        except FAILURES as error:
            raise classify(error) from error
        return SentSms(provider_id=created.sid, status=created.status)

    def sent_to(self, *, to: str, since: datetime) -> list[SentSms]:
        """Twilio's own log of texts to a number: how a claim whose outcome was lost is settled."""
        try:
            messages = self.client.messages.list(to=to, date_sent_after=since)
        except FAILURES as error:
            raise classify(error) from error
        return [SentSms(provider_id=m.sid, status=m.status, body=m.body or "") for m in messages]
