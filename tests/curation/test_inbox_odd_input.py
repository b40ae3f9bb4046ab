"""Whatever a curator types into the inbox's addresses and forms, the pages answer without a 5xx and
save nothing they should not.

Generated values (tests/test_odd_input_property.py's: numbers past bigint, NUL, lone surrogates, very
long text, repeated parameters) for the inbox page's ?topic= ?source= ?focus=, the accept, dismiss
and attach posts, the candidates' list and its filters, and the sources' add form.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from curation.models import (
    Candidate,
    CandidateSource,
    CandidateStatus,
    ContentBrief,
    ContentItem,
    Format,
    Stage,
)
from tests.factories import CandidateFactory, CandidateSourceFactory, ChannelFactory, TopicFactory
from tests.test_odd_input_property import (
    assert_no_server_error,
    encoded,
    get,
    parameters,
    post,
    quick,
    undone,
)

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres")]

INBOX = "/admin/curation/candidate/inbox/"
CHANGELIST = "/admin/curation/candidate/"


@pytest.fixture
def curator(agency_client):
    agency_client.raise_request_exception = False
    return agency_client


@pytest.fixture
def inbox():
    """Two candidates, a topic, an open brief and a closed one: ids a good value can name."""
    topic = TopicFactory(name="Customer service", slug="customer-service")
    ChannelFactory(name="Service blog", url="https://service.acme-learning.example/")
    source = CandidateSourceFactory(name="Service news", topic=topic)
    first = CandidateFactory(source=source, url="https://service.acme-learning.example/posts/1")
    second = CandidateFactory(source=source, url="https://service.acme-learning.example/posts/2")
    open_brief = ContentBrief.objects.create(
        topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED, why="Calls."
    )
    closed = ContentBrief.objects.create(
        topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED, why="Old.", status="filled"
    )
    return {
        "topic": str(topic.pk),
        "source": str(source.pk),
        "candidates": [str(first.pk), str(second.pk)],
        "briefs": [str(open_brief.pk), str(closed.pk)],
        "first": first,
    }


def ids(inbox) -> dict[str, list[str]]:
    return {
        "topic": [inbox["topic"], "none"],
        "source": [inbox["source"]],
        "focus": inbox["candidates"],
    }


@quick
@given(data=st.data())
def test_the_inbox_page_answers_any_address(curator, inbox, data):
    get(curator, INBOX, data.draw(parameters(ids(inbox))))


@quick
@given(data=st.data())
def test_the_candidates_list_answers_any_filter(curator, inbox, data):
    fields = {
        "status": ["new", "accepted", "dismissed", "all"],
        "source__id__exact": [inbox["source"]],
        "suggested_topic__id__exact": [inbox["topic"]],
        "decided_by": ["1"],
        "found_at__year": ["2026"],
        "found_at__month": ["11"],
        "found_at__day": ["20"],
        "q": ["angry"],
        "o": ["1", "-2"],
        "p": ["1"],
    }
    get(curator, CHANGELIST, data.draw(parameters(fields)))


@quick
@given(data=st.data())
def test_the_three_calls_refuse_any_odd_post_and_decide_nothing(curator, inbox, data):
    fields = {
        "decision": ["accept", "dismiss", "attach"],
        "title": ["A fine title"],
        "topic": [inbox["topic"]],
        "format": [Format.VIDEO.value],
        "stage": [Stage.EMBEDDED.value],
        "sensitivity": ["public", "compliance"],
        "channel": [],
        "reason": ["Off topic"],
        "quick_reason": ["Off topic for our programme"],
        "brief": inbox["briefs"],
    }
    pairs = data.draw(parameters(fields))
    query = data.draw(st.sampled_from(["", f"?topic={inbox['topic']}", "?source=x%00", "?topic=none"]))
    target = data.draw(st.sampled_from([*inbox["candidates"], "0", "9" * 18, "9" * 30]))
    body = encoded(pairs)
    page = undone(
        lambda: curator.post(
            f"{INBOX}{target}/{query}", body, content_type="application/x-www-form-urlencoded"
        )
    )
    assert_no_server_error(page, f"POST {target} {body[:300]}")
    if page.status_code == 400:  # the form again: with the reason on it, in words
        assert 'class="errornote"' in page.content.decode(), body[:300]
    assert ContentItem.objects.count() == 0
    assert not Candidate.objects.exclude(status=CandidateStatus.NEW).exists()


@quick
@given(data=st.data())
def test_the_source_form_refuses_any_odd_source_in_words(curator, inbox, data):
    fields = {
        "name": ["A new feed"],
        "kind": ["feed", "youtube_channel", "youtube_playlist", "owned_channel"],
        "url": ["https://news.example.org/feed.xml"],
        "youtube_id": ["UCabc-_123"],
        "channel": [],
        "topic": [inbox["topic"]],
        "is_active": ["on"],
    }
    before = CandidateSource.objects.count()
    post(curator, reverse("admin:curation_candidatesource_add"), data.draw(parameters(fields)))
    assert CandidateSource.objects.count() == before  # every add is rolled back, good or not


ACCEPT = {"decision": "accept", "title": "A fine title", "format": "video", "stage": "embedded"}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({**ACCEPT, "title": "t" * 10_000}, "Ensure this value has at most"),
        ({**ACCEPT, "title": "A \x00 title"}, "Null characters are not allowed."),
        (
            {**ACCEPT, "format": "hologram"},
            "Select a valid choice. hologram is not one of the available choices.",
        ),
        ({**ACCEPT, "stage": "9" * 30}, "Select a valid choice."),
        ({**ACCEPT, "sensitivity": "secret"}, "Select a valid choice."),
        ({**ACCEPT, "topic": "9" * 30}, "Select a valid choice."),
        ({**ACCEPT, "topic": "0"}, "Select a valid choice."),
        ({**ACCEPT, "channel": "x\x00"}, "Null characters are not allowed."),
        ({**ACCEPT, "channel": "x"}, "Select a valid choice."),
        ({"decision": "dismiss", "reason": "r" * 501}, "Ensure this value has at most 500 characters"),
        ({"decision": "dismiss", "quick_reason": "Because"}, "Select a valid choice."),
        ({"decision": "attach", "brief": "9" * 30}, "Select a valid choice."),
        ({"decision": "attach", "brief": "-1"}, "Select a valid choice."),
        ({"decision": "attach", "brief": ""}, "Choose the brief it fills."),
    ],
)
def test_each_odd_field_is_refused_on_the_form_in_words_and_nothing_is_decided(curator, inbox, data, said):
    first = inbox["first"]

    page = curator.post(f"{INBOX}{first.pk}/", data)

    assert page.status_code == 400
    assert said in page.content.decode()
    first.refresh_from_db()
    assert first.status == CandidateStatus.NEW
    assert ContentItem.objects.count() == 0


def test_attaching_to_a_closed_brief_is_refused_in_words(curator, inbox):
    page = curator.post(f"{INBOX}{inbox['first'].pk}/", {"decision": "attach", "brief": inbox["briefs"][1]})

    assert page.status_code == 400
    assert "attach the candidate to an open brief." in page.content.decode()


@pytest.mark.parametrize("target", ["0", "9" * 18, "9" * 30])
def test_deciding_a_candidate_that_does_not_exist_is_404(curator, inbox, target):
    assert curator.post(f"{INBOX}{target}/", {"decision": "dismiss", "reason": "Off"}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "q=a%00b",
        "q=%ED%A0%80",
        "status=%00",
        "source__id__exact=" + "9" * 30,
        "suggested_topic__id__exact=abc",
        "decided_by=%00",
        "decided_by=" + "9" * 30,
        "found_at__year=99999&found_at__month=13",
        "found_at__year=%D9%A3",
        "o=99",
        "p=" + "9" * 30,
        "status=all&status=new",
    ],
)
def test_the_candidates_list_answers_each_odd_filter(curator, inbox, query):
    page = curator.get(f"{CHANGELIST}?{query}")

    assert page.status_code < 500, getattr(page, "exc_info", None)
