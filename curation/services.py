"""Writes to the catalogue. Each function validates fully and saves in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from channels.models import Channel
from curation.models import (
    BriefStatus,
    ContentBrief,
    ContentItem,
    Decision,
    Format,
    Lifecycle,
    Placement,
    Sensitivity,
    Stage,
    Topic,
)
from curation.signals import item_retired


@transaction.atomic
def create_item(
    *,
    title: str,
    format: str,
    stage: str | Stage,
    summary: str = "",
    sensitivity: str | Sensitivity = Sensitivity.PUBLIC,
    topics: Iterable[Topic] = (),
    owner: AbstractBaseUser | None = None,
) -> ContentItem:
    item = ContentItem(
        title=title, summary=summary, format=format, stage=stage, sensitivity=sensitivity, owner=owner
    )
    item.full_clean()
    item.save()
    item.topics.set(topics)
    return item


@transaction.atomic
def change_sensitivity(*, item: ContentItem, sensitivity: str | Sensitivity) -> ContentItem:
    item.sensitivity = sensitivity
    item.full_clean()  # Runs the compliance guard against the item's placements.
    item.save(update_fields=["sensitivity", "updated_at"])
    return item


@transaction.atomic
def place_item(
    *,
    item: ContentItem,
    channel: Channel,
    url: str,
    external_id: str = "",
    published_on: date | None = None,
) -> Placement:
    placement = Placement(
        item=item, channel=channel, url=url, external_id=external_id, published_on=published_on
    )
    placement.full_clean()
    placement.save()
    return placement


@transaction.atomic
def start_production(*, item: ContentItem) -> ContentItem:
    if item.lifecycle != Lifecycle.IDEA:
        raise ValidationError(
            f"“{item.title}” is {item.get_lifecycle_display().lower()}: only ideas go into production."
        )
    item.lifecycle = Lifecycle.IN_PRODUCTION
    item.save(update_fields=["lifecycle", "updated_at"])
    return item


@transaction.atomic
def mark_live(*, item: ContentItem, on: date | None = None) -> ContentItem:
    """Put an item live; a retired item can be brought back, losing its retirement record."""
    if item.lifecycle == Lifecycle.LIVE:
        raise ValidationError(f"“{item.title}” is already live.")
    if not item.placements.filter(is_reachable=True).exists():
        raise ValidationError(
            f"“{item.title}” has no reachable placement: place it on a channel before it goes live."
        )
    item.lifecycle = Lifecycle.LIVE
    item.live_since = on or timezone.localdate()
    item.retired_on, item.retired_reason, item.successor = None, "", None
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def retire_item(
    *,
    item: ContentItem,
    reason: str,
    successor: ContentItem | None = None,
    on: date | None = None,
) -> ContentItem:
    """Take an item out of the programme, saying why and, optionally, what replaces it."""
    errors: dict[str, str] = {}
    if item.lifecycle == Lifecycle.RETIRED:
        raise ValidationError(f"“{item.title}” is already retired.")
    if not reason.strip():
        errors["retired_reason"] = "Say why the item is retired: the next review reads it."
    if successor is not None:
        if successor.pk == item.pk:
            errors["successor"] = "An item cannot succeed itself."
        elif successor.lifecycle != Lifecycle.LIVE:
            errors["successor"] = (
                f"The successor “{successor.title}” is {successor.get_lifecycle_display().lower()}: "
                "only a live item can replace a retired one."
            )
    if errors:
        raise ValidationError(errors)
    item.lifecycle = Lifecycle.RETIRED
    item.retired_on = on or timezone.localdate()
    item.retired_reason = reason.strip()
    item.successor = successor
    item.full_clean()
    item.save()
    # Campaigns drop the item from what they will send, and re-point links already sent.
    item_retired.send(sender=ContentItem, item=item, successor=successor)
    return item


@transaction.atomic
def create_brief(
    *,
    topic: Topic,
    format: str | Format,
    stage: str | Stage,
    why: str,
    audience: str = "",
    figures: dict | None = None,
    decision: Decision | None = None,
) -> ContentBrief:
    """Ask for new content, keeping the evidence: whoever writes it reads why it is needed."""
    brief = ContentBrief(
        topic=topic,
        format=format,
        stage=stage,
        audience=audience.strip(),
        why=why.strip(),
        figures=figures or {},
        status=BriefStatus.OPEN,
        decision=decision,
    )
    brief.full_clean()
    brief.save()
    return brief
