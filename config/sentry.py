"""Error reports to Sentry (or any service speaking its protocol) when SENTRY_DSN is set.

A report says what broke and where, never who it happened to: what leaves is scrubbed as the
logs are (config.redaction: tokens in paths, query strings, email addresses, phone numbers),
and what the SDK would add about the person is left out or removed:

- send_default_pii off: no user, no client address, no cookies; and no frame's local variables,
  which would hold a text's body, a number or a sign-up code whatever the key is called;
- a request keeps its method and its path (token redacted), nothing else: headers (User-Agent,
  X-Forwarded-For, Authorization), cookies, query string and body are dropped;
- every other string (messages, exception values, breadcrumbs, tags, extra) is redacted, and
  values under keys such as phone, email or code are replaced by the SDK's own scrubber.

A report is tagged with the ids its log lines carry (request_id, task_id, campaign_id, ...).
"""

from __future__ import annotations

import warnings
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from config import logging_context
from config.redaction import redact_all

# Keys whose values are ours and personal, wherever they appear (extra, breadcrumb data, ...).
PERSONAL_KEYS = [
    "phone",
    "email",
    "display_name",
    "name",
    "link_key",
    "code",
    "invitation_code",
    "to",
    "from",
    "body",
    "user_agent",
    "http_user_agent",
    "referer",
    "http_referer",
    "x_forwarded_for",
    "x-forwarded-for",
    "remote_addr",
    "ip_address",
]

# Outgoing requests' breadcrumbs keep the address apart from its query (Twilio's list by number).
_BREADCRUMB_DROPPED = ("http.query", "http.fragment")

Event = dict[str, Any]


def scrub_event(event: Event, hint: dict[str, Any]) -> Event:
    # The log's ids (request, task, campaign, sync run) as tags: from a report to its log lines.
    tags = event.setdefault("tags", {})
    for name, value in logging_context.current().items():
        tags.setdefault(name, str(value))
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {
            key: request[key] for key in ("method", "url") if isinstance(request.get(key), str)
        }
    return redact_all(event)


def scrub_breadcrumb(crumb: Event, hint: dict[str, Any]) -> Event:
    data = crumb.get("data")
    if isinstance(data, dict):
        for key in _BREADCRUMB_DROPPED:
            data.pop(key, None)
    return redact_all(crumb)


def init(*, dsn: str, environment: str, traces_sample_rate: float, release: str = "") -> bool:
    """Starts reporting; with no DSN, nothing is sent and nothing is installed. True if started."""
    if not dsn:
        return False
    with warnings.catch_warnings():
        # 2.x says send_default_pii gives way to data_collection in 3.0; said explicitly here
        # because nothing personal may be sent, and data_collection would switch off the scrubbers.
        warnings.filterwarnings(
            "ignore", message="The send_default_pii option is deprecated", category=DeprecationWarning
        )
        sentry_sdk.init(
            dsn=dsn,
            environment=environment or None,
            release=release or None,
            traces_sample_rate=traces_sample_rate,
            integrations=[DjangoIntegration(), CeleryIntegration()],
            send_default_pii=False,
            include_local_variables=False,
            max_request_body_size="never",
            event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + PERSONAL_KEYS, recursive=True),
            before_send=scrub_event,
            before_send_transaction=scrub_event,
            before_breadcrumb=scrub_breadcrumb,
        )
    return True
