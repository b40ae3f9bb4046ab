"""The sync log, "Sync now", and when each channel's figures were last brought in.

The channel admin lives in channels/, which knows nothing of analytics; the measured version of
it is registered here, so the arrow between the apps keeps pointing one way.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from analytics import services
from analytics.models import SyncRun, SyncStatus
from channels.admin import ChannelAdmin
from channels.models import Channel, MetricSource
from curation.admin_policy import PolicyAdmin

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
        return f"{STATUS_MARKS[status]} {label}, {timesince(finished_at)} ago"
    return f"{STATUS_MARKS[status]} {label}"


@admin.register(SyncRun)
class SyncRunAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "status_shown",
        "rows_read",
        "rows_written",
        "rows_added",
        "rows_unmatched",
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

    @admin.display(description="Error")
    def error_shown(self, run: SyncRun) -> str:
        return run.error[:120] + ("…" if len(run.error) > 120 else "")


admin.site.unregister(Channel)


@admin.register(Channel)
class MeasuredChannelAdmin(PolicyAdmin, ChannelAdmin):
    """The channel admin, with when its figures last came in and a way to fetch them now."""

    list_display = [*ChannelAdmin.list_display, "last_synced", "latest_sync"]
    actions = ["sync_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Channel]:
        runs = SyncRun.objects.filter(channel=OuterRef("pk"))
        succeeded = runs.filter(status=SyncStatus.SUCCEEDED).order_by("-finished_at")
        latest = runs.order_by("-queued_at")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_synced_at=Subquery(succeeded.values("finished_at")[:1]),
                latest_status=Subquery(latest.values("status")[:1]),
                latest_finished_at=Subquery(latest.values("finished_at")[:1]),
            )
        )

    @admin.display(description="Figures last synced", ordering="last_synced_at")
    def last_synced(self, channel: Channel) -> str:
        if channel.metric_source == MetricSource.CLICKS_ONLY:
            return "Tracked-link clicks, daily"
        if channel.last_synced_at is None:
            return "Never"
        text = f"{timesince(channel.last_synced_at)} ago"
        if timezone.now() - channel.last_synced_at > services.STALE_AFTER:
            return format_html('<strong class="errornote">{} (stale)</strong>', text)
        return text

    @admin.display(description="Latest sync")
    def latest_sync(self, channel: Channel) -> str:
        if channel.latest_status is None:
            return "—"
        return status_in_words(channel.latest_status, channel.latest_finished_at)

    @admin.action(description="Sync now (the last few days)", permissions=["change"])
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        period, queued, refused = services.sync_now(channels=queryset, requested_by=request.user.username)
        if queued:
            self.message_user(
                request, f"Queued a sync of {period} for {', '.join(queued)}.", messages.SUCCESS
            )
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
