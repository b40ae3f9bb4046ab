"""Did it work? Decisions measured four weeks on, on the dashboard's privacy rule, and brought back
to the meeting as a "did it work?" card."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from analytics import reviews, tasks
from analytics.models import DailyMetric, Source
from analytics.review import outcomes
from analytics.review.cells import Cell
from analytics.review.outcomes import Line, verdict
from analytics.review.suggestions import Suggestion, SuggestionKind
from analytics.reviews import BriefDetails
from curation import services
from curation.models import (
    AgendaKind,
    Decision,
    DecisionAction,
    Format,
    IntendedEffect,
    OutcomeVerdict,
    Stage,
)
from tests.factories import (
    ContentItemFactory,
    PlacementFactory,
    TopicFactory,
    YouTubeChannelFactory,
    subscribed_employees,
)

pytestmark = pytest.mark.django_db

DECIDED_ON = date(2026, 11, 24)  # a Tuesday: the meeting reviews W47 (16 to 22 Nov)
APPLIED_AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # the Wednesday after, in W48
BEFORE = [date(2026, 10, 26) + timedelta(weeks=n) for n in range(4)]  # W44 to W47
AFTER = [date(2026, 11, 30) + timedelta(weeks=n) for n in range(4)]  # W49 to W52
LAST_WEEK_NOT_MEASURED = date(2026, 12, 22)  # reviews W51: the after-window is still running
FIRST_MEETING_MEASURED = date(2026, 12, 29)  # reviews W52, the after-window's last week


def at_noon(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC), tick=False)


def meeting_on(held_on: date):
    with at_noon(held_on):
        return reviews.start_meeting(held_on=held_on, attendees=[], suggestions=[])


VIDEO_IDS = (f"vid{n:08d}" for n in itertools.count())


def placed_live(title: str, *, channel=None, topics=(), since: date = date(2026, 6, 1), **fields):
    where = {"channel": channel} if channel is not None else {}
    if channel is not None and channel.platform == "youtube":
        where["url"] = f"https://www.youtube.com/watch?v={next(VIDEO_IDS)}"
    item = ContentItemFactory(title=title, topics=list(topics), **fields)
    placement = PlacementFactory(item=item, **where)
    services.mark_live(item=item, on=since)
    return placement


def clicks(placement, weeks: list[date], per_week: int) -> None:
    """Human clicks on the placement's tracked links, as the link-click sync writes them."""
    for week in weeks:
        DailyMetric.objects.create(
            placement=placement, date=week + timedelta(days=2), source=Source.LINKS, clicks=per_week
        )


def decided(meeting, *, effect: str, applied_at: datetime = APPLIED_AT, by=None, **decision) -> Decision:
    """A decision as the meeting room records it, with what it is meant to change, then applied."""
    decision = reviews.decide(meeting=meeting, **decision)
    decision.intended_effect = effect
    decision.full_clean()
    decision.save(update_fields=["intended_effect"])
    with time_machine.travel(applied_at, tick=False):
        return reviews.apply_decision(decision=decision, by=by)


# The windows.


def test_before_is_the_four_weeks_the_meeting_reviewed_and_after_the_four_weeks_after_it_was_applied(
    internal_curator,
):
    placement = placed_live("Giving feedback")
    decision = decided(
        meeting_on(DECIDED_ON),
        item=placement.item,
        action=DecisionAction.KEEP,
        effect=IntendedEffect.HOLD_STEADY,
        by=internal_curator,
    )

    before, after = outcomes.windows_of(decision)

    assert (before.start, before.end) == (date(2026, 10, 26), date(2026, 11, 22))
    assert (after.start, after.end) == (date(2026, 11, 30), date(2026, 12, 27))
    assert before.label == "26 Oct 2026 to 22 Nov 2026"


def test_a_decision_applied_a_week_later_is_measured_a_week_later(internal_curator):
    placement = placed_live("Giving feedback")
    decision = decided(
        meeting_on(DECIDED_ON),
        item=placement.item,
        action=DecisionAction.KEEP,
        effect=IntendedEffect.HOLD_STEADY,
        by=internal_curator,
        applied_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),  # Monday of W49
    )

    before, after = outcomes.windows_of(decision)

    assert before.end == date(2026, 11, 22)  # what the meeting decided on does not move
    assert (after.start, after.end) == (date(2026, 12, 7), date(2027, 1, 3))


# The card.


def promoted(internal_curator, *, before: int, after: int, title: str = "Giving feedback") -> Decision:
    placement = placed_live(title)
    clicks(placement, BEFORE, before)
    clicks(placement, AFTER, after)
    return decided(
        meeting_on(DECIDED_ON),
        item=placement.item,
        action=DecisionAction.PROMOTE,
        effect=IntendedEffect.MORE_CLICKS,
        by=internal_curator,
    )


def test_a_promotion_comes_back_as_did_it_work_when_its_after_window_has_ended(internal_curator):
    decision = promoted(internal_curator, before=120, after=310)

    meeting = meeting_on(FIRST_MEETING_MEASURED)

    card = meeting.agenda.get(kind=AgendaKind.OUTCOME)
    assert card.follows_up == decision
    assert card.item == decision.item
    assert card.reason == (
        "5 weeks ago we promoted “Giving feedback” to get more human clicks: "
        "120 → 310 a week (+158%); it worked."
    )
    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.WORKED
    assert decision.outcome_measured_on == FIRST_MEETING_MEASURED
    [line] = decision.outcome_figures["lines"]
    assert (line["before"]["value"], line["after"]["value"]) == (480, 1240)  # four weeks each
    assert card.figures == decision.outcome_figures


def test_no_card_while_the_after_window_is_still_running(internal_curator):
    decision = promoted(internal_curator, before=120, after=310)

    meeting = meeting_on(LAST_WEEK_NOT_MEASURED)

    assert not meeting.agenda.filter(kind=AgendaKind.OUTCOME).exists()
    decision.refresh_from_db()
    assert decision.outcome_verdict == "" and decision.outcome_measured_on is None


def test_a_decision_is_measured_once_and_brought_to_one_meeting(internal_curator):
    decision = promoted(internal_curator, before=120, after=310)
    meeting_on(FIRST_MEETING_MEASURED)
    measured = Decision.objects.get(pk=decision.pk).outcome_figures
    DailyMetric.objects.filter(date__gte=AFTER[0]).update(clicks=1000)  # a late correction

    later = meeting_on(FIRST_MEETING_MEASURED + timedelta(weeks=1))

    assert not later.agenda.filter(kind=AgendaKind.OUTCOME).exists()
    assert Decision.objects.get(pk=decision.pk).outcome_figures == measured
    assert Decision.objects.get(pk=decision.pk).outcome_measured_on == FIRST_MEETING_MEASURED


def test_decisions_without_an_effect_or_not_applied_get_no_card(internal_curator):
    placement = placed_live("Giving feedback")
    meeting = meeting_on(DECIDED_ON)
    kept = reviews.decide(
        meeting=meeting, item=placement.item, action=DecisionAction.KEEP, intended_effect=IntendedEffect.NONE
    )
    with time_machine.travel(APPLIED_AT, tick=False):
        reviews.apply_decision(decision=kept, by=internal_curator)
    not_applied = reviews.decide(meeting=meeting, item=placement.item, action=DecisionAction.KEEP)
    not_applied.intended_effect = IntendedEffect.HOLD_STEADY
    not_applied.save(update_fields=["intended_effect"])

    later = meeting_on(FIRST_MEETING_MEASURED)

    assert not later.agenda.filter(kind=AgendaKind.OUTCOME).exists()


def test_the_card_comes_after_last_meetings_open_actions_and_before_the_suggestions(internal_curator):
    decision = promoted(internal_curator, before=120, after=310)
    waiting = placed_live("Waiting")
    last = meeting_on(FIRST_MEETING_MEASURED - timedelta(weeks=1))
    reviews.decide(meeting=last, item=waiting.item, action=DecisionAction.KEEP)

    with at_noon(FIRST_MEETING_MEASURED):
        meeting = reviews.start_meeting(
            held_on=FIRST_MEETING_MEASURED,
            attendees=[],
            suggestions=[Suggestion(kind=SuggestionKind.RISING, reason="Up.", item=waiting.item)],
        )

    assert [row.kind for row in meeting.agenda.all()] == [
        AgendaKind.CARRIED_OVER,
        AgendaKind.OUTCOME,
        AgendaKind.RISING,
    ]
    assert meeting.agenda.get(kind=AgendaKind.OUTCOME).follows_up == decision


# What each effect measures.


def test_clicks_that_did_not_grow_did_not_work(internal_curator):
    decision = promoted(internal_curator, before=120, after=125)

    meeting_on(FIRST_MEETING_MEASURED)

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.DID_NOT
    assert decision.outcome_figures["in_words"] == "120 → 125 a week (+4%)"


def test_a_handful_of_clicks_either_side_is_too_few_people_to_tell(internal_curator):
    decision = promoted(internal_curator, before=1, after=1)  # 4 clicks in each window

    meeting = meeting_on(FIRST_MEETING_MEASURED)

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.TOO_SMALL
    assert decision.outcome_figures["lines"][0]["before"]["shown"] == "fewer than 5"
    assert decision.outcome_figures["in_words"] == "fewer than 5 → fewer than 5 in four weeks"
    assert meeting.agenda.get(kind=AgendaKind.OUTCOME).reason.endswith("too few people to tell.")


def test_an_item_no_tracked_link_ever_led_to_has_no_figures_to_compare(internal_curator):
    placement = placed_live("Giving feedback")
    decision = decided(
        meeting_on(DECIDED_ON),
        item=placement.item,
        action=DecisionAction.PROMOTE,
        effect=IntendedEffect.MORE_CLICKS,
        by=internal_curator,
    )

    meeting_on(FIRST_MEETING_MEASURED)

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.NO_DATA


def test_retiring_a_video_people_left_early_cut_drop_outs_in_its_topic(internal_curator):
    topic = TopicFactory(name="Feedback")
    videos = YouTubeChannelFactory(name="Videos")
    weak = placed_live("Old feedback video", channel=videos, topics=[topic], format=Format.VIDEO)
    good = placed_live("Feedback in 3 minutes", channel=videos, topics=[topic], format=Format.VIDEO)
    elsewhere = placed_live("Breathing", channel=videos, topics=[TopicFactory(name="Wellbeing")])
    for week in BEFORE:
        DailyMetric.objects.create(
            placement=weak, date=week, source=Source.YOUTUBE, views=100, average_percentage_viewed=20.0
        )
        DailyMetric.objects.create(
            placement=good, date=week, source=Source.YOUTUBE, views=100, average_percentage_viewed=60.0
        )
    for week in AFTER:
        DailyMetric.objects.create(
            placement=good, date=week, source=Source.YOUTUBE, views=150, average_percentage_viewed=58.0
        )
        DailyMetric.objects.create(
            placement=elsewhere, date=week, source=Source.YOUTUBE, views=500, average_percentage_viewed=5.0
        )
    decision = decided(
        meeting_on(DECIDED_ON),
        item=weak.item,
        action=DecisionAction.RETIRE,
        reason="People leave early.",
        effect=IntendedEffect.FEWER_DROPOUTS,
        by=internal_curator,
    )

    meeting = meeting_on(FIRST_MEETING_MEASURED)

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.WORKED
    assert decision.outcome_figures["in_words"] == "40% → 58% (+18 pts)"
    assert meeting.agenda.get(kind=AgendaKind.OUTCOME).reason == (
        "5 weeks ago we retired “Old feedback video” to cut drop-outs in its topic (average % viewed): "
        "40% → 58% (+18 pts); it worked."
    )


def test_a_brief_that_brought_content_to_a_wanted_topic_filled_its_gap(internal_curator):
    wanted, other = TopicFactory(name="Hybrid meetings"), TopicFactory(name="Wellbeing")
    for person in subscribed_employees(40):
        person.topics.add(wanted)
    for person in subscribed_employees(60):
        person.topics.add(other)
    placed_live("Hybrid basics", topics=[wanted])
    for n in range(9):
        placed_live(f"Wellbeing {n}", topics=[other])
    meeting = meeting_on(DECIDED_ON)
    decision = decided(
        meeting,
        item=None,
        action=DecisionAction.BRIEF,
        reason="40 asked, one item.",
        brief=BriefDetails(topic=wanted, format=Format.VIDEO, stage=Stage.EMBEDDED),
        effect=IntendedEffect.FILL_TOPIC_GAP,
        by=internal_curator,
    )
    for n in range(4):  # the brief's new items, live in December
        placed_live(f"Hybrid part {n}", topics=[wanted], since=date(2026, 12, 10))

    meeting_on(FIRST_MEETING_MEASURED)

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.WORKED
    lines = {line["label"]: line for line in decision.outcome_figures["lines"]}
    assert lines["Share of the interest"]["before"]["shown"] == "40%"
    assert lines["Share of live content"]["before"]["shown"] == "10%"  # 1 of 10
    assert lines["Share of live content"]["after"]["shown"] == "36%"  # 5 of 14
    assert decision.outcome_figures["in_words"] == "interest 4 → 1.1 times its share of live content (-72%)"
    assert decision.outcome_figures["note"] == "Topic: Hybrid meetings."


def test_an_item_kept_as_it_was_held_its_engagement(internal_curator):
    placement = placed_live("Giving feedback")
    for weeks, engaged in ((BEFORE, 60), (AFTER, 58)):
        for week in weeks:
            DailyMetric.objects.create(
                placement=placement,
                date=week,
                source=Source.GA4,
                engaged_sessions=engaged,
                active_users=90,
                views=150,
            )
    decision = decided(
        meeting_on(DECIDED_ON),
        item=placement.item,
        action=DecisionAction.KEEP,
        effect=IntendedEffect.HOLD_STEADY,
        by=internal_curator,
    )

    meeting_on(FIRST_MEETING_MEASURED)

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.WORKED
    assert decision.outcome_figures["in_words"] == "60 → 57.5 a week (-4%)"


# The verdict reads only what the published figures can say.


def counts(before: int | None, after: int | None) -> Line:
    def cell(value):
        if value == "withheld":
            return Cell(None, suppressed=True)
        return Cell(value)

    return Line("Human clicks", cell(before), cell(after))


@pytest.mark.parametrize(
    ("effect", "before", "after", "expected"),
    [
        (IntendedEffect.MORE_CLICKS, 100, 120, OutcomeVerdict.WORKED),
        (IntendedEffect.MORE_CLICKS, 100, 110, OutcomeVerdict.WORKED),  # 95-104 against 105-114
        (IntendedEffect.MORE_CLICKS, 1000, 1050, OutcomeVerdict.DID_NOT),  # apart, but by 5%
        (IntendedEffect.MORE_CLICKS, 10, 10, OutcomeVerdict.DID_NOT),
        (IntendedEffect.MORE_CLICKS, "withheld", 20, OutcomeVerdict.WORKED),  # 0-4 against 15-24
        (IntendedEffect.MORE_CLICKS, "withheld", 10, OutcomeVerdict.TOO_SMALL),  # 0-4 against 5-14
        (IntendedEffect.MORE_CLICKS, 20, "withheld", OutcomeVerdict.DID_NOT),
        (IntendedEffect.MORE_CLICKS, "withheld", "withheld", OutcomeVerdict.TOO_SMALL),
        (IntendedEffect.MORE_CLICKS, None, 300, OutcomeVerdict.NO_DATA),
        (IntendedEffect.HOLD_STEADY, 100, 95, OutcomeVerdict.WORKED),
        (IntendedEffect.HOLD_STEADY, 100, 80, OutcomeVerdict.DID_NOT),
        (IntendedEffect.HOLD_STEADY, 20, "withheld", OutcomeVerdict.DID_NOT),
        (IntendedEffect.HOLD_STEADY, 10, "withheld", OutcomeVerdict.TOO_SMALL),
        (IntendedEffect.HOLD_STEADY, "withheld", 10, OutcomeVerdict.WORKED),
    ],
)
def test_the_verdict_never_reads_more_than_the_rounding_shows(effect, before, after, expected):
    assert verdict(effect, counts(before, after)) == expected


# The meeting room's card.


def test_the_card_shows_before_and_after_the_verdict_and_the_windows(internal_curator):
    decision = promoted(internal_curator, before=120, after=310)
    card = meeting_on(FIRST_MEETING_MEASURED).agenda.get(kind=AgendaKind.OUTCOME)

    html = render_to_string("admin/analytics/meeting/_outcome.html", {"card": card})

    assert "It worked" in html
    assert "Promote in the next campaign" in html and "More human clicks" in html
    assert "26 Oct 2026 to 22 Nov 2026" in html and "30 Nov 2026 to 27 Dec 2026" in html
    assert "480" in html and "1,240" in html and "▲ +158%" in html
    assert "120 a week" in html and "310 a week" in html
    assert '<meter min="0" max="1240" value="480"' in html
    assert decision.item.title in html


def test_a_card_with_too_few_people_shows_no_bars_only_the_withheld_figure(internal_curator):
    promoted(internal_curator, before=1, after=1)
    card = meeting_on(FIRST_MEETING_MEASURED).agenda.get(kind=AgendaKind.OUTCOME)

    html = render_to_string("admin/analytics/meeting/_outcome.html", {"card": card})

    assert "Too few people to tell" in html
    assert "fewer than 5" in html
    assert "<meter" not in html


# Measured without a meeting too: the daily task.


def test_the_daily_task_measures_decisions_whose_after_window_has_ended(internal_curator, settings):
    decision = promoted(internal_curator, before=120, after=310)
    with at_noon(LAST_WEEK_NOT_MEASURED):
        assert tasks.measure_due_outcomes.delay().get() == 0
    with at_noon(FIRST_MEETING_MEASURED - timedelta(days=1)):  # Monday: W52 has ended
        assert tasks.measure_due_outcomes.delay().get() == 1
        assert tasks.measure_due_outcomes.delay().get() == 0  # once

    decision.refresh_from_db()
    assert decision.outcome_verdict == OutcomeVerdict.WORKED
    assert decision.outcome_measured_on == FIRST_MEETING_MEASURED - timedelta(days=1)
    assert not decision.outcome_cards.exists()  # the card comes with the next meeting's agenda
    assert (
        settings.CELERY_BEAT_SCHEDULE["measure-decision-outcomes"]["task"] == tasks.measure_due_outcomes.name
    )


def test_a_decision_measured_before_the_meeting_still_gets_its_card(internal_curator):
    decision = promoted(internal_curator, before=120, after=310)
    with at_noon(FIRST_MEETING_MEASURED - timedelta(days=1)):
        tasks.measure_due_outcomes.delay()

    meeting = meeting_on(FIRST_MEETING_MEASURED)

    assert meeting.agenda.get(kind=AgendaKind.OUTCOME).follows_up == decision


def test_the_meeting_room_shows_the_card_with_its_verdict(internal_client, internal_curator):
    promoted(internal_curator, before=120, after=310)
    meeting = meeting_on(FIRST_MEETING_MEASURED)
    rows = list(meeting.agenda.order_by("position", "pk"))
    number = next(n for n, row in enumerate(rows, start=1) if row.kind == AgendaKind.OUTCOME)

    page = internal_client.get(reverse("review:card", args=[meeting.pk, number]))

    assert page.status_code == 200
    shown = page.content.decode()
    assert "It worked" in shown and "▲ +158%" in shown and "30 Nov 2026 to 27 Dec 2026" in shown
