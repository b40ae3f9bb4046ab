"""Demo figures: sixteen weeks of believable daily trends for every live placement, drop-out
curves for the videos, campaign sessions, and a sync log with one source needing attention.

Figures follow a few plain patterns so the weekly review has something to find: most items
settle, some grow, a couple fade (retire candidates), and weekends are quiet. Seeded per
placement, so a reload gives the same numbers.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from analytics import reviews, services
from analytics.models import CampaignSessions, DailyMetric, RetentionPoint, Source, SyncRun, SyncStatus
from analytics.quiz import QUESTIONS, take_quiz
from analytics.share_demo import load_shared_link
from analytics.sources.base import Period
from campaigns.models import Campaign, Repeat
from channels.models import Channel, MetricSource
from curation.inbox.entries import Entry
from curation.inbox.models import CandidateSource, SourceKind
from curation.inbox.services import record_candidates
from curation.models import (
    ContentItem,
    DecisionAction,
    Format,
    Lifecycle,
    Placement,
    ReviewMeeting,
    Stage,
    Topic,
)

WEEKS = 16

# What discovery would find on the demo's own channels (analytics.discovery asks Google; the demo
# cannot): a new upload and a new page, each becoming an inbox candidate of its own.
OWNED_DEMO_FINDS = {
    "Acme Learns on YouTube": Entry(
        url="https://www.youtube.com/watch?v=prIceObj002",
        title="Handling the price objection, part 2",
        summary="Three answers that keep the deal moving.",
        external_id="prIceObj002",
    ),
    "Acme learning blog": Entry(
        url="https://www.acme-learning.example/learning/prompts-for-team-leads",
        title="Writing prompts for team leads",
        external_id="/learning/prompts-for-team-leads",
    ),
}
SOURCE_OF = {
    MetricSource.GA4: Source.GA4,
    MetricSource.YOUTUBE: Source.YOUTUBE,
    MetricSource.CSV_IMPORT: Source.CSV,
}


def load(*, stdout: OutputWrapper) -> None:
    # Before the "already there" return: each load prints a working link (a link is shown once).
    load_shared_link(stdout=stdout)
    load_owned_candidates()
    if DailyMetric.objects.exclude(source=Source.LINKS).exists() or ReviewMeeting.objects.exists():
        stdout.write("Analytics: demo figures already there.")
        return
    end = services.today() - timedelta(days=1)
    start = end - timedelta(weeks=WEEKS) + timedelta(days=1)
    placements = (
        Placement.objects.filter(item__lifecycle__in=[Lifecycle.LIVE, Lifecycle.RETIRED])
        .exclude(channel__metric_source=MetricSource.CLICKS_ONLY)
        .select_related("channel", "item")
        .order_by("pk")
    )
    with transaction.atomic():
        rows, points = [], []
        for placement in placements:
            first = max(start, placement.published_on or start)
            rows += daily_rows(placement, first, end)
            if placement.channel.metric_source == MetricSource.YOUTUBE:
                points += retention_curve(placement, Period(end - timedelta(days=27), end))
        DailyMetric.objects.bulk_create(rows, batch_size=2000)
        RetentionPoint.objects.bulk_create(points, batch_size=2000)
        campaign_sessions(start, end)
        sync_log(end)
    # Clicks on the demo campaign's tracked links arrive through the real sync.
    run = services.start_sync(
        source=Source.LINKS, channel=None, period=Period(start, end), requested_by="demo"
    )
    services.run_sync(run.pk)
    stdout.write(
        f"Analytics: {len(rows)} daily figures and {len(points)} drop-out points over {WEEKS} weeks."
    )
    a_page_gone()
    last_weeks_meeting()
    quiz_answers()
    stdout.write("Review: last week's meeting with its decisions; 46 anonymous quiz answers.")


def a_page_gone() -> None:
    """The link checker found one pin gone: the review suggests doing something about it."""
    pin = Placement.objects.filter(channel__platform="pinterest", item__lifecycle=Lifecycle.LIVE).first()
    if pin:
        Placement.objects.filter(pk=pin.pk).update(
            is_reachable=False, reachability_checked_at=timezone.now() - timedelta(hours=2)
        )


def last_weeks_meeting() -> None:
    """Last Monday's review: two decisions carried out, a brief still to open (it tops the next agenda)."""
    held_on = services.today() - timedelta(days=7 + services.today().weekday())
    curators = get_user_model().objects.filter(username__in=["curator", "agency"])
    meeting = reviews.start_meeting(
        held_on=held_on,
        attendees=curators,
        suggestions=reviews.dashboard_suggestions(held_on=held_on),
        notes="Traffic from texts is up; organic traffic flat. Captions requested twice.",
    )
    curator = curators.filter(username="curator").first()
    live = list(ContentItem.objects.filter(lifecycle=Lifecycle.LIVE).order_by("pk")[:2])
    if curator and len(live) == 2:
        keep = reviews.decide(meeting=meeting, item=live[0], action=DecisionAction.KEEP)
        improve = reviews.decide(
            meeting=meeting,
            item=live[1],
            action=DecisionAction.IMPROVE,
            reason="Add captions: most people watch on their phones without sound.",
        )
        for decision in (keep, improve):
            reviews.apply_decision(decision=decision, by=curator)
    topic = Topic.objects.order_by("pk").first()
    if topic:
        reviews.decide(
            meeting=meeting,
            item=None,
            action=DecisionAction.BRIEF,
            reason="Twelve sign-ups chose this topic this month; two live items cover it.",
            brief=reviews.BriefDetails(
                topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED, audience="New line managers"
            ),
        )


def quiz_answers() -> None:
    """L&D teams who took the quiz: enough of each answer that the curators' counts show."""
    chance = random.Random("quiz")
    for _ in range(46):
        lean = chance.choice([0, 1, 1, 2, 2, 3])
        answers = {
            question.code: question.answers[min(3, max(0, lean + chance.choice([-1, 0, 0, 1])))].code
            for question in QUESTIONS
        }
        take_quiz(answers=answers)


def trend(placement: Placement, chance: random.Random):
    """A placement's daily audience: a base size, a direction, a weekly rhythm and some noise."""
    base = chance.uniform(15, 160)
    direction = chance.choice([1.0, 1.0, 1.0, 1.012, 1.02, 0.985, 0.97])  # most settle, some grow, some fade

    def audience(days_live: int, day: date) -> float:
        weekday = 0.35 if day.weekday() >= 5 else 1.0
        return max(0.0, base * direction**days_live * weekday * chance.uniform(0.75, 1.25))

    return audience


def daily_rows(placement: Placement, first: date, end: date) -> list[DailyMetric]:
    chance = random.Random(f"demo-{placement.item.title}-{placement.channel.name}")
    audience = trend(placement, chance)
    source = SOURCE_OF[placement.channel.metric_source]
    rows = []
    day = first
    while day <= end:
        people = audience((day - first).days, day)
        figures = figures_for(placement.channel, people, chance)
        rows.append(DailyMetric(placement=placement, date=day, source=source, **figures))
        day += timedelta(days=1)
    return rows


def figures_for(channel: Channel, people: float, chance: random.Random) -> dict[str, float | int]:
    if channel.metric_source == MetricSource.YOUTUBE:
        views = round(people)
        duration = chance.uniform(70, 240)
        return {
            "views": views,
            "watch_minutes": round(views * duration / 60, 1),
            "average_duration_seconds": round(duration, 1),
            "average_percentage_viewed": round(chance.uniform(28, 72), 1),
            "likes": round(views * chance.uniform(0.02, 0.07)),
            "comments": round(views * chance.uniform(0, 0.01)),
            "shares": round(views * chance.uniform(0, 0.02)),
            "new_followers": round(views * chance.uniform(0, 0.015)),
        }
    if channel.metric_source == MetricSource.GA4:
        users = round(people)
        sessions = round(users * chance.uniform(1.0, 1.3))
        engaged = round(sessions * chance.uniform(0.45, 0.8))
        return {
            "views": round(sessions * chance.uniform(1.1, 1.8)),
            "sessions": sessions,
            "active_users": users,
            "engaged_sessions": engaged,
            "engagement_rate": round(engaged / sessions, 3) if sessions else None,
            "average_duration_seconds": round(chance.uniform(35, 190), 1) if users else None,
        }
    # A platform's own export: reach and reactions, no durations.
    views = round(people * 3)
    return {
        "views": views,
        "likes": round(views * chance.uniform(0.03, 0.09)),
        "comments": round(views * chance.uniform(0, 0.01)),
        "shares": round(views * chance.uniform(0, 0.02)),
        "saves": round(views * chance.uniform(0, 0.03)),
    }


def retention_curve(placement: Placement, period: Period) -> list[RetentionPoint]:
    """A hundred points: a steep first-seconds drop, a slow slide, a small bump where people rewatch."""
    chance = random.Random(f"retention-{placement.item.title}")
    steepness = chance.uniform(0.8, 2.6)
    bump_at = chance.uniform(0.3, 0.8)
    points = []
    for step in range(1, 101):
        ratio = step / 100
        watch = 0.62 * math.exp(-steepness * ratio) + 0.12 + 0.25 * math.exp(-ratio * 40)
        watch += 0.06 * math.exp(-(((ratio - bump_at) / 0.04) ** 2))
        points.append(
            RetentionPoint(
                placement=placement,
                period_start=period.start,
                period_end=period.end,
                elapsed_ratio=f"{ratio:.2f}",
                audience_watch_ratio=round(watch, 4),
                relative_performance=round(min(1.0, watch + chance.uniform(-0.1, 0.1)), 3),
            )
        )
    return points


def campaign_sessions(start: date, end: date) -> None:
    """The visits GA4 saw from the demo's sent campaign, over the days after it went out."""
    blog = Channel.objects.filter(metric_source=MetricSource.GA4).first()
    sent = (
        Campaign.objects.filter(launched_at__isnull=False, repeat=Repeat.ONCE).order_by("launched_at").first()
    )
    if blog is None or sent is None:
        return
    chance = random.Random("campaign-sessions")
    launched = sent.launched_at.date()
    rows = []
    for source, share in (("sms", 0.65), ("email", 0.35)):  # our links' utm_source
        for offset in range(7):
            day = launched + timedelta(days=offset)
            if start <= day <= end:
                sessions = round(120 * share * 0.55**offset * chance.uniform(0.8, 1.2))
                rows.append(
                    CampaignSessions(
                        channel=blog,
                        campaign_name=sent.slug,
                        source=source,
                        date=day,
                        sessions=sessions,
                        engaged_sessions=round(sessions * 0.7),
                    )
                )
    CampaignSessions.objects.bulk_create(rows)


def sync_log(end: date) -> None:
    """The morning's runs: every measured channel fine but one whose sign-in was revoked."""
    now = timezone.now()
    for source, channel in services.measured_channels():
        failing = channel.name.startswith("Leadership")
        SyncRun.objects.create(
            source=source,
            channel=channel,
            period_start=end - timedelta(days=2),
            period_end=end,
            status=SyncStatus.FAILED if failing else SyncStatus.SUCCEEDED,
            requested_by="schedule",
            started_at=now - timedelta(hours=3),
            finished_at=now - timedelta(hours=3) + timedelta(seconds=40),
            attempts=1,
            rows_read=0 if failing else 60,
            rows_written=0 if failing else 12,
            error=(
                "YouTube refused the channel's sign-in: the refresh token was revoked or has expired. "
                "A channel owner must grant access again (YOUTUBE_REFRESH_TOKEN)."
                if failing
                else ""
            ),
        )
    for channel in Channel.objects.filter(metric_source=MetricSource.CSV_IMPORT):
        imported = now - timedelta(days=5, hours=2)
        SyncRun.objects.create(
            source=Source.CSV,
            channel=channel,
            period_start=end - timedelta(days=12),
            period_end=end - timedelta(days=6),
            status=SyncStatus.SUCCEEDED,
            requested_by="tom",
            started_at=imported,
            finished_at=imported,
            attempts=1,
            rows_read=21,
            rows_written=21,
            rows_added=21,
        )


def load_owned_candidates() -> None:
    """The demo's owned-channel sources, not polled (that would call Google), with one find each."""
    for channel in Channel.objects.filter(name__in=OWNED_DEMO_FINDS):
        source, _ = CandidateSource.objects.get_or_create(
            name=f"{channel.name}: new content",
            defaults={"kind": SourceKind.OWNED_CHANNEL, "channel": channel, "is_active": False},
        )
        entry = OWNED_DEMO_FINDS[channel.name]
        published = timezone.now() - timedelta(days=2)
        record_candidates(source=source, entries=[replace(entry, published_at=published)])
