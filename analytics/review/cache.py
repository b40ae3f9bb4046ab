"""The weekly review kept between requests: the writes (computing and storing a week, marking figures
edited), apart from the reads in the other modules.

The review is computed once per state of the figures and kept: curators and the projector read
the stored result, and the sync that changes the figures computes the next one (analytics.tasks)."""

from __future__ import annotations

import hashlib
from dataclasses import astuple
from datetime import date

from django.core.cache import cache
from django.db.models import Count, Max

from analytics import privacy
from analytics.clock import today
from analytics.models import SyncRun
from analytics.review.dashboard import WeeklyReview, weekly_review
from analytics.review.weeks import ReviewFilters, week_start_of
from curation.models import ContentItem, Placement

# The review is computed once per state of the figures and kept: curators and the projector read
# the stored result, and the sync that changes the figures computes the next one (tasks.py).
REVIEW_KEPT_SECONDS = 15 * 60  # campaign sends and sign-ups change without a sync: never staler
FIGURES_EDITED = "weekly-review:figures-edited"  # bumped when a curator types or imports figures


def figures_version() -> str:
    """Changes whenever what the review reads changes: every sync and import is a SyncRun, hand
    edits bump a counter, items carry their own timestamps, and the link checker its own."""
    runs = SyncRun.objects.aggregate(last=Max("finished_at"), count=Count("pk"))
    items = ContentItem.objects.aggregate(last=Max("updated_at"), count=Count("pk"))
    checked = Placement.objects.aggregate(last=Max("reachability_checked_at"), count=Count("pk"))
    marks = (*runs.values(), *items.values(), *checked.values(), cache.get(FIGURES_EDITED, 0))
    return hashlib.sha256(repr(marks).encode()).hexdigest()[:16]


def note_figures_edited() -> None:
    try:
        cache.incr(FIGURES_EDITED)
    except ValueError:  # not there yet
        cache.add(FIGURES_EDITED, 1, timeout=None)


def kept_review(*, week: date, filters: ReviewFilters) -> WeeklyReview:
    """The weekly review for this state of the figures: computed once, then read from the cache."""
    # The privacy rule is part of the key: a review kept under an earlier rule is never served.
    # So is today: a week begins, or ends, at midnight whatever the figures do.
    question = (week_start_of(week), astuple(filters), privacy.METHOD, today())
    asked = hashlib.sha256(repr(question).encode()).hexdigest()[:16]
    key = f"weekly-review:{figures_version()}:{asked}"
    review = cache.get(key)
    if review is None:
        review = weekly_review(week=week, filters=filters)
        cache.set(key, review, timeout=REVIEW_KEPT_SECONDS)
    return review
