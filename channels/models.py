from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from channels.destinations import check_destination, check_public_url, public_host
from channels.signals import validating_channel


class Platform(models.TextChoices):
    YOUTUBE = "youtube", "YouTube"
    INSTAGRAM = "instagram", "Instagram"
    PINTEREST = "pinterest", "Pinterest"
    WIKIHOW = "wikihow", "WikiHow"
    BLOG = "blog", "Blog / website"
    TWITTER = "twitter", "Twitter / X"
    YAMMER = "yammer", "Yammer / Viva Engage"
    CURATED_FEED = "curated_feed", "Curated feed (e.g. Anders Pink)"
    OTHER = "other", "Other"


# Hosts a channel and its placements on each platform may live on (subdomains included).
# Tracked links (campaigns) redirect only to these, so a typo cannot send employees elsewhere.
# Blogs and other sites have no fixed host: there the channel's own URL names it.
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    Platform.YOUTUBE: ("youtube.com", "youtu.be"),
    Platform.INSTAGRAM: ("instagram.com",),
    Platform.PINTEREST: ("pinterest.com", "pin.it"),
    Platform.WIKIHOW: ("wikihow.com",),
    Platform.TWITTER: ("x.com", "twitter.com"),
    Platform.YAMMER: ("yammer.com", "engage.cloud.microsoft"),
    Platform.CURATED_FEED: ("anderspink.com",),
}


class Ownership(models.TextChoices):
    OWNED = "owned", "Owned"
    THIRD_PARTY = "third_party", "Third-party"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Unlisted / private"


class Cost(models.TextChoices):
    FREE = "free", "Free"
    PREPAID = "prepaid", "Pre-paid licence"


class MetricSource(models.TextChoices):
    GA4 = "ga4", "Google Analytics 4"
    YOUTUBE = "youtube", "YouTube Analytics"
    CSV_IMPORT = "csv_import", "CSV import of the platform's export"
    CLICKS_ONLY = "clicks_only", "Tracked-link clicks only"


# What a curator can expect to see on the weekly review for each source.
MEASURES: dict[str, str] = {
    MetricSource.GA4: "Page views, sessions, engagement time and campaign attribution",
    MetricSource.YOUTUBE: "Views, watch time, average view duration and drop-out curves",
    MetricSource.CSV_IMPORT: "Whatever the platform's own export holds (views, likes, saves...)",
    MetricSource.CLICKS_ONLY: "Clicks on our tracked links only",
}


class Channel(models.Model):
    """An external place content lives on: a YouTube channel, a blog, a hashtag, a Yammer community."""

    name = models.CharField(max_length=120, unique=True)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    url = models.URLField("URL", help_text="The channel's home page, as employees would open it.")
    ownership = models.CharField(
        max_length=20,
        choices=Ownership.choices,
        default=Ownership.OWNED,
        help_text="Owned channels can report analytics; on third-party ones we only see link clicks.",
    )
    visibility = models.CharField(
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text="Business-sensitive and compliance content may never be placed on a public channel.",
    )
    cost = models.CharField(max_length=20, choices=Cost.choices, default=Cost.FREE)
    cost_note = models.CharField(
        max_length=200, blank=True, help_text="For pre-paid licences: who pays, seats, renewal date."
    )
    metric_source = models.CharField(
        max_length=20,
        choices=MetricSource.choices,
        default=MetricSource.CLICKS_ONLY,
        help_text="Where this channel's trend figures come from.",
    )
    ga4_property_id = models.CharField(
        "GA4 property id",
        max_length=20,
        blank=True,
        help_text="Digits only, e.g. 123456789 (Admin > Property settings in Google Analytics).",
    )
    ga4_path_prefix = models.CharField(
        "GA4 path prefix",
        max_length=200,
        blank=True,
        help_text="Page paths under this prefix belong to this channel, e.g. /learning/.",
    )
    youtube_channel_id = models.CharField(
        "YouTube channel id", max_length=40, blank=True, help_text="Starts with UC, e.g. UCxxxxxxxx."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="channel_third_party_measures_clicks_only",
                condition=Q(ownership="owned") | Q(metric_source="clicks_only"),
                violation_error_message="A third-party channel can only be measured by link clicks.",
            ),
            models.CheckConstraint(
                name="channel_ga4_source_has_property",
                condition=~Q(metric_source="ga4") | ~Q(ga4_property_id=""),
                violation_error_message="A GA4-measured channel needs its GA4 property id.",
            ),
            models.CheckConstraint(
                name="channel_youtube_source_has_channel_id",
                condition=~Q(metric_source="youtube") | (Q(platform="youtube") & ~Q(youtube_channel_id="")),
                violation_error_message="YouTube Analytics needs a YouTube channel and its id.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def measures(self) -> str:
        return MEASURES[self.metric_source]

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The platform's hosts; a blog or other site has only its own. A platform channel's own
        address never adds a host, so an old row saved off the platform cannot widen the rule."""
        if self.platform in PLATFORM_HOSTS:
            return PLATFORM_HOSTS[self.platform]
        own_host = public_host(self.url)
        return (own_host,) if own_host else ()

    def check_url(self, url: str) -> str:
        """The address as browsers read it, if it leads to this channel; else ValidationError."""
        return check_destination(url, hosts=self.allowed_hosts, place=self.name)

    def check_own_url(self) -> str:
        """The channel's address as browsers read it, if it may be published; else ValidationError.

        On a platform with known hosts it must be on them, so the channel cannot widen where its
        placements (and tracked links) may lead.
        """
        if self.platform in PLATFORM_HOSTS:
            return check_destination(
                self.url, hosts=PLATFORM_HOSTS[self.platform], place=self.get_platform_display()
            )
        return check_public_url(self.url)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.url:
            try:
                self.check_own_url()
            except ValidationError as error:
                errors["url"] = error.message
        if self.ownership == Ownership.THIRD_PARTY and self.metric_source != MetricSource.CLICKS_ONLY:
            errors["metric_source"] = (
                "A third-party channel can only be measured by clicks on our tracked links: "
                "we cannot pull its analytics or export its data."
            )
        elif self.metric_source == MetricSource.GA4:
            if not self.ga4_property_id:
                errors["ga4_property_id"] = "A GA4-measured channel needs its GA4 property id."
            elif not self.ga4_property_id.isdigit():
                errors["ga4_property_id"] = "A GA4 property id is digits only, e.g. 123456789."
            if self.ga4_path_prefix and not self.ga4_path_prefix.startswith("/"):
                errors["ga4_path_prefix"] = "A path prefix starts with /, e.g. /learning/."
        elif self.metric_source == MetricSource.YOUTUBE:
            if self.platform != Platform.YOUTUBE:
                errors["metric_source"] = "YouTube Analytics can only measure a YouTube channel."
            elif not self.youtube_channel_id:
                errors["youtube_channel_id"] = "YouTube Analytics needs the channel id (starts with UC)."
        if self.cost == Cost.PREPAID and not self.cost_note:
            errors["cost_note"] = "Say who pays for the licence and when it renews."
        if errors:
            raise ValidationError(errors)
        validating_channel.send(sender=Channel, channel=self)
