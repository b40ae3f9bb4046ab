"""Celery tasks: thin, each calling one service. All are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from curation import linkcheck


@shared_task(ignore_result=True, expires=50 * 60)
def check_links() -> int:
    """Hourly (beat): the oldest-checked placements' links; a run that waited past the next is dropped."""
    return len(linkcheck.check_placements().checked)
