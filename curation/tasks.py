"""Celery tasks: thin, each calling one service. All are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from curation import linkcheck
from curation.inbox import polling


@shared_task(ignore_result=True, expires=50 * 60)
def check_links() -> int:
    """Hourly (beat): the oldest-checked placements' links; a run that waited past the next is dropped."""
    return len(linkcheck.check_placements().checked)


@shared_task(ignore_result=True, expires=30 * 60)
def poll_candidate_sources() -> int:
    """Beat, every INBOX_POLL_MINUTES: one poll task per due source, a site's sources a delay apart."""
    planned = polling.plan_due_polls()
    for source_id, countdown in planned:
        poll_candidate_source.apply_async((source_id,), countdown=countdown, expires=countdown + 30 * 60)
    return len(planned)


@shared_task(ignore_result=True)
def poll_candidate_source(source_id: int) -> str:
    """Fetch one source's feed and record its new candidates; a failure is written on the source."""
    result = polling.poll_source_by_id(source_id)
    return result.outcome if result else "gone"
