"""How a campaign went, from the Delivery ledger and the anonymous click totals.

Everything here is a count: no row names a person, so the agency curator may read it all. The
numbers come from a few GROUP BY queries per campaign, never a query per delivery or per link.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone

from analytics.privacy import FEWER, rounded
from campaigns import throttle
from campaigns.models import (
    HANDED_OVER,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    EmailFeedback,
    FeedbackCount,
    Medium,
    TeamChannelKind,
    TeamPostStatus,
    TrackedLink,
    Usefulness,
)
from campaigns.sending import STILL_TO_GO
from campaigns.team_channels.selectors import posts_of as team_posts_of
from campaigns.whatsapp import reads as whatsapp_reads
from curation.models import Placement

NOT_SENT = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED)
NO_REASON = "No reason given"
GA4_NOTE = (
    "GA4 sessions: visits to our GA4-measured pages that arrived with this campaign's utm_campaign, "
    "per utm_source (sms or email), as of the last GA4 sync. Empty where no channel is measured by GA4."
)

# Analytics builds on campaigns, not the other way round, so it answers this signal: each
# receiver returns {medium: sessions} for the campaign, from the GA4 figures it has synced.
campaign_sessions_wanted = Signal()

# A provider's own wording can quote the number or address it refused; reports never show either.
CONTACT_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\+?\d[\d ().-]{6,}\d")


def without_contacts(text: str) -> str:
    return CONTACT_IN_TEXT.sub("[hidden]", text)


# Progress of the current send.


@dataclass(frozen=True)
class Progress:
    total: int  # this send's rows, less those held back by the weekly limit
    sent: int
    failed: int
    skipped: int
    due: dict[str, int] = field(default_factory=dict)  # per medium: waiting only for the rate limit
    waiting: int = 0  # until the recipients' working hours

    @property
    def eta(self) -> timedelta | None:
        """Due rows at the provider's rate; one task sends one medium at a time, so the media add up."""
        if not any(self.due.values()):
            return None
        return timedelta(seconds=sum(n / throttle.rate_per_second(medium) for medium, n in self.due.items()))

    def __str__(self) -> str:
        if not self.total:
            return "—"
        parts = [f"{self.sent:,} of {self.total:,} sent", f"{self.failed:,} failed"]
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped")
        if self.eta is not None:
            parts.append(f"about {humanise(self.eta)} left")
        if self.waiting:
            parts.append(f"{self.waiting:,} waiting for working hours")
        return " · ".join(parts)


def humanise(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    if seconds < 60:
        return "a minute"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


PROGRESS_FIELDS = (
    "progress_total",
    "progress_sent",
    "progress_failed",
    "progress_skipped",
    "progress_waiting",
    *(f"progress_due_{medium}" for medium in Medium),
)


def progress_counts(prefix: str, now: datetime, scope: Q | None = None) -> dict[str, Count]:
    """Counts for Progress, as annotations (prefix "deliveries__") or a Delivery aggregate ("")."""

    def rows(**lookups: object) -> Count:
        condition = Q(**{f"{prefix}{key}": value for key, value in lookups.items()})
        return Count(f"{prefix}pk", filter=condition & scope if scope else condition)

    not_capped = [status for status in DeliveryStatus if status != DeliveryStatus.CAPPED]
    return {
        "progress_total": rows(status__in=not_capped),
        "progress_sent": rows(status__in=HANDED_OVER),
        "progress_failed": rows(status__in=NOT_SENT),
        "progress_skipped": rows(status=DeliveryStatus.SKIPPED),
        "progress_waiting": rows(status=DeliveryStatus.PENDING, not_before__gt=now),
        **{
            f"progress_due_{medium}": rows(status__in=STILL_TO_GO, not_before__lte=now, medium=medium)
            for medium in Medium
        },
    }


def with_progress(campaigns: QuerySet[Campaign], *, now: datetime | None = None) -> QuerySet[Campaign]:
    """Each campaign's progress counts for its current send, in the list's own query."""
    current = Q(deliveries__occurrence=F("occurrence"))
    return campaigns.annotate(**progress_counts("deliveries__", now or timezone.now(), current))


def progress(campaign: Campaign, *, now: datetime | None = None) -> Progress:
    """Sent / total / failed / time left for the current send; reads with_progress()'s counts
    when the campaign came from such a query, else counts them now."""
    if hasattr(campaign, "progress_total"):
        counts = {name: getattr(campaign, name) for name in PROGRESS_FIELDS}
    else:
        counts = Delivery.objects.filter(campaign=campaign, occurrence=campaign.occurrence).aggregate(
            **progress_counts("", now or timezone.now())
        )
    return Progress(
        total=counts["progress_total"],
        sent=counts["progress_sent"],
        failed=counts["progress_failed"],
        skipped=counts["progress_skipped"],
        due={medium: counts[f"progress_due_{medium}"] for medium in Medium},
        waiting=counts["progress_waiting"],
    )


@dataclass(frozen=True)
class Refresh:
    """When the report page reloads itself, and the sentence that tells the curator so."""

    seconds: int
    note: str


# While messages are being handed over: often enough to watch them go, rarely enough for a server.
REFRESH_SECONDS = 15
SENDING = Refresh(
    REFRESH_SECONDS, f"This page refreshes every {REFRESH_SECONDS} seconds while messages are sent."
)
# After working hours open, the schedule releases waiting messages within a minute.
RELEASE_MARGIN = timedelta(minutes=1)


def refresh(campaign: Campaign, *, now: datetime | None = None) -> Refresh | None:
    """Reload while this send has something left: every 15 s while messages are being sent, once
    when working hours open while they only wait for them, and never once nothing is left (a send
    with nothing left may not have been marked sent yet; the page need not wait for that)."""
    if campaign.status != CampaignStatus.SENDING:
        return None
    now = now or timezone.now()
    current = progress(campaign, now=now)
    if any(current.due.values()):
        return SENDING
    if not current.waiting:
        return None
    opens = Delivery.objects.filter(
        campaign=campaign, occurrence=campaign.occurrence, status=DeliveryStatus.PENDING, not_before__gt=now
    ).aggregate(opens=Min("not_before"))["opens"]
    if opens is None:  # released between the two reads
        return SENDING
    seconds = max(REFRESH_SECONDS, math.ceil((opens + RELEASE_MARGIN - now).total_seconds()))
    local = timezone.localtime(opens + RELEASE_MARGIN)
    return Refresh(seconds, f"This page refreshes when working hours open ({local:%a %d %b %H:%M %Z}).")


# The report.


@dataclass
class ReportRow:
    """A medium's totals (placement None), or one placement's links in that medium's messages.

    Delivery columns are the medium's: every message carried every placement's link, so a
    placement row has only its clicks, measured against the medium's `reached`.
    """

    medium: str
    placement: Placement | None = None
    reached: int = 0  # delivered texts; sent emails, which have no delivery receipts
    audience: int | None = None
    sent: int | None = None
    delivered: int | None = None
    failed: int | None = None
    failure_reasons: list[tuple[str, int]] = field(default_factory=list)
    skipped: int | None = None
    held_back: int | None = None
    unknown: int | None = None
    to_go: int | None = None
    human_clicks: int = 0
    bot_hits: int = 0
    unique_clicks: int = 0
    ga4_sessions: int | None = None  # None: nothing measures it (no GA4 channel, or not synced)
    # "Useful?" votes, people only (bots apart), for placement rows: published through votes_shown.
    votes: dict[str, int] | None = None
    # WhatsApp's read receipts, counted for the campaign only (campaigns.whatsapp.reads): people too.
    reads: int | None = None

    @property
    def reads_shown(self) -> str:
        published = rounded(self.reads or 0)
        return FEWER if published is None else f"{published:,}"

    @property
    def medium_label(self) -> str:
        return Medium(self.medium).label

    def votes_shown(self, answer: str) -> str:
        """A vote count as the small-count rule publishes it (analytics.privacy): votes are people."""
        if self.votes is None:
            return "—"
        published = rounded(self.votes.get(answer, 0))
        return FEWER if published is None else f"{published:,}"

    @property
    def useful_shown(self) -> str:
        return self.votes_shown(Usefulness.USEFUL)

    @property
    def not_for_me_shown(self) -> str:
        return self.votes_shown(Usefulness.NOT_FOR_ME)

    @property
    def click_through_rate(self) -> float | None:
        return self.unique_clicks / self.reached if self.reached else None

    @property
    def click_through_percent(self) -> str:
        return percent(self.click_through_rate)


def delivery_counts(campaign: Campaign) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {medium: Counter() for medium in Medium}
    rows = (
        Delivery.objects.filter(campaign=campaign)
        .order_by()
        .values("medium", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["medium"]][row["status"]] += row["n"]
    return counts


def failure_reasons(campaign: Campaign) -> dict[str, Counter[str]]:
    reasons: dict[str, Counter[str]] = {medium: Counter() for medium in Medium}
    rows = (
        Delivery.objects.filter(campaign=campaign, status__in=NOT_SENT)
        .order_by()
        .values("medium", "error")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        reasons[row["medium"]][without_contacts(row["error"]) or NO_REASON] += row["n"]
    return reasons


def click_totals(campaign: Campaign) -> list[dict]:
    """Clicks per medium and per placement the message promoted; a link re-pointed to a successor
    still counts for the placement its message named."""
    return list(
        TrackedLink.objects.filter(campaign=campaign)
        .order_by()
        .annotate(promoted=Coalesce("repointed_from", "placement"))
        .values("medium", "promoted")
        .annotate(
            human=Coalesce(Sum("click_days__human_clicks"), 0),
            bots=Coalesce(Sum("click_days__bot_hits"), 0),
            unique=Coalesce(Sum("click_days__unique_clicks"), 0),
        )
    )


def vote_totals(campaign: Campaign) -> dict[tuple[str, int], dict[str, int]]:
    """People's "useful?" votes per (medium, placement) and answer, all weeks and sends together."""
    totals: dict[tuple[str, int], dict[str, int]] = {}
    rows = (
        FeedbackCount.objects.filter(campaign=campaign)
        .order_by()
        .values("medium", "placement", "answer")
        .annotate(n=Sum("votes"))
    )
    for row in rows:
        totals.setdefault((row["medium"], row["placement"]), {})[row["answer"]] = row["n"]
    return totals


def campaign_report(campaign: Campaign) -> list[ReportRow]:
    """Per medium the campaign sends (or sent): its totals, then a row per placement. All sends so far."""
    statuses, reasons, links = delivery_counts(campaign), failure_reasons(campaign), click_totals(campaign)
    votes = vote_totals(campaign)
    linked = {row["promoted"] for row in links}
    placements = {
        placement.pk: placement
        for placement in Placement.objects.filter(Q(pk__in=linked) | Q(campaigns=campaign))
        .select_related("item", "channel")
        .distinct()
    }
    current = set(campaign.placements.values_list("pk", flat=True)) if not links else set()
    sessions = ga4_sessions(campaign)
    report: list[ReportRow] = []
    for medium in Medium:
        counts = statuses[medium]
        if not campaign.sends(medium) and not counts:
            continue
        sent = sum(counts[status] for status in HANDED_OVER)
        # Texts and WhatsApp always report delivery; emails only through a sending service's
        # webhooks, and their click-through stays per email sent, so a lost webhook never inflates it.
        receipts = medium in (Medium.SMS, Medium.WHATSAPP) or counts[DeliveryStatus.DELIVERED]
        delivered = counts[DeliveryStatus.DELIVERED] if receipts else None
        reached = delivered if medium in (Medium.SMS, Medium.WHATSAPP) else sent
        by_placement = {row["promoted"]: row for row in links if row["medium"] == medium}
        total = ReportRow(
            medium=medium,
            reached=reached,
            audience=counts.total() - counts[DeliveryStatus.CAPPED],
            sent=sent,
            delivered=delivered,
            failed=sum(counts[status] for status in NOT_SENT),
            failure_reasons=reasons[medium].most_common(),
            skipped=counts[DeliveryStatus.SKIPPED],
            held_back=counts[DeliveryStatus.CAPPED],
            unknown=counts[DeliveryStatus.UNKNOWN],
            to_go=sum(counts[status] for status in STILL_TO_GO),
            human_clicks=sum(row["human"] for row in by_placement.values()),
            bot_hits=sum(row["bots"] for row in by_placement.values()),
            unique_clicks=sum(row["unique"] for row in by_placement.values()),
            ga4_sessions=sessions.get(medium),
            reads=whatsapp_reads.reads(campaign.pk) if medium == Medium.WHATSAPP else None,
        )
        report.append(total)
        # Before launch there are no links yet: the placements chosen, with nothing counted.
        shown = by_placement.keys() or current
        for placement in sorted((placements[pk] for pk in shown), key=str):
            row = by_placement.get(placement.pk, {})
            report.append(
                ReportRow(
                    medium=medium,
                    placement=placement,
                    reached=reached,
                    human_clicks=row.get("human", 0),
                    bot_hits=row.get("bots", 0),
                    unique_clicks=row.get("unique", 0),
                    votes=votes.get((medium, placement.pk), {}),
                )
            )
    return report


def ga4_sessions(campaign: Campaign) -> dict[str, int]:
    found: dict[str, int] = {}
    for _, answer in campaign_sessions_wanted.send(sender=Campaign, campaign=campaign):
        for medium, sessions in (answer or {}).items():
            found[medium] = found.get(medium, 0) + sessions
    return found


# Bounces and complaints: what a sending service's webhooks reported (campaigns.email_events).


@dataclass(frozen=True)
class EmailFeedbackCounts:
    """Emails of all sends so far: handed over, bounced, marked as spam. Counts of emails, for the
    internal report (exact, as its other columns); the dashboard publishes them by analytics.privacy."""

    sent: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0  # soft-bounced and not delivered since (still retried, or given up)
    complaints: int = 0

    @property
    def bounces(self) -> int:
        return self.hard_bounces + self.soft_bounces

    @property
    def complaint_percent(self) -> str:
        return percent(self.complaints / self.sent if self.sent else None)


def email_feedback(campaign: Campaign) -> EmailFeedbackCounts:
    emails = Delivery.objects.filter(campaign=campaign, medium=Medium.EMAIL)
    soft = Q(feedback=EmailFeedback.SOFT_BOUNCE) & ~Q(status=DeliveryStatus.DELIVERED)
    counts = emails.aggregate(
        sent=Count("pk", filter=Q(status__in=HANDED_OVER)),
        hard_bounces=Count("pk", filter=Q(feedback=EmailFeedback.HARD_BOUNCE)),
        soft_bounces=Count("pk", filter=soft),
        complaints=Count("pk", filter=Q(feedback=EmailFeedback.COMPLAINED)),
    )
    return EmailFeedbackCounts(**counts)


# CSV.

CSV_HEADER = [
    "Medium",
    "Placement",
    "Audience",
    "Sent",
    "Delivered",
    "Failed or not delivered",
    "Reasons",
    "Skipped (no consent at send time)",
    "Held back (weekly limit)",
    "Outcome unknown",
    "Still to send",
    "Human clicks",
    "Bot hits",
    "Unique clicks",
    "Click-through rate",
    "GA4 sessions",
    "Useful",
    "Not for me",
    "Hard bounces",
    "Soft bounces",
    "Spam complaints",
    # Team channels' posts (a row per post), beside their totals per kind of channel.
    "Team channel",
    "Send",
    "Post status",
    "Posted at (UTC)",
]


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def safe_cell(value: object) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula; titles and provider errors
    are not ours to trust."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(campaign: Campaign) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    bounced = email_feedback(campaign)
    for row in campaign_report(campaign):
        totals = row.medium == Medium.EMAIL and not row.placement
        writer.writerow(
            safe_cell(value)
            for value in (
                row.medium_label,
                row.placement if row.placement else "All placements",
                row.audience,
                row.sent,
                row.delivered,
                row.failed,
                "; ".join(f"{reason} ({n})" for reason, n in row.failure_reasons),
                row.skipped,
                row.held_back,
                row.unknown,
                row.to_go,
                row.human_clicks,
                row.bot_hits,
                row.unique_clicks,
                row.click_through_percent,
                row.ga4_sessions,
                row.useful_shown if row.placement else "",
                row.not_for_me_shown if row.placement else "",
                bounced.hard_bounces if totals else "",
                bounced.soft_bounces if totals else "",
                bounced.complaints if totals else "",
                *TEAM_COLUMNS_EMPTY,
            )
        )
    for cells in team_rows(campaign):
        writer.writerow(safe_cell(value) for value in cells)
    return out.getvalue()


TEAM_COLUMNS_EMPTY = ("", "", "", "")
POST_OUTCOMES = {
    TeamPostStatus.POSTED: "sent",
    TeamPostStatus.FAILED: "failed",
    TeamPostStatus.UNKNOWN: "unknown",
    TeamPostStatus.PENDING: "to_go",
    TeamPostStatus.POSTING: "to_go",
}


def team_rows(campaign: Campaign) -> list[list[object]]:
    """The CSV's team-channel rows, per kind of channel (Teams, Slack): its totals over every post
    and send, its clicks per placement, then each post. A post goes to a whole channel, so there is
    no audience, delivery or click-through rate: those cells stay empty."""
    posts = team_posts_of(campaign)
    clicks = [row for row in click_totals(campaign) if row["medium"] in TeamChannelKind.values]
    placements = Placement.objects.select_related("item", "channel").in_bulk(
        {row["promoted"] for row in clicks}
    )
    rows: list[list[object]] = []
    for kind in TeamChannelKind:
        kind_posts = [post for post in posts if post.channel.kind == kind]
        kind_clicks = sorted(
            (row for row in clicks if row["medium"] == kind), key=lambda row: str(placements[row["promoted"]])
        )
        if not kind_posts and not kind_clicks:
            continue
        outcomes = Counter(POST_OUTCOMES[post.status] for post in kind_posts)
        reasons = Counter(without_contacts(post.error) or NO_REASON for post in kind_posts if post.error)
        totals = [sum(row[name] for row in kind_clicks) for name in ("human", "bots", "unique")]
        rows.append(
            team_row(
                kind.label,
                "All placements",
                sent=outcomes["sent"],
                failed=outcomes["failed"],
                reasons="; ".join(f"{reason} ({n})" for reason, n in reasons.most_common()),
                unknown=outcomes["unknown"],
                to_go=outcomes["to_go"],
                clicks=totals,
                channel="All channels",
            )
        )
        for row in kind_clicks:
            rows.append(
                team_row(
                    kind.label, placements[row["promoted"]], clicks=[row["human"], row["bots"], row["unique"]]
                )
            )
        for post in kind_posts:
            rows.append(
                team_row(
                    kind.label,
                    "",
                    reasons=without_contacts(post.error),
                    channel=post.channel.name,
                    send=post.occurrence,
                    status=post.get_status_display(),
                    posted_at=f"{post.posted_at.astimezone(UTC):%Y-%m-%d %H:%M}" if post.posted_at else "",
                )
            )
    return rows


def team_row(
    kind: str,
    placement: object,
    *,
    sent: object = "",
    failed: object = "",
    reasons: str = "",
    unknown: object = "",
    to_go: object = "",
    clicks: list[int] | None = None,
    channel: str = "",
    send: object = "",
    status: str = "",
    posted_at: str = "",
) -> list[object]:
    """A row in CSV_HEADER's order; the personal media's columns a post has no figure for, empty."""
    human, bots, unique = clicks if clicks is not None else ("", "", "")
    return [
        kind,
        placement,
        "",  # audience: a whole channel, nobody counted
        sent,
        "",  # delivered
        failed,
        reasons,
        "",  # skipped
        "",  # held back
        unknown,
        to_go,
        human,
        bots,
        unique,
        "",  # click-through rate: no audience to divide by
        "",  # GA4 sessions
        "",  # useful
        "",  # not for me
        "",  # hard bounces
        "",  # soft bounces
        "",  # complaints
        channel,
        send,
        status,
        posted_at,
    ]
