"""Demo employees in every consent state, segments, and campaigns in every stage of their life."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from campaigns import consent, sending
from campaigns.models import (
    Campaign,
    ConsentAction,
    ConsentSource,
    Delivery,
    LinkClickDay,
    MediaPreference,
    Medium,
    Repeat,
    Segment,
    Subscriber,
    TrackedLink,
)
from campaigns.receipts import record_receipt
from campaigns.services import create_subscriber
from campaigns.tracking import check_promotable
from curation.models import Placement, Topic
from curation.roles import INTERNAL_CURATOR

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


def load(*, stdout: OutputWrapper) -> None:
    load_employees(stdout=stdout)
    load_campaigns(stdout=stdout)
    stdout.write(signup_invitation())


def signup_invitation() -> str:
    """How a person trying the demo signs up as an employee, from the settings sign-up obeys."""
    join = f"{settings.PUBLIC_BASE_URL}{reverse('campaigns:join')}"
    code = settings.SIGNUP_INVITATION_CODE
    ways = [f"the invitation code {code}"] if code else []
    ways += [f"an @{domain} address" for domain in settings.SIGNUP_ALLOWED_EMAIL_DOMAINS]
    if not ways:
        return f"Employees' sign-up at {join} is closed: no invitation code or email domain is set."
    return f"Employees sign up at {join} with {' or '.join(ways)}."


@transaction.atomic
def load_employees(*, stdout: OutputWrapper) -> None:
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
        # Sign-ups spread over the last sixteen weeks, so the weekly review sees them arrive.
        joined = timezone.now() - timedelta(days=112 * (EMPLOYEES - index) / EMPLOYEES)
        for step, (medium, action) in enumerate(_consent_path(index)):
            consent.record_consent(
                subscriber=subscriber,
                medium=medium,
                action=action,
                source=ConsentSource.SIGNUP_PAGE,
                evidence="Demo data",
                at=joined + timedelta(minutes=5 * step, days=9 if action == ConsentAction.OPTED_OUT else 0),
            )
        created += 1
    for name, criteria, topic_slugs in SEGMENTS:
        segment, made = Segment.objects.get_or_create(name=name, defaults=criteria)
        if made:
            segment.topics.set(Topic.objects.filter(slug__in=topic_slugs))
    stdout.write(f"Employees: {created} created, {EMPLOYEES - created} already there.")


def _demo_placements(count: int) -> list[Placement]:
    promotable = []
    for placement in Placement.objects.select_related("item", "channel").order_by("pk"):
        try:
            check_promotable(placement)
        except ValidationError:
            continue
        promotable.append(placement)
    return promotable[:count]


def load_campaigns(*, stdout: OutputWrapper) -> None:
    """A sent campaign with receipts and clicks, a weekly one scheduled, and a draft.

    Sent through the in-memory backends with working hours open all week, so loading the demo
    neither prints sixty texts nor waits for Monday morning.
    """
    if Campaign.objects.filter(slug="feedback-week").exists():
        stdout.write("Campaigns: already there.")
        return
    curator = get_user_model().objects.filter(groups__name=INTERNAL_CURATOR).first()
    placements = _demo_placements(3)
    sent = Campaign.objects.create(
        name="Feedback week",
        slug="feedback-week",
        purpose="Get the sales team trying the new feedback guides.",
        sms_text="Hi {first_name}, three minutes on giving feedback this week: {links}",
        email_subject="This week: giving feedback, {first_name}",
        email_body="Hi {first_name},\n\nThis week's picks on giving feedback:\n\n{links}\n",
    )
    sent.placements.set(placements[:2])
    sent.segments.set(Segment.objects.filter(name="Sales team"))
    with override_settings(
        SMS_BACKEND="campaigns.sms.locmem.LocmemBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SEND_WINDOW_DAYS=list(range(7)),
        SEND_WINDOW_START="00:00",
        SEND_WINDOW_END="00:00",
    ):
        sending.launch(campaign=sent, by=curator)
    for index, delivery in enumerate(Delivery.objects.filter(campaign=sent, medium=Medium.SMS)):
        status, code = ("undelivered", "30003") if index % 7 == 3 else ("delivered", "")
        record_receipt(message_sid=delivery.provider_id, status=status, error_code=code)
    # It went out last Tuesday morning, so the weekly review's last complete week shows it.
    tuesday = _last_weeks_tuesday_ten()
    Delivery.objects.filter(campaign=sent).update(sent_at=tuesday, not_before=tuesday)
    Campaign.objects.filter(pk=sent.pk).update(launched_at=tuesday)
    today = tuesday.date()
    # A few of the six in the sales team clicked; previews and scanners hit every link.
    for index, link in enumerate(TrackedLink.objects.filter(campaign=sent).order_by("pk")):
        people = 1 + index % 2
        LinkClickDay.objects.get_or_create(
            link=link,
            date=today,
            defaults={
                "raw_hits": people + 3,
                "bot_hits": 2,
                "human_clicks": people + 1,
                "unique_clicks": people,
            },
        )

    weekly = Campaign.objects.create(
        name="New this week",
        slug="new-this-week",
        purpose="Monday's round-up of what went live.",
        media=MediaPreference.SMS,
        sms_text="New this week, {first_name}: {links}",
        repeat=Repeat.WEEKLY,
        send_at=_next_monday_nine(),
    )
    weekly.placements.set(placements[2:3])
    weekly.segments.set(Segment.objects.filter(name="Everyone by text"))
    sending.launch(campaign=weekly, by=curator)

    draft = Campaign.objects.create(
        name="Wellbeing month",
        slug="wellbeing-month",
        purpose="Drafted by the agency for review.",
        media=MediaPreference.EMAIL,
        email_subject="Wellbeing month starts Monday",
        email_body="Hi {first_name},\n\nFour short pieces for wellbeing month:\n\n{links}\n",
    )
    draft.placements.set(placements[:1])
    draft.segments.set(Segment.objects.filter(name="Interested in wellbeing"))
    stdout.write("Campaigns: 1 sent, 1 weekly scheduled, 1 draft.")


def _last_weeks_tuesday_ten() -> datetime:
    local = timezone.now().astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE))
    monday = local.date() - timedelta(days=local.weekday() + 7)
    return datetime.combine(monday + timedelta(days=1), time(10), tzinfo=local.tzinfo)


def _next_monday_nine() -> datetime:
    local = timezone.now().astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE))
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(9, 0), tzinfo=local.tzinfo)
