"""Demo employees in every consent state, segments, campaigns in every stage of their life, and a
live welcome series with a check whose report has figures to show."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from anymail.signals import AnymailTrackingEvent, EventType
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from campaigns import compose, consent, email_events, journeys, preferences, sending
from campaigns.links import account_url
from campaigns.models import (
    TEAM_CHANNELS_ONLY,
    Campaign,
    CheckAnswerCount,
    ConsentAction,
    ConsentSource,
    ConsentState,
    Delivery,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    FeedbackCount,
    Journey,
    JourneyEntry,
    JourneyStep,
    LinkClickDay,
    MediaPreference,
    Medium,
    MessageVariant,
    Repeat,
    Segment,
    Subscriber,
    TeamChannel,
    TeamChannelKind,
    TemplateApproval,
    TrackedLink,
    Usefulness,
    WhatsAppTemplate,
)
from campaigns.receipts import record_receipt
from campaigns.services import create_subscriber
from campaigns.team_channels import services as team_posting
from campaigns.tracking import check_promotable
from campaigns.whatsapp import templates as whatsapp_templates
from curation.models import Placement, Topic
from curation.roles import INTERNAL_CURATOR

DEPARTMENTS = ["Sales", "Customer service", "Operations", "Finance", "People"]
LOCATIONS = [("Leeds", "Europe/London"), ("London", "Europe/London"), ("Dublin", "Europe/Dublin")]
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Erin", "Femi", "Grace", "Hassan", "Isla", "Jack"]
EMPLOYEES = 60
# Issue 16: Dev reads the programme in French and Hassan in Arabic (right to left); the rest in English.
LANGUAGE_OF_EMPLOYEE = {3: "fr", 7: "ar"}

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
    load_welcome_series(stdout=stdout)
    load_team_post(stdout=stdout)
    load_team_only_campaign(stdout=stdout)
    load_whatsapp(stdout=stdout)
    load_bilingual_campaign(stdout=stdout)
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
            language=LANGUAGE_OF_EMPLOYEE.get(index, settings.LANGUAGE_CODE),
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
    arabic = Subscriber.objects.filter(phone=f"+447400{100000 + 7:06d}").first()
    if arabic is not None:
        stdout.write(f"{arabic.display_name}'s own page, in Arabic (right to left): {account_url(arabic)}")


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
    # Email receipts as a sending service's webhooks report them (campaigns.email_events): all
    # delivered but one, deferred by a full mailbox (a soft bounce, counted; nobody suppressed).
    emails = Delivery.objects.filter(campaign=sent, medium=Medium.EMAIL).order_by("pk")
    for index, delivery in enumerate(emails):
        kind = EventType.DEFERRED if index == 1 else EventType.DELIVERED
        event = AnymailTrackingEvent(
            event_type=kind, message_id=delivery.provider_id, description="Mailbox full"
        )
        email_events.record_event(event=event, esp_name="the demo")
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


CHECK_QUESTION = "Which of these calms an angry customer first? Reply A, B or C"
CHECK_ITEM = "Three questions that calm an angry customer"
# (wait in days, counted from the step before) of the three steps, and when each falls due after joining.
WELCOME_WAITS = (0, 2, 7)
WELCOME_DUE = (timedelta(0), timedelta(days=2), timedelta(days=9))


def welcome_series_name() -> str:
    return f"Welcome to {settings.PROGRAMME_NAME}"[:120]


@transaction.atomic
def load_welcome_series(*, stdout: OutputWrapper) -> None:
    """A live welcome series of three steps (a welcome, a check by text, a nudge), built with the
    services the admin uses, and the sign-ups of the last sixteen weeks taken through it."""
    name = welcome_series_name()
    curator = get_user_model().objects.filter(groups__name=INTERNAL_CURATOR).first()
    if Journey.objects.filter(name=name).exists() or curator is None:
        stdout.write("Welcome series: already there.")
        return
    placements = _demo_placements(4)
    check_placement = (
        Placement.objects.filter(item__title=CHECK_ITEM, pk__in=[p.pk for p in placements]).first()
        or placements[0]
    )
    journey = Journey.objects.create(
        name=name,
        purpose="Every new sign-up: a welcome, a check two days later, a nudge a week after that.",
        entry=JourneyEntry.SIGNUP,
    )
    welcome = journeys.create_step(journey=journey, wait_days=WELCOME_WAITS[0])
    _compose(
        welcome.message,
        [placements[0]],
        sms_text=f"Welcome to {settings.PROGRAMME_NAME}, {{first_name}}! Start here, 3 minutes: {{links}}",
        email_subject=f"Welcome to {settings.PROGRAMME_NAME}, {{first_name}}",
        email_body="Hi {first_name},\n\nGlad you joined. Here is where to start:\n\n{links}\n",
    )
    check = journeys.create_step(
        journey=journey,
        wait_days=WELCOME_WAITS[1],
        at_local_time=time(10, 0),
        question=CHECK_QUESTION,
        choices=["Ask what happened and listen", "Offer a refund straight away", "Pass them to a manager"],
        correct="A",
    )
    _compose(
        check.message,
        [check_placement],
        media=MediaPreference.SMS,
        sms_text="A quick one on the video, {first_name}: {links}",
        ask_useful=False,
    )
    nudge = journeys.create_step(journey=journey, wait_days=WELCOME_WAITS[2], at_local_time=time(9, 30))
    _compose(
        nudge.message,
        placements[1:3] or placements[:1],
        sms_text="One more for your week, {first_name}: {links}",
        email_subject="Your week's pick, {first_name}",
        email_body="Hi {first_name},\n\nA week in: two more worth your coffee break.\n\n{links}\n",
    )
    journeys.launch(journey=journey, by=curator)
    steps = [welcome, check, nudge]
    taken = _take_sign_ups_through(journey, steps)
    _count_the_voice(steps, check_placement)
    stdout.write(f"Welcome series: live, 3 steps, {taken} employees taken through it.")


def _compose(message: Campaign, placements: list[Placement], **fields: object) -> None:
    for field, value in fields.items():
        setattr(message, field, value)
    message.save()
    message.placements.set(placements)


def _take_sign_ups_through(journey: Journey, steps: list[JourneyStep]) -> int:
    """Everyone who confirmed entered on confirming; each got the steps that fell due since, and the
    people who stopped texts (the demo's one in ten) left the series after the check."""
    now = timezone.now()
    people = list(
        Subscriber.objects.filter(email_state=ConsentState.SUBSCRIBED)
        .prefetch_related("consent_events")
        .order_by("pk")
    )
    enrolments, deliveries = [], []
    for person in people:
        confirmed = max(
            event.occurred_at
            for event in person.consent_events.all()
            if event.action == ConsentAction.CONFIRMED
        )
        left = person.sms_state == ConsentState.OPTED_OUT
        reached = [step for step, due in zip(steps, WELCOME_DUE, strict=True) if confirmed + due <= now]
        if left:
            reached = reached[:2]
        for step, due in zip(reached, WELCOME_DUE, strict=False):
            sent_at = confirmed + due
            for medium in Medium:
                if not step.message.sends(medium):
                    continue
                receipt = DeliveryStatus.DELIVERED if medium == Medium.SMS else DeliveryStatus.SENT
                if medium == Medium.SMS and person.pk % 7 == 3:
                    receipt = DeliveryStatus.UNDELIVERED
                deliveries.append(
                    Delivery(
                        campaign=step.message,
                        subscriber=person,
                        medium=medium,
                        occurrence=1,
                        status=receipt,
                        not_before=sent_at,
                        sent_at=sent_at,
                    )
                )
        finished = len(reached) == len(steps)
        next_position = len(reached) + 1
        enrolments.append(
            Enrolment(
                journey=journey,
                subscriber=person,
                status=EnrolmentStatus.OPTED_OUT
                if left
                else (EnrolmentStatus.FINISHED if finished else EnrolmentStatus.ACTIVE),
                entered_at=confirmed,
                next_position=next_position,
                next_due_at=None if left or finished else confirmed + WELCOME_DUE[next_position - 1],
                last_step_at=confirmed + WELCOME_DUE[len(reached) - 1] if reached else None,
                ended_at=confirmed + WELCOME_DUE[2] if left or finished else None,
            )
        )
    Enrolment.objects.bulk_create(enrolments)
    Delivery.objects.bulk_create(deliveries)
    first = min((enrolment.entered_at for enrolment in enrolments), default=now)
    Journey.objects.filter(pk=journey.pk).update(launched_at=first - timedelta(days=1))
    return len(enrolments)


def _count_the_voice(steps: list[JourneyStep], check_placement: Placement) -> None:
    """Clicks, "useful?" votes and check answers as the counters would have gathered them."""
    week = _last_weeks_tuesday_ten().date() - timedelta(days=1)
    clicks = {(0, Medium.SMS): 19, (0, Medium.EMAIL): 12, (1, Medium.SMS): 14, (2, Medium.SMS): 11}
    for (index, medium), human in clicks.items():
        for link in TrackedLink.objects.filter(campaign=steps[index].message, medium=medium):
            LinkClickDay.objects.get_or_create(
                link=link,
                date=week + timedelta(days=1),
                defaults={
                    "raw_hits": human + 6,
                    "bot_hits": 4,
                    "human_clicks": human,
                    "unique_clicks": human - 2,
                },
            )
    votes = {(0, Usefulness.USEFUL): 21, (0, Usefulness.NOT_FOR_ME): 6, (2, Usefulness.USEFUL): 13}
    for (index, answer), count in votes.items():
        FeedbackCount.objects.create(
            campaign=steps[index].message,
            placement=steps[index].message.placements.order_by("pk").first(),
            medium=Medium.SMS,
            answer=answer,
            week=week,
            votes=count,
        )
    for letter, count in (("A", 27), ("B", 8), ("C", 4)):
        CheckAnswerCount.objects.create(step=steps[1], letter=letter, week=week, count=count)


def _last_weeks_tuesday_ten() -> datetime:
    local = timezone.now().astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE))
    monday = local.date() - timedelta(days=local.weekday() + 7)
    return datetime.combine(monday + timedelta(days=1), time(10), tzinfo=local.tzinfo)


def _next_monday_nine() -> datetime:
    local = timezone.now().astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE))
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(9, 0), tzinfo=local.tzinfo)


# Team channels: a Teams channel on the console backend, and a campaign that posts its card there.
DEMO_TEAMS_WORKFLOW = (
    "https://prod-00.westeurope.logic.azure.com/workflows/0demo/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=demo-not-a-real-signature"
)


def load_team_post(*, stdout: OutputWrapper) -> None:
    """Its card is printed (the console backend) as the campaign starts: what Teams would show."""
    curator = get_user_model().objects.filter(groups__name=INTERNAL_CURATOR).first()
    if Campaign.objects.filter(slug="sales-huddle").exists() or curator is None:
        stdout.write("Team post: already there.")
        return
    channel = TeamChannel.objects.filter(name="Sales on Teams").first() or team_posting.save_channel(
        channel=TeamChannel(name="Sales on Teams", kind=TeamChannelKind.TEAMS), new_secret=DEMO_TEAMS_WORKFLOW
    )
    campaign = Campaign.objects.create(
        name="Sales huddle",
        slug="sales-huddle",
        purpose="This week's pick for the sales team, in their Teams channel as well as by email.",
        media=MediaPreference.EMAIL,
        email_subject="For this week's huddle, {first_name}",
        email_body="Hi {first_name},\n\nFor Thursday's huddle:\n\n{links}\n",
        team_post_title="For Thursday's huddle",
        team_post_text="Five minutes each before we meet: how to give feedback that lands.",
    )
    campaign.placements.set(_demo_placements(2))
    campaign.segments.set(Segment.objects.filter(name="Sales team"))
    campaign.team_channels.set([channel])
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TEAM_POST_BACKEND="campaigns.team_channels.console.ConsoleBackend",
        SEND_WINDOW_DAYS=list(range(7)),
        SEND_WINDOW_START="00:00",
        SEND_WINDOW_END="00:00",
    ):
        sending.launch(campaign=campaign, by=curator)
    stdout.write("Team post: “Sales huddle” posted its card to “Sales on Teams” (printed above).")


WHATSAPP_PEOPLE = (3, 4)  # confirmed employees who then chose WhatsApp on their own page


@transaction.atomic
def load_whatsapp(*, stdout: OutputWrapper) -> None:
    """Two employees who chose WhatsApp on their own page (their opt-in, in the consent ledger), the
    console backend's approved template read as a curator's refresh reads Twilio's, and a draft
    WhatsApp campaign using it, whose preview shows the message as it will read and its price."""
    if Campaign.objects.filter(slug="whatsapp-nudge").exists():
        stdout.write("WhatsApp: already there.")
        return
    with override_settings(WHATSAPP_BACKEND="campaigns.whatsapp.console.ConsoleBackend"):
        whatsapp_templates.refresh_templates()
    # The English one: Dev D., who reads French, gets its French translation (same name).
    template = WhatsAppTemplate.objects.filter(approval=TemplateApproval.APPROVED, language="en").first()
    chose = 0
    for index in WHATSAPP_PEOPLE:
        person = Subscriber.objects.filter(phone=f"+447400{100000 + index:06d}").first()
        if person is None or person.sms_state != ConsentState.SUBSCRIBED:
            continue
        preferences.update_preferences(
            subscriber=person,
            topics=person.topics.all(),
            preferred_media=MediaPreference.WHATSAPP_EMAIL,
            time_zone=person.time_zone,
        )
        chose += 1
    everyone, _ = Segment.objects.get_or_create(
        name="Everyone, any medium", defaults={"medium": MediaPreference.ALL}
    )
    draft = Campaign.objects.create(
        name="WhatsApp nudge",
        slug="whatsapp-nudge",
        purpose="The week's pick for those who chose WhatsApp.",
        media=MediaPreference.WHATSAPP,
        whatsapp_template=template,
        whatsapp_variables={"1": "first_name", "2": "links"},
        whatsapp_text="Thanks for writing, {first_name}. This week's pick: {links}",
    )
    draft.placements.set(_demo_placements(1))
    draft.segments.set([everyone])
    stdout.write(
        f"WhatsApp: {chose} employees chose it, 1 approved template in English and French, 1 draft campaign."
    )


# Issue 16: a campaign in English, French and Arabic, each employee reading it in their language.
DEMO_READERS = {"fr": 4, "ar": 7}  # every 4th demo employee reads French, every 7th Arabic


def load_bilingual_campaign(*, stdout: OutputWrapper) -> None:
    """A draft whose preview shows each language's text, its readers and its cost: the Arabic text
    is UCS-2 (70 characters a segment, not 160), and Arabic readers get the English email, the
    French variant being the only one with an email of its own."""
    if Campaign.objects.filter(slug="customer-care-week").exists():
        stdout.write("Bilingual campaign: already there.")
        return
    # More readers than the two employees who already read French and Arabic, so every language
    # in the preview has people (and a cost) of its own.
    for index, subscriber in enumerate(Subscriber.objects.order_by("phone")):
        for language, every in DEMO_READERS.items():
            if index % every == every - 1 and subscriber.language == settings.LANGUAGE_CODE:
                subscriber.language = language
                subscriber.save(update_fields=["language"])
    campaign = Campaign.objects.create(
        name="Customer care week",
        slug="customer-care-week",
        purpose="The same week for every office, each employee in their own language.",
        sms_text="Hi {first_name}, five minutes on calming an angry customer: {links}",
        email_subject="Customer care week, {first_name}",
        email_body="Hi {first_name},\n\nThis week's picks on customer care:\n\n{links}\n",
    )
    campaign.placements.set(_demo_placements(1))
    campaign.segments.set([Segment.objects.get_or_create(name="Everyone")[0]])
    MessageVariant.objects.create(
        campaign=campaign,
        language="fr",
        sms_text="Bonjour {first_name}, cinq minutes pour apaiser un client mécontent : {links}",
        email_subject="Semaine du service client, {first_name}",
        email_body="Bonjour {first_name},\n\nNotre sélection de la semaine :\n\n{links}\n",
    )
    MessageVariant.objects.create(
        campaign=campaign,
        language="ar",
        sms_text="مرحبا {first_name}، خمس دقائق عن تهدئة عميل غاضب: {links}",
    )
    stdout.write("Bilingual campaign: 1 draft in English, French and Arabic (see its preview).")
    french_text = compose.sms_body(campaign, name="Dev", links="", language="fr")
    stdout.write("  A French reader's text ends: " + " / ".join(french_text.splitlines()[-2:]))


def load_team_only_campaign(*, stdout: OutputWrapper) -> None:
    """A weekly draft that posts to the sales team's Teams channel and messages nobody: its preview
    shows the card, and an internal curator may launch it."""
    channel = TeamChannel.objects.filter(name="Sales on Teams").first()
    if Campaign.objects.filter(slug="sales-friday-pick").exists() or channel is None:
        stdout.write("Team-only campaign: already there.")
        return
    campaign = Campaign.objects.create(
        name="Sales Friday pick",
        slug="sales-friday-pick",
        purpose="One pick a week in the sales team's channel, and no texts or emails.",
        media=TEAM_CHANNELS_ONLY,
        repeat=Repeat.WEEKLY,
        team_post_title="Friday pick",
        team_post_text="Ten minutes for Friday afternoon, chosen by the learning team.",
    )
    campaign.placements.set(_demo_placements(1))
    campaign.team_channels.set([channel])
    stdout.write("Team-only campaign: “Sales Friday pick”, a weekly draft posting to “Sales on Teams” only.")
