"""Demo employees: subscribers in every consent state, and a few segments to aim campaigns at."""

from __future__ import annotations

import random

from django.core.management.base import OutputWrapper
from django.db import transaction

from campaigns import consent
from campaigns.models import ConsentAction, ConsentSource, MediaPreference, Medium, Segment, Subscriber
from campaigns.services import create_subscriber
from curation.models import Topic

DEPARTMENTS = ["Sales", "Customer service", "Operations", "Finance", "People"]
LOCATIONS = [("Leeds", "Europe/London"), ("London", "Europe/London"), ("Dublin", "Europe/Dublin")]
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Erin", "Femi", "Grace", "Hassan", "Isla", "Jack"]
EMPLOYEES = 60

SEGMENTS = [
    ("Sales team", {"departments": ["Sales"]}, []),
    ("Dublin office", {"locations": ["Dublin"]}, []),
    ("Interested in wellbeing", {}, ["wellbeing"]),
    ("Everyone by text", {"medium": MediaPreference.SMS}, []),
]


def _consent_path(index: int) -> list[tuple[str, str]]:
    """Most confirmed on both media; some pending, some opted out, some still invitees."""
    if index % 10 == 0:
        return []  # Imported, not yet signed up.
    path = [(Medium.SMS, ConsentAction.REQUESTED), (Medium.EMAIL, ConsentAction.REQUESTED)]
    if index % 10 == 1:
        return path  # Asked, never confirmed.
    path += [(Medium.SMS, ConsentAction.CONFIRMED), (Medium.EMAIL, ConsentAction.CONFIRMED)]
    if index % 10 == 2:
        path.append((Medium.SMS, ConsentAction.OPTED_OUT))
    return path


@transaction.atomic
def load(*, stdout: OutputWrapper) -> None:
    rng = random.Random(2026)  # Same employees on every run and every machine.
    topics = list(Topic.objects.order_by("pk"))
    created = 0
    for index in range(EMPLOYEES):
        phone = f"+447400{100000 + index:06d}"
        if Subscriber.objects.filter(phone=phone).exists():
            continue
        location, time_zone = LOCATIONS[index % len(LOCATIONS)]
        subscriber = create_subscriber(
            phone=phone,
            email=f"employee{index:02d}@acme-learning.example",
            display_name=f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {chr(65 + index % 26)}.",
            department=DEPARTMENTS[index % len(DEPARTMENTS)],
            location=location,
            time_zone=time_zone,
            topics=rng.sample(topics, k=min(2, len(topics))),
        )
        for medium, action in _consent_path(index):
            consent.record_consent(
                subscriber=subscriber,
                medium=medium,
                action=action,
                source=ConsentSource.SIGNUP_PAGE,
                evidence="Demo data",
            )
        created += 1
    for name, criteria, topic_slugs in SEGMENTS:
        segment, made = Segment.objects.get_or_create(name=name, defaults=criteria)
        if made:
            segment.topics.set(Topic.objects.filter(slug__in=topic_slugs))
    stdout.write(f"Employees: {created} created, {EMPLOYEES - created} already there.")
