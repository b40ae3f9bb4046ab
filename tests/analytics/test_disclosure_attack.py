"""The attacker of issue 12: downloads every figure published about a week and subtracts.

Small cohorts are built the way the figures arrive (synced metrics, sign-ups and opt-outs through
the consent ledger, quiz answers through the quiz), then the test does what anyone with the
curators' login could do: it opens the dashboard for the week and every filter variant (each topic,
channel and stage), downloads every CSV each page links to, reads the quiz's aggregate, and solves
for what the published figures say together.

Every published count becomes an interval of what its true value could be, as the dashboard's
privacy note documents it; every figure that is a sum of others becomes an equation (an item's
audience is part of its format's and its channel's, a channel-filtered page's total is the channel
row of the unfiltered one, unfiltered opt-outs are the topic's plus everyone else's). Interval
propagation over those equations, run to a fixed point, is the attacker's arithmetic: subtraction
within a table, across tables that break down the same audience, and between filter variants. A
small group is exposed when the attacker pins its count to one value from 1 to 4: a published cell,
a total nobody published, the people a filter leaves out, or the sum of a breakdown's withheld cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from analytics import privacy, quiz
from analytics.models import DailyMetric, Source
from campaigns import consent
from campaigns.models import ConsentSource, Medium
from curation import services
from curation.models import Format, Stage
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    TopicFactory,
    YouTubeChannelFactory,
    subscribed_employees,
)

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # Monday of 2026-W47
ISO_WEEK = "2026-W47"
IN_THE_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
REVIEWED_ON = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the Tuesday after: W47 is the week reviewed
UNKNOWN = 10**9


# What a published figure tells the attacker, read as the dashboard's privacy note says.


def interval(text: str, *, zeros_withheld: bool = False) -> tuple[int, int] | None:
    """The true values a published count could have; None when it publishes no count.

    Before the rounding rule, "fewer than 5" meant 1 to 4 on the dashboard (it showed zeros) and
    0 to 4 in the quiz (it withheld them); the rule says what it means now.
    """
    text = text.strip()
    if text == privacy.FEWER:
        return getattr(privacy, "WITHHELD_RANGE", (0 if zeros_withheld else 1, privacy.MIN_PEOPLE - 1))
    if not re.fullmatch(r"-?[\d,]+(\.0+)?", text):
        return (0, UNKNOWN) if text.startswith("withheld") else None
    value = int(float(text.replace(",", "")))
    base = getattr(privacy, "ROUNDING_BASE", 1)  # before rounding, a shown count was the count
    return (max(0, value - base // 2), value + (base - 1) // 2)


@dataclass
class Attacker:
    """Intervals for groups of people (or sessions, or views), and the sums that link them."""

    bounds: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    sums: list[tuple[tuple, list[tuple]]] = field(default_factory=list)

    def read(self, key: tuple, text: str, *, zeros_withheld: bool = False) -> bool:
        """Learn a published figure; True when it was withheld."""
        found = interval(text, zeros_withheld=zeros_withheld)
        if found is None:
            return False
        self.bound(key, *found)
        return text.strip() != "" and not text.strip()[0].isdigit()

    def bound(self, key: tuple, low: int, high: int) -> None:
        old_low, old_high = self.bounds.get(key, (0, UNKNOWN))
        self.bounds[key] = (max(old_low, low), min(old_high, high))

    def add_up(self, total: tuple, parts: list[tuple], withheld: Iterable[tuple] = ()) -> None:
        """`total` is the sum of `parts`; the withheld parts' sum is a group of its own."""
        for key in (total, *parts):
            self.bound(key, 0, UNKNOWN)
        self.sums.append((total, parts))
        withheld = list(withheld)
        if len(withheld) > 1:
            together = ("withheld together", total, tuple(sorted(withheld, key=repr)))
            self.add_up(together, withheld)
            self.add_up(total, [part for part in parts if part not in withheld] + [together])

    def solve(self) -> None:
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                low = sum(self.bounds[p][0] for p in parts)
                high = sum(self.bounds[p][1] for p in parts)
                changed |= self._narrow(total, low, high)
                total_low, total_high = self.bounds[total]
                for part in parts:
                    others_low = low - self.bounds[part][0]
                    others_high = high - self.bounds[part][1]
                    changed |= self._narrow(part, total_low - others_high, total_high - others_low)

    def _narrow(self, key: tuple, low: int, high: int) -> bool:
        old = self.bounds[key]
        new = (max(old[0], low), min(old[1], min(high, UNKNOWN)))
        assert new[0] <= new[1], f"the published figures contradict each other about {key}"
        self.bounds[key] = new
        return new != old

    def exposed(self) -> dict[tuple, int]:
        return {
            key: low
            for key, (low, high) in self.bounds.items()
            if low == high and 1 <= low < privacy.MIN_PEOPLE
        }


# The cohorts: small groups beside large ones, as the issue found them.


@dataclass(frozen=True)
class Catalogue:
    items: dict[str, dict[str, str]]  # title -> its format, channel, topic and stage labels
    topics: dict[str, int]
    channels: dict[str, int]

    def in_view(self, variant: dict[str, str]) -> frozenset[str]:
        """The items a filter variant covers: its own subset of the catalogue."""
        return frozenset(
            title
            for title, item in self.items.items()
            if all(item[name] == value for name, value in variant.items())
        )


@dataclass(frozen=True)
class Cohorts:
    items: tuple[tuple[str, str, str, str, str, int], ...]
    opt_outs: tuple[tuple[str, int], ...]  # people of each topic who sign up, then leave
    quiz: tuple[tuple[str, int], ...]  # people answering every question with this letter


AS_THE_ISSUE_FOUND_THEM = Cohorts(
    # title, format, channel, topic, stage, people (GA4 active users or YouTube views)
    items=(
        ("Giving feedback", Format.BLOG_POST, "Blog", "Feedback", Stage.EMBEDDED, 40),
        ("Feedback in one page", Format.BLOG_POST, "Blog", "Wellbeing", Stage.EMBEDDED, 3),
        ("Difficult conversations", Format.HOW_TO, "Blog", "Feedback", Stage.FACILITATED, 30),
        ("Desk stretches poster", Format.IMAGE_POST, "Blog", "Wellbeing", Stage.EMBEDDED, 2),
        ("Breathing at your desk", Format.VIDEO, "Videos", "Wellbeing", Stage.EMBEDDED, 61),
        ("Saying no kindly", Format.VIDEO, "Videos", "Feedback", Stage.FACILITATED, 4),
        ("Coaching circles", Format.CHAT_THREAD, "Videos", "Feedback", Stage.UNFACILITATED, 12),
        # Two withheld fours under a total of eight: shown zeros would pin both.
        ("Pin one", Format.PIN, "Blog", "Wellbeing", Stage.DIGITAL_BLENDED, 4),
        ("Pin two", Format.PIN, "Blog", "Wellbeing", Stage.DIGITAL_BLENDED, 4),
    ),
    # Seven people who chose Feedback and three who chose Wellbeing.
    opt_outs=(("Feedback", 7), ("Wellbeing", 3)),
    # Nobody at the embedded end, three digital blended, nine facilitated, six further.
    quiz=(("b", 3), ("c", 9), ("d", 6)),
)
# Small groups at the edges of the rounding: totals of 5, 8, 13, 15 and 28, made of parts under five.
AT_THE_EDGES = Cohorts(
    items=(
        ("Four readers", Format.BLOG_POST, "Blog", "Feedback", Stage.EMBEDDED, 4),
        ("One reader", Format.BLOG_POST, "Blog", "Feedback", Stage.EMBEDDED, 1),
        ("Guide of four", Format.HOW_TO, "Blog", "Wellbeing", Stage.FACILITATED, 4),
        ("Another guide of four", Format.HOW_TO, "Blog", "Wellbeing", Stage.FACILITATED, 4),
        ("Video of eleven", Format.VIDEO, "Videos", "Wellbeing", Stage.EMBEDDED, 11),
        ("Video of three", Format.VIDEO, "Videos", "Feedback", Stage.UNFACILITATED, 3),
        ("Pin of one", Format.PIN, "Videos", "Feedback", Stage.EMBEDDED, 1),
    ),
    opt_outs=(("Feedback", 1), ("Wellbeing", 4)),
    quiz=(("a", 4), ("b", 1), ("d", 10)),
)


def build_cohorts(cohorts: Cohorts) -> Catalogue:
    topics = {name: TopicFactory(name=name, slug=name.lower()) for name in ("Feedback", "Wellbeing")}
    channels = {"Blog": ChannelFactory(name="Blog"), "Videos": YouTubeChannelFactory(name="Videos")}
    items = {}
    for n, (title, format, channel, topic, stage, people) in enumerate(cohorts.items):
        item = ContentItemFactory(title=title, format=format, stage=stage, topics=[topics[topic]])
        where = {"url": f"https://www.youtube.com/watch?v=attack{n:05d}"} if channel == "Videos" else {}
        placement = PlacementFactory(item=item, channel=channels[channel], **where)
        services.mark_live(item=item, on=WEEK - timedelta(weeks=20))
        if channel == "Videos":
            DailyMetric.objects.create(
                placement=placement,
                date=WEEK + timedelta(days=2),
                source=Source.YOUTUBE,
                views=people,
                average_duration_seconds=95.0,
                average_percentage_viewed=52.0,
            )
        else:
            DailyMetric.objects.create(
                placement=placement,
                date=WEEK + timedelta(days=1),
                source=Source.GA4,
                active_users=people,
                sessions=people,
                engaged_sessions=people,
                views=people,
                average_duration_seconds=70.0,
            )
        items[title] = {
            "format": Format(format).label,
            "channel": channel,
            "topic": topic,
            "stage": Stage(stage).label,
            "format_key": str(format),
            "channel_key": str(channels[channel].pk),
            "topic_key": str(topics[topic].pk),
            "stage_key": str(stage),
        }

    with time_machine.travel(IN_THE_WEEK, tick=False):
        for topic, count in cohorts.opt_outs:
            for person in subscribed_employees(count):
                person.topics.add(topics[topic])
                consent.opt_out(
                    subscriber=person,
                    media=[Medium.SMS, Medium.EMAIL],
                    source=ConsentSource.SMS_KEYWORD,
                    evidence="STOP",
                )
        for code, count in cohorts.quiz:
            for _ in range(count):
                quiz.take_quiz(answers={question.code: code for question in quiz.QUESTIONS})
    return Catalogue(
        items=items,
        topics={name: topic.pk for name, topic in topics.items()},
        channels={name: channel.pk for name, channel in channels.items()},
    )


# Reading what is published.


def csv_tables(client, page: str) -> dict[str, list[list[str]]]:
    tables = {}
    for link in sorted(set(re.findall(r'href="(/admin/review/csv/[^"]+)"', page))):
        response = client.get(unescape(link))
        assert response.status_code == 200
        tables[link.split("/")[4]] = list(csv.reader(io.StringIO(response.content.decode())))
    return tables


# A breakdown's rows, by which of an item's labels they group on.
BREAKDOWNS = {
    "duration_item": ("title", "Audience"),
    "duration_format": ("format", "Audience"),
    "duration_channel": ("channel", "Audience"),
    "preference_format": ("format", "Engagement this week"),
    "preference_topic": ("topic", "Engagement this week"),
    "preference_channel": ("channel", "Engagement this week"),
    "preference_stage": ("stage", "Engagement this week"),
}
MEASURE = {"Audience": "people", "Engagement this week": "engagement"}
ITEM_COLUMNS = {"Engagement": "engagement", "Views": "views", "Audience": "people"}


def read_dashboard(attacker: Attacker, catalogue: Catalogue, variant: dict[str, str], tables) -> None:
    in_view = catalogue.in_view(variant)
    topic = variant.get("topic_key")

    def items_labelled(label: str, value: str) -> frozenset[str]:
        labelled = {
            title
            for title, item in catalogue.items.items()
            if (item[label] if label != "title" else title) == value
        }
        return frozenset(labelled & in_view)

    for name, (label, column) in BREAKDOWNS.items():
        header, *rows = tables[name]
        measure = MEASURE[column]
        parts, withheld = [], []
        for row in rows:
            key = (measure, items_labelled(label, row[0]))
            if attacker.read(key, row[header.index(column)]):
                withheld.append(key)
            parts.append(key)
        attacker.add_up((measure, in_view), parts, withheld)

    # Top and bottom items: every item of these small cohorts is in one or the other.
    views, withheld = [], []
    for name in ("top_items", "bottom_items"):
        header, *rows = tables[name]
        for row in rows:
            for column, measure in ITEM_COLUMNS.items():
                key = (measure, frozenset({row[0]}))
                if attacker.read(key, row[header.index(column)]) and measure == "views":
                    withheld.append(key)
                if measure == "views":
                    views.append(key)
    attacker.add_up(("views", in_view), views, withheld)

    header, *rows = tables["headlines"]
    for row in rows:
        figure, this_week = row[0], row[1]
        if figure == "Views":
            attacker.read(("views", in_view), this_week)
        elif figure in ("New sign-ups", "Opt-outs"):
            # People are filtered by the topics they chose, and by nothing else.
            attacker.read((figure, topic), this_week)
            if topic is not None:
                attacker.add_up((figure, None), [(figure, topic), (figure, "not", topic)])


def read_quiz(attacker: Attacker, page: str) -> None:
    total = re.search(r"Responses to this version of the quiz: ([^<]+)<", page).group(1)
    attacker.read(("quiz", "all"), total, zeros_withheld=True)
    counts = [
        table for table in re.findall(r"<table>(.*?)</table>", page, re.S) if ">Responses</th>" in table
    ]
    for number, table in enumerate(counts):
        parts, withheld = [], []
        for label, shown in re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table):
            key = ("quiz", number, unescape(label))
            if attacker.read(key, unescape(shown), zeros_withheld=True):
                withheld.append(key)
            parts.append(key)
        attacker.add_up(("quiz", "all"), parts, withheld)


def variants(catalogue: Catalogue) -> list[dict[str, str]]:
    """The unfiltered page and one page per topic, channel and stage."""
    return [
        {},
        *({"topic_key": str(pk)} for pk in catalogue.topics.values()),
        *({"channel_key": str(pk)} for pk in catalogue.channels.values()),
        *({"stage_key": str(stage)} for stage in Stage.values),
    ]


QUERY_NAMES = {"topic_key": "topic", "channel_key": "channel", "stage_key": "stage"}


@pytest.mark.parametrize("cohorts", [AS_THE_ISSUE_FOUND_THEM, AT_THE_EDGES], ids=["as-found", "at-the-edges"])
def test_no_small_group_can_be_worked_out_from_everything_published_about_a_week(internal_client, cohorts):
    catalogue = build_cohorts(cohorts)
    attacker = Attacker()

    with time_machine.travel(REVIEWED_ON, tick=False):
        for variant in variants(catalogue):
            query = {QUERY_NAMES[name]: value for name, value in variant.items()}
            response = internal_client.get(reverse("review:week", args=[ISO_WEEK]), query)
            assert response.status_code == 200
            read_dashboard(
                attacker, catalogue, variant, csv_tables(internal_client, response.content.decode())
            )
        quiz_page = internal_client.get(reverse("admin:analytics_quizresponse_changelist"))
        read_quiz(attacker, quiz_page.content.decode())

    attacker.solve()

    checks, exposed = len(attacker.bounds), attacker.exposed()
    print(f"\n{len(exposed)} small groups exposed over {checks} checks")
    assert checks > 100  # the attacker did read every page, CSV and variant
    assert exposed == {}, f"{len(exposed)} small groups worked out over {checks} checks: {exposed}"


def test_the_dashboard_and_the_quiz_say_how_their_figures_are_protected(internal_client):
    with time_machine.travel(REVIEWED_ON, tick=False):
        dashboard = internal_client.get(reverse("review:week", args=[ISO_WEEK])).content.decode()
    results = internal_client.get(reverse("admin:analytics_quizresponse_changelist")).content.decode()

    for page in (dashboard, results):
        assert "Privacy, by rounding with small counts withheld" in page
        assert "rounded to the nearest 10 (each total on its own)" in page
        assert "counts of 0 to 4 are shown as “fewer than 5”" in page
