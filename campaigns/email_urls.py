"""Routes for the email services' tracking webhooks at /anymail/<service>/tracking/: anymail's own
paths and names (reverse("anymail:postmark_tracking_webhook")), each view wrapped by
campaigns.views.email_webhooks. Inbound mail views are not mounted: we receive no email.
"""

from __future__ import annotations

from anymail import urls as anymail_urls
from django.urls import path

from campaigns.views.email_webhooks import readable, secured

app_name = "anymail"

urlpatterns = [
    path(
        str(pattern.pattern),
        secured(readable(pattern.callback.view_class).as_view(**pattern.callback.view_initkwargs)),
        name=pattern.name,
    )
    for pattern in anymail_urls.urlpatterns
    if pattern.name.endswith("_tracking_webhook")
]
