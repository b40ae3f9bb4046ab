"""Review meetings: an agenda from the dashboard, decisions with their figures, applying them once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from analytics import reviews
from analytics.review.suggestions import Suggestion, SuggestionKind
from analytics.reviews import BriefDetails
from campaigns.models import Campaign, CampaignStatus
from channels.models import Visibility
from curation import services
from curation.models import (
    AgendaKind,
    BriefStatus,
    ContentBrief,
    ContentItem,
    Decision,
    DecisionAction,
    Format,
    Lifecycle,
    ReviewMeeting,
    Sensitivity,
    Stage,
)
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    TopicFactory,
    live_item,
    ready_campaign,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)
WEEK_BEFORE = date(2026, 11, 16)


def meeting_on(held_on: date, *suggestions: Suggestion, attendees: tuple = ()) -> ReviewMeeting:
    return reviews.start_meeting(held_on=held_on, attendees=attendees, suggestions=list(suggestions))


def retire_suggestion(item: ContentItem, completion: float = 0.12) -> Suggestion:
    return Suggestion(
        kind=SuggestionKind.RETIRE,
        reason=f"“{item}” kept {completion:.0%} of viewers to the end, bottom fifth for 4 weeks.",
        item=item,
        placement=item.placements.first(),
        figures={"completion": completion, "views": 140, "weeks_in_bottom_fifth": 4},
    )


# The agenda.


def test_the_agenda_is_the_dashboards_suggestions_in_its_order(internal_curator, agency_curator):
    weak, rising = live_item(title="Old video"), live_item(title="Feedback in 3 minutes")
    topic = TopicFactory(name="Hybrid meetings")
    suggestions = [
        retire_suggestion(weak),
        Suggestion(
            kind=SuggestionKind.RISING,
            reason="Views up 60% week on week.",
            item=rising,
            figures={"views": 400},
        ),
        Suggestion(
            kind=SuggestionKind.TOPIC_GAP,
            reason="38 sign-ups chose Hybrid meetings; one live item.",
            topic=topic,
            figures={"interested": 38, "live_items": 1},
        ),
    ]

    meeting = reviews.start_meeting(
        held_on=MONDAY, attendees=[internal_curator, agency_curator], suggestions=suggestions
    )

    agenda = list(meeting.agenda.all())
    assert [(row.kind, row.item, row.topic) for row in agenda] == [
        (AgendaKind.RETIRE, weak, None),
        (AgendaKind.RISING, rising, None),
        (AgendaKind.TOPIC_GAP, None, topic),
    ]
    assert agenda[0].reason == "“Old video” kept 12% of viewers to the end, bottom fifth for 4 weeks."
    assert agenda[0].figures == {"completion": 0.12, "views": 140, "weeks_in_bottom_fifth": 4}
    assert agenda[0].placement == weak.placements.get()
    assert set(meeting.attendees.all()) == {internal_curator, agency_curator}
    assert str(meeting) == "Review of 23 Nov 2026"


def test_every_kind_the_dashboard_suggests_has_its_place_on_the_agenda():
    assert {kind.value for kind in SuggestionKind} <= set(AgendaKind.values)


def test_the_agenda_reviews_the_last_complete_week_before_the_meeting():
    assert reviews.week_reviewed(date(2026, 11, 23)) == date(2026, 11, 16)  # a Monday
    assert reviews.week_reviewed(date(2026, 11, 27)) == date(2026, 11, 16)  # a Friday
    assert reviews.week_reviewed(date(2026, 11, 29)) == date(2026, 11, 16)  # the week is not over


def test_there_is_one_meeting_a_day():
    meeting_on(MONDAY)

    with pytest.raises(ValidationError, match="There is already a review meeting on this day"):
        meeting_on(MONDAY)


def test_last_meetings_decisions_not_applied_open_the_next_agenda(internal_curator):
    done, waiting = live_item(title="Done"), live_item(title="Waiting")
    last = meeting_on(WEEK_BEFORE, retire_suggestion(waiting))
    applied = reviews.decide(meeting=last, item=done, action=DecisionAction.KEEP)
    reviews.apply_decision(decision=applied, by=internal_curator)
    open_one = reviews.decide(
        meeting=last, item=waiting, action=DecisionAction.RETIRE, reason="Nobody finishes it."
    )
    newer = live_item(title="Newer")

    meeting = meeting_on(MONDAY, retire_suggestion(newer))

    agenda = list(meeting.agenda.all())
    assert [(row.kind, row.item) for row in agenda] == [
        (AgendaKind.CARRIED_OVER, waiting),
        (AgendaKind.RETIRE, newer),
    ]
    assert agenda[0].carried_from == open_one
    assert agenda[0].reason == (
        "Decided at the review of 16 Nov 2026 and not applied yet — Retire: Waiting: Nobody finishes it."
    )
    assert agenda[0].figures == open_one.figures


def test_last_meeting_actions_are_what_the_previous_meeting_decided(internal_curator):
    first, second = live_item(title="First"), live_item(title="Second")
    older = meeting_on(date(2026, 11, 9))
    reviews.decide(meeting=older, item=first, action=DecisionAction.KEEP)
    last = meeting_on(WEEK_BEFORE)
    kept = reviews.apply_decision(
        decision=reviews.decide(meeting=last, item=first, action=DecisionAction.KEEP), by=internal_curator
    )
    improve = reviews.decide(
        meeting=last, item=second, action=DecisionAction.IMPROVE, reason="Add captions: half watch muted."
    )
    meeting = meeting_on(MONDAY)

    assert reviews.last_meeting_actions(meeting) == [kept, improve]
    assert reviews.last_meeting_actions(older) == []


# Deciding.


def test_a_decision_keeps_the_figures_the_agenda_showed_for_its_item():
    item = live_item(title="Old video")
    meeting = meeting_on(MONDAY, retire_suggestion(item, completion=0.12))

    decision = reviews.decide(meeting=meeting, item=item, action=DecisionAction.RETIRE, reason="Too long.")

    assert decision.figures == {"completion": 0.12, "views": 140, "weeks_in_bottom_fifth": 4}
    assert not decision.is_applied


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": DecisionAction.RETIRE}, "Say why: retiring, improving and a brief each need the reason."),
        (
            {"action": DecisionAction.IMPROVE},
            "Say why: retiring, improving and a brief each need the reason.",
        ),
        ({"action": DecisionAction.KEEP, "successor": "other"}, "Only a retired item has a successor."),
        ({"action": DecisionAction.RETIRE, "reason": "Gone.", "successor": "self"}, "cannot succeed itself"),
        ({"action": DecisionAction.KEEP, "item": None}, "Choose the item the decision is about."),
        ({"action": DecisionAction.BRIEF, "reason": "Asked for."}, "A brief needs its topic, format"),
    ],
)
def test_a_decision_says_what_it_needs(fields, message):
    item, other = live_item(), live_item()
    meeting = meeting_on(MONDAY)
    fields = {"item": item, **fields}
    fields["successor"] = {"self": item, "other": other}.get(fields.get("successor"))

    with pytest.raises(ValidationError, match=message):
        reviews.decide(meeting=meeting, **fields)

    assert not Decision.objects.exists()


def test_only_a_brief_decision_has_a_brief():
    meeting = meeting_on(MONDAY)
    brief = BriefDetails(topic=TopicFactory(), format=Format.VIDEO, stage=Stage.EMBEDDED)

    with pytest.raises(ValidationError, match="Only a decision to commission new content has a brief"):
        reviews.decide(meeting=meeting, item=live_item(), action=DecisionAction.KEEP, brief=brief)

    assert not Decision.objects.exists()


# Applying.


def test_applying_a_retire_decision_retires_the_item_as_the_admin_would(internal_curator):
    item, successor = live_item(title="Old video"), live_item(title="New video")
    campaign = ready_campaign(placements=[item.placements.get()])
    meeting = meeting_on(MONDAY, retire_suggestion(item))
    decision = reviews.decide(
        meeting=meeting,
        item=item,
        action=DecisionAction.RETIRE,
        reason="12% finish it; the new one says it in a minute.",
        successor=successor,
    )

    decision = reviews.apply_decision(decision=decision, by=internal_curator)

    item.refresh_from_db()
    assert (item.lifecycle, item.retired_reason, item.successor) == (
        Lifecycle.RETIRED,
        "12% finish it; the new one says it in a minute.",
        successor,
    )
    # The retire service's campaign side ran: the draft now promotes the successor instead.
    assert list(campaign.placements.all()) == [successor.placements.get()]
    assert decision.applied_by == internal_curator
    assert decision.result == "Retired “Old video”; campaigns and links sent now lead to “New video”."


def test_applying_a_decision_twice_does_it_once(internal_curator, agency_curator):
    item = live_item(title="Old video")
    meeting = meeting_on(MONDAY)
    decision = reviews.decide(meeting=meeting, item=item, action=DecisionAction.RETIRE, reason="Unwatched.")
    first = reviews.apply_decision(decision=decision, by=internal_curator)
    item_versions = item.history.count()

    second = reviews.apply_decision(decision=decision, by=agency_curator)

    assert (second.applied_at, second.applied_by, second.result) == (
        first.applied_at,
        internal_curator,
        "Retired “Old video”.",
    )
    assert item.history.count() == item_versions
    assert decision.history.count() == 2  # recorded, then applied


def test_retiring_in_favour_of_an_item_not_live_says_why_and_changes_nothing(internal_curator):
    item, idea = live_item(title="Old video"), ContentItemFactory(title="Script for the new one")
    meeting = meeting_on(MONDAY)
    decision = reviews.decide(
        meeting=meeting, item=item, action=DecisionAction.RETIRE, reason="Replaced.", successor=idea
    )

    with pytest.raises(ValidationError) as refused:
        reviews.apply_decision(decision=decision, by=internal_curator)

    assert refused.value.messages == [
        "The successor “Script for the new one” is idea: only a live item can replace a retired one."
    ]
    item.refresh_from_db()
    decision.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE
    assert not decision.is_applied
    assert decision.result == ""


def test_promoting_drafts_the_reviews_campaign_with_the_items_live_placements(agency_curator):
    first, second = live_item(title="Feedback in 3 minutes"), live_item(title="Saying no kindly")
    meeting = meeting_on(MONDAY)
    decisions = [
        reviews.decide(meeting=meeting, item=item, action=DecisionAction.PROMOTE, reason="Rising fast.")
        for item in (first, second)
    ]

    results = [reviews.apply_decision(decision=d, by=agency_curator).result for d in decisions]

    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.slug, campaign.status) == (
        "Promoted from the review of 23 Nov 2026",
        "review-2026-11-23",
        CampaignStatus.DRAFT,
    )
    assert set(campaign.placements.all()) == {first.placements.get(), second.placements.get()}
    assert "Feedback in 3 minutes: Rising fast." in campaign.purpose
    assert results[0].startswith("Added “Feedback in 3 minutes” (Blog ") and results[0].endswith(
        "to the draft campaign “Promoted from the review of 23 Nov 2026”: write its messages and "
        "choose its segments; an internal curator launches it."
    )


def test_a_promotion_after_the_draft_was_launched_starts_a_new_draft(agency_curator):
    item = live_item()
    meeting = meeting_on(MONDAY)
    Campaign.objects.create(name="Launched", slug="review-2026-11-23", status=CampaignStatus.SCHEDULED)

    reviews.apply_decision(
        decision=reviews.decide(meeting=meeting, item=item, action=DecisionAction.PROMOTE), by=agency_curator
    )

    draft = Campaign.objects.get(status=CampaignStatus.DRAFT)
    assert draft.slug == "review-2026-11-23-2"
    assert list(draft.placements.all()) == [item.placements.get()]


def test_a_business_sensitive_item_is_never_promoted(internal_curator):
    private = ChannelFactory(name="Sales community", visibility=Visibility.PRIVATE)
    placement = PlacementFactory(
        item=ContentItemFactory(title="Pricing playbook", sensitivity=Sensitivity.BUSINESS_SENSITIVE),
        channel=private,
    )
    item = services.mark_live(item=placement.item)
    meeting = meeting_on(MONDAY)
    decision = reviews.decide(meeting=meeting, item=item, action=DecisionAction.PROMOTE)

    with pytest.raises(ValidationError) as refused:
        reviews.apply_decision(decision=decision, by=internal_curator)

    assert refused.value.messages == [
        "“Pricing playbook” cannot be promoted: no placement a campaign may send people to. "
        "“Pricing playbook” is business-sensitive: campaigns never promote it."
    ]
    assert not Campaign.objects.exists()
    decision.refresh_from_db()
    assert not decision.is_applied


def test_a_brief_decision_opens_a_brief_with_the_evidence(agency_curator):
    topic = TopicFactory(name="Hybrid meetings")
    gap = Suggestion(
        kind=SuggestionKind.TOPIC_GAP,
        reason="38 sign-ups chose Hybrid meetings; one live item.",
        topic=topic,
        figures={"interested": 38, "live_items": 1},
    )
    meeting = meeting_on(MONDAY, gap)
    decision = reviews.decide(
        meeting=meeting,
        item=None,
        action=DecisionAction.BRIEF,
        reason="38 people asked, we have one item, and it is 12 minutes long.",
        brief=BriefDetails(topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED, audience="Team leads"),
    )

    decision = reviews.apply_decision(decision=decision, by=agency_curator)

    brief = ContentBrief.objects.get()
    assert (brief.topic, brief.format, brief.stage, brief.audience, brief.status) == (
        topic,
        Format.VIDEO,
        Stage.EMBEDDED,
        "Team leads",
        BriefStatus.OPEN,
    )
    assert brief.why == "38 people asked, we have one item, and it is 12 minutes long."
    assert brief.figures == {"interested": 38, "live_items": 1}
    assert brief.decision == decision
    assert decision.result == "Opened the brief “Video on Hybrid meetings”."


def test_keep_and_improve_are_recorded_and_change_nothing(internal_curator):
    item = live_item(title="Desk stretches")
    meeting = meeting_on(MONDAY)
    keep = reviews.decide(meeting=meeting, item=item, action=DecisionAction.KEEP)
    improve = reviews.decide(
        meeting=meeting, item=item, action=DecisionAction.IMPROVE, reason="Shorter intro."
    )

    results = [reviews.apply_decision(decision=d, by=internal_curator).result for d in (keep, improve)]

    assert results == [
        "Kept “Desk stretches” as it is.",
        "Recorded: improve “Desk stretches” — Shorter intro.",
    ]
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE


def test_an_items_history_lists_its_decisions_in_meeting_order(internal_curator):
    item, other = live_item(), live_item()
    first, second, third = meeting_on(date(2026, 11, 9)), meeting_on(WEEK_BEFORE), meeting_on(MONDAY)
    improved = reviews.decide(meeting=first, item=item, action=DecisionAction.IMPROVE, reason="Captions.")
    retired = reviews.decide(
        meeting=third, item=item, action=DecisionAction.RETIRE, reason="Still unwatched."
    )
    kept = reviews.decide(meeting=second, item=item, action=DecisionAction.KEEP)
    reviews.decide(meeting=second, item=other, action=DecisionAction.KEEP)

    assert reviews.item_history(item) == [improved, kept, retired]


# The admin.

ADMIN_PAGES = [
    "admin:curation_reviewmeeting_changelist",
    "admin:curation_reviewmeeting_add",
    "admin:curation_reviewmeeting_change",
    "admin:curation_decision_changelist",
    "admin:curation_decision_change",
    "admin:curation_contentbrief_changelist",
    "admin:curation_contentbrief_add",
    "admin:curation_contentbrief_change",
]


@pytest.fixture
def reviewed(internal_curator) -> ReviewMeeting:
    """Two meetings: the last one decided to retire an item and to open a brief, applied."""
    topic = TopicFactory(name="Hybrid meetings")
    item = live_item(title="Old video")
    last = meeting_on(WEEK_BEFORE, retire_suggestion(item))
    reviews.decide(meeting=last, item=item, action=DecisionAction.RETIRE, reason="Nobody finishes it.")
    brief = reviews.decide(
        meeting=last,
        item=None,
        action=DecisionAction.BRIEF,
        reason="38 asked.",
        brief=BriefDetails(topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED),
    )
    reviews.apply_decision(decision=brief, by=internal_curator)
    return meeting_on(MONDAY, retire_suggestion(live_item(title="Long webinar")))


@pytest.mark.parametrize("persona", ["internal_client", "agency_client"])
@pytest.mark.parametrize("url_name", ADMIN_PAGES)
def test_both_curators_open_the_review_pages(request, reviewed, persona, url_name):
    client = request.getfixturevalue(persona)
    model = {"reviewmeeting": ReviewMeeting, "decision": Decision, "contentbrief": ContentBrief}[
        url_name.split("_")[1]
    ]
    args = [model.objects.order_by("pk").first().pk] if url_name.endswith("_change") else []

    response = client.get(reverse(url_name, args=args))

    assert response.status_code == 200


def test_the_next_meeting_opens_with_last_meetings_actions(internal_client, reviewed):
    page = internal_client.get(reverse("admin:curation_reviewmeeting_change", args=[reviewed.pk]))

    content = page.content.decode()
    assert "Last meeting's actions: Review of 16 Nov 2026" in content
    assert "Retire: Old video" in content
    assert "Nobody finishes it." in content
    assert "Opened the brief “Video on Hybrid meetings”." in content
    assert content.count("Not applied yet") == 1  # the retirement
    assert f'href="{reverse("review:meeting", args=[reviewed.pk])}"' in content
    assert "Open the meeting room" in content


def test_only_curators_can_be_attendees(internal_client, internal_curator, agency_curator, django_user_model):
    django_user_model.objects.create_user(username="visitor", password="x", is_staff=True)

    form = internal_client.get(reverse("admin:curation_reviewmeeting_add")).context["adminform"].form

    assert set(form.fields["attendees"].queryset) == {internal_curator, agency_curator}


def unreachable_item(title: str) -> ContentItem:
    """A live item the link checker could not reach: the dashboard suggests it without any figures."""
    item = live_item(title=title)
    item.placements.update(is_reachable=False)
    return item


def test_adding_a_meeting_makes_its_agenda_from_the_dashboard(internal_client):
    item = unreachable_item("Old video")

    response = internal_client.post(
        reverse("admin:curation_reviewmeeting_add"), {"held_on": "2026-11-23", "notes": ""}, follow=True
    )

    meeting = ReviewMeeting.objects.get()
    assert [(row.kind, row.item) for row in meeting.agenda.all()] == [(AgendaKind.UNREACHABLE, item)]
    assert "The agenda has 1 item (week of 16 Nov)." in response.content.decode()


def test_with_nothing_suggested_the_agenda_has_last_meetings_open_actions(internal_client):
    last = meeting_on(WEEK_BEFORE)
    reviews.decide(meeting=last, item=live_item(), action=DecisionAction.KEEP)

    response = internal_client.post(
        reverse("admin:curation_reviewmeeting_add"), {"held_on": "2026-11-23", "notes": ""}, follow=True
    )

    assert "The agenda has 1 item (week of 16 Nov)." in response.content.decode()
    assert [row.kind for row in ReviewMeeting.objects.get(held_on=MONDAY).agenda.all()] == [
        AgendaKind.CARRIED_OVER
    ]


def test_an_applied_decision_cannot_be_deleted_with_its_meeting(internal_client, internal_curator):
    meeting = meeting_on(MONDAY)
    decision = reviews.decide(meeting=meeting, item=live_item(), action=DecisionAction.KEEP)
    reviews.apply_decision(decision=decision, by=internal_curator)

    response = internal_client.get(reverse("admin:curation_reviewmeeting_delete", args=[meeting.pk]))

    assert response.status_code == 403


def test_an_items_decisions_are_listed_by_filtering_on_the_item(internal_client):
    item, other = live_item(title="Old video"), live_item(title="Other video")
    meeting = meeting_on(MONDAY)
    reviews.decide(meeting=meeting, item=item, action=DecisionAction.IMPROVE, reason="Captions please.")
    reviews.decide(meeting=meeting, item=other, action=DecisionAction.KEEP)

    response = internal_client.get(
        reverse("admin:curation_decision_changelist"), {"item__id__exact": item.pk}
    )

    assert [decision.item for decision in response.context["cl"].result_list] == [item]


def test_the_item_page_links_to_what_review_meetings_decided(internal_client):
    item = live_item(title="Old video")

    page = internal_client.get(reverse("admin:curation_contentitem_change", args=[item.pk])).content.decode()

    link = reverse("admin:curation_decision_changelist") + f"?item__id__exact={item.pk}"
    assert f'href="{link}"' in page


def hold_meetings(count: int, first: date, by) -> None:
    """Weekly meetings, each retiring an item and opening a brief."""
    for week in range(count):
        item = live_item()
        meeting = meeting_on(first + timedelta(weeks=week), retire_suggestion(item), attendees=(by,))
        reviews.decide(meeting=meeting, item=item, action=DecisionAction.RETIRE, reason="Unwatched.")
        brief = reviews.decide(
            meeting=meeting,
            item=None,
            action=DecisionAction.BRIEF,
            reason="Asked for.",
            brief=BriefDetails(topic=TopicFactory(), format=Format.VIDEO, stage=Stage.EMBEDDED),
        )
        reviews.apply_decision(decision=brief, by=by)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:curation_reviewmeeting_changelist",
        "admin:curation_decision_changelist",
        "admin:curation_contentbrief_changelist",
    ],
)
def test_review_lists_do_not_query_per_row(
    internal_client, internal_curator, django_assert_max_num_queries, url_name
):
    hold_meetings(2, date(2026, 1, 5), by=internal_curator)
    with django_assert_max_num_queries(25) as few_rows:
        internal_client.get(reverse(url_name))

    hold_meetings(10, date(2026, 3, 2), by=internal_curator)
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        response = internal_client.get(reverse(url_name))

    assert response.status_code == 200


def test_a_meetings_record_does_not_query_per_row(
    internal_client, internal_curator, django_assert_max_num_queries
):
    def meeting_with(rows: int, held_on: date) -> str:
        items = [live_item() for _ in range(rows)]
        meeting = meeting_on(held_on, *map(retire_suggestion, items))
        for item in items:
            reviews.decide(
                meeting=meeting,
                item=item,
                action=DecisionAction.RETIRE,
                reason="Old.",
                successor=live_item(),
                owner=internal_curator,
            )
        return reverse("admin:curation_reviewmeeting_change", args=[meeting.pk])

    meeting_with(1, date(2026, 11, 9))  # Both pages open with a previous meeting's one decision.
    small, large = meeting_with(1, WEEK_BEFORE), meeting_with(6, MONDAY)
    with django_assert_max_num_queries(30) as one_row:
        internal_client.get(small)

    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = internal_client.get(large)

    assert response.status_code == 200


def test_a_meeting_without_an_agenda_can_generate_one_once(internal_client):
    meeting = meeting_on(MONDAY)
    item = unreachable_item("Old video")
    change = reverse("admin:curation_reviewmeeting_change", args=[meeting.pk])
    generate = reverse("admin:curation_reviewmeeting_generate_agenda", args=[meeting.pk])
    assert "Generate agenda" in internal_client.get(change).content.decode()

    internal_client.post(generate)
    again = internal_client.post(generate, follow=True)

    assert [row.item for row in meeting.agenda.all()] == [item]
    assert "The review of 23 Nov 2026 already has an agenda: add to it by hand." in [
        str(message) for message in again.context["messages"]
    ]
    assert "Generate agenda" not in again.content.decode()
