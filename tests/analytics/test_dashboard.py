"""The weekly review dashboard: its figures, what it withholds, what it suggests, and who may see it."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import services as services_analytics
from analytics.models import CampaignSessions, DailyMetric, RetentionPoint, Source, SyncRun, SyncStatus
from analytics.review.dashboard import WeeklyReview, weekly_review
from analytics.review.headlines import Headline
from analytics.review.suggestions import SuggestionKind, suggestions
from analytics.review.weeks import ReviewFilters
from analytics.sources.base import Period
from analytics.tasks import run_sync_task
from campaigns.models import ConsentAction, ConsentEvent, Delivery, DeliveryStatus, Medium
from channels.models import MetricSource
from curation import services
from curation.models import Format, Stage
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    TopicFactory,
    YouTubeChannelFactory,
    ready_campaign,
    subscribed_employees,
)
from tests.fakes.ga4 import PROPERTY_ID

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # Monday of 2026-W47
LAST_WEEK = WEEK - timedelta(weeks=1)
LONG_AGO = WEEK - timedelta(weeks=30)
MEETING_MORNING = datetime(2026, 11, 24, 9, tzinfo=UTC)  # the Tuesday after WEEK


@pytest.fixture(autouse=True)
def the_week_after():
    """The clock stands on the Tuesday after WEEK, the team's meeting: WEEK is the last complete week."""
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


def live_placement(*, since: date = LONG_AGO, channel=None, **item_fields: object):
    """An item placed and put live on `since`, as a curator would."""
    where = {}
    if channel is not None:
        where["channel"] = channel
        if channel.metric_source == MetricSource.YOUTUBE:
            where["url"] = f"https://www.youtube.com/watch?v={next(VIDEO_IDS)}"
    placement = PlacementFactory(item=ContentItemFactory(**item_fields), **where)
    services.mark_live(item=placement.item, on=since)
    placement.refresh_from_db()
    return placement


VIDEO_IDS = (f"vid{n:08d}" for n in itertools.count())


def figures(placement, day: date, source: str = Source.GA4, **values: object) -> DailyMetric:
    return DailyMetric.objects.create(placement=placement, date=day, source=source, **values)


def weekly(placement, week: date, engaged: int, **extra: object) -> None:
    """A week's GA4 figures on its Monday: `engaged` engaged sessions from twice as many people."""
    figures(
        placement,
        week,
        engaged_sessions=engaged,
        active_users=engaged * 2,
        sessions=engaged * 2,
        views=engaged * 3,
        **extra,
    )


def review(week: date = WEEK, **filters: object) -> WeeklyReview:
    return weekly_review(week=week, filters=ReviewFilters(**filters))


def headline(result: WeeklyReview, label: str) -> Headline:
    return next(h for h in result.headlines if h.label == label)


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def row_of(html: str, title: str) -> str:
    """The table row naming `title` in the page."""
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(title)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, f"no row for {title!r}"
    return match.group(0)


# Headlines.


def test_headlines_compare_the_week_with_the_one_before():
    placement = live_placement(title="Giving feedback")
    figures(placement, WEEK, views=120, active_users=60, average_duration_seconds=90.0)
    figures(placement, WEEK + timedelta(days=6), views=30, active_users=20, average_duration_seconds=50.0)
    figures(placement, LAST_WEEK, views=100, active_users=40, average_duration_seconds=60.0)
    figures(placement, WEEK, source=Source.LINKS, clicks=12)
    figures(placement, LAST_WEEK, source=Source.LINKS, clicks=8)
    figures(placement, WEEK + timedelta(days=7), views=999)  # the week after: not this week's

    result = review()

    views = headline(result, "Views")
    assert (views.this_week.value, views.last_week.value, str(views.change)) == (150, 100, "▲ +50%")
    # Weighted by audience: (90 x 60 + 50 x 20) / 80.
    assert headline(result, "Average duration").this_week.value == pytest.approx(80.0)
    assert str(headline(result, "Average duration").this_week) == "1 min 20 s"
    clicks = headline(result, "Human link clicks")
    assert (clicks.this_week.value, clicks.last_week.value) == (10, 10)  # 12 and 8, to the nearest ten
    active = headline(result, "Active content")
    assert (active.this_week.value, active.last_week.value) == (1, 1)


def test_sign_ups_opt_outs_and_messages_are_counted_in_the_programmes_week():
    people = subscribed_employees(7)
    inside = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    ConsentEvent.objects.filter(action=ConsentAction.CONFIRMED).update(occurred_at=inside)
    for person in people[:2]:
        ConsentEvent.objects.create(
            subscriber=person,
            medium=Medium.SMS,
            action=ConsentAction.OPTED_OUT,
            source="sms_keyword",
            evidence="STOP",
            occurred_at=inside,
        )
    campaign = ready_campaign(placements=[live_placement(title="Promoted")])
    for person in people[:6]:
        Delivery.objects.create(
            campaign=campaign,
            subscriber=person,
            medium=Medium.SMS,
            status=DeliveryStatus.DELIVERED,
            not_before=inside,
            sent_at=inside,
        )
    Delivery.objects.create(  # not handed over: not sent
        campaign=campaign,
        subscriber=people[6],
        medium=Medium.SMS,
        status=DeliveryStatus.SKIPPED,
        not_before=inside,
    )

    result = review()

    # Seven people (two media, one person each) and six messages, to the nearest ten.
    assert headline(result, "New sign-ups").this_week.value == 10
    assert headline(result, "Campaign messages sent").this_week.value == 10
    opt_outs = headline(result, "Opt-outs").this_week
    assert opt_outs.suppressed and str(opt_outs) == "fewer than 5"


# k-anonymity.


def test_a_breakdown_of_four_people_is_withheld_and_one_of_five_is_shown_rounded(internal_client):
    four = live_placement(title="Four people came")
    five = live_placement(title="Five people came")
    for placement, people in ((four, 4), (five, 5)):
        figures(
            placement,
            WEEK,
            active_users=people,
            sessions=people,
            engaged_sessions=people,
            views=people,
            average_duration_seconds=40.0,
        )

    page = internal_client.get(reverse("review:week", args=["2026-W47"])).content.decode()

    small, enough = row_of(page, "Four people came"), row_of(page, "Five people came")
    assert "fewer than 5" in small and not re.search(r">\s*4\s*<", small)
    assert "fewer than 5" not in enough and re.search(r">\s*10\s*<", enough)  # five, to the nearest ten
    for table in ("top_items", "duration_item"):
        response = internal_client.get(reverse("review:csv", args=[table]), {"week": "2026-W47"})
        rows = {row[0]: row for row in csv_of(response)[1:]}
        assert "fewer than 5" in rows["Four people came"] and "4" not in rows["Four people came"]
        assert "10" in rows["Five people came"] and "fewer than 5" not in rows["Five people came"]


def test_shares_are_of_the_rounded_counts_and_one_resting_on_fewer_than_five_people_is_withheld():
    video = live_placement(title="A video", format=Format.VIDEO)
    post = live_placement(title="A post", format=Format.BLOG_POST)
    guide = live_placement(title="A guide", format=Format.HOW_TO)
    figures(video, WEEK, engaged_sessions=3, active_users=3)
    figures(post, WEEK, engaged_sessions=50, active_users=80)
    figures(guide, WEEK, engaged_sessions=20, active_users=30)

    table = review().table("preference_format")
    shares = {row[0]: row[2] for row in table.rows}
    engagement = {row[0]: row[1] for row in table.rows}

    assert shares["Video"].suppressed and str(shares["Video"]) == "fewer than 5"
    # Of the published counts (73 in all, rounded to 70): exact ones would give the exact ratios away.
    assert shares["Blog post"].value == pytest.approx(50 / 70 * 100)
    assert shares["How-to guide"].value == pytest.approx(20 / 70 * 100)
    assert engagement["Video"].suppressed
    assert (engagement["Blog post"].value, engagement["How-to guide"].value) == (50, 20)


# Traffic.


def test_traffic_splits_campaign_driven_from_organic():
    blog = ChannelFactory(
        metric_source=MetricSource.GA4, ga4_property_id=PROPERTY_ID, ga4_path_prefix="/posts/"
    )
    page = live_placement(title="On the blog", channel=blog)
    video = live_placement(title="On YouTube", channel=YouTubeChannelFactory())
    figures(page, WEEK, sessions=100, active_users=80)
    figures(page, WEEK, source=Source.LINKS, clicks=30)  # GA4 counts these as campaign sessions
    figures(video, WEEK, source=Source.YOUTUBE, views=40)
    figures(video, WEEK, source=Source.LINKS, clicks=10)
    CampaignSessions.objects.create(
        channel=blog, campaign_name="feedback-week", source="sms", date=WEEK, sessions=35
    )

    rows = {row[0]: row for row in review().table("traffic").rows}

    _week, campaign, organic, *_ = rows["2026-W47"]
    assert campaign.value == 50  # 35 + 10, to the nearest ten
    assert organic.value == 110  # (100 - 35) + 40


# Filters.


def test_filters_narrow_every_figure_to_a_channel_topic_and_stage():
    wellbeing = TopicFactory(name="Wellbeing", slug="wellbeing")
    embedded = live_placement(title="Desk stretches", stage=Stage.EMBEDDED, topics=[wellbeing])
    facilitated = live_placement(title="Managers' circle", stage=Stage.FACILITATED)
    figures(embedded, WEEK, views=100, active_users=50)
    figures(facilitated, WEEK, views=300, active_users=70)

    assert headline(review(), "Views").this_week.value == 400
    assert headline(review(stage=Stage.EMBEDDED), "Views").this_week.value == 100
    assert headline(review(topic=wellbeing.pk), "Views").this_week.value == 100
    assert headline(review(channel=facilitated.channel_id), "Views").this_week.value == 300
    assert [row.item.title for row in review(stage=Stage.FACILITATED).top_items] == ["Managers' circle"]


def test_the_page_reads_the_filters_and_the_week_from_the_address(internal_client):
    placement = live_placement(title="Desk stretches", stage=Stage.EMBEDDED)
    figures(placement, LAST_WEEK, views=100, active_users=50)

    response = internal_client.get(reverse("review:week", args=["2026-W46"]), {"stage": "embedded"})

    assert response.status_code == 200
    assert response.context["review"].week_start == LAST_WEEK
    assert response.context["review"].filters.stage == "embedded"
    assert "Week 46, 2026: 9 November to 15 November 2026" in response.content.decode()


def test_a_week_chosen_in_the_form_gets_its_own_address(internal_client):
    response = internal_client.get(reverse("review:dashboard"), {"week": "2026-W47", "channel": "3"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/review/2026-W47/?channel=3"


def test_bad_filters_are_named_and_left_out(internal_client):
    response = internal_client.get(
        reverse("review:dashboard"), {"week": "week 47", "stage": "advanced", "from": "yesterday"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "“week 47” is not an ISO week such as 2026-W47" in page
    assert "“advanced” is not a learner power stage" in page
    assert "“yesterday” is not a date for “from”" in page


def test_the_charts_range_goes_back_two_years_at_most():
    result = review(start=date(2020, 1, 1), end=date(2026, 11, 22))

    assert result.range_start == date(2026, 11, 22) - timedelta(days=730)
    assert "two years at most" in result.range_note
    assert len(result.table("traffic").rows) == 105


# Query counts.


def build_programme(items: int, weeks: int) -> None:
    """`items` live items with `weeks` of daily figures, drop-out curves, clicks and campaign sessions."""
    blog = ChannelFactory(
        metric_source=MetricSource.GA4, ga4_property_id=PROPERTY_ID, ga4_path_prefix="/posts/"
    )
    youtube = YouTubeChannelFactory()
    topics = [TopicFactory() for _ in range(3)]
    rows, points = [], []
    for n in range(items):
        video = n % 2 == 0
        placement = live_placement(
            title=f"Item {n}",
            channel=youtube if video else blog,
            format=Format.VIDEO if video else Format.BLOG_POST,
            topics=[topics[n % 3]],
        )
        for day in range(weeks * 7):
            on = WEEK + timedelta(days=6 - day)
            if video:
                rows.append(DailyMetric(placement=placement, date=on, source=Source.YOUTUBE, views=20 + n))
            else:
                rows.append(
                    DailyMetric(placement=placement, date=on, source=Source.GA4, sessions=9, active_users=7)
                )
            rows.append(DailyMetric(placement=placement, date=on, source=Source.LINKS, clicks=2))
        if video:
            points += [
                RetentionPoint(
                    placement=placement,
                    period_start=WEEK - timedelta(days=21),
                    period_end=WEEK + timedelta(days=6),
                    elapsed_ratio=Decimal(step) / 100,
                    audience_watch_ratio=1 - step / 200,
                )
                for step in range(1, 101)
            ]
    DailyMetric.objects.bulk_create(rows)
    RetentionPoint.objects.bulk_create(points)
    CampaignSessions.objects.bulk_create(
        CampaignSessions(
            channel=blog, campaign_name="c", source="sms", date=WEEK - timedelta(days=d), sessions=5
        )
        for d in range(weeks * 7)
    )
    SyncRun.objects.create(
        source=Source.GA4, channel=blog, period_start=WEEK, period_end=WEEK, status=SyncStatus.SUCCEEDED
    )


def queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("review:week", args=["2026-W47"]))
    assert response.status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_few_or_many_items_and_weeks(
    internal_client, django_assert_max_num_queries
):
    build_programme(items=2, weeks=2)
    few = queries_for_page(internal_client)
    build_programme(items=24, weeks=16)
    with django_assert_max_num_queries(few):
        many = queries_for_page(internal_client)

    assert many == few
    assert few <= 30  # 25, and the employees' voice: who was asked, votes, answers, reasons, opt-outs


def test_a_longer_range_costs_two_more_queries_whatever_its_length():
    """The default range reuses the twelve weeks already read; any other range reads its own."""
    build_programme(items=4, weeks=8)
    longer = {"start": WEEK - timedelta(weeks=20), "end": WEEK + timedelta(days=6)}
    with CaptureQueriesContext(connection) as twelve_weeks:
        review()
    with CaptureQueriesContext(connection) as twenty_weeks:
        review(**longer)
    build_programme(items=12, weeks=30)
    with CaptureQueriesContext(connection) as thirty_weeks_more_items:
        review(**longer | {"start": WEEK - timedelta(weeks=100)})

    assert len(twenty_weeks) == len(twelve_weeks) + 2 == len(thirty_weeks_more_items)


# Drop-out and series.


def test_the_steepest_drop_comes_first_and_small_audiences_are_left_out_of_the_curves():
    channel = YouTubeChannelFactory()
    gentle = live_placement(title="Gentle", channel=channel, format=Format.VIDEO)
    steep = live_placement(title="Steep", channel=channel, format=Format.VIDEO)
    tiny = live_placement(title="Tiny", channel=channel, format=Format.VIDEO)
    for placement, views, fall in ((gentle, 50, 0.2), (steep, 50, 0.8), (tiny, 3, 0.9)):
        figures(placement, WEEK, source=Source.YOUTUBE, views=views, average_percentage_viewed=40.0)
        RetentionPoint.objects.bulk_create(
            RetentionPoint(
                placement=placement,
                period_start=WEEK,
                period_end=WEEK + timedelta(days=6),
                elapsed_ratio=Decimal(step) / 100,
                audience_watch_ratio=1 - fall * step / 100,
            )
            for step in range(1, 101)
        )

    result = review()

    rows = result.table("dropout").rows
    assert [row[0] for row in rows] == ["Steep", "Gentle", "Tiny"]
    assert rows[0][4].value == pytest.approx(60.0)  # still watching half-way
    assert all(cell.suppressed for cell in rows[2][2:])
    labels = [dataset["label"] for dataset in result.charts["dropout"]["datasets"]]
    assert labels == ["All videos (average)", "Steep", "Gentle"]


def test_series_are_read_from_items_sharing_a_topic_and_format_in_the_order_they_went_live():
    topic = TopicFactory(name="Leading a team", slug="leading")
    first = live_placement(title="Part one", since=LONG_AGO, format=Format.VIDEO, topics=[topic])
    second = live_placement(
        title="Part two", since=LONG_AGO + timedelta(days=7), format=Format.VIDEO, topics=[topic]
    )
    figures(first, WEEK, views=200, active_users=200)
    figures(second, WEEK, views=50, active_users=50)

    (row,) = review().table("series").rows

    assert row[:4] == ("Leading a team · Video", 2, "Part one", "Part two")
    assert row[6].value == pytest.approx(25.0)


# Suggestions.


def test_an_item_live_for_weeks_and_in_the_bottom_quantile_week_after_week_is_a_retire_candidate():
    weak = live_placement(title="Nobody reads this")
    new = live_placement(title="Just launched", since=WEEK - timedelta(weeks=2))
    others = [live_placement(title=f"Doing fine {n}") for n in range(8)]
    for weeks_back in range(4):
        week = WEEK - timedelta(weeks=weeks_back)
        weekly(weak, week, 5)
        weekly(new, week, 5)
        for n, placement in enumerate(others):
            weekly(placement, week, 100 + n)

    found = suggestions(week_start=WEEK)

    retire = [s for s in found if s.kind == SuggestionKind.RETIRE]
    assert [s.item.title for s in retire] == ["Nobody reads this"]
    assert "bottom 20% on engagement for 4 weeks running" in retire[0].reason
    assert retire[0].figures["weeks_live"] == 30
    assert retire[0].figures["engagement 2026-W47"] == 10  # five, to the nearest ten


def test_a_weak_week_in_between_is_not_enough_to_suggest_retiring():
    lapsed = live_placement(title="Had a good week")
    weak = live_placement(title="Nobody reads this")  # weak every week: the rule does fire here
    others = [live_placement(title=f"Doing fine {n}") for n in range(8)]
    for weeks_back in range(4):
        week = WEEK - timedelta(weeks=weeks_back)
        weekly(lapsed, week, 500 if weeks_back == 2 else 5)
        weekly(weak, week, 5)
        for n, placement in enumerate(others):
            weekly(placement, week, 100 + n)

    retire = [s.item.title for s in suggestions(week_start=WEEK) if s.kind == SuggestionKind.RETIRE]
    assert retire == ["Nobody reads this"]


def test_an_item_gaining_engagement_is_rising():
    rising = live_placement(title="Catching on")
    steady = live_placement(title="Steady")
    for weeks_back, engaged in ((4, 40), (3, 50), (2, 60), (1, 70), (0, 90)):
        weekly(rising, WEEK - timedelta(weeks=weeks_back), engaged)
        weekly(steady, WEEK - timedelta(weeks=weeks_back), 60)

    found = [s for s in suggestions(week_start=WEEK) if s.kind == SuggestionKind.RISING]

    assert [s.item.title for s in found] == ["Catching on"]
    assert found[0].figures == {
        "engagement_this_week": 90,
        "engagement_last_week": 70,
        "engagement_four_weeks_ago": 40,
        "growth": 1.25,
    }


def test_a_topic_employees_chose_with_little_live_content_is_a_gap():
    wanted = TopicFactory(name="Negotiation", slug="negotiation")
    covered = TopicFactory(name="Wellbeing", slug="wellbeing")
    for n in range(4):
        weekly(live_placement(title=f"Wellbeing {n}", topics=[covered]), WEEK, engaged=10)
    for person in subscribed_employees(6):
        person.topics.add(wanted)
    for person in subscribed_employees(2):
        person.topics.add(covered)

    found = [s for s in suggestions(week_start=WEEK) if s.kind == SuggestionKind.TOPIC_GAP]

    assert [s.topic for s in found] == [wanted]
    assert found[0].figures["subscribers_interested"] == 10  # six, to the nearest ten
    assert found[0].figures["live_items"] == 0


def test_a_placement_the_link_checker_could_not_reach_is_suggested():
    gone = live_placement(title="Gone private")
    live_placement(title="Still there")
    type(gone).objects.filter(pk=gone.pk).update(is_reachable=False)

    found = [s for s in suggestions(week_start=WEEK) if s.kind == SuggestionKind.UNREACHABLE]

    assert [s.placement.pk for s in found] == [gone.pk]
    assert gone.url in found[0].reason


def test_suggestions_figures_are_json_serialisable():
    weak = live_placement(title="Nobody reads this")
    others = [live_placement(title=f"Doing fine {n}") for n in range(8)]
    for weeks_back in range(4):
        weekly(weak, WEEK - timedelta(weeks=weeks_back), 2)
        for placement in others:
            weekly(placement, WEEK - timedelta(weeks=weeks_back), 100)

    found = suggestions(week_start=WEEK)

    assert found
    assert json.loads(json.dumps([s.figures for s in found]))
    assert found[0].figures["engagement 2026-W47"] == "fewer than 5"


# Freshness.


def test_freshness_flags_stale_and_failing_sources():
    blog = ChannelFactory(
        metric_source=MetricSource.GA4, ga4_property_id=PROPERTY_ID, ga4_path_prefix="/posts/"
    )
    youtube = YouTubeChannelFactory(name="Videos")
    now = datetime.now(UTC)
    for channel, status, finished in (
        (blog, SyncStatus.SUCCEEDED, now - timedelta(days=3)),
        (youtube, SyncStatus.SUCCEEDED, now - timedelta(hours=3)),
        (youtube, SyncStatus.FAILED, now - timedelta(hours=1)),
    ):
        SyncRun.objects.create(
            source=Source.GA4 if channel == blog else Source.YOUTUBE,
            channel=channel,
            period_start=WEEK,
            period_end=WEEK + timedelta(days=finished.day % 3),
            status=status,
            finished_at=finished,
        )

    rows = {row.channel: row for row in review().freshness}

    assert rows[blog.name].stale and "(stale)" in rows[blog.name].state
    assert not rows["Videos"].stale and "latest run failed" in rows["Videos"].state
    assert rows["All channels"].state == "Never synced"


# Who may see it, and the downloads.


def test_curators_of_both_roles_see_the_dashboard(internal_client, agency_client):
    assert internal_client.get(reverse("review:dashboard")).status_code == 200
    assert agency_client.get(reverse("review:dashboard")).status_code == 200


def test_staff_without_the_analytics_permission_are_refused(client, django_user_model):
    clerk = django_user_model.objects.create_user(
        username="clerk", password="a-long-test-password", is_staff=True
    )
    client.force_login(clerk)

    assert client.get(reverse("review:dashboard")).status_code == 403
    assert client.get(reverse("review:csv", args=["traffic"])).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="view_dailymetric"))
    assert client.get(reverse("review:dashboard")).status_code == 200


def test_visitors_are_sent_to_the_admin_login(client):
    response = client.get(reverse("review:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_index_links_to_the_review(internal_client):
    assert reverse("review:dashboard") in internal_client.get(reverse("admin:index")).content.decode()


def test_every_table_on_the_page_downloads_as_csv(internal_client):
    placement = live_placement(title="Giving feedback")
    figures(placement, WEEK, views=100, active_users=50, engaged_sessions=30)

    page = internal_client.get(
        reverse("review:week", args=["2026-W47"]), {"stage": "embedded"}
    ).content.decode()
    links = set(re.findall(r'href="(/admin/review/csv/[^"]+)"', page))

    assert {link.split("/")[4] for link in links} >= {
        "headlines",
        "traffic",
        "suggestions",
        "top_items",
        "bottom_items",
        "dropout",
        "series",
        "duration_item",
        "duration_format",
        "duration_channel",
        "preference_format",
        "preference_topic_weekly",
        "freshness",
    }
    for link in links:
        response = internal_client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "stage=embedded" in link
    top = internal_client.get(reverse("review:csv", args=["top_items"]), {"week": "2026-W47"})
    assert 'filename="review-2026-W47-top_items.csv"' in top["Content-Disposition"]
    assert csv_of(top)[1][:5] == ["Giving feedback", placement.channel.name, "30", "100", "50"]


def test_an_unknown_table_is_not_found(internal_client):
    assert internal_client.get(reverse("review:csv", args=["salaries"])).status_code == 404


# The kept review: computed once per state of the figures.


def test_the_review_is_computed_once_and_read_until_the_figures_change(internal_client):
    placement = live_placement(title="Kept guide")
    figures(placement, WEEK, views=50, active_users=40, sessions=45, engaged_sessions=30)
    computed = queries_for_page(internal_client)

    kept = queries_for_page(internal_client)

    # The session, the curator, what the figures' state is, and the meeting that reviewed the week.
    assert kept <= 9 < computed

    figures(placement, WEEK + timedelta(days=1), views=70, active_users=60, sessions=65, engaged_sessions=50)
    page = internal_client.get(reverse("review:week", args=["2026-W47"])).content.decode()
    assert re.search(r">\s*120\s*<", row_of(page, "Kept guide"))  # both days' views, at once


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=UTC), tick=True)  # the Tuesday after WEEK
# Over REST: gRPC reckons its deadlines on the real clock, so a clock travelled into the past
# would expire the call before it starts.
@pytest.mark.parametrize("ga4_transport", ["rest"])
def test_a_sync_that_brings_new_figures_prepares_the_next_review(ga4_fake, internal_client, settings):
    blog = ChannelFactory(
        url="https://www.acme-learning.example/learning/",
        metric_source=MetricSource.GA4,
        ga4_property_id=PROPERTY_ID,
        ga4_path_prefix="/learning/",
    )
    placement = live_placement(title="Synced guide", channel=blog)
    path = "/" + placement.url.split("/", 3)[3]
    ga4_fake.add_page(path, WEEK, views=300, sessions=200, active_users=150, engaged_sessions=100)
    before = internal_client.get(reverse("review:week", args=["2026-W47"])).content.decode()
    assert "Synced guide" not in before or not re.search(r">\s*300\s*<", row_of(before, "Synced guide"))

    run = services_analytics.queue_sync(
        source=Source.GA4, channel=blog, period=Period(WEEK, WEEK + timedelta(days=6))
    )
    run_sync_task.delay(run.pk)  # as the worker runs it: the sync, then the review it changed

    with CaptureQueriesContext(connection) as captured:
        page = internal_client.get(reverse("review:week", args=["2026-W47"])).content.decode()
    assert re.search(r">\s*300\s*<", row_of(page, "Synced guide"))
    assert len(captured) <= 9  # read, not computed: the sync's task prepared it
