"""Suggested topic, format and stage: from the feed's tags, the address, and curators' past choices."""

from __future__ import annotations

import pytest
from django.utils import timezone

from curation.inbox.entries import Entry
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus, SourceKind
from curation.inbox.services import record_candidates
from curation.inbox.suggestions import Suggester
from curation.models import Format, Stage
from tests.factories import ContentItemFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics():
    return {
        "service": TopicFactory(name="Customer service", slug="customer-service"),
        "leading": TopicFactory(name="Leading a team", slug="leading-a-team"),
        "wellbeing": TopicFactory(name="Wellbeing", slug="wellbeing"),
    }


def feed(name: str = "Learning blog", **fields: object) -> CandidateSource:
    return CandidateSource.objects.create(
        name=name, url=f"https://{name.split()[0].lower()}.example.org/feed", **fields
    )


def accepted(source: CandidateSource, url: str, *, tags: tuple[str, ...] = (), **item: object) -> Candidate:
    """A candidate a curator accepted as an item with these topics, format and stage."""
    record_candidates(source=source, entries=[Entry(url=url, title=f"Accepted {url}", tags=tags)])
    candidate = Candidate.objects.get(url=url)
    candidate.item = ContentItemFactory(**item)
    candidate.status = CandidateStatus.ACCEPTED
    candidate.decided_at = timezone.now()
    candidate.save()
    return candidate


def test_a_tag_naming_a_topic_suggests_it_with_the_reason(topics):
    suggestion = Suggester(feed()).suggest(
        Entry(url="https://blog.example.org/a", title="Saying no", tags=("news", "Customer-Service"))
    )

    assert suggestion.topic == topics["service"]
    assert suggestion.reasons[0] == "Topic: Customer service, from the feed's tag “Customer-Service”."


def test_a_title_naming_a_topic_suggests_it(topics):
    suggestion = Suggester(feed()).suggest(
        Entry(url="https://blog.example.org/a", title="Ten habits for leading a team, remotely")
    )

    assert suggestion.topic == topics["leading"]
    assert suggestion.reasons[0] == "Topic: Leading a team, named in the title."


def test_otherwise_curators_past_choices_for_the_same_tag_then_the_same_source(topics):
    source, elsewhere = feed(), feed("Elsewhere")
    accepted(elsewhere, "https://e.example.org/1", tags=("burnout",), topics=[topics["wellbeing"]])
    accepted(elsewhere, "https://e.example.org/2", tags=("burnout",), topics=[topics["wellbeing"]])
    accepted(source, "https://blog.example.org/old", topics=[topics["leading"]], format=Format.PIN)
    suggester = Suggester(source)

    by_tag = suggester.suggest(Entry(url="https://blog.example.org/b", title="Rest", tags=("Burnout",)))
    by_source = suggester.suggest(Entry(url="https://blog.example.org/c", title="Rest"))

    assert by_tag.topic == topics["wellbeing"]
    assert (
        by_tag.reasons[0]
        == "Topic: Wellbeing, as curators chose for 2 of 2 accepted candidates tagged “Burnout”."
    )
    assert by_source.topic == topics["leading"]
    assert by_source.reasons[0] == (
        "Topic: Leading a team, as curators chose for 1 of 1 accepted candidates from this source."
    )
    assert by_source.format == Format.PIN


def test_the_source_topic_is_the_last_resort(topics):
    suggestion = Suggester(feed(topic=topics["wellbeing"])).suggest(
        Entry(url="https://blog.example.org/a", title="Something else")
    )

    assert suggestion.topic == topics["wellbeing"]
    assert "Topic: Wellbeing, the source's topic." in suggestion.reasons


@pytest.mark.parametrize(
    ("url", "format", "reason"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", Format.VIDEO, "Format: video, a YouTube address."),
        ("https://www.pinterest.com/pin/123/", Format.PIN, "Format: pin, a Pinterest address."),
        ("https://www.wikihow.com/Run-a-Meeting", Format.HOW_TO, "Format: how-to guide, a WikiHow address."),
        ("https://blog.example.org/post", Format.BLOG_POST, "Format: blog post, an article from a feed."),
    ],
)
def test_the_format_follows_the_address(url, format, reason):
    suggestion = Suggester(feed()).suggest(Entry(url=url, title="A"))

    assert suggestion.format == format
    assert reason in suggestion.reasons


def test_a_youtube_source_suggests_video():
    source = CandidateSource.objects.create(name="YT", kind=SourceKind.YOUTUBE_PLAYLIST, youtube_id="PL1")

    suggestion = Suggester(source).suggest(Entry(url="https://example.org/odd", title="A"))

    assert suggestion.format == Format.VIDEO


def test_the_stage_is_the_one_most_items_on_the_topic_have(topics):
    for stage in (Stage.EMBEDDED, Stage.FACILITATED, Stage.FACILITATED):
        ContentItemFactory(topics=[topics["leading"]], stage=stage)

    suggestion = Suggester(feed()).suggest(
        Entry(url="https://blog.example.org/a", title="Leading a team well")
    )

    assert suggestion.stage == Stage.FACILITATED
    assert "Stage: facilitated, as 2 of 3 items on Leading a team." in suggestion.reasons


def test_nothing_known_suggests_no_topic_or_stage():
    suggestion = Suggester(feed()).suggest(Entry(url="https://blog.example.org/a", title="A"))

    assert (suggestion.topic, suggestion.stage) == (None, "")


def test_a_batch_is_suggested_from_one_read_of_topics_and_past_choices(topics, django_assert_max_num_queries):
    source = feed()
    for n in range(5):
        accepted(source, f"https://blog.example.org/old/{n}", tags=(f"tag{n}",), topics=[topics["wellbeing"]])
    entries = [
        Entry(url=f"https://blog.example.org/new/{n}", title=f"Post {n}", tags=(f"tag{n % 7}", "wellbeing"))
        for n in range(200)
    ]

    with django_assert_max_num_queries(10):
        recorded = record_candidates(source=source, entries=entries)

    assert recorded.added == 200
    assert (
        Candidate.objects.filter(title__startswith="Post", suggested_topic=topics["wellbeing"]).count() == 200
    )
