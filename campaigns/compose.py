"""What a campaign's messages say: the few placeholders curators may use, filled in per person.

Placeholders are replaced by name from a fixed list, never with str.format or a template engine,
so a message cannot reach into objects ("{first_name.__class__}") or run template tags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import Campaign, Medium, Subscriber, TrackedLink
from campaigns.tokens import public_url

PLACEHOLDERS = ("first_name", "links")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
NO_NAME = "there"  # "Hi {first_name}" reads "Hi there" when we hold no name
STOP_FOOTER = "Reply STOP to stop"
# Same length as a real tracked link's token (token_urlsafe(16)), so a preview counts true segments.
SAMPLE_TOKEN = "x" * 22


def check_placeholders(text: str) -> None:
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        found = ", ".join(f"{{{name}}}" for name in unknown)
        raise ValidationError(f"Unknown placeholder {found}: use only {allowed}.")


def first_name(subscriber: Subscriber | None) -> str:
    name = (subscriber.display_name if subscriber else "").split()
    return name[0] if name else NO_NAME


def link_url(token: str) -> str:
    return public_url(reverse("campaigns:tracked-link", args=[token]))


def links_text(links: Sequence[TrackedLink], medium: str) -> str:
    if medium == Medium.SMS:  # Every character costs in a text: addresses only.
        return "\n".join(link_url(link.token) for link in links)
    return "\n\n".join(f"{link.placement.item.title}\n{link_url(link.token)}" for link in links)


def fill(template: str, *, name: str, links: str) -> str:
    values = {"first_name": name, "links": links}
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def sms_body(campaign: Campaign, *, name: str, links: str) -> str:
    body = fill(campaign.sms_text, name=name, links=links).strip()
    if STOP_FOOTER.lower() not in body.lower():
        body = f"{body}\n{STOP_FOOTER}"
    return body


def email_body(campaign: Campaign, *, name: str, links: str) -> str:
    return fill(campaign.email_body, name=name, links=links).strip()


def email_subject(campaign: Campaign, *, name: str) -> str:
    return fill(campaign.email_subject, name=name, links="").strip()


class SampleLink:
    """Stands in for a TrackedLink not made yet (a draft): same title, same address length."""

    token = SAMPLE_TOKEN

    def __init__(self, placement) -> None:
        self.placement = placement
