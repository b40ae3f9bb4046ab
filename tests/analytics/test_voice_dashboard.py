"""What employees told us, on the weekly review: “useful?” votes per item and campaign, checks
answered right, reasons for leaving beside the opt-outs, the "rarely useful" suggestion, and the
attacker who subtracts what is published.

The votes, answers and reasons are written as campaigns keeps them, totals per week (the counters
themselves are tested in tests/campaigns); campaigns and journeys are launched through their
services, opt-outs go through the consent ledger."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.review.suggestions import SuggestionKind, suggestions
from campaigns import consent, journeys, sending
from campaigns.models import (
    CheckAnswerCount,
    ConsentSource,
    FeedbackCount,
    LeaveReason,
    LeaveReasonCount,
    MediaPreference,
    Medium,
    Usefulness,
)
from curation import services
from curation.models import ContentItem, Placement
from tests.analytics.test_disclosure_attack import Attacker
from tests.campaigns.journey_data import welcome_series
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    TopicFactory,
    ready_campaign,
    subscribed_employees,
)

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # Monday of 2026-W47, the week reviewed
LAST_WEEK = WEEK - timedelta(weeks=1)
EARLIER = WEEK - timedelta(weeks=5)  # inside the default range and the suggestions' twelve weeks
IN_THE_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
MEETING_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the Tuesday after: W47 is the last complete


@pytest.fixture(autouse=True)
def the_week_after():
    with time_machine.travel(MEETING_MORNING, tick=False):
        yield


@pytest.fixture
def launch(internal_curator, django_capture_on_commit_callbacks):
    """Launch a campaign as the internal curator does (nobody subscribed: nothing is sent)."""

    def launched(*placements: Placement, slug: str, **fields: object):
        campaign = ready_campaign(
            placements=list(placements), slug=slug, name=slug.replace("-", " "), **fields
        )
        with django_capture_on_commit_callbacks(execute=True):
            return sending.launch(campaign=campaign, by=internal_curator)

    return launched


def placed(
    title: str, *, channel=None, since: date = WEEK - timedelta(weeks=30), **fields: object
) -> Placement:
    """An item placed and put live, as a curator would."""
    placement = PlacementFactory(
        item=ContentItemFactory(title=title, **fields), **({"channel": channel} if channel else {})
    )
    services.mark_live(item=placement.item, on=since)
    placement.refresh_from_db()
    return placement


def voted(
    campaign,
    placement: Placement,
    week: date,
    *,
    useful: int = 0,
    not_for_me: int = 0,
    medium: str = Medium.EMAIL,
    bots: int = 0,
) -> None:
    """A week's "useful?" totals for one placement in one campaign, as campaigns.feedback keeps them."""
    for answer, votes in ((Usefulness.USEFUL, useful), (Usefulness.NOT_FOR_ME, not_for_me)):
        FeedbackCount.objects.create(
            campaign=campaign,
            placement=placement,
            medium=medium,
            answer=answer,
            week=week,
            votes=votes,
            bot_votes=bots,
        )


def launched_check(placement: Placement, by, name: str = "Welcome to Learn Socially"):
    """A welcome series whose second step checks, by text, what `placement` taught (right: A)."""
    journey = journeys.launch(journey=welcome_series(placement, name=name), by=by)
    return journey.steps.get(position=2)


def answered(step, week: date, **letters: int) -> None:
    for letter, count in letters.items():
        CheckAnswerCount.objects.create(step=step, letter=letter, week=week, count=count)


def page(client, week: str = "2026-W47", **query: object) -> str:
    response = client.get(reverse("review:week", args=[week]), query)
    assert response.status_code == 200
    return response.content.decode()


def table_in(html: str, name: str) -> str:
    start = html.index(f'id="table-{name}"')
    end = html.find('class="review-table"', start + 1)
    return html[start : end if end != -1 else len(html)]


def row_in(html: str, name: str, label: str) -> list[str]:
    """A table's row as the curator reads it, cell by cell."""
    for row in re.findall(r"<tr>(.*?)</tr>", table_in(html, name), re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r} in {name}")


def csv_of(client, name: str, **query: object) -> dict[str, list[str]]:
    response = client.get(reverse("review:csv", args=[name]), {"week": "2026-W47", **query})
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    return {"header": header, **{row[0]: row for row in rows}}


# What a curator sees.


def test_each_items_votes_are_rounded_and_its_share_is_of_the_published_counts(internal_client, launch):
    guide = placed("Giving feedback")
    campaign = launch(guide, slug="feedback-week")
    voted(campaign, guide, WEEK, useful=23, not_for_me=9)
    voted(campaign, guide, EARLIER, useful=8, not_for_me=6)

    html = page(internal_client)

    # This week: 32 votes, 23 useful, 9 not for me; over the range 46, 31 and 15 (halves go up).
    assert row_in(html, "voice_items", "Giving feedback") == [
        "Giving feedback",
        "30",
        "20",
        "10",
        "67%",
        "50",
        "30",
        "20",
        "60%",
    ]
    assert row_in(html, "voice_campaigns", "feedback week")[1:5] == ["30", "20", "10", "67%"]
    assert "Week 2026-W47" in table_in(html, "voice_items")
    assert "2026-W36 to 2026-W47" in table_in(html, "voice_items")
    rows = csv_of(internal_client, "voice_items")
    assert rows["header"][:5] == [
        "Item",
        "Votes, 2026-W47",
        "Useful, 2026-W47",
        "Not for me, 2026-W47",
        "Useful (%), 2026-W47",
    ]
    assert rows["Giving feedback"][1:] == ["30", "20", "10", "66.67", "50", "30", "20", "60.0"]


def test_small_counts_are_withheld_and_so_is_a_share_resting_on_fewer_than_five(internal_client, launch):
    few, unhelpful = placed("Asked of four"), placed("Rarely said useful")
    campaign = launch(few, unhelpful, slug="two-items")
    voted(campaign, few.item.placements.get(), WEEK, useful=3, not_for_me=1)
    voted(campaign, unhelpful, WEEK, useful=2, not_for_me=5)

    html = page(internal_client)

    assert row_in(html, "voice_items", "Asked of four")[1:5] == ["fewer than 5"] * 4
    # Seven votes are shown (10), two useful are not: nor is a share that would say how few.
    assert row_in(html, "voice_items", "Rarely said useful")[1:5] == [
        "10",
        "fewer than 5",
        "10",
        "fewer than 5",
    ]
    assert not re.search(r">\s*[1-4]\s*<", table_in(html, "voice_items"))
    assert "fewer than 5" in csv_of(internal_client, "voice_items")["Asked of four"]


def test_an_item_asked_about_is_listed_whether_or_not_anyone_answered(internal_client, launch):
    """The list never says who voted: a listed "fewer than 5" may be nobody, as the rule's zeros are."""
    launch(placed("Nobody voted"), slug="quiet-week")
    placed("Never asked")

    html = page(internal_client)

    assert row_in(html, "voice_items", "Nobody voted")[1:] == ["fewer than 5"] * 8
    assert "Never asked" not in table_in(html, "voice_items")


def test_bot_votes_are_never_shown_as_votes(internal_client, launch):
    guide = placed("Scanned by a mail filter")
    campaign = launch(guide, slug="scanned")
    voted(campaign, guide, WEEK, useful=2, not_for_me=1, bots=60)

    html = page(internal_client)

    assert row_in(html, "voice_items", "Scanned by a mail filter")[1:5] == ["fewer than 5"] * 4
    assert row_in(html, "voice_items", "All items")[1:5] == ["fewer than 5"] * 4
    assert not re.search(r">\s*(60|120)\s*<", table_in(html, "voice_items"))


def test_a_reply_to_a_text_counts_once_for_an_item_however_many_of_its_placements_it_carried(
    internal_client, launch
):
    blog = placed("Feedback in two places")
    video = PlacementFactory(item=blog.item, channel=ChannelFactory(name="Second blog"))
    text, email = (
        launch(blog, video, slug="text-only", media=MediaPreference.SMS),
        launch(blog, video, slug="email-only", media=MediaPreference.EMAIL),
    )
    # Eight replies to the text, each counted on both placements; six different presses per button.
    for placement in (blog, video):
        voted(text, placement, WEEK, useful=8, medium=Medium.SMS)
        voted(email, placement, WEEK, useful=6, medium=Medium.EMAIL)

    html = page(internal_client)

    assert row_in(html, "voice_campaigns", "text only")[1] == "10"  # 8 replies, not 16
    assert row_in(html, "voice_campaigns", "email only")[1] == "10"  # 12 presses
    assert row_in(html, "voice_items", "Feedback in two places")[1] == "20"  # 8 + 12


def test_filters_narrow_the_votes_to_the_items_and_placements_in_view(internal_client, launch):
    blog, videos = ChannelFactory(name="Blog"), ChannelFactory(name="Videos")
    topic = TopicFactory(name="Feedback")
    on_blog = placed("On the blog", channel=blog, topics=[topic])
    on_videos = placed("On the video channel", channel=videos)
    campaign = launch(on_blog, on_videos, slug="both")
    voted(campaign, on_blog, WEEK, useful=30)
    voted(campaign, on_videos, WEEK, useful=60)

    for query in ({"channel": blog.pk}, {"topic": topic.pk}):
        html = page(internal_client, **query)
        assert row_in(html, "voice_items", "All items")[1] == "30"
        assert row_in(html, "voice_campaigns", "both")[1] == "30"
        assert "On the video channel" not in table_in(html, "voice_items")
    assert row_in(page(internal_client), "voice_items", "All items")[1] == "90"


def test_checks_show_the_share_answering_right_per_item(internal_client, internal_curator):
    guide = placed("Calming an angry customer")
    check = launched_check(guide, internal_curator)
    answered(check, WEEK, A=27, B=8, C=4)
    answered(check, LAST_WEEK, A=3, B=1)

    html = page(internal_client)

    # 39 answers this week, 27 right; 43 and 30 over the range: each rounded, the share of the rounded.
    assert row_in(html, "voice_checks", "Calming an angry customer") == [
        "Calming an angry customer",
        "1",
        "40",
        "30",
        "75%",
        "40",
        "30",
        "75%",
    ]
    assert row_in(html, "voice_checks", "All checks")[1:5] == ["1", "40", "30", "75%"]
    last_week = page(internal_client, "2026-W46")
    assert row_in(last_week, "voice_checks", "Calming an angry customer")[2:5] == ["fewer than 5"] * 3


def test_reasons_for_leaving_are_counted_beside_the_opt_outs(internal_client):
    with time_machine.travel(IN_THE_WEEK, tick=False):
        for person in subscribed_employees(7):
            consent.opt_out(
                subscriber=person, media=[Medium.SMS], source=ConsentSource.SMS_KEYWORD, evidence="STOP"
            )
    LeaveReasonCount.objects.create(week=WEEK, reason=LeaveReason.TOO_MANY, count=6)
    LeaveReasonCount.objects.create(week=WEEK, reason=LeaveReason.NOT_RELEVANT, count=2)
    LeaveReasonCount.objects.create(week=LAST_WEEK, reason=LeaveReason.TOO_MANY, count=9)

    html = page(internal_client)

    assert row_in(html, "voice_leaving", "Opt-outs (people)")[1:] == ["10", "fewer than 5", "10"]
    assert row_in(html, "voice_leaving", "Reasons given")[1:] == ["10", "10", "20"]
    assert row_in(html, "voice_leaving", "Too many messages")[1:] == ["10", "10", "20"]
    assert row_in(html, "voice_leaving", "Not relevant to my job")[1:] == ["fewer than 5"] * 3
    assert "Leaving: 10 reasons given beside 10 opt-outs." in html


def test_the_section_says_when_nothing_has_asked_employees_yet(internal_client):
    html = page(internal_client)

    assert 'id="voice"' in html
    assert "Nothing has asked employees yet" in html


# Rarely useful.


def rarely(week_start: date = WEEK) -> list[str]:
    return [
        s.item.title for s in suggestions(week_start=week_start) if s.kind == SuggestionKind.RARELY_USEFUL
    ]


def test_an_item_rarely_found_useful_by_enough_votes_is_suggested(internal_client, launch):
    rare, liked, few, withheld = (
        placed("Rarely useful guide"),
        placed("Liked guide"),
        placed("Too few votes"),
        placed("Hardly anyone said useful"),
    )
    campaign = launch(rare, liked, few, withheld, slug="four")
    voted(campaign, rare, EARLIER, useful=6, not_for_me=14)
    voted(campaign, rare, WEEK, not_for_me=10)  # 30 votes, 6 useful: 10 of 30 published
    voted(campaign, liked, WEEK, useful=15, not_for_me=15)
    voted(campaign, few, WEEK, not_for_me=14)  # published 10: under the twenty votes asked for
    voted(campaign, withheld, WEEK, useful=3, not_for_me=20)

    assert rarely() == ["Hardly anyone said useful", "Rarely useful guide"]
    html = page(internal_client)
    assert "Only 33% of 30 “useful?” votes on it in 12 weeks said useful." in html
    assert "Fewer than 5 of 20 “useful?” votes on it in 12 weeks said useful." in html
    assert '<strong class="suggestion-kind">Rarely useful</strong>' in html


def test_votes_after_the_week_or_on_a_retired_item_suggest_nothing(internal_curator, launch):
    later, retired = placed("Voted on later"), placed("Already retired")
    campaign = launch(later, retired, slug="later")
    voted(campaign, later, WEEK + timedelta(weeks=1), not_for_me=30)
    voted(campaign, retired, WEEK, not_for_me=30)
    services.retire_item(item=ContentItem.objects.get(pk=retired.item_id), reason="Out of date")

    assert rarely() == []
    assert rarely(WEEK + timedelta(weeks=1)) == ["Voted on later"]


# The attacker: subtracting what is published.


def test_no_small_group_can_be_worked_out_from_items_totals_weeks_and_ranges(
    internal_client, launch, internal_curator
):
    """Everything the section publishes for W46, W47 and the two together, unfiltered and per
    channel, read as intervals and linked by every sum they make: item and total, item and its
    campaign, week and range, useful and not for me, checks and reasons."""
    blog, videos = ChannelFactory(name="Blog"), ChannelFactory(name="Videos")
    items = {
        "Four then two": placed("Four then two", channel=blog),
        "Four": placed("Four", channel=blog),
        "Eleven": placed("Eleven", channel=videos),
        "One": placed("One", channel=videos),
    }
    email = launch(items["Four then two"], items["Four"], slug="by-email", media=MediaPreference.EMAIL)
    text = launch(items["Eleven"], items["One"], slug="by-text", media=MediaPreference.SMS)
    voted(email, items["Four then two"], WEEK, useful=4)  # two fours under a total of eight
    voted(email, items["Four then two"], LAST_WEEK, useful=1, not_for_me=1)
    voted(email, items["Four"], WEEK, useful=2, not_for_me=2)
    # A text's reply counts on both its placements: these are the same people twice.
    for placement in (items["Eleven"], items["One"]):
        voted(text, placement, WEEK, useful=7, not_for_me=4, medium=Medium.SMS)
        voted(text, placement, LAST_WEEK, useful=1, medium=Medium.SMS)
    check = launched_check(items["Four"], internal_curator)
    answered(check, WEEK, A=3, B=2)
    answered(check, LAST_WEEK, A=4)
    LeaveReasonCount.objects.create(week=WEEK, reason=LeaveReason.TOO_MANY, count=3)
    LeaveReasonCount.objects.create(week=WEEK, reason=LeaveReason.WRONG_TIME, count=2)
    LeaveReasonCount.objects.create(week=LAST_WEEK, reason=LeaveReason.TOO_MANY, count=4)

    attacker = Attacker()
    weeks = {"2026-W46": "W46", "2026-W47": "W47"}
    pages = [
        ("2026-W47", {"from": "2026-11-09", "to": "2026-11-22"}, "W46+W47"),
        ("2026-W46", {"from": "2026-11-09", "to": "2026-11-15"}, "W46"),
        ("2026-W47", {"from": "2026-11-16", "to": "2026-11-22"}, "W47"),
    ]
    in_view = {"": set(items), str(blog.pk): {"Four then two", "Four"}, str(videos.pk): {"Eleven", "One"}}
    for week, query, over in pages:
        for channel, titles in in_view.items():
            read_voice_csvs(
                attacker,
                internal_client,
                week,
                {**query, "channel": channel},
                (weeks[week], over),
                channel,
                titles,
            )
    for item in items:
        for measure in ("votes", "useful", "not_for_me"):
            attacker.add_up((measure, item, "W46+W47"), [(measure, item, "W46"), (measure, item, "W47")])
    for measure in ("answers", "right"):
        attacker.add_up((measure, "Four", "W46+W47"), [(measure, "Four", "W46"), (measure, "Four", "W47")])
    for reason in [*LeaveReason.labels, "Reasons given"]:
        attacker.add_up(("reason", reason, "W46+W47"), [("reason", reason, "W46"), ("reason", reason, "W47")])

    attacker.solve()

    checks, exposed = len(attacker.bounds), attacker.exposed()
    assert checks > 80  # every page, period and variant was read
    assert exposed == {}, f"{len(exposed)} small groups worked out over {checks} checks: {exposed}"


VOTE_MEASURES = ("votes", "useful", "not_for_me")


def read_voice_csvs(attacker, client, week, query, periods, channel, titles) -> None:
    """One page's voice CSVs into the attacker's intervals and sums."""
    votes = csv_of(client, "voice_items", **{**query, "week": week})
    campaigns = csv_of(client, "voice_campaigns", **{**query, "week": week})
    checks = csv_of(client, "voice_checks", **{**query, "week": week})
    for offset, period in zip((1, 5), periods, strict=True):
        for n, measure in enumerate(VOTE_MEASURES):
            parts = []
            for title in titles:
                attacker.read((measure, title, period), votes[title][offset + n])
                parts.append((measure, title, period))
            total = (measure, "all items", channel, period)
            attacker.read(total, votes["All items"][offset + n])
            attacker.add_up(total, parts)
            # The email campaign adds up its items' votes; the text's reply is on each of its items.
            by_email = [(measure, t, period) for t in ("Four then two", "Four") if t in titles]
            if by_email:
                attacker.read((measure, "by email", channel, period), campaigns["by email"][offset + n])
                attacker.add_up((measure, "by email", channel, period), by_email)
            for title in {"Eleven", "One"} & titles:
                attacker.read((measure, "by text", channel, period), campaigns["by text"][offset + n])
                attacker.add_up((measure, "by text", channel, period), [(measure, title, period)])
        for title in titles:
            attacker.add_up(
                ("votes", title, period), [("useful", title, period), ("not_for_me", title, period)]
            )
    if "Four" in titles:
        for offset, period in zip((2, 5), periods, strict=True):
            attacker.read(("answers", "Four", period), checks["Four"][offset])
            attacker.read(("right", "Four", period), checks["Four"][offset + 1])
            attacker.read(("answers", "Four", period), checks["All checks"][offset])
            attacker.read(("right", "Four", period), checks["All checks"][offset + 1])
            attacker.add_up(
                ("answers", "Four", period), [("right", "Four", period), ("wrong", "Four", period)]
            )
    leaving = csv_of(client, "voice_leaving", **{**query, "week": week})
    for column, period in ((1, periods[0]), (3, periods[1])):
        parts = []
        for reason in LeaveReason.labels:
            attacker.read(("reason", reason, period), leaving[reason][column])
            parts.append(("reason", reason, period))
        attacker.read(("reason", "Reasons given", period), leaving["Reasons given"][column])
        attacker.add_up(("reason", "Reasons given", period), parts)


# Cost.


def programme(items: int, launch, curator, weeks: int = 4) -> None:
    channels = [ChannelFactory(name=f"Channel {items}-{k}") for k in range(3)]
    placements = [placed(f"Item {items}-{n:03d}", channel=channels[n % 3]) for n in range(items)]
    campaign = launch(*placements, slug=f"campaign-of-{items}")
    for n, placement in enumerate(placements):
        for week in range(weeks):
            voted(campaign, placement, WEEK - timedelta(weeks=week), useful=n % 7, not_for_me=3)
        answered(launched_check(placement, curator, name=f"Journey {items}-{n}"), WEEK, A=n, B=2)
    for week in range(weeks):
        LeaveReasonCount.objects.create(
            week=WEEK - timedelta(weeks=week), reason=LeaveReason.OTHER, count=items
        )


def queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("review:week", args=["2026-W47"])).status_code == 200
    return len(captured)


def test_the_voice_costs_the_same_queries_for_few_or_many_items(
    internal_client, internal_curator, launch, django_assert_max_num_queries
):
    programme(2, launch, internal_curator)
    few = queries_for_page(internal_client)
    LeaveReasonCount.objects.all().delete()
    programme(30, launch, internal_curator)

    with django_assert_max_num_queries(few):
        queries_for_page(internal_client)
