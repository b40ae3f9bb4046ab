"""Content templates: refreshed from the provider, checked against a campaign, filled per person.

A campaign names an approved template and says what fills each of its {{n}} variables: the
person's first name, the campaign's links, or fixed words ({"1": "first_name", "2": "links"}).
WhatsApp refuses a variable holding a new line, a tab or more than four spaces in a row, so the
links go in on one line, separated by spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns import compose
from campaigns.delivery_errors import DeliveryError
from campaigns.models import (
    Campaign,
    MediaPreference,
    Medium,
    TemplateApproval,
    TemplateCategory,
    TrackedLink,
    WhatsAppTemplate,
)
from campaigns.whatsapp import get_backend
from campaigns.whatsapp.base import TemplateInfo

VARIABLE = re.compile(r"\{\{\s*(\d{1,3})\s*\}\}")
NAMED = {"first_name", "links"}  # a variable's value that is one of these is filled per person
NOT_IN_A_VARIABLE = re.compile(r"[\n\t]| {5,}")
MAX_VARIABLES = 100  # Twilio's limit on ContentVariables


@dataclass(frozen=True)
class Refreshed:
    added: int = 0
    updated: int = 0


def save_template(info: TemplateInfo, *, now=None) -> WhatsAppTemplate:
    template, _ = WhatsAppTemplate.objects.update_or_create(
        content_sid=info.content_sid,
        defaults={
            "name": info.name[:200],
            "language": info.language[:20],
            "body": info.body,
            "sample_variables": info.sample_variables,
            "category": info.category,
            "approval": info.approval,
            "rejection_reason": info.rejection_reason,
            "checked_at": now or timezone.now(),
        },
    )
    return template


def refresh_templates() -> Refreshed:
    """Every template on the provider's account, with WhatsApp's approval as it is now. Templates
    gone from the account stay (campaigns may name them) but are not touched, so their
    checked-at time shows they are stale. Raises ValidationError in plain words on failure."""
    try:
        found = get_backend().templates()
    except DeliveryError as error:
        raise ValidationError(f"Could not read the templates from Twilio: {error.message}") from error
    known = set(WhatsAppTemplate.objects.values_list("content_sid", flat=True))
    now = timezone.now()
    with transaction.atomic():
        for info in found:
            save_template(info, now=now)
    added = sum(1 for info in found if info.content_sid not in known)
    return Refreshed(added=added, updated=len(found) - added)


def refresh_template(template: WhatsAppTemplate) -> WhatsAppTemplate:
    """Ask the provider afresh about one template (its approval request)."""
    try:
        info = get_backend().template(template.content_sid)
    except (DeliveryError, KeyError) as error:
        reason = error.message if isinstance(error, DeliveryError) else "it is no longer on the account"
        raise ValidationError(f"Could not refresh “{template.name}” from Twilio: {reason}") from error
    return save_template(info)


def variable_numbers(body: str) -> set[str]:
    return {match.group(1) for match in VARIABLE.finditer(body)}


def fill_template(body: str, values: dict[str, str]) -> str:
    """The template's words with its variables filled in, as the person will read them."""
    return VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), body)


def links_line(links: Sequence[TrackedLink]) -> str:
    return " ".join(compose.link_url(link.token) for link in links)


def content_variables(campaign: Campaign, *, name: str, links: str) -> dict[str, str]:
    """What the template's variables hold for one person."""
    values = {}
    variables = campaign.whatsapp_variables if isinstance(campaign.whatsapp_variables, dict) else {}
    for key, value in variables.items():
        text = str(value).strip()
        if text in NAMED:
            values[str(key)] = name if text == "first_name" else links
        else:
            values[str(key)] = compose.fill(text, name=name, links=links)
    return values


def language_key(code: str) -> str:
    """The language alone: WhatsApp writes "en" or "en_GB", Django "en-gb"; a reader is one reader."""
    return code.replace("_", "-").split("-")[0].strip().lower()


def templates_by_language(campaign: Campaign) -> dict[str, WhatsAppTemplate]:
    """The campaign's template in each language: its own, and every approved template of the same
    name whose variables are the same numbers (the campaign says what fills them, once for all).
    Read once per campaign object (a batch, a preview), never a query per recipient."""
    cached = campaign.__dict__.get("_whatsapp_templates_by_language")
    if cached is None:
        cached = {}
        own = campaign.whatsapp_template
        if own is not None:
            needed = variable_numbers(own.body)
            same_name = (
                WhatsAppTemplate.objects.filter(name=own.name, approval=TemplateApproval.APPROVED)
                .exclude(pk=own.pk)
                .order_by("language", "content_sid")
            )
            for template in same_name:
                if variable_numbers(template.body) == needed:
                    cached.setdefault(language_key(template.language), template)
            cached[language_key(own.language)] = own  # the campaign's own choice wins its language
        campaign.__dict__["_whatsapp_templates_by_language"] = cached
    return cached


def template_for(campaign: Campaign, language: str | None) -> WhatsAppTemplate | None:
    """The approved template in the reader's language, else the campaign's own."""
    own = campaign.whatsapp_template
    if own is None or not language:
        return own
    return templates_by_language(campaign).get(language_key(language), own)


def template_body(campaign: Campaign, *, name: str, links: str, language: str | None = None) -> str:
    template = template_for(campaign, language)
    return (
        fill_template(template.body, content_variables(campaign, name=name, links=links)) if template else ""
    )


def free_text(campaign: Campaign, *, name: str, links: str, language: str | None = None) -> str:
    """The free text sent to those inside their window, in their language where the campaign has
    it, with the lines a text carries (compose.whatsapp_free_text)."""
    return compose.whatsapp_free_text(campaign, name=name, links=links, language=language)


def price_category(template: WhatsAppTemplate | None) -> str:
    if template is None or not template.category:
        return "not known until WhatsApp categorises the template"
    return TemplateCategory(template.category).label.lower()


def problems(campaign: Campaign) -> list[str]:
    """Why the campaign's WhatsApp message cannot go, in the curator's words; empty when it can."""
    template = campaign.whatsapp_template
    if template is None:
        return [
            "Choose an approved WhatsApp template: outside the 24-hour window WhatsApp accepts nothing else."
        ]
    found = []
    # A journey step has no segments (its audience is whoever is enrolled); a campaign with none is
    # told so by campaigns.sending.problems.
    segments = list(campaign.segments.all()) if campaign.pk else []
    takes_whatsapp = [MediaPreference(segment.medium).includes(Medium.WHATSAPP) for segment in segments]
    if segments and not any(takes_whatsapp):
        found.append(
            "None of the chosen segments takes WhatsApp: choose one whose medium includes WhatsApp "
            "(“Texts, WhatsApp and emails”, for instance)."
        )
    if not template.is_approved:
        found.append(
            f"The WhatsApp template “{template.name}” is {template.get_approval_display().lower()}, "
            "not approved: refresh it from Twilio, or choose an approved one."
        )
    variables = campaign.whatsapp_variables
    if not isinstance(variables, dict):
        return [*found, 'Give the template variables as {"1": "first_name", "2": "links"}.']
    needed, given = variable_numbers(template.body), {str(key) for key in variables}
    if missing := sorted(needed - given, key=int):
        found.append("Say what fills the template's " + ", ".join(f"{{{{{n}}}}}" for n in missing) + ".")
    if extra := sorted(given - needed):
        found.append("The template has no " + ", ".join(f"{{{{{n}}}}}" for n in extra) + ".")
    if len(given) > MAX_VARIABLES:
        found.append(f"A template takes at most {MAX_VARIABLES} variables.")
    if not any(str(value).strip() == "links" or "{links}" in str(value) for value in variables.values()):
        found.append("Put links in one of the template's variables: that is where the tracked links go.")
    for key, value in variables.items():
        if NOT_IN_A_VARIABLE.search(str(value)):
            found.append(f"Variable {key} may not hold a new line, a tab or five spaces in a row.")
        text = str(value).strip()
        if text not in NAMED:
            try:
                compose.check_placeholders(text)
            except ValidationError as error:
                found.extend(f"In variable {key}: {message}" for message in error.messages)
    if campaign.whatsapp_text.strip():
        try:
            compose.check_placeholders(campaign.whatsapp_text)
        except ValidationError as error:
            found.extend(f"In the WhatsApp free text: {message}" for message in error.messages)
        if "{links}" not in campaign.whatsapp_text:
            found.append("Put {links} in the WhatsApp free text: that is where the tracked links go.")
    return found
