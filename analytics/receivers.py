"""Analytics answering the other apps' questions, so their imports never point at analytics."""

from __future__ import annotations

from django.db.models import Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from analytics.models import CampaignSessions, DailyMetric, SyncRun
from analytics.review.cache import note_figures_edited
from analytics.signals import sync_queued
from analytics.tasks import run_sync_task
from campaigns.models import Campaign, Medium
from campaigns.reports import campaign_sessions_wanted


@receiver(campaign_sessions_wanted)
def ga4_sessions_per_medium(
    sender: type[Campaign], *, campaign: Campaign, **kwargs: object
) -> dict[str, int]:
    """GA4 sessions that arrived with the campaign's utm_campaign, per our links' utm_source."""
    rows = (
        CampaignSessions.objects.filter(campaign_name=campaign.slug, source__in=list(Medium))
        .values_list("source")
        .annotate(total=Sum("sessions"))
        .order_by()
    )
    return dict(rows)


@receiver([post_save, post_delete], sender=DailyMetric)
def figures_edited(sender: type[DailyMetric], **kwargs: object) -> None:
    """A curator typed, imported or deleted figures: the kept weekly review is out of date."""
    note_figures_edited()


@receiver(sync_queued, dispatch_uid="analytics.run_queued_sync")
def run_queued_sync(sender: type[SyncRun], *, run_id: int, **kwargs: object) -> None:
    """services.queue_sync committed a run: a worker pulls it."""
    run_sync_task.delay(run_id)
