"""The sync log, "Sync now", and when each channel's figures were last brought in.

The channel admin lives in channels/, which knows nothing of analytics: the columns and the action
below are added to its list through channels.admin.extend_channel_list, called from
AnalyticsConfig.ready, so each app administers its own models and the arrow keeps pointing one way.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext, gettext_lazy

from analytics import services
from analytics.clock import STALE_AFTER
from analytics.models import SyncRun, SyncStatus
from analytics.sources.base import Period
from channels.admin import ChannelListExtension
from channels.models import Channel, MetricSource
from curation.admin_policy import PolicyAdmin
from curation.people import person_name

STATUS_MARKS = {
    SyncStatus.SUCCEEDED: "✓",
    SyncStatus.FAILED: "✗",
    SyncStatus.POSTPONED: "…",
    SyncStatus.QUEUED: "…",
    SyncStatus.RUNNING: "…",
}


def status_in_words(status: str, finished_at) -> str:
    label = SyncStatus(status).label
    if finished_at:
        return f"{STATUS_MARKS[status]} {label}, {timesince(finished_at, depth=1)} ago"
    return f"{STATUS_MARKS[status]} {label}"


@admin.register(SyncRun)
class SyncRunAdmin(PolicyAdmin, admin.ModelAdmin):
    # Few columns, so the error keeps room to be read at a laptop's width.
    list_display = [
        "__str__",
        "status_shown",
        "rows_shown",
        "quota_left",
        "requested_by",
        "finished_at",
        "error_shown",
    ]
    list_filter = ["status", "source", "channel", "thresholded"]
    list_select_related = ["channel"]
    date_hierarchy = "queued_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in SyncRun._meta.fields]

    @admin.display(description="Status", ordering="status")
    def status_shown(self, run: SyncRun) -> str:
        return f"{STATUS_MARKS[run.status]} {run.get_status_display()}"

    @admin.display(description="Rows")
    def rows_shown(self, run: SyncRun) -> str:
        shown = f"{run.rows_read} read, {run.rows_written} written ({run.rows_added} new)"
        return f"{shown}, {run.rows_unmatched} unmatched" if run.rows_unmatched else shown

    @admin.display(description="Error")
    def error_shown(self, run: SyncRun) -> str:
        return run.error[:300] + ("…" if len(run.error) > 300 else "")

    @admin.display(description=gettext_lazy("GA4 daily quota left"))
    def quota_left(self, run: SyncRun) -> str:
        left = services.quota_tokens_left(run)
        if left is None:
            return "—"
        if left < settings.GA4_QUOTA_WARN_TOKENS:
            low = gettext("%s tokens (low)") % f"{left:,}"
            return format_html('<strong class="stale-badge">{}</strong>', low)
        return gettext("%s tokens") % f"{left:,}"

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # Before a daily sync is postponed for want of quota, not after: curators see it coming.
        for property_id, left in services.ga4_quota_running_low():
            self.message_user(
                request,
                gettext(
                    "GA4 property %(property)s has %(left)s tokens of today's quota left: syncs and "
                    "backfills are postponed once it runs out, until midnight Pacific time."
                )
                % {"property": property_id, "left": f"{left:,}"},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


def with_sync_state(channels: QuerySet[Channel]) -> QuerySet[Channel]:
    """When each channel's figures last came in, and how its latest run went: in the list's query."""
    runs = SyncRun.objects.filter(channel=OuterRef("pk"))
    succeeded = runs.filter(status=SyncStatus.SUCCEEDED).order_by("-finished_at")
    latest = runs.order_by("-queued_at")
    return channels.annotate(
        last_synced_at=Subquery(succeeded.values("finished_at")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_finished_at=Subquery(latest.values("finished_at")[:1]),
    )


@admin.display(description="Figures last synced", ordering="last_synced_at")
def last_synced(channel: Channel) -> str:
    if channel.metric_source == MetricSource.CLICKS_ONLY:
        return "Tracked-link clicks, daily"
    if channel.last_synced_at is None:
        return "Never"
    text = f"{timesince(channel.last_synced_at, depth=1)} ago"
    if timezone.now() - channel.last_synced_at > STALE_AFTER:
        return format_html('<strong class="stale-badge">{} (stale)</strong>', text)
    return text


@admin.display(description="Latest sync")
def latest_sync(channel: Channel) -> str:
    if channel.latest_status is None:
        return "—"
    return status_in_words(channel.latest_status, channel.latest_finished_at)


def run_outcome(run: SyncRun) -> tuple[int, str]:
    """What became of a run just queued: where tasks run eagerly it has already finished."""
    where = run.channel.name if run.channel else run.get_source_display()
    if run.status == SyncStatus.SUCCEEDED:
        added = f", {run.rows_added} of them new" if run.rows_written else ""
        return messages.SUCCESS, (
            f"Synced {where} for {Period(run.period_start, run.period_end)}: "
            f"{run.rows_read} rows read, {run.rows_written} figures written{added}."
        )
    if run.status == SyncStatus.FAILED:
        return messages.ERROR, f"The sync of {where} failed: {run.error}"
    if run.status == SyncStatus.POSTPONED:
        return messages.WARNING, f"The sync of {where} is postponed: {run.error or run.get_status_display()}"
    return messages.SUCCESS, ""


@admin.action(description="Sync now (the last few days)", permissions=["change"])
def sync_now(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
    period, runs, refused = services.sync_now(channels=queryset, requested_by=person_name(request.user))
    still_queued = []
    for run in SyncRun.objects.filter(pk__in=[run.pk for run in runs]).select_related("channel"):
        level, outcome = run_outcome(run)
        if outcome:
            modeladmin.message_user(request, outcome, level)
        else:
            still_queued.append(run.channel.name)
    if still_queued:
        modeladmin.message_user(
            request, f"Queued a sync of {period} for {', '.join(still_queued)}.", messages.SUCCESS
        )
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


# Added to channels' own admin by AnalyticsConfig.ready.
CHANNEL_SYNC_STATE = ChannelListExtension(
    name="analytics.sync_state",
    annotate=with_sync_state,
    columns=(last_synced, latest_sync),
    actions=(sync_now,),
)
