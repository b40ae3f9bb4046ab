"""Campaigns' services announce due work; here it is handed to Celery, so sending.py never
imports the tasks that import it."""

from __future__ import annotations

from anymail.signals import AnymailTrackingEvent, tracking
from django.dispatch import receiver

from campaigns import email_events
from campaigns.models import Campaign
from campaigns.signals import deliveries_due, team_posts_due
from campaigns.tasks import post_team_posts, send_deliveries


@receiver(deliveries_due, dispatch_uid="campaigns.queue_send_deliveries")
def queue_send_deliveries(
    sender: type[Campaign], *, campaign_id: int, batches: int, **kwargs: object
) -> None:
    for _ in range(batches):
        send_deliveries.delay(campaign_id)


@receiver(tracking, dispatch_uid="campaigns.record_email_event")
def record_email_event(sender: type, *, event: AnymailTrackingEvent, esp_name: str, **kwargs: object) -> None:
    """An email service's webhook event, its signature or basic auth already checked by anymail."""
    email_events.record_event(event=event, esp_name=esp_name)


@receiver(team_posts_due, dispatch_uid="campaigns.queue_team_posts")
def queue_team_posts(sender: type[Campaign], *, campaign_id: int, **kwargs: object) -> None:
    post_team_posts.delay(campaign_id)
