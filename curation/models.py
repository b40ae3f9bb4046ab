from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from channels.models import Channel, MetricSource


class Format(models.TextChoices):
    VIDEO = "video", "Video"
    IMAGE_POST = "image_post", "Image post"
    PIN = "pin", "Pin"
    HOW_TO = "how_to", "How-to guide"
    BLOG_POST = "blog_post", "Blog post"
    HASHTAG = "hashtag", "Hashtag"
    CHAT_THREAD = "chat_thread", "Chat thread"
    CURATED_FEED = "curated_feed", "Curated feed"
    OTHER = "other", "Other"


class Stage(models.TextChoices):
    """Where an item sits on the learner power continuum: how much facilitation it gets."""

    EMBEDDED = "embedded", "Embedded"
    DIGITAL_BLENDED = "digital_blended", "Digital blended"
    FACILITATED = "facilitated", "Facilitated"
    UNFACILITATED = "unfacilitated", "Unfacilitated"


class Sensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    BUSINESS_SENSITIVE = "business_sensitive", "Business-sensitive"
    COMPLIANCE = "compliance", "Compliance"


# Content of these kinds stays in the LMS and on private channels, never on a public one.
RESTRICTED_SENSITIVITIES = frozenset({Sensitivity.BUSINESS_SENSITIVE, Sensitivity.COMPLIANCE})


class Lifecycle(models.TextChoices):
    IDEA = "idea", "Idea"
    IN_PRODUCTION = "in_production", "In production"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContentItem(models.Model):
    """A piece of learning content, whichever channels it is published on."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="One or two sentences employees would read.")
    format = models.CharField(max_length=20, choices=Format.choices)
    topics = models.ManyToManyField(Topic, related_name="items", blank=True)
    stage = models.CharField(
        "learner power stage",
        max_length=20,
        choices=Stage.choices,
        help_text="Embedded: micro-learning in the flow of work. Digital blended: digitally curated "
        "content. Facilitated: curated and moderated by a person. Unfacilitated: self-sustaining, "
        "employees create and share.",
    )
    sensitivity = models.CharField(
        max_length=20,
        choices=Sensitivity.choices,
        default=Sensitivity.PUBLIC,
        help_text="Business-sensitive and compliance content never goes on a public channel.",
    )
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.IDEA)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_items",
        limit_choices_to={"is_staff": True},
        help_text="The curator who looks after this item.",
    )
    live_since = models.DateField(null=True, blank=True, editable=False)
    retired_on = models.DateField(null=True, blank=True, editable=False)
    retired_reason = models.TextField(blank=True, editable=False)
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        editable=False,
        help_text="The live item that replaces this one once retired.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[topics])

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["lifecycle", "sensitivity"])]
        constraints = [
            models.CheckConstraint(
                name="item_retired_has_date_and_reason",
                condition=~Q(lifecycle="retired") | (Q(retired_on__isnull=False) & ~Q(retired_reason="")),
                violation_error_message="A retired item needs the date and the reason.",
            ),
            models.CheckConstraint(
                name="item_is_not_its_own_successor",
                condition=~Q(successor=F("pk")),
                violation_error_message="An item cannot succeed itself.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity in RESTRICTED_SENSITIVITIES

    def clean(self) -> None:
        # Imported here: compliance reads placements, which are defined below.
        from curation.compliance import check_item_sensitivity

        if self.pk:
            check_item_sensitivity(item=self)


YOUTUBE_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def youtube_video_id(url: str) -> str:
    """The 11-character id in watch?v=, youtu.be/, /shorts/ or /embed/ URLs, or ''."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    candidate = ""
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif host.endswith("youtube.com"):
        if parts.path == "/watch":
            candidate = parse_qs(parts.query).get("v", [""])[0]
        elif parts.path.startswith(("/shorts/", "/embed/", "/live/")):
            candidate = parts.path.split("/")[2]
    return candidate if YOUTUBE_VIDEO_ID.match(candidate) else ""


class Placement(models.Model):
    """A content item published on a channel: the link employees follow and analytics report on."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="placements")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="placements")
    url = models.URLField("URL", max_length=500, help_text="The item's address on the platform (https).")
    external_id = models.CharField(
        "platform id",
        max_length=300,
        blank=True,
        help_text="YouTube video id, or the GA4 page path (/learning/...). Filled in from the URL "
        "when it can be.",
    )
    published_on = models.DateField(null=True, blank=True)
    is_reachable = models.BooleanField(
        "reachable",
        default=True,
        help_text="Cleared when the link checker finds the page gone or made private.",
    )
    reachability_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item__title", "channel__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "channel", "url"],
                name="placement_unique_item_channel_url",
                violation_error_message="This item is already placed at this URL on this channel.",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="placement_unique_channel_external_id",
                violation_error_message="Another placement on this channel has the same platform id.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} on {self.channel.name}"

    def clean(self) -> None:
        from curation.compliance import check_placement

        if not self.url or not self.channel_id:
            return  # The field errors already say what is missing.
        # An item being added in the same admin form has no pk yet, but its fields are known.
        if self.item_id is not None or Placement.item.is_cached(self):
            check_placement(item=self.item, channel=self.channel)
        errors: dict[str, str] = {}
        if urlsplit(self.url).scheme != "https":
            errors["url"] = "Use the https:// address: employees open these links on their phones."
        elif not self.channel.hosts_url(self.url):
            hosts = ", ".join(self.channel.allowed_hosts)
            errors["url"] = f"This address is not on {self.channel.name}: expected a link on {hosts}."
        if not self.external_id:
            self.external_id = self._external_id_from_url()
        if self.channel.metric_source == MetricSource.GA4:
            prefix = self.channel.ga4_path_prefix or "/"
            if not self.external_id.startswith(prefix):
                errors["external_id"] = f"The GA4 page path must start with {prefix}."
        elif self.channel.metric_source == MetricSource.YOUTUBE and not YOUTUBE_VIDEO_ID.match(
            self.external_id
        ):
            errors["external_id"] = "Give the 11-character YouTube video id (or a watch URL)."
        if errors:
            raise ValidationError(errors)

    def _external_id_from_url(self) -> str:
        if self.channel.metric_source == MetricSource.GA4:
            return urlsplit(self.url).path or "/"
        if self.channel.metric_source == MetricSource.YOUTUBE:
            return youtube_video_id(self.url)
        return ""
