"""Candidate sources in the admin: the feeds and YouTube channels curators follow, and how each is doing.

The list shows when each was last polled, last read, what went wrong, and how many of its candidates
wait in the inbox; "Poll now" polls the selected sources while the curator waits (through
curation.inbox.polling, as beat does). The candidates themselves are curation/admin_inbox.py's.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from channels.admin import HTTPS_URL_FIELDS
from curation.admin_policy import PolicyAdmin
from curation.inbox import fetching, polling
from curation.inbox.models import CandidateSource, CandidateStatus, SourceKind

# Polled while the curator waits, a site's sources a delay apart: more belongs to the hourly round.
POLL_NOW_LIMIT = 10


class CandidateSourceForm(forms.ModelForm):
    """The admin builds the fields (https assumed in the URL field); this adds the feed rule."""

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url:
            try:
                fetching.check_feed_url(url)
            except ValidationError as error:
                raise ValidationError(error.messages[0]) from None
        return url

    def clean_youtube_id(self) -> str:
        value = self.cleaned_data["youtube_id"].strip()
        # ASCII only: Arabic-Indic or full-width digits are alphanumeric to Python, and no YouTube id.
        if value and not (value.isascii() and value.replace("-", "").replace("_", "").isalnum()):
            raise ValidationError("Paste the id alone (letters, digits, - and _), not the whole address.")
        return value


@admin.register(CandidateSource)
class CandidateSourceAdmin(PolicyAdmin, admin.ModelAdmin):
    form = CandidateSourceForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "kind", "is_active", "polled", "read", "problem", "new_candidates"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["topic", "channel"]
    search_fields = ["name", "url", "youtube_id"]
    autocomplete_fields = ["channel", "topic"]
    fields = [
        "name",
        "kind",
        "url",
        "youtube_id",
        "channel",
        "topic",
        "is_active",
        "last_polled_at",
        "last_success_at",
        "last_error",
    ]
    readonly_fields = ["last_polled_at", "last_success_at", "last_error"]
    actions = ["poll_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CandidateSource]:
        return (
            super()
            .get_queryset(request)
            .annotate(new_count=Count("candidates", filter=Q(candidates__status=CandidateStatus.NEW)))
        )

    @admin.display(description="Last polled", ordering="last_polled_at")
    def polled(self, source: CandidateSource) -> str:
        return _when(source.last_polled_at)

    @admin.display(description="Last read", ordering="last_success_at")
    def read(self, source: CandidateSource) -> str:
        return _when(source.last_success_at)

    @admin.display(description="Last error")
    def problem(self, source: CandidateSource) -> str:
        first = source.last_error.split("\n", 1)[0]
        return first if len(first) <= 120 else first[:119] + "…"

    @admin.display(description="New candidates", ordering="new_count")
    def new_candidates(self, source: CandidateSource) -> int:
        return source.new_count

    @admin.action(description="Poll now", permissions=["change"])
    def poll_now(self, request: HttpRequest, queryset: QuerySet[CandidateSource]) -> None:
        sources = list(queryset.exclude(kind=SourceKind.OWNED_CHANNEL)[: POLL_NOW_LIMIT + 1])
        if len(sources) > POLL_NOW_LIMIT:
            self.message_user(
                request,
                f"Select at most {POLL_NOW_LIMIT} sources to poll now; the hourly round polls the rest.",
                messages.WARNING,
            )
            return
        if queryset.filter(kind=SourceKind.OWNED_CHANNEL).exists():
            self.message_user(
                request, "Owned channels are watched by analytics, not polled here.", messages.INFO
            )
        for source in sources:
            result = polling.poll_source(source, wait_seconds=3 * settings.INBOX_HOST_DELAY_SECONDS)
            fine = (
                result.outcome in (polling.Outcome.READ, polling.Outcome.NOT_MODIFIED) and not result.problems
            )
            self.message_user(request, result.summary(), messages.SUCCESS if fine else messages.WARNING)


def _when(moment: object) -> str:
    return date_format(timezone.localtime(moment), "j M Y, H:i") if moment else "Never"
