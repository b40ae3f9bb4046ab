"""The email services' tracking webhooks: anymail's own views, each service's signature or basic
auth checked exactly as anymail checks it, feeding the `tracking` signal (campaigns.receivers ->
campaigns.email_events). Routed by campaigns.email_urls.

Refused (403) until ANYMAIL_WEBHOOK_SECRET is set: without it anymail would accept anyone's
events for the basic-auth services (Postmark, SendGrid, Brevo...) with only a warning. Inbound
mail views are not mounted: we receive no email.

Two things anymail leaves to us (found by tests/campaigns/test_issue16_attacks_webhooks.py):
- A body anymail cannot read (not JSON, a list, a field of the wrong type) raised a TypeError or
  ValueError: a 500, which services retry for hours. It is a 400 now, like a bad signature; our
  own receivers' errors stay 500s, so a real failure of ours is still retried.
- Mailgun signs only its timestamp and token, not the event: a signature copied from one webhook
  vouched for any event, at any time. Each token now vouches for one body only (the same body
  again is Mailgun's retry, acknowledged), and only while its timestamp is recent.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from functools import wraps

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.utils import get_anymail_setting
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

NOT_SECURED = "Email webhooks are off until ANYMAIL_WEBHOOK_SECRET is set."


def secured(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not get_anymail_setting("webhook_secret", default=[]):
            return HttpResponseForbidden(NOT_SECURED, content_type="text/plain")
        return view(request, *args, **kwargs)

    return guarded


UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError)
# Mailgun retries a webhook for 8 hours; a signature older than this is not one of its retries.
MAILGUN_SIGNATURE_MAX_AGE = 12 * 3600
CLOCK_SKEW = 300


def readable(view_class: type) -> type:
    """The service's view, answering 400 to a body it cannot read instead of a 500."""

    class Readable(view_class):
        def run_validators(self, request: HttpRequest) -> None:
            try:
                super().run_validators(request)
            except UNREADABLE as error:
                raise AnymailWebhookValidationFailure(f"Unreadable {self.esp_name} webhook") from error
            if isinstance(self, MailgunTrackingWebhookView):
                refuse_replayed_mailgun_signature(request)

        def parse_events(self, request: HttpRequest) -> list:
            try:
                return super().parse_events(request)
            except UNREADABLE as error:
                raise AnymailWebhookValidationFailure(f"Unreadable {self.esp_name} webhook") from error

    Readable.__name__ = Readable.__qualname__ = view_class.__name__
    return Readable


def refuse_replayed_mailgun_signature(request: HttpRequest) -> None:
    """After anymail checked the signature: refuse it if stale, or if its token signed another body."""
    if request.content_type == "application/json":
        block = json.loads(request.body)["signature"]
        token, timestamp = str(block["token"]), str(block["timestamp"])
        event = request.body
    else:
        token, timestamp = request.POST["token"], request.POST["timestamp"]
        # A multipart body cannot be read again once parsed: the fields, in order, are the event.
        event = json.dumps(sorted(request.POST.lists())).encode()
    try:
        age = time.time() - float(timestamp)
    except ValueError:
        age = float("inf")
    if not -CLOCK_SKEW <= age <= MAILGUN_SIGNATURE_MAX_AGE:
        raise AnymailWebhookValidationFailure("Mailgun webhook signed too long ago (or in the future)")
    key = "mailgun-webhook-token:" + hashlib.sha256(token.encode()).hexdigest()
    body = hashlib.sha256(event).hexdigest()
    if not cache.add(key, body, timeout=MAILGUN_SIGNATURE_MAX_AGE + CLOCK_SKEW) and cache.get(key) != body:
        raise AnymailWebhookValidationFailure("Mailgun webhook signature already used for another event")
