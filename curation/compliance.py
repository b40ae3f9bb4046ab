"""The compliance guard: business-sensitive and compliance content never reaches a public channel.

`check_exposure` is the rule; the three checks below gather what it needs from each entry point
(a new placement, an item's sensitivity changing, a channel's visibility changing). Model
validation, the admin, services and later callers (campaigns) all go through them.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet

from channels.models import Channel, Visibility


class Sensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    BUSINESS_SENSITIVE = "business_sensitive", "Business-sensitive"
    COMPLIANCE = "compliance", "Compliance"


# Content of these kinds stays in the LMS and on private channels, never on a public one.
RESTRICTED_SENSITIVITIES = frozenset({Sensitivity.BUSINESS_SENSITIVE, Sensitivity.COMPLIANCE})


class Item(Protocol):
    """What the guard reads of a content item (curation.models.ContentItem, whose clean() calls
    the guard: so the guard names no model of curation's)."""

    pk: int | None
    title: str
    sensitivity: str


def check_exposure(*, sensitivity: str, visibility: str, item_title: str, channel_name: str) -> None:
    if sensitivity in RESTRICTED_SENSITIVITIES and visibility == Visibility.PUBLIC:
        label = Sensitivity(sensitivity).label.lower()
        raise ValidationError(
            f"“{item_title}” is {label} content and cannot be placed on the public channel "
            f"{channel_name}. Keep it in the LMS or on an unlisted / private channel.",
            code="compliance",
        )


def check_placement(*, item: Item, channel: Channel) -> None:
    check_exposure(
        sensitivity=item.sensitivity,
        visibility=channel.visibility,
        item_title=item.title,
        channel_name=channel.name,
    )


def channels_open_to(sensitivity: str) -> QuerySet[Channel]:
    """The channels the guard lets an item of this sensitivity be placed on: what pickers offer."""
    if sensitivity in RESTRICTED_SENSITIVITIES:
        return Channel.objects.exclude(visibility=Visibility.PUBLIC)
    return Channel.objects.all()


def check_item_sensitivity(*, item: Item) -> None:
    """Refuse to make an item sensitive while it is still placed on public channels."""
    if item.sensitivity not in RESTRICTED_SENSITIVITIES or item.pk is None:
        return
    public_channels = list(
        Channel.objects.filter(placements__item=item, visibility=Visibility.PUBLIC)
        .distinct()
        .values_list("name", flat=True)
    )
    if public_channels:
        label = Sensitivity(item.sensitivity).label.lower()
        raise ValidationError(
            {
                "sensitivity": ValidationError(
                    f"“{item.title}” cannot become {label} while it is placed on public channels "
                    f"({', '.join(public_channels)}). Remove those placements first.",
                    code="compliance",
                )
            }
        )


def check_channel_visibility(*, channel: Channel) -> None:
    """Refuse to make a channel public while sensitive content is placed on it."""
    if channel.visibility != Visibility.PUBLIC or channel.pk is None:
        return
    restricted_titles = list(
        channel.placements.filter(item__sensitivity__in=RESTRICTED_SENSITIVITIES)
        .values_list("item__title", flat=True)
        .distinct()
    )
    if restricted_titles:
        raise ValidationError(
            {
                "visibility": ValidationError(
                    f"{channel.name} cannot become public: it holds business-sensitive or "
                    f"compliance content ({', '.join(restricted_titles)}). Move that content first.",
                    code="compliance",
                )
            }
        )
