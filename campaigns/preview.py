"""What a campaign will do before it is launched: who it reaches, what they read, what it costs.

Curators compose in the admin; this is the panel beside the form. Counts come from the same
audience and weekly-limit rules the launch uses (campaigns.selectors, campaigns.sending), in a
fixed handful of GROUP BY queries however large the audience.

The text is shown as compose.sms_body makes it, "useful?" line and STOP footer included, so its
segments and cost are what the provider will charge. It is shown with a made-up first name, never
a real one: the agency curator may not see who the employees are. The cost is still worked out on
everyone's real first name, because a long name, or one with a letter outside GSM-7, can add a
segment or double the price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet, Value
from django.db.models.functions import Concat, StrIndex, Substr, Trim
from django.utils import timezone

from campaigns import compose, sending
from campaigns.models import Campaign, Medium, Subscriber
from campaigns.quiet_hours import SendWindow, zone
from campaigns.selectors import campaign_audience
from campaigns.sms.segments import SegmentCount, count_segments
from campaigns.whatsapp import templates as whatsapp_templates
from curation.models import Placement

SAMPLE_NAME = "Sam"


@dataclass(frozen=True)
class MediumPreview:
    medium: str
    label: str
    audience: int  # reachable now, held back included
    held_back: int  # by the weekly limit: they would get nothing from this campaign
    outside_hours: int  # would wait for their working day to start
    sample_links: bool  # links are stand-ins of the right length: none made until launch
    subject: str = ""
    body: str = ""
    segments: SegmentCount | None = None
    most_segments: int = 0  # the longest text once real first names are in
    estimated_cost: Decimal | None = None
    currency: str = ""
    # WhatsApp: the template's words as they will read, what WhatsApp charges it as, and the free
    # text those inside their 24-hour window get instead.
    template: str = ""
    price_category: str = ""
    free_text: str = ""

    @property
    def to_send(self) -> int:
        return self.audience - self.held_back


@dataclass(frozen=True)
class CampaignPreview:
    media: list[MediumPreview] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sample_name: str = SAMPLE_NAME


def first_word(field_name: str) -> Substr:
    """The display name up to its first space, in SQL, so people can be grouped by first name."""
    trimmed = Trim(field_name)
    return Substr(trimmed, 1, StrIndex(Concat(trimmed, Value(" ")), Value(" ")) - 1)


def send_moment(campaign: Campaign, now: datetime) -> datetime:
    """When the (first) send goes: working hours matter then, not while composing."""
    planned = campaign.next_send_at or campaign.send_at
    return max(planned, now) if planned else now


def sendable_groups(audience: QuerySet[Subscriber], *, now: datetime, by_name: bool) -> list[dict]:
    """Those not held back by the weekly limit, counted per time zone (and first name for texts)."""
    not_capped = audience.annotate(recent=sending.recent_campaigns(now)).filter(
        recent__lt=settings.CAMPAIGN_WEEKLY_CAP
    )
    people = Subscriber.objects.filter(pk__in=not_capped.values("pk")).order_by()
    if by_name:
        people = people.annotate(first=first_word("display_name"))
        return list(people.values("time_zone", "first").annotate(n=Count("pk")))
    return list(people.values("time_zone").annotate(n=Count("pk"), first=Value("")))


def medium_links(campaign: Campaign, medium: str, placements: Sequence[Placement]) -> tuple[list, bool]:
    """The real tracked links once launched; before that, stand-ins of the same length."""
    links = sending.links_for(campaign, medium)
    if links:
        return links, False
    return [compose.SampleLink(placement) for placement in placements], True


def medium_preview(
    campaign: Campaign, medium: str, placements: Sequence[Placement], *, now: datetime
) -> MediumPreview:
    audience = campaign_audience(campaign, medium)
    held_back = (
        audience.annotate(recent=sending.recent_campaigns(now))
        .filter(recent__gte=settings.CAMPAIGN_WEEKLY_CAP)
        .count()
    )
    groups = sendable_groups(audience, now=now, by_name=medium == Medium.SMS)
    window, when = SendWindow.from_settings(), send_moment(campaign, now)
    closed = {tz for tz in {group["time_zone"] for group in groups} if not window.is_open(when, zone(tz))}
    common = {
        "medium": medium,
        "label": Medium(medium).label,
        "audience": held_back + sum(group["n"] for group in groups),
        "held_back": held_back,
        "outside_hours": sum(group["n"] for group in groups if group["time_zone"] in closed),
    }
    links, sample = medium_links(campaign, medium, placements)
    links_text = compose.links_text(links, medium)
    if medium == Medium.WHATSAPP:
        return whatsapp_preview(campaign, links, common, sample=sample)
    if medium == Medium.EMAIL:
        # Each person's "useful?" links are their own: the preview shows stand-ins of that length.
        links_text = compose.sample_email_links(campaign, links)
        return MediumPreview(
            **common,
            sample_links=sample,
            subject=compose.email_subject(campaign, name=SAMPLE_NAME),
            body=compose.email_body(campaign, name=SAMPLE_NAME, links=links_text),
        )
    # Counted once per distinct first name, not once per person.
    per_name: dict[str, int] = {}
    for group in groups:
        words = (group["first"] or "").split()  # as compose.first_name reads a display name
        name = words[0] if words else compose.NO_NAME
        per_name[name] = per_name.get(name, 0) + group["n"]
    segments_for = {
        name: count_segments(compose.sms_body(campaign, name=name, links=links_text)).segments
        for name in per_name
    }
    body = compose.sms_body(campaign, name=SAMPLE_NAME, links=links_text)
    return MediumPreview(
        **common,
        sample_links=sample,
        body=body,
        segments=count_segments(body),
        most_segments=max(segments_for.values(), default=0),
        estimated_cost=Decimal(sum(segments_for[name] * people for name, people in per_name.items()))
        * settings.SMS_PRICE_PER_SEGMENT,
        currency=settings.SMS_PRICE_CURRENCY,
    )


def whatsapp_preview(campaign: Campaign, links: Sequence, common: dict, *, sample: bool) -> MediumPreview:
    """The template with its variables filled, as a person outside their window reads it."""
    line = whatsapp_templates.links_line(links)
    template = campaign.whatsapp_template
    return MediumPreview(
        **common,
        sample_links=sample,
        body=whatsapp_templates.template_body(campaign, name=SAMPLE_NAME, links=line),
        template=str(template) if template else "",
        price_category=whatsapp_templates.price_category(template),
        free_text=whatsapp_templates.free_text(campaign, name=SAMPLE_NAME, links=line),
    )


def campaign_preview(campaign: Campaign, *, now: datetime | None = None) -> CampaignPreview:
    """Each medium the campaign sends, as it stands now, and what stops it being launched."""
    now = now or timezone.now()
    placements = list(campaign.placements.select_related("item", "channel"))
    return CampaignPreview(
        media=[
            medium_preview(campaign, medium, placements, now=now)
            for medium in Medium
            if campaign.sends(medium)
        ],
        problems=sending.problems(campaign),
    )
