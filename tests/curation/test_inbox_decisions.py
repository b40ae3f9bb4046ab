"""A curator's call on a candidate: accepted as a placed idea, dismissed for good, or attached to a brief;
each refused in plain words with nothing saved when it cannot be done, and decided only once."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from curation.inbox.decisions import accept_candidate, attach_candidate, dismiss_candidate
from curation.inbox.entries import Entry
from curation.inbox.services import record_candidates
from curation.models import (
    BriefStatus,
    Candidate,
    CandidateStatus,
    ContentBrief,
    ContentItem,
    Format,
    Lifecycle,
    Placement,
    Sensitivity,
    Stage,
)
from tests.factories import (
    CandidateFactory,
    CandidateSourceFactory,
    ChannelFactory,
    TopicFactory,
    YouTubeChannelFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres")]


@pytest.fixture
def blog():
    return ChannelFactory(name="Leadership blog", url="https://lead.acme-learning.example/")


@pytest.fixture
def candidate(blog):
    source = CandidateSourceFactory(topic=TopicFactory(name="Customer service", slug="customer-service"))
    return CandidateFactory(
        source=source,
        url="https://lead.acme-learning.example/posts/listening/?utm_source=feed",
        title="Listening to an angry customer",
    )


def brief(status: str = BriefStatus.OPEN) -> ContentBrief:
    return ContentBrief.objects.create(
        topic=TopicFactory(), format=Format.VIDEO, stage=Stage.EMBEDDED, why="Asked for.", status=status
    )


def nothing_saved(candidate: Candidate) -> None:
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.NEW
    assert candidate.item is None and candidate.decided_by is None and candidate.decided_at is None
    assert ContentItem.objects.count() == 0
    assert Placement.objects.count() == 0


def test_accepting_makes_an_idea_placed_on_the_channel_its_address_fits(candidate, blog, internal_curator):
    item = accept_candidate(candidate, by=internal_curator, format=Format.BLOG_POST, stage=Stage.EMBEDDED)

    assert item.lifecycle == Lifecycle.IDEA
    assert item.title == "Listening to an angry customer"
    assert item.summary == candidate.summary
    assert [topic.name for topic in item.topics.all()] == ["Customer service"]
    assert item.owner == internal_curator
    placement = item.placements.get()
    assert placement.channel == blog
    assert placement.url == "https://lead.acme-learning.example/posts/listening"  # no tracking parameters
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED
    assert candidate.item == item
    assert candidate.decided_by == internal_curator
    assert candidate.decided_at is not None


def test_the_curator_may_change_title_topic_format_and_stage(candidate, agency_curator):
    topic = TopicFactory(name="Feedback", slug="feedback")

    item = accept_candidate(
        candidate, by=agency_curator, title="  Listening  well ", topic=topic, format=Format.VIDEO,
        stage=Stage.FACILITATED,
    )  # fmt: skip

    assert (item.title, item.format, item.stage) == ("Listening well", Format.VIDEO, Stage.FACILITATED)
    assert list(item.topics.all()) == [topic]


def test_the_sources_channel_wins_where_several_channels_take_the_address(agency_curator):
    ours, theirs = YouTubeChannelFactory(name="Acme Learns"), YouTubeChannelFactory(name="Acme Sales")
    source = CandidateSourceFactory(channel=theirs)
    watched = CandidateFactory(source=source, url="https://www.youtube.com/watch?v=abcdefghijk")

    item = accept_candidate(watched, by=agency_curator, format=Format.VIDEO, stage=Stage.EMBEDDED)

    placement = item.placements.get()
    assert placement.channel == theirs != ours
    assert placement.external_id == "abcdefghijk"


def test_several_matching_channels_and_no_source_channel_asks_which(agency_curator):
    YouTubeChannelFactory(name="Acme Learns"), YouTubeChannelFactory(name="Acme Sales")
    watched = CandidateFactory(url="https://youtu.be/abcdefghijk")

    with pytest.raises(ValidationError) as refused:
        accept_candidate(watched, by=agency_curator, format=Format.VIDEO, stage=Stage.EMBEDDED)

    assert refused.value.messages == [
        "https://www.youtube.com/watch?v=abcdefghijk fits several channels (Acme Learns, Acme Sales): "
        f"choose the channel when you accept it, or give the source “{watched.source}” its channel."
    ]
    nothing_saved(watched)


def test_choosing_the_channel_settles_it(agency_curator):
    YouTubeChannelFactory(name="Acme Learns")
    sales = YouTubeChannelFactory(name="Acme Sales")
    watched = CandidateFactory(url="https://youtu.be/abcdefghijk")

    item = accept_candidate(
        watched, by=agency_curator, format=Format.VIDEO, stage=Stage.EMBEDDED, channel=sales
    )

    assert item.placements.get().channel == sales


def test_no_channel_for_the_address_says_what_to_do(agency_curator):
    ChannelFactory(url="https://lead.acme-learning.example/")
    stray = CandidateFactory(url="https://elsewhere.example.net/post/1")

    with pytest.raises(ValidationError) as refused:
        accept_candidate(stray, by=agency_curator, format=Format.BLOG_POST, stage=Stage.EMBEDDED)

    assert refused.value.messages == [
        "No channel takes addresses like https://elsewhere.example.net/post/1: register the channel it is "
        f"published on, or give the source “{stray.source}” its channel, then accept it again."
    ]
    nothing_saved(stray)


def test_compliance_content_is_refused_a_public_channel_with_nothing_saved(candidate, agency_curator):
    with pytest.raises(ValidationError) as refused:
        accept_candidate(
            candidate,
            by=agency_curator,
            format=Format.BLOG_POST,
            stage=Stage.EMBEDDED,
            sensitivity=Sensitivity.COMPLIANCE,
        )

    assert refused.value.messages == [
        "“Listening to an angry customer” is compliance content and cannot be placed on the public "
        "channel Leadership blog. Keep it in the LMS or on an unlisted / private channel."
    ]
    nothing_saved(candidate)


def test_without_a_suggestion_the_format_and_stage_must_be_chosen(candidate, agency_curator):
    # The rules always suggest a format for a feed's entry; an owned page or an old candidate may have none.
    Candidate.objects.filter(pk=candidate.pk).update(suggested_format="", suggested_stage="")
    candidate.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        accept_candidate(candidate, by=agency_curator, title=" ")

    assert refused.value.message_dict == {
        "title": ["Give the idea a title."],
        "format": ["Choose the format (video, blog post…): nothing was suggested."],
        "stage": ["Choose the learner power stage: nothing was suggested."],
    }
    nothing_saved(candidate)


def test_the_suggested_format_is_used_when_none_is_chosen(agency_curator):
    ChannelFactory(url="https://lead.acme-learning.example/")
    candidate = CandidateFactory(url="https://lead.acme-learning.example/posts/1")
    Candidate.objects.filter(pk=candidate.pk).update(
        suggested_format=Format.HOW_TO, suggested_stage=Stage.EMBEDDED
    )
    candidate.refresh_from_db()

    item = accept_candidate(candidate, by=agency_curator)

    assert (item.format, item.stage) == (Format.HOW_TO, Stage.EMBEDDED)


@pytest.mark.parametrize("reason", ["", "   "])
def test_dismissing_needs_a_reason(candidate, agency_curator, reason):
    with pytest.raises(ValidationError) as refused:
        dismiss_candidate(candidate, by=agency_curator, reason=reason)

    assert refused.value.message_dict == {"reason": ["Say why it is dismissed: the other curator reads it."]}
    nothing_saved(candidate)


def test_a_dismissed_address_never_comes_back(candidate, agency_curator):
    dismiss_candidate(candidate, by=agency_curator, reason=" Off topic ")

    again = record_candidates(
        source=candidate.source,
        entries=[
            Entry(url="https://lead.acme-learning.example/posts/listening/#top", title="Listening, again")
        ],
    )

    candidate.refresh_from_db()
    assert (candidate.status, candidate.dismiss_reason, candidate.decided_by) == (
        CandidateStatus.DISMISSED,
        "Off topic",
        agency_curator,
    )
    assert (again.added, again.already_known) == (0, 1)
    assert Candidate.objects.count() == 1


def test_attaching_to_an_open_brief(candidate, agency_curator):
    wanted = brief()

    attach_candidate(candidate, brief=wanted, by=agency_curator)

    candidate.refresh_from_db()
    assert (candidate.status, candidate.brief, candidate.decided_by) == (
        CandidateStatus.ATTACHED,
        wanted,
        agency_curator,
    )
    assert list(wanted.candidates.all()) == [candidate]


@pytest.mark.parametrize("status", [BriefStatus.COMMISSIONED, BriefStatus.DROPPED])
def test_attaching_to_a_closed_brief_is_refused(candidate, agency_curator, status):
    closed = brief(status)

    with pytest.raises(ValidationError) as refused:
        attach_candidate(candidate, brief=closed, by=agency_curator)

    label = dict(BriefStatus.choices)[status].lower()
    assert refused.value.message_dict == {
        "brief": [f"The brief “{closed}” is {label}: attach the candidate to an open brief."]
    }
    candidate.refresh_from_db()
    assert (candidate.status, candidate.brief) == (CandidateStatus.NEW, None)


def test_a_decided_candidate_cannot_be_decided_again(candidate, internal_curator, agency_curator):
    internal_curator.first_name, internal_curator.last_name = "Priya", "Shah"
    internal_curator.save()
    accept_candidate(candidate, by=internal_curator, format=Format.BLOG_POST, stage=Stage.EMBEDDED)

    for second_call in (
        lambda: dismiss_candidate(candidate, by=agency_curator, reason="Duplicate"),
        lambda: attach_candidate(candidate, brief=brief(), by=agency_curator),
        lambda: accept_candidate(candidate, by=agency_curator, format=Format.BLOG_POST, stage=Stage.EMBEDDED),
    ):
        with pytest.raises(ValidationError) as refused:
            second_call()
        assert refused.value.messages == [
            "“Listening to an angry customer” was already accepted by Priya Shah: nothing more to decide."
        ]

    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by, candidate.dismiss_reason) == (
        CandidateStatus.ACCEPTED,
        internal_curator,
        "",
    )
    assert ContentItem.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_curators_accepting_at_once_make_one_item(candidate, internal_curator, agency_curator):
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(by) -> None:
        try:
            start.wait()
            accept_candidate(candidate, by=by, format=Format.BLOG_POST, stage=Stage.EMBEDDED)
            outcomes.append("accepted")
        except ValidationError as refused:
            outcomes.append(refused.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(by,)) for by in (internal_curator, agency_curator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[0] == "accepted"
    assert "was already accepted by" in sorted(outcomes)[1]
    assert ContentItem.objects.count() == 1
    assert Placement.objects.count() == 1


def test_a_chosen_channel_that_does_not_take_the_address_is_refused(candidate, agency_curator):
    youtube = YouTubeChannelFactory(name="Acme Learns")

    with pytest.raises(ValidationError) as refused:
        accept_candidate(
            candidate, by=agency_curator, format=Format.BLOG_POST, stage=Stage.EMBEDDED, channel=youtube
        )

    assert (
        refused.value.messages[0]
        == "This address is not on Acme Learns: expected a link on youtube.com, youtu.be."
    )
    nothing_saved(candidate)


@pytest.mark.parametrize(
    "placed_at",
    [
        "https://lead.acme-learning.example/posts/listening",
        "https://lead.acme-learning.example/posts/listening/",
    ],
)
def test_accepting_what_was_meanwhile_placed_by_hand_is_refused_and_makes_no_second_item(
    candidate, blog, agency_curator, placed_at
):
    by_hand = ContentItem.objects.create(
        title="Listening well", format=Format.BLOG_POST, stage=Stage.EMBEDDED
    )
    Placement.objects.create(item=by_hand, channel=blog, url=placed_at)

    with pytest.raises(ValidationError) as refused:
        accept_candidate(candidate, by=agency_curator, format=Format.BLOG_POST, stage=Stage.EMBEDDED)

    assert refused.value.messages[0] == (
        "“Listening to an angry customer” is already in the catalogue as “Listening well” "
        "(on Leadership blog): dismiss it, or attach it to a brief."
    )
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.NEW and candidate.item is None
    assert list(ContentItem.objects.all()) == [by_hand]
    assert Placement.objects.count() == 1
