"""What a campaign will do before it is launched: who it reaches, what they read, what it costs.

Curators compose in the admin; this is the panel beside the form. Counts come from the same
audience and weekly-limit rules the launch uses (campaigns.selectors, campaigns.sending), in a
fixed handful of GROUP BY queries however large the audience.

The text is shown as compose.sms_body makes it, "useful?" line and STOP footer included, so its
segments and cost are what the provider will charge. It is shown with a made-up first name, never
a real one: the agency curator may not see who the employees are. The cost is still worked out on
everyone's real first name, because a long name, or one with a letter outside GSM-7, can add a
segment or double the price.

Each language the message is written in is shown on its own (campaigns.compose picks a person's
language, or the default words where their language has none): its words, its segments and
encoding, the people who will read it (those falling back to the default counted with the
default), and its cost. A translation can change the price: one letter outside GSM-7 ("ê", "ç",
any Arabic) turns the text into UCS-2, 70 characters a segment instead of 160. Counts here are
exact, as the rest of this panel's are: it says who a send reaches before it goes, and publishes
nothing (the weekly review's rounding, analytics.privacy, is for figures about what people did).
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
from campaigns.models import Campaign, Medium, Subscriber, TeamChannelKind
from campaigns.quiet_hours import SendWindow, zone
from campaigns.selectors import campaign_audience
from campaigns.sms.segments import SegmentCount, count_segments, is_gsm7
from campaigns.team_channels import services as team_posting
from campaigns.team_channels.base import ChannelPost
from campaigns.whatsapp import templates as whatsapp_templates
from curation.models import Placement

SAMPLE_NAME = "Sam"


@dataclass(frozen=True)
class VariantPreview:
    """One language's message for one medium, and who reads it."""

    language: str
    label: str
    is_default: bool
    recipients: int  # to be sent it now: its readers, held back left out
    fallback_from: list[tuple[str, int]]  # (language, people) with no words of their own, reading these
    subject: str = ""
    body: str = ""
    segments: SegmentCount | None = None
    most_segments: int = 0
    estimated_cost: Decimal | None = None
    outside_gsm7: str = ""  # the characters that made a text UCS-2, for the curator to find
    # WhatsApp: the template these readers get (their language's, or the campaign's own) and the
    # free text they get instead inside their 24-hour window.
    template: str = ""
    free_text: str = ""

    @property
    def cost_per_text(self) -> Decimal | None:
        if self.segments is None:
            return None
        return max(self.segments.segments, self.most_segments) * settings.SMS_PRICE_PER_SEGMENT


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
    price_per_segment: Decimal | None = None
    variants: list[VariantPreview] = field(default_factory=list)  # the default's first

    @property
    def to_send(self) -> int:
        return self.audience - self.held_back


@dataclass(frozen=True)
class TeamPostPreview:
    """The post every channel of one kind gets: the same words for all, naming nobody."""

    kind: str  # "Microsoft Teams"
    channels: list[str]
    post: ChannelPost
    sample_links: bool


@dataclass(frozen=True)
class CampaignPreview:
    media: list[MediumPreview] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sample_name: str = SAMPLE_NAME
    team_posts: list[TeamPostPreview] = field(default_factory=list)


def first_word(field_name: str) -> Substr:
    """The display name up to its first space, in SQL, so people can be grouped by first name."""
    trimmed = Trim(field_name)
    return Substr(trimmed, 1, StrIndex(Concat(trimmed, Value(" ")), Value(" ")) - 1)


def send_moment(campaign: Campaign, now: datetime) -> datetime:
    """When the (first) send goes: working hours matter then, not while composing."""
    planned = campaign.next_send_at or campaign.send_at
    return max(planned, now) if planned else now


def sendable_groups(audience: QuerySet[Subscriber], *, now: datetime, by_name: bool) -> list[dict]:
    """Those not held back by the weekly limit, counted per time zone and language (and first name
    for texts)."""
    not_capped = audience.annotate(recent=sending.recent_campaigns(now)).filter(
        recent__lt=settings.CAMPAIGN_WEEKLY_CAP
    )
    people = Subscriber.objects.filter(pk__in=not_capped.values("pk")).order_by()
    if by_name:
        people = people.annotate(first=first_word("display_name"))
        return list(people.values("time_zone", "language", "first").annotate(n=Count("pk")))
    return list(people.values("time_zone", "language").annotate(n=Count("pk"), first=Value("")))


def outside_gsm7(text: str) -> str:
    """The first few distinct characters that keep a text out of GSM-7, as the curator typed them."""
    return " ".join([char for char in dict.fromkeys(text) if not is_gsm7(char)][:6])


def language_order(code: str) -> int:
    """Where a language comes in settings.LANGUAGES: the order every list of them follows."""
    codes = [known for known, _ in settings.LANGUAGES]
    return codes.index(code) if code in codes else len(codes)


def falling_back(people: dict[str, int]) -> list[tuple[str, int]]:
    """(language name, people) reading another language's words, in settings.LANGUAGES order."""
    return [
        (compose.language_name(language), n)
        for language, n in sorted(people.items(), key=lambda item: language_order(item[0]))
    ]


def languages_shown(campaign: Campaign, medium: str) -> list[str]:
    """The default language, then each language with words of its own for this medium."""
    return [settings.LANGUAGE_CODE] + [
        code
        for code, _ in settings.LANGUAGES
        if code != settings.LANGUAGE_CODE and compose.words_for(campaign, medium, code).language == code
    ]


def variant_previews(
    campaign: Campaign, medium: str, groups: list[dict], links: Sequence
) -> list[VariantPreview]:
    """Each language's words with the people who read them, costed on their own first names, and
    the lines we add (STOP, "useful?", an email's buttons and unsubscribe link) in those words'
    language, as compose adds them when sending."""
    links_text = compose.links_text(links, medium)
    shown = languages_shown(campaign, medium)
    # Keyed by the words' language: people per first name, and per reader's language falling back.
    readers: dict[str, dict[str, int]] = {code: {} for code in shown}
    fallback: dict[str, dict[str, int]] = {code: {} for code in shown}
    for group in groups:
        words_in = compose.words_for(campaign, medium, group["language"]).language
        words = (group["first"] or "").split()  # as compose.first_name reads a display name
        name = words[0] if words else ""  # no name: compose greets them in the words' language
        readers[words_in][name] = readers[words_in].get(name, 0) + group["n"]
        if group["language"] != words_in:
            fallback[words_in][group["language"]] = fallback[words_in].get(group["language"], 0) + group["n"]
    variants = []
    for code in shown:
        common = {
            "language": code,
            "label": compose.language_name(code),
            "is_default": code == settings.LANGUAGE_CODE,
            "recipients": sum(readers[code].values()),
            "fallback_from": falling_back(fallback[code]),
        }
        if medium == Medium.EMAIL:
            variants.append(
                VariantPreview(
                    **common,
                    subject=compose.email_subject(campaign, name=SAMPLE_NAME, language=code),
                    body=compose.email_text(
                        campaign,
                        name=SAMPLE_NAME,
                        # Each person's "useful?" links are their own: stand-ins of that length.
                        links=compose.sample_email_links(campaign, links, language=code),
                        unsubscribe=compose.sample_unsubscribe_url(),
                        language=code,
                    ),
                )
            )
            continue

        # Counted once per distinct first name, not once per person.
        def segments(name: str, language: str = code) -> int:
            return count_segments(
                compose.sms_body(campaign, name=name, links=links_text, language=language)
            ).segments

        segments_for = {name: segments(name) for name in readers[code]}
        body = compose.sms_body(campaign, name=SAMPLE_NAME, links=links_text, language=code)
        variants.append(
            VariantPreview(
                **common,
                body=body,
                segments=count_segments(body),
                most_segments=max(segments_for.values(), default=0),
                estimated_cost=Decimal(sum(segments_for[name] * n for name, n in readers[code].items()))
                * settings.SMS_PRICE_PER_SEGMENT,
                outside_gsm7=outside_gsm7(body),
            )
        )
    return variants


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
    if medium == Medium.WHATSAPP:
        return whatsapp_preview(campaign, links, common, groups, sample=sample)
    variants = variant_previews(campaign, medium, groups, links)
    default = variants[0]
    if medium == Medium.EMAIL:
        return MediumPreview(
            **common, sample_links=sample, subject=default.subject, body=default.body, variants=variants
        )
    return MediumPreview(
        **common,
        sample_links=sample,
        body=default.body,
        segments=default.segments,
        most_segments=max(variant.most_segments for variant in variants),
        estimated_cost=sum((variant.estimated_cost for variant in variants), Decimal(0)),
        currency=settings.SMS_PRICE_CURRENCY,
        price_per_segment=settings.SMS_PRICE_PER_SEGMENT,
        variants=variants,
    )


def whatsapp_preview(
    campaign: Campaign, links: Sequence, common: dict, groups: list[dict], *, sample: bool
) -> MediumPreview:
    """The template with its variables filled, as a person outside their window reads it, and
    each language's template and free text with its readers."""
    line = whatsapp_templates.links_line(links)
    template = campaign.whatsapp_template
    return MediumPreview(
        **common,
        sample_links=sample,
        body=whatsapp_templates.template_body(campaign, name=SAMPLE_NAME, links=line),
        template=str(template) if template else "",
        price_category=whatsapp_templates.price_category(template),
        free_text=whatsapp_templates.free_text(campaign, name=SAMPLE_NAME, links=line),
        variants=whatsapp_variants(campaign, groups, line),
    )


def team_post_previews(campaign: Campaign, placements: Sequence[Placement]) -> list[TeamPostPreview]:
    """Per kind of channel chosen: its post, as the channels will show it."""
    channels = list(campaign.team_channels.order_by("name"))
    previews = []
    for kind in TeamChannelKind:
        names = [channel.name for channel in channels if channel.kind == kind]
        if names:
            links, sample = medium_links(campaign, kind, placements)
            previews.append(
                TeamPostPreview(
                    kind=kind.label,
                    channels=names,
                    post=team_posting.post_with(campaign, links),
                    sample_links=sample,
                )
            )
    return previews


def whatsapp_variants(campaign: Campaign, groups: list[dict], line: str) -> list[VariantPreview]:
    """The default language, then each language with a template or free text of its own; readers
    of any other language counted with the default, whose template and free text they get."""
    own = campaign.whatsapp_template

    def has_own(code: str) -> bool:
        template = whatsapp_templates.template_for(campaign, code)
        return template != own or compose.whatsapp_words(campaign, code).language == code

    shown = [settings.LANGUAGE_CODE] + [
        code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE and has_own(code)
    ]
    readers = dict.fromkeys(shown, 0)
    fallback: dict[str, dict[str, int]] = {code: {} for code in shown}
    for group in groups:
        code = group["language"] if group["language"] in shown else settings.LANGUAGE_CODE
        readers[code] += group["n"]
        if code != group["language"]:
            fallback[code][group["language"]] = fallback[code].get(group["language"], 0) + group["n"]
    variants = []
    for code in shown:
        template = whatsapp_templates.template_for(campaign, code)
        variants.append(
            VariantPreview(
                language=code,
                label=compose.language_name(code),
                is_default=code == settings.LANGUAGE_CODE,
                recipients=readers[code],
                fallback_from=falling_back(fallback[code]),
                template=f"{template} in “{template.language}”" if template else "",
                body=whatsapp_templates.template_body(campaign, name=SAMPLE_NAME, links=line, language=code),
                free_text=whatsapp_templates.free_text(campaign, name=SAMPLE_NAME, links=line, language=code),
            )
        )
    return variants


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
        team_posts=team_post_previews(campaign, placements),
    )
