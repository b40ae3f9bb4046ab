"""The weekly review shared read-only: links for people without an admin login.

A link carries a random token; only its SHA-256 digest is stored, so the database (or a backup of
it) opens nothing, and the full link is shown once, to the curator who made it. Whatever is wrong
with a link (unknown, expired, revoked) it opens the same "not available" page: nobody can tell a
link that once worked from one that never did.

A shared page is the same computed review the admin dashboard shows (analytics.review.cache's
kept_review, unfiltered): the figures passed disclosure control once, whole, before either page
reads them, so the two cannot disagree about what is withheld.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from analytics.clock import today
from analytics.models import ReviewSection, ReviewShare
from analytics.review import past_decisions
from analytics.review.cache import kept_review
from analytics.review.dashboard import WeeklyReview
from analytics.review.freshness import Freshness
from analytics.review.weeks import (
    FIRST_REVIEW_DAY,
    RECENT_WEEKS,
    ReviewFilters,
    day_bounds,
    last_complete_week,
)

MAX_SHARE_DAYS = 90  # a link outlives a quarter's board meeting, not a year of staff changes
DEFAULT_SHARE_DAYS = 30
# secrets.token_urlsafe(32): 43 characters of the URL-safe alphabet. Anything else is no link.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
# The charts each section draws (analytics.review's chart names): a page carries only its own.
SECTION_CHARTS = {
    ReviewSection.TRENDS: (
        "traffic_campaign",
        "traffic_organic",
        "preference_format",
        "preference_topic",
        "preference_channel",
        "preference_stage",
    ),
}
SHARED_DECISIONS = 20  # the newest decisions a shared page lists; the payoff table counts them all


class Outcome(enum.Enum):
    OPEN = "open"
    NOT_AVAILABLE = "not_available"  # unknown, expired or revoked: one answer for all three
    NEEDS_PASSWORD = "needs_password"  # noqa: S105 - an outcome's name, not a password
    WRONG_PASSWORD = "wrong_password"  # noqa: S105


@dataclass(frozen=True)
class Opening:
    outcome: Outcome
    share: ReviewShare | None = None


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_sections(sections: Iterable[str]) -> list[str]:
    """The chosen sections in the review's order; ValidationError for none or an unknown one."""
    chosen = list(sections)
    unknown = [name for name in chosen if name not in ReviewSection.values]
    if unknown:
        raise ValidationError(f"“{unknown[0]}” is not a section of the weekly review.")
    if not chosen:
        raise ValidationError("Choose at least one section of the review to share.")
    return [name for name in ReviewSection.values if name in chosen]


def check_expiry(expires_on: date) -> datetime:
    """The link works through `expires_on` where the programme runs; the instant it stops."""
    if expires_on < today():
        raise ValidationError("The expiry must be today or later.")
    if expires_on > today() + timedelta(days=MAX_SHARE_DAYS):
        raise ValidationError(f"A shared link lasts {MAX_SHARE_DAYS} days at most: choose an earlier expiry.")
    return day_bounds(expires_on, expires_on)[1]


def create_share(
    *,
    label: str,
    sections: Iterable[str],
    expires_on: date,
    password: str = "",
    created_by: AbstractBaseUser | None,
) -> tuple[ReviewShare, str]:
    """A new link and its token, which is returned here and nowhere else again."""
    label = label.strip()
    if not label:
        raise ValidationError("Say who the link is for (a label).")
    token = secrets.token_urlsafe(32)
    share = ReviewShare(
        label=label,
        sections=check_sections(sections),
        expires_at=check_expiry(expires_on),
        password_hash=make_password(password) if password else "",
        token_digest=digest_of(token),
        created_by=created_by,
    )
    share.full_clean()
    share.save()
    return share, token


def share_url(token: str) -> str:
    """The link to give a stakeholder: absolute, on the configured public address."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('shared-review', args=[token])}"


def revoke_share(*, share: ReviewShare) -> ReviewShare:
    """Closes the link for good; revoking twice keeps the first time."""
    ReviewShare.objects.filter(pk=share.pk, revoked_at=None).update(revoked_at=timezone.now())
    share.refresh_from_db(fields=["revoked_at"])
    return share


def live_share(token: str) -> ReviewShare | None:
    """The share this token opens now, or None, whatever the reason."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    digest = digest_of(token)
    share = ReviewShare.objects.filter(token_digest=digest).first()
    # The lookup is by an index on a digest the caller cannot steer; compared again in constant time.
    if share is None or not hmac.compare_digest(share.token_digest, digest):
        return None
    if share.revoked_at is not None or share.expires_at <= timezone.now():
        return None
    return share


def open_share(*, token: str, password: str | None = None, unlocked: Collection[int] = ()) -> Opening:
    """Whether this token opens its review now. `password` is what was typed (None when nothing
    was); `unlocked` are the shares this browser gave the right password for before."""
    share = live_share(token)
    if share is None:
        return Opening(Outcome.NOT_AVAILABLE)
    if not share.has_password or share.pk in unlocked:
        return Opening(Outcome.OPEN, share)
    if password is None:
        return Opening(Outcome.NEEDS_PASSWORD, share)
    if check_password(password, share.password_hash):
        return Opening(Outcome.OPEN, share)
    return Opening(Outcome.WRONG_PASSWORD, share)


def record_opening(*, share: ReviewShare) -> None:
    """One more opening, on this day: a count and a date, never who, from where or with what."""
    with transaction.atomic():
        ReviewShare.objects.filter(pk=share.pk).update(openings=F("openings") + 1, last_opened_on=today())


def shared_weeks() -> list[date]:
    """The weeks a shared page may show, newest first: the last complete week and the eleven before."""
    last = last_complete_week()
    weeks = [last - timedelta(weeks=n) for n in range(RECENT_WEEKS)]
    return [week for week in weeks if week >= FIRST_REVIEW_DAY]


@dataclass
class SharedReview:
    """The chosen sections of one week's review, as the admin dashboard computed and published it."""

    review: WeeklyReview
    sections: list[str]
    charts: dict[str, dict[str, object]] = field(default_factory=dict)
    decisions: list[past_decisions.PastDecision] = field(default_factory=list)
    payoff: list[past_decisions.Payoff] = field(default_factory=list)

    def shows(self, section: str) -> bool:
        return section in self.sections

    @property
    def incomplete(self) -> list[Freshness]:
        """The channels whose figures for the week are short of days: said on the page and in the
        digest. Not the dashboard's whole attention list, which also names failing syncs and sends
        the reader to the sync log: the team's business, not the stakeholders'."""
        return [row for row in self.review.freshness if row.incomplete]


def shared_review(*, sections: Iterable[str], week: date) -> SharedReview:
    """The review the admin dashboard shows for `week` (unfiltered), cut to `sections`."""
    chosen = check_sections(sections)
    review = kept_review(week=week, filters=ReviewFilters())
    wanted = {name for section in chosen for name in SECTION_CHARTS.get(section, ())}
    shared = SharedReview(
        review=review,
        sections=chosen,
        charts={name: chart for name, chart in review.charts.items() if name in wanted},
    )
    if ReviewSection.DECISIONS in chosen:
        newest = past_decisions.past_decisions(past_decisions.DecisionFilters())[:SHARED_DECISIONS]
        shared.decisions = past_decisions.rows(newest)
        shared.payoff = past_decisions.payoff()
    return shared
