"""The email services' tracking webhooks: anymail's own views at /anymail/<service>/tracking/, each
service's signature or basic auth checked exactly as anymail checks it, feeding the `tracking`
signal (campaigns.receivers -> campaigns.email_events).

Refused (403) until ANYMAIL_WEBHOOK_SECRET is set: without it anymail would accept anyone's
events for the basic-auth services (Postmark, SendGrid, Brevo...) with only a warning. Inbound
mail views are not mounted: we receive no email.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from anymail.utils import get_anymail_setting
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

app_name = "anymail"  # anymail's own names: reverse("anymail:postmark_tracking_webhook")

NOT_SECURED = "Email webhooks are off until ANYMAIL_WEBHOOK_SECRET is set."


def secured(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not get_anymail_setting("webhook_secret", default=[]):
            return HttpResponseForbidden(NOT_SECURED, content_type="text/plain")
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    path(str(pattern.pattern), secured(pattern.callback), name=pattern.name)
    for pattern in anymail_urls.urlpatterns
    if pattern.name.endswith("_tracking_webhook")
]
