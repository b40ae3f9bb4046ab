"""Twilio webhook signatures, checked against the configured public address.

The URL Twilio signed is rebuilt from settings.PUBLIC_BASE_URL and the request path, never from
Host or X-Forwarded-* headers, which whoever sends the request controls.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

View = Callable[..., HttpResponse]


def signed_by_twilio(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


def twilio_webhook(view: View) -> View:
    """POST only, no CSRF token (Twilio has none), and 403 unless Twilio signed it."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not signed_by_twilio(request):
            return HttpResponseForbidden("Invalid Twilio signature.")
        return view(request, *args, **kwargs)

    return csrf_exempt(require_POST(checked))
