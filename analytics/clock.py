"""The programme's calendar, read by the syncs and the review alike: today where the programme
runs, and how old figures may be before they count as stale."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from campaigns.quiet_hours import zone

STALE_AFTER = timedelta(days=2)  # syncs are daily: figures older than this are stale


def today() -> date:
    return timezone.now().astimezone(zone(settings.PROGRAMME_TIME_ZONE)).date()
