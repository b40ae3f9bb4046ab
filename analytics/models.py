"""Anonymised trend figures per placement and day, where they came from, and each pull's log.

Nothing here names a person: GA4, YouTube and the platforms' exports report totals, and the
tracked-link clicks are counted without any personal key. A figure a source does not have is
NULL, never 0: "no data" and "nobody came" must stay apart on the dashboard.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from channels.models import Channel
from curation.models import Placement, Stage


class Source(models.TextChoices):
    GA4 = "ga4", "Google Analytics 4"
    YOUTUBE = "youtube", "YouTube Analytics"
    CSV = "csv", "Platform export (CSV/XLSX)"
    MANUAL = "manual", "Entered by hand"
    LINKS = "links", "Tracked-link clicks"


# The figures a DailyMetric can hold, in the curators' words; a source fills the ones it has.
FIGURES = (
    "views",
    "sessions",
    "active_users",
    "engaged_sessions",
    "engagement_rate",
    "average_duration_seconds",
    "average_percentage_viewed",
    "watch_minutes",
    "likes",
    "comments",
    "shares",
    "saves",
    "new_followers",
    "clicks",
)


class DailyMetric(models.Model):
    """One placement's figures from one source on one day (the source's own reporting day)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="daily_metrics")
    date = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices)

    views = models.PositiveIntegerField(null=True, blank=True, help_text="Page views or video views.")
    sessions = models.PositiveIntegerField(null=True, blank=True)
    active_users = models.PositiveIntegerField(null=True, blank=True)
    engaged_sessions = models.PositiveIntegerField(null=True, blank=True)
    engagement_rate = models.FloatField(null=True, blank=True, help_text="A fraction: 0.62 is 62%.")
    average_duration_seconds = models.FloatField(
        "average duration (s)",
        null=True,
        blank=True,
        help_text="Average engagement time on a page, or average view duration of a video.",
    )
    average_percentage_viewed = models.FloatField(
        "average % viewed", null=True, blank=True, help_text="Videos: 0-100."
    )
    watch_minutes = models.FloatField(null=True, blank=True)
    likes = models.PositiveIntegerField(null=True, blank=True)
    comments = models.PositiveIntegerField(null=True, blank=True)
    shares = models.PositiveIntegerField(null=True, blank=True)
    saves = models.PositiveIntegerField(null=True, blank=True)
    new_followers = models.PositiveIntegerField(
        null=True, blank=True, help_text="Subscribers or followers gained that day."
    )
    clicks = models.PositiveIntegerField(null=True, blank=True, help_text="Human clicks on tracked links.")

    sync_run = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "placement"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "date", "source"], name="daily_metric_once"),
            models.CheckConstraint(
                name="daily_metric_rates_are_fractions",
                condition=Q(engagement_rate__isnull=True) | Q(engagement_rate__gte=0, engagement_rate__lte=1),
            ),
        ]
        indexes = [models.Index(fields=["date", "source"], name="daily_metric_by_day")]

    def __str__(self) -> str:
        return f"{self.placement} on {self.date} ({self.get_source_display()})"


class RetentionPoint(models.Model):
    """One point of a video's drop-out curve over a period: the share of the audience still
    watching at that fraction of the video (above 1 where people rewatch a part)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="retention")
    period_start = models.DateField()
    period_end = models.DateField()
    elapsed_ratio = models.DecimalField(max_digits=4, decimal_places=2, help_text="0.01 to 1.00")
    audience_watch_ratio = models.FloatField()
    relative_performance = models.FloatField(
        null=True, blank=True, help_text="Against videos of similar length on YouTube: 0.5 is average."
    )
    sync_run = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["placement", "-period_end", "elapsed_ratio"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "period_start", "period_end", "elapsed_ratio"],
                name="retention_point_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.placement} at {self.elapsed_ratio:.0%}"


class CampaignSessions(models.Model):
    """GA4 sessions that arrived with one utm_campaign and source on one day, on one measured channel:
    how a campaign shows on owned pages. Kept by name, as GA4 reports it, so campaigns run
    outside this app are counted too."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="campaign_sessions")
    campaign_name = models.CharField(max_length=200)
    source = models.CharField(
        max_length=100, blank=True, help_text='utm_source: our tracked links say "sms" or "email".'
    )
    date = models.DateField()
    sessions = models.PositiveIntegerField()
    engaged_sessions = models.PositiveIntegerField(null=True, blank=True)
    sync_run = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name_plural = "campaign sessions"
        ordering = ["-date", "campaign_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "campaign_name", "source", "date"], name="campaign_sessions_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_name} on {self.date}: {self.sessions}"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    POSTPONED = "postponed", "Postponed (daily quota)"


ACTIVE_SYNC = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncRun(models.Model):
    """One pull of one source for one channel and period: what it read, wrote and could not place.

    A run writes its whole period in one transaction or nothing, so a failed run leaves the
    figures as the previous run left them.
    """

    source = models.CharField(max_length=10, choices=Source.choices)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="sync_runs"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    requested_by = models.CharField(
        max_length=150, blank=True, help_text="Who asked for it: a curator, the schedule or a backfill."
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(
        default=0, help_text="Figures added or changed; a re-run of an unchanged period writes none."
    )
    rows_added = models.PositiveIntegerField(default=0, help_text="Of those, days not held before.")
    rows_unmatched = models.PositiveIntegerField(
        default=0, help_text="Rows that matched no placement: counted here, not dropped silently."
    )
    unmatched_examples = models.JSONField(default=list, blank=True)
    thresholded = models.BooleanField(
        default=False, help_text="GA4 withheld small figures to protect privacy (data thresholds)."
    )
    other_rows = models.PositiveIntegerField(
        default=0, help_text='Rows GA4 rolled into "(other)": their pages cannot be told apart.'
    )
    # GA4: the property's quota after the run's last answer, in PropertyQuota's own names:
    # {"tokens_per_day": {"consumed": n, "remaining": n}, "tokens_per_hour": {...}, ...}.
    quota = models.JSONField(default=dict, blank=True)
    quota_tokens = models.PositiveIntegerField(
        default=0, help_text="GA4: daily quota tokens this run spent, all its requests together."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at"]
        constraints = [
            models.CheckConstraint(
                name="sync_run_period_in_order", condition=Q(period_start__lte=models.F("period_end"))
            ),
            # One sync per source, channel and period at a time: a second "Sync now" waits its turn.
            models.UniqueConstraint(
                fields=["source", "channel", "period_start", "period_end"],
                condition=Q(status__in=["queued", "running"]),
                name="sync_run_one_active",
            ),
            models.UniqueConstraint(  # sources of no one channel (link clicks)
                fields=["source", "period_start", "period_end"],
                condition=Q(status__in=["queued", "running"], channel__isnull=True),
                name="sync_run_one_active_unchanneled",
            ),
        ]
        indexes = [models.Index(fields=["source", "channel", "-finished_at"], name="sync_run_latest")]

    def __str__(self) -> str:
        where = f" {self.channel.name}" if self.channel_id else ""
        return f"{self.get_source_display()}{where} {self.period_start}..{self.period_end}"


class QuizResponse(models.Model):
    """One anonymous completion of the learner power quiz, kept only to be counted.

    No user, IP address, user agent, session or time of day, and a random key rather than a
    sequence: nothing that could join a row back to a person or to a line in a web server log.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveSmallIntegerField(help_text="Which set of questions was answered.")
    stage = models.CharField("learner power stage", max_length=20, choices=Stage.choices)
    answers = models.JSONField(help_text="Question code to answer code; nothing typed in by hand.")
    answered_on = models.DateField(help_text="The day only.")

    class Meta:
        ordering = ["-answered_on"]
        indexes = [models.Index(fields=["version", "stage"], name="quiz_response_version_stage")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} ({self.answered_on})"


# --- Issue 18: the weekly review shared read-only, and its weekly email digest. ---


class ReviewSection(models.TextChoices):
    """The parts of the weekly review that may leave the admin: each is figures already through
    disclosure control, and none names a person or links into the admin."""

    GLANCE = "glance", "This week at a glance"
    TRENDS = "trends", "Trends: traffic and preference patterns"
    SUGGESTIONS = "suggestions", "Suggestions the data supports"
    DECISIONS = "decisions", "Past decisions and whether they worked"


class ReviewShare(models.Model):
    """A link to the weekly review for people without an admin login.

    Only a SHA-256 digest of the link's token is kept: the link is shown once, to its creator, and
    a copy of the database (or a backup) opens nothing. Openings are a count and a day, never who.
    """

    label = models.CharField(max_length=200, help_text="Who the link is for, in your words: “Board, Q4”.")
    sections = models.JSONField(default=list, help_text="The review's sections the link shows.")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    password_hash = models.CharField(max_length=128, blank=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    openings = models.PositiveIntegerField(default=0, editable=False)
    last_opened_on = models.DateField(null=True, blank=True, editable=False, help_text="The day only.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "shared review link"

    def __str__(self) -> str:
        return self.label

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)


class ReviewDigest(models.Model):
    """The weekly review's chosen sections, emailed to stakeholders once the week is prepared."""

    label = models.CharField(max_length=200)
    addresses = models.TextField(help_text="Stakeholders' email addresses, one a line.")
    sections = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label"]
        verbose_name = "weekly review digest"

    def __str__(self) -> str:
        return self.label

    @property
    def address_list(self) -> list[str]:
        """Each address once, as first written: a mailbox's domain (and, at every provider we know,
        its name) ignores case, so "CFO@Example.org" and "cfo@example.org" are one stakeholder."""
        seen: dict[str, str] = {}
        for line in self.addresses.splitlines():
            address = line.strip()
            if address:
                seen.setdefault(address.casefold(), address)
        return list(seen.values())


class ReviewDigestSent(models.Model):
    """One digest's week to one address, claimed before the email leaves: a retry or a second run
    finds the claim and sends nothing more (a worker lost mid-send misses a week, never doubles it)."""

    digest = models.ForeignKey(ReviewDigest, on_delete=models.CASCADE, related_name="sent")
    week = models.DateField(help_text="Monday of the week reviewed.")
    address = models.EmailField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-week", "address"]
        constraints = [
            models.UniqueConstraint(fields=["digest", "week", "address"], name="review_digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.digest} {self.week} {self.address}"
