from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from channels.destinations import host_matches
from channels.models import Channel, MetricSource
from curation.compliance import RESTRICTED_SENSITIVITIES, Sensitivity, check_item_sensitivity, check_placement
from curation.roles import ROLES


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
    elif host_matches(host, "youtube.com"):  # not endswith: "notyoutube.com" is another site
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
        if not self.url or not self.channel_id:
            return  # The field errors already say what is missing.
        # An item being added in the same admin form has no pk yet, but its fields are known.
        if self.item_id is not None or Placement.item.is_cached(self):
            check_placement(item=self.item, channel=self.channel)
        errors: dict[str, str] = {}
        try:
            self.channel.check_url(self.url)
        except ValidationError as error:
            errors["url"] = error.message
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


# Review meetings: the weekly meeting over the dashboard, its agenda, the decisions and the briefs.
# The workflow (agenda from the dashboard, applying a decision) lives in analytics.reviews, which may
# read analytics and draft campaigns; these models only hold what was said and done.


def day_in_words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"  # "23 Nov 2026", without a platform-specific %-d


# Only curators sit in review meetings: staff in one of the two roles (or a superuser).
CURATORS = Q(is_staff=True, is_active=True) & (Q(groups__name__in=ROLES) | Q(is_superuser=True))


class ReviewMeeting(models.Model):
    """The curation team's weekly review over the dashboard."""

    held_on = models.DateField(
        "held on", unique=True, error_messages={"unique": "There is already a review meeting on this day."}
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="review_meetings", blank=True, limit_choices_to=CURATORS
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"Review of {day_in_words(self.held_on)}"


class AgendaKind(models.TextChoices):
    """The dashboard's suggestion kinds (analytics.review.suggestions.SuggestionKind), and ours."""

    RETIRE = "retire", "Retire?"
    RISING = "rising", "Rising"
    TOPIC_GAP = "topic_gap", "Topic gap"
    UNREACHABLE = "unreachable", "Link unreachable"
    RARELY_USEFUL = "rarely_useful", "Rarely useful"
    CARRIED_OVER = "carried_over", "Not done since last meeting"
    LOOK_AGAIN = "look_again", "Looking again"
    OUTCOME = "outcome", "Did it work?"
    OTHER = "other", "Other"


class AgendaItem(models.Model):
    """One thing to discuss, with the figures that put it on the agenda."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=AgendaKind.choices, default=AgendaKind.OTHER)
    reason = models.TextField(help_text="Why it is on the agenda, with the figures.")
    item = models.ForeignKey(
        ContentItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda_items"
    )
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    placement = models.ForeignKey(
        Placement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, editable=False)
    carried_from = models.ForeignKey(
        "Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        editable=False,
        help_text="Last meeting's decision that was not applied yet.",
    )
    follows_up = models.ForeignKey(
        "Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_cards",
        editable=False,
        help_text='The earlier decision whose effect this card measures ("did it work?").',
    )

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = "agenda item"

    def __str__(self) -> str:
        subject = self.item or self.topic or self.get_kind_display()
        return f"{subject} ({self.meeting})"


class DecisionAction(models.TextChoices):
    KEEP = "keep", "Keep"
    PROMOTE = "promote", "Promote in the next campaign"
    RETIRE = "retire", "Retire"
    IMPROVE = "improve", "Improve"
    BRIEF = "brief", "Commission new content (brief)"
    LOOK_AGAIN = "look_again", "Look again next week"


class IntendedEffect(models.TextChoices):
    """What a decision was meant to change: measured on the same privacy rule some weeks later."""

    MORE_CLICKS = "more_clicks", "More human clicks"
    FEWER_DROPOUTS = "fewer_dropouts", "Fewer drop-outs in its topic"
    FILL_TOPIC_GAP = "fill_topic_gap", "Fill the topic gap"
    HOLD_STEADY = "hold_steady", "Hold its engagement steady"
    NONE = "", "Nothing to measure"


class OutcomeVerdict(models.TextChoices):
    WORKED = "worked", "It worked"
    DID_NOT = "did_not", "It did not work"
    TOO_SMALL = "too_small", "Too few people to tell"
    NO_DATA = "no_data", "No figures to compare"


OUTCOME_AFTER_WEEKS = 4  # a decision's effect is measured this many weeks after it was applied


# What the team must write down for each action: the next meeting and the brief's author read it.
NEEDS_REASON = (DecisionAction.RETIRE, DecisionAction.IMPROVE, DecisionAction.BRIEF)


class Decision(models.Model):
    """What the meeting decided about an item (or, for a brief, a topic), and whether it is done."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(
        ContentItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        help_text="Not needed for a brief for new content.",
    )
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    reason = models.TextField(
        blank=True,
        help_text="Why: needed to retire (the item keeps it), to improve (what) and for a brief "
        "(the evidence).",
    )
    successor = models.ForeignKey(
        ContentItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Retire only: the live item that replaces it.",
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Brief only."
    )
    brief_format = models.CharField(
        "brief's format", max_length=20, choices=Format.choices, blank=True, help_text="Brief only."
    )
    brief_stage = models.CharField(
        "brief's stage", max_length=20, choices=Stage.choices, blank=True, help_text="Brief only."
    )
    brief_audience = models.CharField(
        "brief's audience", max_length=200, blank=True, help_text="Brief only: who it is for."
    )
    figures = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        editable=False,
        help_text="The figures the decision was taken on, as they were that day.",
    )
    intended_effect = models.CharField(
        "meant to",
        max_length=20,
        choices=IntendedEffect.choices,
        blank=True,
        help_text="What the decision should change: measured four weeks after it is applied.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_actions",
        limit_choices_to=CURATORS,
        help_text="Who sees it through.",
    )
    due_on = models.DateField("due", null=True, blank=True)
    outcome_verdict = models.CharField(
        "did it work?", max_length=20, choices=OutcomeVerdict.choices, blank=True, editable=False
    )
    outcome_figures = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        editable=False,
        help_text="Before and after, on the dashboard's privacy rule.",
    )
    outcome_measured_on = models.DateField(null=True, blank=True, editable=False)
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    result = models.TextField(blank=True, editable=False, help_text="What applying it did.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting__held_on", "pk"]
        indexes = [models.Index(fields=["meeting", "applied_at"])]
        constraints = [
            models.CheckConstraint(
                name="decision_about_an_item_unless_brief",
                condition=Q(action="brief") | Q(item__isnull=False),
                violation_error_message="Choose the item the decision is about.",
            ),
            models.CheckConstraint(
                name="decision_says_why",
                condition=~Q(action__in=NEEDS_REASON) | ~Q(reason=""),
                violation_error_message="Say why: retiring, improving and a brief each need the reason.",
            ),
            models.CheckConstraint(
                name="decision_successor_only_to_retire",
                condition=Q(successor__isnull=True) | Q(action="retire"),
                violation_error_message="Only a retired item has a successor.",
            ),
            models.CheckConstraint(
                name="decision_successor_is_another_item",
                condition=~Q(successor=F("item")),
                violation_error_message="An item cannot succeed itself.",
            ),
            models.CheckConstraint(
                name="decision_brief_has_topic_format_stage",
                condition=~Q(action="brief")
                | (Q(topic__isnull=False) & ~Q(brief_format="") & ~Q(brief_stage="")),
                violation_error_message="A brief needs its topic, format and learner power stage.",
            ),
        ]

    def __str__(self) -> str:
        subject = self.item or self.topic or "new content"
        return f"{self.get_action_display()}: {subject}"

    def clean(self) -> None:
        # The brief's fields would be silently ignored on any other action; the constraints say
        # what a brief itself needs.
        has_brief = self.topic_id or self.brief_format or self.brief_stage or self.brief_audience
        if has_brief and self.action != DecisionAction.BRIEF:
            raise ValidationError("Only a decision to commission new content has a brief.")

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class BriefStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMMISSIONED = "commissioned", "Commissioned"
    DROPPED = "dropped", "Dropped"


class ContentBrief(models.Model):
    """New content the review asked for, with the evidence that it is needed."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="briefs")
    format = models.CharField(max_length=20, choices=Format.choices)
    stage = models.CharField("learner power stage", max_length=20, choices=Stage.choices)
    audience = models.CharField(max_length=200, blank=True, help_text="Who it is for.")
    why = models.TextField(help_text="The evidence: what the figures showed the team.")
    figures = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, editable=False)
    status = models.CharField(max_length=20, choices=BriefStatus.choices, default=BriefStatus.OPEN)
    decision = models.OneToOneField(
        Decision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brief",
        editable=False,
        help_text="The review decision that asked for it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} on {self.topic}"


class WishStatus(models.TextChoices):
    NEW = "new", "To triage"
    BRIEFED = "briefed", "Turned into a brief"
    DISMISSED = "dismissed", "Dismissed"


class WishSource(models.TextChoices):
    FRONT_DOOR = "front_door", "Front door"
    OWN_PAGE = "own_page", "Employee's own page"


class LearningWish(models.Model):
    """“What would you like to learn?”, stored without identity.

    Phone numbers, email addresses and the names of known employees are scrubbed before it is
    saved; there is no link to who wrote it, and the day is kept, not the time.
    """

    text = models.TextField(max_length=500)
    source = models.CharField(max_length=20, choices=WishSource.choices)
    received_on = models.DateField()
    status = models.CharField(max_length=20, choices=WishStatus.choices, default=WishStatus.NEW)
    brief = models.ForeignKey(
        ContentBrief,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wishes",
        help_text="The brief this wish asked for.",
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = "learning wish"

    def __str__(self) -> str:
        return self.text[:60]


# The inbox's models live in their own module; imported here so Django registers them with curation.
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus, SourceKind  # noqa: E402, F401
