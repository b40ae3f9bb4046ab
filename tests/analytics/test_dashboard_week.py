"""The weekly review reads top-down and speaks only of the week it reviews: a week to come has not
begun, a week without figures suggests nothing from them, a link check after the week is not that
week's, and figures that no sync brought say where they came from."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from analytics.models import CampaignSessions, DailyMetric, Source, SyncRun, SyncStatus
from analytics.review.dashboard import weekly_review
from analytics.review.suggestions import SuggestionKind
from analytics.review.weeks import ReviewFilters
from channels.models import MetricSource
from curation.models import Placement
from tests.analytics.test_dashboard import live_placement, weekly
from tests.factories import ChannelFactory, TopicFactory, YouTubeChannelFactory, subscribed_employees
from tests.fakes.ga4 import PROPERTY_ID

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # Monday of 2026-W47, the last complete week on the meeting's morning
MEETING_MORNING = datetime(2026, 11, 24, 9, tzinfo=UTC)  # Tuesday of 2026-W48


@pytest.fixture(autouse=True)
def meeting_morning():
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


def page(client, week: str) -> str:
    response = client.get(reverse("review:week", args=[week]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def a_topic_gap_and_a_gone_link() -> tuple[Placement, object]:
    """Six subscribers want Negotiation and nothing covers it; a live placement was found gone today."""
    wanted = TopicFactory(name="Negotiation", slug="negotiation")
    for person in subscribed_employees(6):
        person.topics.add(wanted)
    gone = live_placement(title="Gone private")
    Placement.objects.filter(pk=gone.pk).update(is_reachable=False, reachability_checked_at=MEETING_MORNING)
    return gone, wanted


# Top-down.


def test_the_page_reads_freshness_then_the_glance_then_suggestions_then_the_folded_detail(internal_client):
    weekly(live_placement(title="Giving feedback"), WEEK, engaged=40)

    response = internal_client.get(reverse("review:week", args=["2026-W47"]))
    html = response.content.decode()

    order = [html.index(f'id="{name}"') for name in ("freshness", "headlines", "suggestions", "detail")]
    assert order == sorted(order)
    details = re.findall(r'<details class="review-detail"[^>]*>', html)
    assert len(details) == 5 and not any("open" in tag for tag in details)  # folded, no script needed
    assert "admin/analytics/review/_meeting_button.html" in [t.name for t in response.templates]


def test_the_meeting_button_comes_before_the_figures(internal_client):
    response = internal_client.get(reverse("review:week", args=["2026-W47"]))

    names = [t.name for t in response.templates]
    assert names.index("admin/analytics/review/_meeting_button.html") < names.index(
        "admin/analytics/review/table.html"
    )


def test_every_headline_says_what_it_counts(internal_client):
    weekly(live_placement(title="Giving feedback"), WEEK, engaged=40)

    result = weekly_review(week=WEEK, filters=ReviewFilters())
    html = page(internal_client, "2026-W47")

    assert all(h.note for h in result.headlines), [h.label for h in result.headlines if not h.note]
    means = {h.label: h.note for h in result.headlines}
    assert "engaged web sessions" in means["Engagement"] and "human clicks" in means["Engagement"]
    assert "active users GA4 counts" in means["People reached"]
    assert '<dfn class="headline-label">Engagement</dfn>' in html
    assert means["Engagement"] in text_of(html)


def test_campaign_traffic_has_its_own_scale_and_its_share_of_all_traffic(internal_client):
    blog = ChannelFactory(
        metric_source=MetricSource.GA4, ga4_property_id=PROPERTY_ID, ga4_path_prefix="/posts/"
    )
    placement = live_placement(title="Busy guide", channel=blog)
    for week in (WEEK - timedelta(weeks=1), WEEK):
        DailyMetric.objects.create(placement=placement, date=week, source=Source.GA4, sessions=50_000)
        CampaignSessions.objects.create(
            channel=blog, campaign_name="c", source="sms", date=week, sessions=120
        )

    result = weekly_review(week=WEEK, filters=ReviewFilters())
    html = text_of(page(internal_client, "2026-W47"))

    campaign = result.charts["traffic_campaign"]
    assert [d["label"] for d in campaign["datasets"]] == ["Campaign-driven"]  # no 50,000 line beside it
    assert campaign["datasets"][0]["data"][-2:] == [120, 120]
    assert [d["label"] for d in result.charts["traffic_organic"]["datasets"]] == ["Organic"]
    assert result.charts["traffic_organic"]["datasets"][0]["data"][-1] == 49_880
    assert "traffic" not in result.charts
    assert "Campaign-driven traffic was 0.2% of all traffic over these weeks (240 of 100,000" in html


# (a) Figures no sync brought.


def test_figures_no_sync_brought_say_where_they_came_from_beside_a_failing_sync(internal_client):
    videos = YouTubeChannelFactory(name="Leadership talks")
    placement = live_placement(title="Leading a team", channel=videos)
    for day in range(7):  # loaded as the demo does, or typed in: no successful sync wrote them
        DailyMetric.objects.create(
            placement=placement, date=WEEK + timedelta(days=day), source=Source.YOUTUBE, views=90
        )
    SyncRun.objects.create(
        source=Source.YOUTUBE,
        channel=videos,
        period_start=WEEK,
        period_end=WEEK + timedelta(days=6),
        status=SyncStatus.FAILED,
        finished_at=MEETING_MORNING - timedelta(hours=2),
    )

    html = text_of(page(internal_client, "2026-W47"))

    assert "Never synced; the latest run failed" not in html  # while the page shows its 630 views
    assert re.search(r"Leading a team .*? 630", html)
    row = re.search(r"Leadership talks 7 of 7 days .*?\(see the sync log\)", html)
    assert row, html
    assert "No sync has succeeded: this week's figures were loaded without a sync" in row.group(0)


def test_figures_typed_by_hand_say_so(internal_client):
    blog = ChannelFactory(name="Blog", metric_source=MetricSource.GA4, ga4_property_id=PROPERTY_ID)
    placement = live_placement(title="Typed guide", channel=blog)
    DailyMetric.objects.create(
        placement=placement, date=WEEK, source=Source.MANUAL, views=40, active_users=30
    )

    rows = {row.channel: row for row in weekly_review(week=WEEK, filters=ReviewFilters()).freshness}

    assert rows["Blog"].state == "No sync has succeeded: this week's figures were entered by hand"
    assert rows["Blog"].week_cover == "1 of 7 days" and rows["Blog"].incomplete


def test_a_channel_missing_days_of_the_week_needs_attention_first(internal_client):
    blog = ChannelFactory(name="Blog", metric_source=MetricSource.GA4, ga4_property_id=PROPERTY_ID)
    weekly(live_placement(title="Guide", channel=blog), WEEK, engaged=30)

    html = text_of(page(internal_client, "2026-W47"))

    attention = html.index("Blog (Google Analytics 4) has figures for 1 of this week's 7 days: its figures")
    assert attention < html.index("This week at a glance")


# (b) A week to come.


def test_a_week_to_come_has_not_begun_and_shows_no_figures_or_suggestions(internal_client):
    weekly(live_placement(title="Giving feedback"), WEEK, engaged=40)
    a_topic_gap_and_a_gone_link()

    html = page(internal_client, "2026-W52")
    result = weekly_review(week=date(2026, 12, 21), filters=ReviewFilters())

    assert "(not begun yet)" in html and "in progress" not in html
    assert "This week has not begun" in html and "starts on Monday 21 December 2026" in html
    assert 'id="headlines"' not in html and 'id="suggestions"' not in html
    assert (result.suggestions, result.headlines, result.tables) == ([], [], {})
    assert result.next_week is None
    download = internal_client.get(reverse("review:csv", args=["headlines"]), {"week": "2026-W52"})
    assert download.status_code == 404


def test_only_the_current_week_is_in_progress(internal_client):
    assert "(in progress)" in page(internal_client, "2026-W48")
    assert "in progress" not in page(internal_client, "2026-W47")
    current = weekly_review(week=date(2026, 11, 23), filters=ReviewFilters())
    assert current.in_progress and not current.not_begun and current.next_week is None


# (c) A week without figures, and a link check after the week.


def test_a_week_without_figures_suggests_nothing_found_since_and_says_why(internal_client):
    a_topic_gap_and_a_gone_link()  # today's gap, and a link found gone today

    html = page(internal_client, "2024-W10")
    suggested = text_of(html[html.index('id="suggestions"') : html.index('id="detail"')])
    result = weekly_review(week=date(2024, 3, 4), filters=ReviewFilters())

    assert result.suggestions == [] and not result.has_figures
    assert "Negotiation" not in suggested and "Gone private" not in suggested
    assert "There are no figures for this week, so nothing is suggested from them" in suggested


def test_a_link_found_gone_after_the_week_is_not_that_weeks_suggestion():
    gone, _topic = a_topic_gap_and_a_gone_link()
    weekly(gone, WEEK, engaged=30)

    def unreachable(week: date) -> list[str]:
        found = weekly_review(week=week, filters=ReviewFilters()).suggestions
        return [s.item.title for s in found if s.kind == SuggestionKind.UNREACHABLE]

    assert unreachable(WEEK) == []  # found on the 24th, after the week ended on the 22nd
    weekly(gone, WEEK + timedelta(weeks=1), engaged=30)
    assert unreachable(WEEK + timedelta(weeks=1)) == ["Gone private"]


def test_a_kept_review_is_drawn_once_and_redrawn_when_the_figures_change(internal_client):
    placement = live_placement(title="Kept guide")
    weekly(placement, WEEK, engaged=40)
    address = reverse("review:week", args=["2026-W47"])

    first = internal_client.get(address)
    again = internal_client.get(address)
    weekly(placement, WEEK + timedelta(days=1), engaged=400)
    changed = internal_client.get(address)

    def drew_tables(response) -> bool:
        return "admin/analytics/review/table.html" in [t.name for t in response.templates]

    assert (drew_tables(first), drew_tables(again), drew_tables(changed)) == (True, False, True)

    def figures(response) -> str:
        html = response.content.decode()
        return html[html.index('id="freshness"') : html.index("</script>", html.index("review-charts"))]

    assert figures(again) == figures(first)
    assert re.search(r">\s*1,320\s*<", changed.content.decode())  # 40 + 400 engaged, three views each
