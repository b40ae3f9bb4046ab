"""Writes about employees that every entry point shares: sign-up, import, the curator's admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from campaigns.hashing import normalise_email
from campaigns.models import MediaPreference, Subscriber
from campaigns.phones import normalise_phone
from curation.models import Topic


def find_subscriber(*, phone: str = "", email: str = "") -> Subscriber | None:
    """The one subscriber holding this E.164 number or this email (any case), if any."""
    condition = Q(pk__in=[])
    if phone:
        condition |= Q(phone=phone)
    if email:
        condition |= Q(email_lower=normalise_email(email))
    matches = list(Subscriber.objects.annotate(email_lower=Lower("email")).filter(condition)[:2])
    if len(matches) > 1:
        raise ValidationError(
            "This phone number and this email address belong to two different employees.",
            code="conflict",
        )
    return matches[0] if matches else None


@transaction.atomic
def create_subscriber(
    *,
    phone: str = "",
    email: str = "",
    display_name: str = "",
    department: str = "",
    location: str = "",
    time_zone: str = "Europe/London",
    preferred_media: str = MediaPreference.BOTH,
    topics: Iterable[Topic] = (),
    language: str = settings.LANGUAGE_CODE,
) -> Subscriber:
    """A new invitee (no consent yet). The phone is normalised; duplicates are refused."""
    subscriber = Subscriber(
        phone=normalise_phone(phone) if phone else "",
        email=normalise_email(email),
        display_name=display_name.strip(),
        department=department.strip(),
        location=location.strip(),
        time_zone=time_zone,
        preferred_media=preferred_media,
        language=language,
    )
    subscriber.full_clean()
    subscriber.save()
    subscriber.topics.set(topics)
    return subscriber
