"""Celery tasks: thin, taking ids, each calling one service."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from analytics import digest, discovery, services
from analytics.clock import today
from analytics.review import outcomes
from analytics.review.cache import kept_review
from analytics.review.weeks import ReviewFilters, last_complete_week


@shared_task(
    bind=True,
    ignore_result=True,
    # Only what may pass on a later try: a rate limit or an outage. Exponential, with jitter so
    # syncs held up together do not return together; capped so a run gives up within the hour.
    autoretry_for=(services.SyncRetry,),
    retry_backoff=settings.SYNC_RETRY_FIRST_SECONDS,
    retry_backoff_max=settings.SYNC_RETRY_MAX_SECONDS,
    retry_jitter=True,
    max_retries=settings.SYNC_MAX_RETRIES,
)
def run_sync_task(self, run_id: int) -> None:
    """Pull one source's period and write it whole; a second delivery finds it done."""
    run = services.run_sync(run_id, last_attempt=self.request.retries >= self.max_retries)
    if run is not None and run.rows_written:
        prepare_weekly_review.delay()


@shared_task(ignore_result=True, expires=3600)
def prepare_weekly_review() -> None:
    """After new figures: compute the review curators will open, so they never wait for it; then
    the stakeholders' digest, which reads that same review (it sends each week once)."""
    kept_review(week=last_complete_week(), filters=ReviewFilters())
    send_review_digests.delay()


@shared_task(
    ignore_result=True,
    expires=3600,
    # Only a connection that could not be opened: nothing was claimed, so nothing goes twice.
    autoretry_for=(digest.DigestRetry,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=5,
)
def send_review_digests() -> int:
    """The week's review to the stakeholders' addresses, once the week is prepared."""
    return digest.send_review_digests().sent


@shared_task(ignore_result=True, expires=3600)
def queue_daily_syncs() -> int:
    """Daily (beat): the recent days from every measured channel, and the link clicks."""
    return len(services.queue_daily_syncs())


@shared_task(ignore_result=True, expires=3600)
def measure_due_outcomes() -> int:
    """Daily (beat): decisions whose four weeks after have ended get their "did it work?" figures,
    so the page of past decisions has them before the next meeting's agenda asks."""
    return len(outcomes.measure_due_outcomes(today=today()))


@shared_task(bind=True, ignore_result=True, expires=3600, max_retries=settings.SYNC_MAX_RETRIES)
def discover_owned_candidates(self, source_ids: list[int] | None = None) -> int:
    """Daily (beat): our own channels' new uploads and pages into the curation inbox. Sources that
    met a rate limit or an outage are tried again with the syncs' backoff; the others are done."""
    found = discovery.discover_owned_candidates(source_ids=source_ids)
    again = [each.source.pk for each in found if each.retry_soon]
    if again and self.request.retries < self.max_retries:
        countdown = get_exponential_backoff_interval(
            settings.SYNC_RETRY_FIRST_SECONDS, self.request.retries, settings.SYNC_RETRY_MAX_SECONDS, True
        )
        raise self.retry(kwargs={"source_ids": again}, countdown=countdown)
    return sum(each.recorded.added for each in found if each.recorded)
