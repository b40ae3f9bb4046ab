"""The attacker of issue 12, now with "did it work?": subtracting outcomes from the dashboard.

An outcome publishes an item's clicks (or engagement) summed over four weeks, before and after a
decision, beside the dashboard's own weekly figures of the same item (its engagement in the top
and bottom items) and of every filter's total (the headline "Human link clicks"). The attacker
reads them all, week by week and filter by filter, plus the "did it work?" cards, the page of past
decisions and its CSV, and solves the sums that link them (a window is its four weeks; a filter's
week is its items' weeks) as tests/analytics/test_disclosure_attack.py does. No small group may
come out: not an item's week, not a window, not the difference between two published figures.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from analytics.review.cells import change
from analytics.review.outcomes import outcome_lines
from analytics.review.weeks import iso_week_label
from curation.models import AgendaKind, Decision, DecisionAction, IntendedEffect
from tests.analytics.test_disclosure_attack import Attacker
from tests.analytics.test_outcomes import (
    AFTER,
    BEFORE,
    DECIDED_ON,
    FIRST_MEETING_MEASURED,
    clicks,
    decided,
    meeting_on,
    placed_live,
)
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

READ_ON = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)  # after the meeting that brought the cards
WEEKS = [*BEFORE, BEFORE[-1] + timedelta(weeks=1), *AFTER]  # W44 to W52, the decision's week too

# Human clicks per week (W44 to W52; None: no click that week), at the edges of the rounding:
# windows of 5, 8 and 13 made of weeks under five, beside large ones.
COHORTS = {
    # title: (topic, effect, clicks per week)
    "Promoted": ("Feedback", IntendedEffect.MORE_CLICKS, [1, 4, None, 3, 2, 4, 4, 2, 3]),
    "Steady": ("Feedback", IntendedEffect.HOLD_STEADY, [40, 3, 41, 2, 9, 38, 4, 1, 44]),
    "Other": ("Wellbeing", IntendedEffect.MORE_CLICKS, [12, 2, 7, 30, None, 3, 1, 1, None]),
    "Quiet": ("Wellbeing", IntendedEffect.HOLD_STEADY, [2, 1, 1, 1, 4, None, 4, None, None]),
}


def build(internal_curator) -> dict[str, str]:
    topics = {name: TopicFactory(name=name, slug=name.lower()) for name in ("Feedback", "Wellbeing")}
    meeting = meeting_on(DECIDED_ON)
    placements = {}
    for title, (topic, effect, weekly) in COHORTS.items():
        placement = placed_live(title, topics=[topics[topic]])
        for week, count in zip(WEEKS, weekly, strict=True):
            if count is not None:
                clicks(placement, [week], count)
        placements[title] = placement
        action = DecisionAction.PROMOTE if effect == IntendedEffect.MORE_CLICKS else DecisionAction.KEEP
        decided(meeting, item=placement.item, action=action, effect=effect, by=internal_curator)
    meeting_on(FIRST_MEETING_MEASURED)
    return {title: str(topics[topic].pk) for title, (topic, _effect, _weekly) in COHORTS.items()}


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def read_dashboard_weeks(attacker: Attacker, client, topic_of: dict[str, str]) -> None:
    everyone = frozenset(COHORTS)
    variants = [({}, everyone)] + [
        ({"topic": pk}, frozenset(title for title, of in topic_of.items() if of == pk))
        for pk in sorted(set(topic_of.values()))
    ]
    for query, in_view in variants:
        for week in WEEKS:
            asked = {"week": iso_week_label(week), **query}
            for row in read_csv(client.get(reverse("review:csv", args=["headlines"]), asked)):
                if row["Figure"] == "Human link clicks":
                    for column, day in (("This week", week), ("Last week", week - timedelta(weeks=1))):
                        total = ("clicks", in_view, day)
                        attacker.read(total, row[column])
                        parts = [("clicks", frozenset({title}), day) for title in in_view]
                        withheld = [part for part in parts if attacker.bounds.get(part, (0, 5))[1] < 5]
                        attacker.add_up(total, parts, withheld)
            for table in ("top_items", "bottom_items"):
                for row in read_csv(client.get(reverse("review:csv", args=[table]), asked)):
                    # These items have no source but their tracked links: engagement is their clicks.
                    attacker.read(("clicks", frozenset({row["Item"]}), week), row["Engagement"])


def read_windows(attacker: Attacker, published: dict[tuple[str, str], str | int]) -> None:
    """Each decision's before and after (as published, or a true count): the sum of its four weeks."""
    for (title, side), said in published.items():
        window = ("clicks", frozenset({title}), side)
        if isinstance(said, int):
            attacker.bound(window, said, said)
        else:
            attacker.read(window, said)
        weeks = BEFORE if side == "Before" else AFTER
        attacker.add_up(window, [("clicks", frozenset({title}), week) for week in weeks])


def read_outcomes(attacker: Attacker, client) -> int:
    """The decisions page's CSV, checked against the page and the cards: they publish the same."""
    published = {
        (row["About"], side): row[side]
        for row in read_csv(client.get(reverse("review:decisions_csv")))
        if row["Figure"] in ("Human clicks (four weeks)", "Engagement (four weeks)")
        for side in ("Before", "After")
    }
    read_windows(attacker, published)
    page = client.get(reverse("review:decisions")).content.decode()
    for decision in Decision.objects.exclude(outcome_verdict=""):
        card = decision.outcome_cards.get()
        assert card.kind == AgendaKind.OUTCOME
        html = render_to_string("admin/analytics/meeting/_outcome.html", {"card": card})
        lines = outcome_lines(decision.outcome_figures)
        assert str(lines[0].before) in page and str(lines[0].after) in page
        for line in lines:
            assert str(line.before) in html and str(line.after) in html
            # The difference is worked out from the two published figures: it tells nothing more.
            assert line.change.value == change(line.after, line.before).value
    return len(published)


def test_no_small_group_can_be_worked_out_from_outcomes_beside_the_dashboard(client, internal_curator):
    topic_of = build(internal_curator)
    attacker = Attacker()

    with time_machine.travel(READ_ON, tick=False):
        client.force_login(internal_curator)
        read_dashboard_weeks(attacker, client, topic_of)
        windows_read = read_outcomes(attacker, client)

    attacker.solve()

    checks, exposed = len(attacker.bounds), attacker.exposed()
    print(f"\n{len(exposed)} small groups exposed over {checks} checks")
    assert windows_read == 2 * len(COHORTS)  # every decision's before and after was read
    assert checks > 80
    assert exposed == {}, f"{len(exposed)} small groups worked out over {checks} checks: {exposed}"


def test_the_attacker_would_catch_outcomes_published_as_exact_counts(client, internal_curator):
    """The attacker has teeth: the same reading, with the windows' true sums published instead."""
    topic_of = build(internal_curator)
    attacker = Attacker()
    with time_machine.travel(READ_ON, tick=False):
        client.force_login(internal_curator)
        read_dashboard_weeks(attacker, client, topic_of)
    exact = {}
    for title, (_topic, _effect, weekly) in COHORTS.items():
        by_week = dict(zip(WEEKS, weekly, strict=True))
        for side, weeks in (("Before", BEFORE), ("After", AFTER)):
            exact[title, side] = sum(by_week[week] or 0 for week in weeks)

    read_windows(attacker, exact)
    attacker.solve()

    exposed = attacker.exposed()
    print(f"\nwith exact windows: {len(exposed)} small groups exposed: {exposed}")
    assert exposed.get(("clicks", frozenset({"Quiet"}), "After")) == 4
