"""Traffic split into campaign-driven and organic, week by week over the chart's range."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db.models import Sum
from django.db.models.functions import TruncWeek

from analytics import privacy
from analytics.models import CampaignSessions
from analytics.review.cells import Table, published
from analytics.review.figures import Catalogue, plus
from analytics.review.weeks import ReviewFilters, iso_week_label, weeks_between
from channels.models import MetricSource

TRAFFIC_NOTE = (
    "Campaign-driven: GA4 sessions that arrived with one of our campaigns' utm tags, plus human clicks on "
    "tracked links to channels GA4 does not measure (YouTube, Instagram...). Organic: GA4 sessions without "
    "a campaign (never below zero), plus the views YouTube and the platforms' exports report. Sessions and "
    "views are added as they are: the split shows a direction, not a head count."
)


def traffic(
    start: date,
    end: date,
    filters: ReviewFilters,
    by_kind: list[dict[str, object]],
    catalogue: Catalogue,
) -> tuple[Table, dict[str, dict[str, object]], str, str]:
    weeks = weeks_between(start, end)
    totals = _weekly_totals(weeks, by_kind, catalogue)
    if not filters.narrows_items:
        for week, sessions in _campaign_sessions(start, end, filters).items():
            totals[week]["campaign_sessions"] = sessions
    rows = [_traffic_row(week, totals[week]) for week in weeks]
    table = Table(
        "traffic",
        "Traffic by week",
        (
            "Week",
            "Campaign-driven",
            "Organic",
            "Campaign sessions (GA4)",
            "Tracked-link clicks elsewhere",
            "GA4 sessions without a campaign",
            "Video and platform views",
        ),
        rows,
        note=TRAFFIC_NOTE,
    )
    labels = [iso_week_label(week) for week in weeks]
    organic_series = [row[2].value for row in rows]
    # Each on its own scale: campaign traffic is often a hundredth of organic, a flat line beside it.
    charts = {
        "traffic_campaign": {
            "kind": "line",
            "labels": labels,
            "yTitle": "Campaign-driven sessions and clicks per week",
            "datasets": [{"label": "Campaign-driven", "data": [row[1].value for row in rows]}],
        },
        "traffic_organic": {
            "kind": "line",
            "labels": labels,
            "yTitle": "Organic sessions and views per week",
            "datasets": [{"label": "Organic", "data": organic_series}],
        },
    }
    return table, charts, organic_trend(organic_series), _campaign_share(weeks, totals)


def _campaign_share(weeks: list[date], totals: dict[date, dict[str, int | None]]) -> str:
    """Campaign-driven traffic's share of all traffic over the range, from the two totals as published."""
    campaign = organic = None
    for week in weeks:
        week_campaign, week_organic = _split(totals[week])
        campaign, organic = plus(campaign, week_campaign), plus(organic, week_organic)
    shown_campaign, shown_all = published(campaign), published(plus(campaign, organic))
    share = privacy.share(shown_campaign.value, shown_all.value)
    if share is None:
        return ""
    return (
        f"Campaign-driven traffic was {share:.1f}% of all traffic over these weeks "
        f"({shown_campaign} of {shown_all} sessions, views and clicks)."
    )


def _weekly_totals(
    weeks: list[date], by_kind: list[dict[str, object]], catalogue: Catalogue
) -> dict[date, dict[str, int | None]]:
    ga4_channels = {pk for pk, c in catalogue.channels.items() if c.metric_source == MetricSource.GA4}
    totals = {week: defaultdict(lambda: None) for week in weeks}
    for row in by_kind:
        week = totals[row["week"]]
        week["ga4_sessions"] = plus(week["ga4_sessions"], row["f_ga4_sessions"])
        week["other_views"] = plus(week["other_views"], row["f_other_views"])
        if row["placement__channel_id"] not in ga4_channels:  # GA4 sees those clicks as campaign sessions
            week["clicks"] = plus(week["clicks"], row["f_clicks"])
    return totals


def _campaign_sessions(start: date, end: date, filters: ReviewFilters) -> dict[date, int]:
    """GA4 sessions that arrived with one of our campaigns' utm tags, per week (known per channel only)."""
    sessions = CampaignSessions.objects.filter(date__range=(start, end))
    if filters.channel is not None:
        sessions = sessions.filter(channel_id=filters.channel)
    rows = sessions.annotate(week=TruncWeek("date")).values("week").annotate(total=Sum("sessions")).order_by()
    return {row["week"]: row["total"] for row in rows}


def _ga4_organic(figures: dict[str, int | None]) -> int | None:
    if figures["ga4_sessions"] is None:
        return None
    return max(0, figures["ga4_sessions"] - (figures["campaign_sessions"] or 0))


def _split(figures: dict[str, int | None]) -> tuple[int | None, int | None]:
    """A week's campaign-driven and organic traffic, as counted (before publishing)."""
    campaign = plus(figures["campaign_sessions"], figures["clicks"])
    if campaign is None and (figures["ga4_sessions"] is not None or figures["other_views"] is not None):
        campaign = 0  # measured, and GA4 lists only campaigns that brought someone
    return campaign, plus(_ga4_organic(figures), figures["other_views"])


def _traffic_row(week: date, figures: dict[str, int | None]) -> tuple[object, ...]:
    campaign, organic = _split(figures)
    ga4_organic = _ga4_organic(figures)
    return (
        iso_week_label(week),
        published(campaign),
        published(organic),
        published(figures["campaign_sessions"]),
        published(figures["clicks"]),
        published(ga4_organic),
        published(figures["other_views"]),
    )


def organic_trend(series: Sequence[float | None]) -> str:
    """Is traffic building of its own accord? The last four weeks against the first four."""
    if len(series) < 8:
        return ""
    first = [v for v in series[:4] if v is not None]
    last = [v for v in series[-4:] if v is not None]
    if len(first) < 4 or len(last) < 4 or not sum(first):
        return ""
    moved = (sum(last) - sum(first)) / sum(first) * 100
    if abs(moved) < 5:
        return "Organic traffic is holding steady: the last four weeks are within 5% of the first four."
    word = "up" if moved > 0 else "down"
    return f"Organic traffic is {word} {abs(moved):.0f}% from the range's first four weeks to its last four."
