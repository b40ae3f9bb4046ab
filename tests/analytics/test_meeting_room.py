"""The meeting room: the dashboard's way in, one card at a time with its evidence, one-click
decisions that say what they are meant to change, "look again next week", and minutes whose
"Apply all" applies each decision once."""

from __future__ import annotations

import csv
import io
import itertools
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from analytics import reviews
from analytics.models import DailyMetric, QuizResponse, RetentionPoint, Source
from analytics.review.suggestions import Suggestion, SuggestionKind
from analytics.reviews import BriefDetails
from campaigns.models import Campaign
from curation import services
from curation.models import (
    AgendaItem,
    AgendaKind,
    ContentBrief,
    ContentItem,
    Decision,
    DecisionAction,
    Format,
    IntendedEffect,
    Lifecycle,
    ReviewMeeting,
    Stage,
)
from tests.factories import (
    ContentItemFactory,
    PlacementFactory,
    TopicFactory,
    YouTubeChannelFactory,
    live_item,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)  # the meeting; it reviews the week of 16 November
REVIEWED = date(2026, 11, 16)
WEEK_BEFORE = date(2026, 11, 16)
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TUESDAY, tick=False):
        yield


def meeting_on(held_on: date, *suggestions: Suggestion) -> ReviewMeeting:
    return reviews.start_meeting(held_on=held_on, attendees=(), suggestions=list(suggestions))


def retire_suggestion(item: ContentItem) -> Suggestion:
    return Suggestion(
        kind=SuggestionKind.RETIRE,
        reason=f"“{item}” is in the bottom fifth for 4 weeks. Nobody finishes it.",
        item=item,
        figures={"weeks_in_bottom": 4, "bottom_quantile": 0.2},
    )


def gap_suggestion(topic) -> Suggestion:
    return Suggestion(
        kind=SuggestionKind.TOPIC_GAP,
        reason=f"40 subscribers chose {topic.name}; it has 1 live item.",
        topic=topic,
        figures={"subscribers_interested": 40, "live_items": 1},
    )


VIDEO_IDS = (f"vid{n:08d}" for n in itertools.count())


def live_video(title: str, channel, **fields: object) -> ContentItem:
    placement = PlacementFactory(
        item=ContentItemFactory(title=title, format=Format.VIDEO, **fields),
        channel=channel,
        url=f"https://www.youtube.com/watch?v={next(VIDEO_IDS)}",
    )
    return services.mark_live(item=placement.item, on=date(2026, 1, 5))


def card_url(meeting: ReviewMeeting, number: int) -> str:
    return reverse("review:card", args=[meeting.pk, number])


def weekly_figures(item: ContentItem, weeks: int = 12, views: int = 60, **values: object) -> None:
    """A figure a day for the `weeks` weeks up to the week reviewed, on the item's first placement."""
    placement = item.placements.first()
    start = REVIEWED - timedelta(weeks=weeks - 1)
    DailyMetric.objects.bulk_create(
        DailyMetric(
            placement=placement, date=start + timedelta(days=n), source=Source.CSV, views=views, **values
        )
        for n in range(weeks * 7)
    )


# Looking again.


@pytest.mark.parametrize("applied", [False, True])
def test_looking_again_puts_the_item_on_the_next_agenda(internal_curator, applied):
    item = live_item(title="Old video")
    last = meeting_on(WEEK_BEFORE - timedelta(weeks=1), retire_suggestion(item))
    decision = reviews.decide(
        meeting=last, item=item, action=DecisionAction.LOOK_AGAIN, reason="Wait for the new figures."
    )
    if applied:
        reviews.apply_decision(decision=decision, by=internal_curator)

    agenda = list(meeting_on(WEEK_BEFORE).agenda.all())

    assert [(row.kind, row.item, row.carried_from) for row in agenda] == [
        (AgendaKind.LOOK_AGAIN, item, decision)
    ]
    assert agenda[0].reason == (
        "The review of 9 Nov 2026 chose to look at it again this week: Wait for the new figures."
    )


def test_applying_look_again_changes_nothing_but_says_so(internal_curator):
    item = live_item(title="Old video")
    decision = reviews.decide(meeting=meeting_on(MONDAY), item=item, action=DecisionAction.LOOK_AGAIN)

    applied = reviews.apply_decision(decision=decision, by=internal_curator)

    assert applied.result == "“Old video” is on the next meeting's agenda to look at again."
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE


# Deciding a card.


@pytest.mark.parametrize(
    ("action", "meant_to"),
    [
        (DecisionAction.KEEP, IntendedEffect.HOLD_STEADY),
        (DecisionAction.PROMOTE, IntendedEffect.MORE_CLICKS),
        (DecisionAction.RETIRE, IntendedEffect.FEWER_DROPOUTS),
        (DecisionAction.LOOK_AGAIN, IntendedEffect.NONE),
    ],
)
def test_a_decision_is_meant_to_do_what_its_action_usually_does(action, meant_to):
    item = live_item()
    card = meeting_on(MONDAY, retire_suggestion(item)).agenda.get()

    decision = reviews.decide_card(card=card, action=action)

    assert decision.intended_effect == meant_to


def test_the_team_can_say_what_else_a_decision_is_meant_to_do_and_who_owns_it(agency_curator):
    card = meeting_on(MONDAY, retire_suggestion(live_item())).agenda.get()

    decision = reviews.decide_card(
        card=card,
        action=DecisionAction.KEEP,
        intended_effect=IntendedEffect.MORE_CLICKS,
        owner=agency_curator,
        due_on=date(2026, 12, 7),
    )

    assert (decision.intended_effect, decision.owner, decision.due_on) == (
        IntendedEffect.MORE_CLICKS,
        agency_curator,
        date(2026, 12, 7),
    )


def test_a_one_click_retirement_gives_the_cards_reason():
    item = live_item(title="Old video")
    card = meeting_on(MONDAY, retire_suggestion(item)).agenda.get()

    decision = reviews.decide_card(card=card, action=DecisionAction.RETIRE)

    assert decision.reason == card.reason
    assert decision.figures == {"weeks_in_bottom": 4, "bottom_quantile": 0.2}


def test_deciding_a_card_again_replaces_its_decision():
    card = meeting_on(MONDAY, retire_suggestion(live_item())).agenda.get()
    reviews.decide_card(card=card, action=DecisionAction.KEEP)

    reviews.decide_card(card=card, action=DecisionAction.RETIRE, note="Changed our minds.")

    assert [(d.action, d.reason) for d in Decision.objects.all()] == [
        (DecisionAction.RETIRE, "Changed our minds.")
    ]


def test_an_applied_decision_is_not_changed_from_the_room(internal_curator):
    card = meeting_on(MONDAY, retire_suggestion(live_item(title="Old video"))).agenda.get()
    reviews.apply_decision(
        decision=reviews.decide_card(card=card, action=DecisionAction.KEEP), by=internal_curator
    )

    with pytest.raises(Exception, match="“Keep: Old video” is already applied"):
        reviews.decide_card(card=card, action=DecisionAction.RETIRE)


# Applying.


def test_applying_the_meeting_twice_applies_each_decision_once(internal_curator):
    topic = TopicFactory(name="Hybrid meetings")
    old, rising = live_item(title="Old video"), live_item(title="Feedback in 3 minutes")
    meeting = meeting_on(MONDAY, retire_suggestion(old), retire_suggestion(rising), gap_suggestion(topic))
    old_card, rising_card, gap_card = meeting.agenda.all()
    reviews.decide_card(card=old_card, action=DecisionAction.RETIRE)
    reviews.decide_card(card=rising_card, action=DecisionAction.PROMOTE)
    reviews.decide_card(
        card=gap_card,
        action=DecisionAction.BRIEF,
        brief=BriefDetails(topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED),
    )

    first = reviews.apply_meeting(meeting=meeting, by=internal_curator)
    second = reviews.apply_meeting(meeting=meeting, by=internal_curator)

    assert [outcome.done for outcome in first] == [True, True, True]
    assert second == []
    assert ContentBrief.objects.count() == 1
    assert list(Campaign.objects.get().placements.all()) == [rising.placements.get()]
    old.refresh_from_db()
    assert old.lifecycle == Lifecycle.RETIRED


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires("postgres")
def test_two_tabs_applying_at_once_apply_each_decision_once(internal_curator):
    topic = TopicFactory(name="Hybrid meetings")
    meeting = meeting_on(MONDAY, gap_suggestion(topic))
    reviews.decide_card(
        card=meeting.agenda.get(),
        action=DecisionAction.BRIEF,
        brief=BriefDetails(topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED),
    )
    start = threading.Barrier(2)

    def press_apply() -> None:
        try:
            start.wait()
            reviews.apply_meeting(meeting=meeting, by=internal_curator)
        finally:
            connection.close()

    tabs = [threading.Thread(target=press_apply) for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()

    assert ContentBrief.objects.count() == 1
    assert Decision.history.filter(meeting_id=meeting.pk, applied_at__isnull=False).count() == 1


def test_a_refused_decision_is_said_in_the_minutes_and_changes_nothing(internal_client):
    item, idea = live_item(title="Old video"), ContentItemFactory(title="Idea")
    meeting = meeting_on(MONDAY, retire_suggestion(item))
    reviews.decide_card(card=meeting.agenda.get(), action=DecisionAction.RETIRE, note="Old.", successor=idea)

    page = internal_client.post(reverse("review:apply_all", args=[meeting.pk]), follow=True).content.decode()

    assert "Not applied — Retire: Old video: The successor “Idea” is idea" in page
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE


def test_apply_all_pressed_twice_applies_once_and_says_so(internal_client):
    meeting = meeting_on(MONDAY, retire_suggestion(live_item(title="Old video")))
    reviews.decide_card(card=meeting.agenda.get(), action=DecisionAction.RETIRE)
    url = reverse("review:apply_all", args=[meeting.pk])

    first = internal_client.post(url, follow=True)
    second = internal_client.post(url, follow=True)

    assert "Applied 1 decision: the minutes say what each did." in first.content.decode()
    assert "Nothing left to apply: every decision is applied." in second.content.decode()
    assert Decision.history.filter(applied_at__isnull=False).count() == 1


# The way in.


def test_the_last_complete_week_starts_this_weeks_meeting(internal_client, internal_curator):
    item = live_item(title="Old video")
    item.placements.update(is_reachable=False)  # the dashboard suggests it: a link gone

    dashboard = internal_client.get(reverse("review:dashboard")).content.decode()
    assert "Start this week's meeting" in dashboard
    response = internal_client.post(reverse("review:start_meeting"))

    meeting = ReviewMeeting.objects.get()
    assert meeting.held_on == TUESDAY.date()
    assert list(meeting.attendees.all()) == [internal_curator]
    assert [row.item for row in meeting.agenda.all()] == [item]
    assert response["Location"] == reverse("review:meeting", args=[meeting.pk])
    assert internal_client.get(response["Location"])["Location"] == card_url(meeting, 1)


def test_once_started_the_dashboard_opens_the_same_meeting(internal_client, agency_client, agency_curator):
    meeting = meeting_on(MONDAY)

    dashboard = agency_client.get(reverse("review:dashboard")).content.decode()
    agency_client.post(reverse("review:start_meeting"))

    assert "Open this week's meeting" in dashboard
    assert ReviewMeeting.objects.get() == meeting
    assert agency_curator in meeting.attendees.all()


def test_another_week_links_to_the_meeting_that_reviewed_it(internal_client):
    earlier = meeting_on(date(2026, 11, 17))  # reviewed the week of 9 November

    page = internal_client.get(reverse("review:week", args=["2026-W46"])).content.decode()

    assert "Start this week's meeting" not in page
    assert f'href="{reverse("review:meeting", args=[earlier.pk])}"' in page
    assert "Review of 17 Nov 2026</a> reviewed this week" in page


def test_a_week_no_meeting_reviewed_offers_no_way_in(internal_client):
    page = internal_client.get(reverse("review:week", args=["2026-W40"])).content.decode()

    assert "meeting-entry" not in page


# The room.


def test_the_room_opens_on_the_first_card_not_decided_and_then_on_the_minutes(internal_client):
    first, second = live_item(), live_item()
    meeting = meeting_on(MONDAY, retire_suggestion(first), retire_suggestion(second))
    room = reverse("review:meeting", args=[meeting.pk])
    reviews.decide_card(card=meeting.agenda.first(), action=DecisionAction.KEEP)

    assert internal_client.get(room)["Location"] == card_url(meeting, 2)
    reviews.decide_card(card=meeting.agenda.last(), action=DecisionAction.KEEP)
    assert internal_client.get(room)["Location"] == reverse("review:minutes", args=[meeting.pk])


def test_last_meetings_open_actions_come_first(internal_client):
    waiting, again, new = live_item(title="Waiting"), live_item(title="Again"), live_item(title="New")
    last = meeting_on(WEEK_BEFORE)
    reviews.decide(meeting=last, item=waiting, action=DecisionAction.RETIRE, reason="Old.")
    reviews.decide(meeting=last, item=again, action=DecisionAction.LOOK_AGAIN)
    meeting = meeting_on(MONDAY, retire_suggestion(new))

    kinds = [internal_client.get(card_url(meeting, number)).context["card"].row.kind for number in (1, 2, 3)]

    assert kinds == [AgendaKind.CARRIED_OVER, AgendaKind.LOOK_AGAIN, AgendaKind.RETIRE]


def test_a_card_shows_its_evidence_as_a_person_reads_it(internal_client):
    channel = YouTubeChannelFactory()
    video, other = live_video("Old video", channel), live_video("Another video", channel)
    weekly_figures(video, average_duration_seconds=100, active_users=20, clicks=None)
    weekly_figures(other, average_duration_seconds=300, active_users=20)
    DailyMetric.objects.create(
        placement=video.placements.get(), date=REVIEWED, source=Source.LINKS, clicks=40
    )
    RetentionPoint.objects.bulk_create(
        RetentionPoint(
            placement=video.placements.get(),
            period_start=REVIEWED - timedelta(days=27),
            period_end=REVIEWED + timedelta(days=6),
            elapsed_ratio=ratio,
            audience_watch_ratio=watching,
        )
        for ratio, watching in (("0.10", 0.9), ("0.50", 0.42), ("1.00", 0.18))
    )
    meeting = meeting_on(MONDAY, retire_suggestion(video))

    page = internal_client.get(card_url(meeting, 1))

    content = page.content.decode()
    evidence = page.context["evidence"]
    assert "“Old video” is in the bottom fifth for 4 weeks." in content  # why, in one sentence
    assert evidence.sparkline.path.startswith("M")
    assert "42% still watching half-way, 18% at the end." in content
    assert "1 min 40 s</strong> against 3 min 20 s, the median of 2 videos" in content
    assert "40</strong> human clicks on campaign links" in content
    assert "No feedback yet." in content


def test_small_groups_stay_withheld_in_the_room(internal_client):
    video = live_video("Old video", YouTubeChannelFactory())
    weekly_figures(video, weeks=2, views=0, active_users=0, average_duration_seconds=80)
    DailyMetric.objects.filter(date__lt=REVIEWED + timedelta(days=6)).delete()
    DailyMetric.objects.filter(placement=video.placements.get()).update(views=3, active_users=3)
    RetentionPoint.objects.create(
        placement=video.placements.get(),
        period_start=REVIEWED - timedelta(days=27),
        period_end=REVIEWED + timedelta(days=6),
        elapsed_ratio="0.50",
        audience_watch_ratio=0.5,
    )
    meeting = meeting_on(MONDAY, retire_suggestion(video))

    content = internal_client.get(card_url(meeting, 1)).content.decode()

    assert "Withheld: fewer than 5 viewers." in content
    assert "50% still watching" not in content
    assert '<strong class="suppressed">fewer than 5</strong> in the week reviewed' in content
    assert '<strong class="suppressed">fewer than 5</strong> against' in content  # the duration


def test_the_quiz_is_employees_feedback_on_the_items_stage(internal_client):
    QuizResponse.objects.bulk_create(
        QuizResponse(
            version=1, stage=Stage.EMBEDDED if n < 30 else Stage.FACILITATED, answers={}, answered_on=REVIEWED
        )
        for n in range(46)
    )
    meeting = meeting_on(MONDAY, retire_suggestion(live_item(stage=Stage.EMBEDDED)))

    content = internal_client.get(card_url(meeting, 1)).content.decode()

    assert (
        "<strong>30</strong> of 50 answers place the organisation at Embedded, this item's stage." in content
    )


def test_a_topic_gap_card_offers_a_brief_prefilled_for_the_gap(internal_client):
    topic = TopicFactory(name="Hybrid meetings")
    live_item(title="How-to", topics=[topic], format=Format.HOW_TO, stage=Stage.FACILITATED)
    meeting = meeting_on(MONDAY, gap_suggestion(topic))

    page = internal_client.get(card_url(meeting, 1))

    form = page.context["form"]
    assert [value for value, _label in form.fields["action"].choices] == [DecisionAction.BRIEF]
    assert (form["brief_topic"].value(), form["brief_format"].value(), form["brief_stage"].value()) == (
        topic.pk,
        Format.HOW_TO,
        Stage.FACILITATED,
    )
    assert 'data-key="b"' in page.content.decode()
    assert 'data-key="r"' not in page.content.decode()


def test_the_successor_picker_offers_live_items_of_the_same_topic_first(internal_client):
    topic = TopicFactory(name="Feedback")
    old = live_item(title="Old feedback video", topics=[topic])
    live_item(title="A different subject")
    live_item(title="Zebra feedback", topics=[topic])
    ContentItemFactory(title="Just an idea", topics=[topic])
    meeting = meeting_on(MONDAY, retire_suggestion(old))

    form = internal_client.get(card_url(meeting, 1)).context["form"]

    assert [item.title for item in form.same_topic] == ["Zebra feedback"]
    assert [item.title for item in form.others] == ["A different subject"]


def test_a_decision_by_button_moves_to_the_next_card(internal_client, agency_curator):
    old, other = live_item(title="Old video"), live_item(title="New video")
    meeting = meeting_on(MONDAY, retire_suggestion(old), retire_suggestion(live_item()))

    response = internal_client.post(
        card_url(meeting, 1),
        {
            "action": "retire",
            "note": "Nobody finishes it.",
            "successor": other.pk,
            "intended_effect": "usual",
            "owner": agency_curator.pk,
            "due_on": "2026-12-01",
        },
    )

    assert response["Location"] == card_url(meeting, 2)
    decision = Decision.objects.get()
    assert (decision.action, decision.reason, decision.successor, decision.owner, decision.due_on) == (
        DecisionAction.RETIRE,
        "Nobody finishes it.",
        other,
        agency_curator,
        date(2026, 12, 1),
    )
    assert decision.intended_effect == IntendedEffect.FEWER_DROPOUTS
    assert decision.applied_at is None  # applied from the minutes


def test_the_last_cards_decision_opens_the_minutes(internal_client):
    meeting = meeting_on(MONDAY, retire_suggestion(live_item()))

    response = internal_client.post(card_url(meeting, 1), {"action": "keep", "intended_effect": "usual"})

    assert response["Location"] == reverse("review:minutes", args=[meeting.pk])


def test_a_card_number_past_the_agenda_goes_back_into_the_room(internal_client):
    meeting = meeting_on(MONDAY, retire_suggestion(live_item()))

    assert internal_client.get(card_url(meeting, 2))["Location"] == reverse(
        "review:meeting", args=[meeting.pk]
    )


def test_an_outcome_card_shows_its_own_evidence(internal_client, internal_curator):
    item = live_item(title="Old video")
    earlier = reviews.decide(meeting=meeting_on(date(2026, 10, 26)), item=item, action=DecisionAction.KEEP)
    reviews.apply_decision(decision=earlier, by=internal_curator)
    meeting = meeting_on(MONDAY)
    AgendaItem.objects.create(
        meeting=meeting,
        position=1,
        kind=AgendaKind.OUTCOME,
        reason="Did keeping it work?",
        item=item,
        follows_up=earlier,
    )

    page = internal_client.get(card_url(meeting, 1))

    assert page.status_code == 200
    assert "admin/analytics/meeting/_outcome.html" in [template.name for template in page.templates]
    assert "admin/analytics/meeting/_evidence.html" not in [template.name for template in page.templates]


# The minutes.


def test_the_minutes_list_decisions_owners_due_dates_and_what_was_applied(
    internal_client, agency_client, internal_curator
):
    old, kept = live_item(title="Old video"), live_item(title="Kept video")
    meeting = meeting_on(
        MONDAY,
        retire_suggestion(old),
        retire_suggestion(kept),
        retire_suggestion(live_item(title="Undecided")),
    )
    cards = list(meeting.agenda.all())
    reviews.decide_card(
        card=cards[0], action=DecisionAction.RETIRE, owner=internal_curator, due_on=date(2026, 12, 1)
    )
    reviews.apply_decision(
        decision=reviews.decide_card(card=cards[1], action=DecisionAction.KEEP), by=internal_curator
    )

    page = agency_client.get(reverse("review:minutes", args=[meeting.pk])).content.decode()
    download = agency_client.get(reverse("review:minutes_csv", args=[meeting.pk]))

    assert "Apply all (1 not applied yet)" in page
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert download["Content-Disposition"] == 'attachment; filename="minutes-2026-11-23.csv"'
    assert rows[0] == ["Card", "About", "Decision", "Note", "Meant to", "Owner", "Due", "Applied"]
    assert rows[1] == [
        "1",
        "Old video",
        "Retire",
        cards[0].reason,
        "Fewer drop-outs in its topic",
        "priya",
        "2026-12-01",
        "Not applied yet",
    ]
    assert rows[2][:3] == ["2", "Kept video", "Keep"]
    assert rows[2][7] == "Kept “Kept video” as it is."
    assert rows[3] == ["3", "Undecided", "No decision", "", "", "", "", ""]


def test_the_meetings_list_links_to_each_meetings_minutes(agency_client):
    meeting = meeting_on(MONDAY)

    page = agency_client.get(reverse("admin:curation_reviewmeeting_changelist")).content.decode()

    assert f'href="{reverse("review:minutes", args=[meeting.pk])}"' in page


def test_adding_a_meeting_in_the_admin_opens_its_room(internal_client):
    response = internal_client.post(reverse("admin:curation_reviewmeeting_add"), {"held_on": "2026-11-23"})

    assert response["Location"] == reverse("review:meeting", args=[ReviewMeeting.objects.get().pk])


# Query counts.


def test_a_card_costs_the_same_queries_however_long_the_agenda_and_catalogue(
    internal_client, django_assert_max_num_queries
):
    def meeting_of(size: int, held_on: date) -> ReviewMeeting:
        topic = TopicFactory()
        items = [live_item(topics=[topic]) for _ in range(size)]
        for item in items:
            weekly_figures(item, weeks=2, active_users=10)
        meeting = meeting_on(held_on, *map(retire_suggestion, items))
        for card in list(meeting.agenda.all())[1:]:
            reviews.decide_card(card=card, action=DecisionAction.KEEP)
        return meeting

    small, large = meeting_of(1, date(2026, 11, 2)), meeting_of(12, MONDAY)
    with django_assert_max_num_queries(40) as few:
        internal_client.get(card_url(small, 1))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = internal_client.get(card_url(large, 1))

    assert response.status_code == 200


def test_the_minutes_cost_the_same_queries_however_many_decisions(
    internal_client, internal_curator, django_assert_max_num_queries
):
    def minutes_of(size: int, held_on: date) -> str:
        meeting = meeting_on(held_on, *(retire_suggestion(live_item()) for _ in range(size)))
        for card in meeting.agenda.all():
            reviews.decide_card(
                card=card, action=DecisionAction.RETIRE, owner=internal_curator, successor=live_item()
            )
        return reverse("review:minutes", args=[meeting.pk])

    small, large = minutes_of(1, date(2026, 11, 2)), minutes_of(10, MONDAY)
    with django_assert_max_num_queries(30) as few:
        internal_client.get(small)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = internal_client.get(large)

    assert response.status_code == 200


def test_the_decisions_list_applies_through_the_meeting_runner(internal_client):
    meeting = meeting_on(MONDAY, retire_suggestion(live_item(title="Old video")))
    decision = reviews.decide_card(card=meeting.agenda.get(), action=DecisionAction.RETIRE)

    response = internal_client.post(
        reverse("admin:curation_decision_changelist"),
        {"action": "apply", "_selected_action": [decision.pk]},
        follow=True,
    )

    assert "Retired “Old video”." in response.content.decode()
    decision.refresh_from_db()
    assert decision.is_applied


def test_a_meetings_record_names_its_attendees(internal_client, internal_curator):
    internal_curator.first_name, internal_curator.last_name = "Priya", "Shah"
    internal_curator.save()
    meeting = meeting_on(MONDAY)

    page = internal_client.get(
        reverse("admin:curation_reviewmeeting_change", args=[meeting.pk])
    ).content.decode()

    assert "Priya Shah" in page
