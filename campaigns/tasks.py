from __future__ import annotations

from celery import shared_task

from campaigns import tracking


@shared_task(ignore_result=True, expires=50)
def flush_link_clicks() -> int:
    """Every minute (beat): tracked-link click totals from Redis into LinkClickDay."""
    return tracking.flush_clicks()
