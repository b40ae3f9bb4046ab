"""Sources of candidate content and the candidates they bring in.

A candidate is known by its canonical address (unique), so the same article from two feeds is one
candidate, and a dismissed one stays on record: it never comes back into the inbox.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from channels.models import Channel


class SourceKind(models.TextChoices):
    FEED = "feed", "RSS or Atom feed"
    YOUTUBE_CHANNEL = "youtube_channel", "YouTube channel (public feed)"
    YOUTUBE_PLAYLIST = "youtube_playlist", "YouTube playlist (public feed)"
    OWNED_CHANNEL = "owned_channel", "Our own channel (new uploads and pages)"


class CandidateSource(models.Model):
    """Somewhere new content is looked for: a feed, a YouTube channel or playlist, or an owned channel."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.FEED)
    url = models.URLField(
        "feed URL",
        max_length=500,
        blank=True,
        help_text="The RSS or Atom address (https). For YouTube, give the channel or playlist id instead.",
    )
    youtube_id = models.CharField(
        "YouTube channel or playlist id",
        max_length=64,
        blank=True,
        help_text="UC… for a channel, PL… for a playlist.",
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidate_sources",
        help_text="Where an accepted candidate is placed. For an owned-channel source, the channel watched.",
    )
    topic = models.ForeignKey(
        "curation.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate_sources",
        help_text="Suggested for its candidates when nothing better is known.",
    )
    is_active = models.BooleanField("polled", default=True)
    # Conditional GET: what the server said last time, sent back so an unchanged feed costs nothing.
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False, help_text="What went wrong last time, plainly.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="candidatesource_feed_has_url",
                condition=~Q(kind="feed") | ~Q(url=""),
                violation_error_message="A feed source needs its feed URL.",
            ),
            models.CheckConstraint(
                name="candidatesource_youtube_has_id",
                condition=~Q(kind__in=["youtube_channel", "youtube_playlist"]) | ~Q(youtube_id=""),
                violation_error_message="A YouTube source needs the channel or playlist id.",
            ),
            models.CheckConstraint(
                name="candidatesource_owned_has_channel",
                condition=~Q(kind="owned_channel") | Q(channel__isnull=False),
                violation_error_message="An owned-channel source needs the channel it watches.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CandidateStatus(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    ATTACHED = "attached", "Attached to a brief"
    DISMISSED = "dismissed", "Dismissed"


class Candidate(models.Model):
    """A piece of content a source brought in, waiting for a curator's call."""

    # PROTECT: deleting a source must not take its dismissed candidates with it, or their addresses
    # would come back into the inbox. A source no longer wanted is switched off ("polled").
    source = models.ForeignKey(CandidateSource, on_delete=models.PROTECT, related_name="candidates")
    url = models.URLField("URL", max_length=500, help_text="The address as the source gave it.")
    canonical_url = models.CharField(
        max_length=500, unique=True, editable=False, help_text="The one address it is known by."
    )
    external_id = models.CharField(max_length=300, blank=True, editable=False)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    tags = models.JSONField(default=list, blank=True, editable=False)
    suggested_topic = models.ForeignKey(
        "curation.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_format = models.CharField(max_length=20, blank=True)  # a curation.models.Format value
    suggested_stage = models.CharField(max_length=20, blank=True)  # a curation.models.Stage value
    suggestion_reasons = models.JSONField(default=list, blank=True, editable=False)  # why, in words
    status = models.CharField(max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.NEW)
    item = models.ForeignKey(
        "curation.ContentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    brief = models.ForeignKey(
        "curation.ContentBrief", on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    dismiss_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-pk"]
        indexes = [models.Index(fields=["status", "suggested_topic"])]

    def __str__(self) -> str:
        return self.title
