"""Curators triage employees' wishes in the admin: into a content brief that shows them, or dismissed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from curation import wishes
from curation.models import ContentBrief, Format, LearningWish, Stage, WishSource, WishStatus
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:curation_learningwish_changelist")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def asked():
    return [
        wishes.record_wish(
            text="How to run a stand-up", source=WishSource.FRONT_DOOR, received_on=date(2026, 11, 23)
        ),
        wishes.record_wish(
            text="Short stand-up meetings", source=WishSource.OWN_PAGE, received_on=date(2026, 11, 24)
        ),
        wishes.record_wish(text="Pivot tables", source=WishSource.FRONT_DOOR, received_on=date(2026, 11, 24)),
    ]


def act(client, action: str, chosen: list[LearningWish], **fields: object):
    data = {"action": action, ACTION_CHECKBOX_NAME: [wish.pk for wish in chosen], **fields}
    return client.post(CHANGELIST, data, follow=True)


@pytest.mark.parametrize("persona", ["internal_client", "agency_client"])
def test_both_curators_see_the_wishes(request, persona, asked):
    client = request.getfixturevalue(persona)

    page = client.get(CHANGELIST).content.decode()

    for wish in asked:
        assert wish.text in page
    assert "To triage" in page and "Front door" in page


def test_a_staff_user_with_no_role_is_refused(client, django_user_model, asked):
    client.force_login(django_user_model.objects.create_user("sam", is_staff=True))

    assert client.get(CHANGELIST).status_code == 403
    assert (
        client.post(CHANGELIST, {"action": "dismiss", ACTION_CHECKBOX_NAME: [asked[0].pk]}).status_code == 403
    )
    assert LearningWish.objects.filter(status=WishStatus.NEW).count() == 3


def test_the_brief_page_is_prefilled_with_the_employees_words(internal_client, asked):
    response = act(internal_client, "turn_into_brief", asked[:2])

    assert response.status_code == 200
    assert (
        "Employees asked: “How to run a stand-up”; “Short stand-up meetings”</textarea>"
        in response.content.decode()
    )
    assert not ContentBrief.objects.exists()


@pytest.mark.parametrize("persona", ["internal_client", "agency_client"])
def test_wishes_turned_into_a_brief_are_linked_and_shown_on_it(request, persona, asked):
    client = request.getfixturevalue(persona)
    topic = TopicFactory(name="Leading a team", slug="leading")

    response = act(
        client,
        "turn_into_brief",
        asked[:2],
        apply="Open the brief",
        topic=topic.pk,
        format=Format.values[0],
        stage=Stage.values[0],
        audience="New team leads",
        why="Employees asked: how to run a stand-up",
    )

    brief = ContentBrief.objects.get()
    assert "Opened the brief" in response.content.decode()
    assert brief.why == "Employees asked: how to run a stand-up"
    assert set(brief.wishes.all()) == set(asked[:2])
    for wish in brief.wishes.all():
        assert wish.status == WishStatus.BRIEFED
        assert wish.triaged_at == NOW
        assert wish.triaged_by.username in ("priya", "tom")
    brief_page = client.get(reverse("admin:curation_contentbrief_change", args=[brief.pk])).content.decode()
    assert "Employees&#x27; wishes" in brief_page or "Employees' wishes" in brief_page
    assert "“How to run a stand-up”" in brief_page and "“Short stand-up meetings”" in brief_page
    assert "Pivot tables" not in brief_page


def test_a_brief_needs_its_topic_and_the_page_says_so(internal_client, asked):
    response = act(internal_client, "turn_into_brief", asked[:1], apply="Open the brief", why="x")

    assert "This field is required." in response.content.decode()
    assert not ContentBrief.objects.exists()
    assert LearningWish.objects.get(pk=asked[0].pk).status == WishStatus.NEW


def test_dismissed_wishes_leave_the_list_to_triage(internal_client, asked):
    response = act(internal_client, "dismiss", asked[2:])

    assert "Dismissed 1 wish." in response.content.decode()
    to_triage = internal_client.get(CHANGELIST, {"status__exact": WishStatus.NEW}).content.decode()
    assert "How to run a stand-up" in to_triage
    assert "Pivot tables" not in to_triage


def test_dismissing_leaves_a_wish_already_in_a_brief_in_it(internal_curator, asked):
    brief = wishes.brief_from_wishes(
        wishes=asked[:1],
        topic=TopicFactory(),
        format=Format.values[0],
        stage=Stage.values[0],
        why="Asked",
        by=internal_curator,
    )

    assert wishes.dismiss_wishes(wishes=asked, by=internal_curator) == 2
    assert LearningWish.objects.get(pk=asked[0].pk).brief == brief


def test_a_wish_already_in_a_brief_is_not_briefed_twice(internal_client, internal_curator, asked):
    wishes.brief_from_wishes(
        wishes=asked[:1],
        topic=TopicFactory(),
        format=Format.values[0],
        stage=Stage.values[0],
        why="Asked",
        by=internal_curator,
    )

    response = act(
        internal_client,
        "turn_into_brief",
        asked[:1],
        apply="Open the brief",
        topic=TopicFactory().pk,
        format=Format.values[0],
        stage=Stage.values[0],
        why="Again",
    )

    assert "Those wishes are already in a brief." in response.content.decode()
    assert ContentBrief.objects.count() == 1


def test_nobody_types_or_edits_a_wish(internal_client, asked):
    assert internal_client.get(reverse("admin:curation_learningwish_add")).status_code == 403
    page = internal_client.get(reverse("admin:curation_learningwish_change", args=[asked[0].pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
