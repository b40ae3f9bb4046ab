"""Employees' learning wishes: kept without identity, triaged by curators into briefs or dismissed.

Campaigns scrubs a wish before it arrives here (it alone knows the employees); curation keeps the
words, where they were written and the day, and nothing else, so either curator may read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from curation import services
from curation.models import ContentBrief, LearningWish, Topic, WishStatus

# What the brief's "why" quotes of each wish, so a brief made from many stays readable.
QUOTED_LENGTH = 200


def record_wish(*, text: str, source: str, received_on: date) -> LearningWish:
    wish = LearningWish(text=text.strip(), source=source, received_on=received_on)
    wish.full_clean()
    wish.save()
    return wish


def why_from(wishes: Iterable[LearningWish]) -> str:
    """The brief's evidence in the employees' own words, oldest first."""
    in_order = sorted(wishes, key=lambda wish: (wish.received_on, wish.pk))
    quoted = "; ".join(f"“{wish.text[:QUOTED_LENGTH]}”" for wish in in_order)
    return f"Employees asked: {quoted}"


@transaction.atomic
def brief_from_wishes(
    *,
    wishes: Iterable[LearningWish],
    topic: Topic,
    format: str,
    stage: str,
    why: str,
    audience: str = "",
    by: AbstractBaseUser,
) -> ContentBrief:
    """Open a brief for what employees asked, linking the wishes so the brief shows what asked for it.

    A wish already in a brief stays with that one: it asked for it first.
    """
    ids = [wish.pk for wish in wishes]
    open_wishes = (
        LearningWish.objects.select_for_update().filter(pk__in=ids).exclude(status=WishStatus.BRIEFED)
    )
    if not open_wishes.exists():
        raise ValidationError("Those wishes are already in a brief.")
    brief = services.create_brief(topic=topic, format=format, stage=stage, why=why, audience=audience)
    open_wishes.update(brief=brief, status=WishStatus.BRIEFED, triaged_by=by, triaged_at=timezone.now())
    return brief


def dismiss_wishes(*, wishes: Iterable[LearningWish], by: AbstractBaseUser) -> int:
    """Take wishes still to triage off the list. Returns how many; one in a brief stays in it."""
    ids = [wish.pk for wish in wishes]
    return LearningWish.objects.filter(pk__in=ids, status=WishStatus.NEW).update(
        status=WishStatus.DISMISSED, triaged_by=by, triaged_at=timezone.now()
    )
