"""The candidate sources' admin: how each source is doing, and "Poll now"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from curation.inbox.models import Candidate, CandidateSource, CandidateStatus
from tests.fakes.feeds import FeedAnswer, Item, rss

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:curation_candidatesource_changelist")


def test_the_list_shows_polls_errors_and_waiting_candidates(
    feeds, internal_client, django_assert_max_num_queries
):
    good = CandidateSource.objects.create(
        name="Good blog",
        url=feeds.serve(
            "/good.xml", rss([Item("A", "https://a.example.org/a"), Item("B", "https://a.example.org/b")])
        ),
    )
    broken = CandidateSource.objects.create(
        name="Broken blog", url=feeds.serve("/broken.xml", FeedAnswer(b"", status=404))
    )
    internal_client.post(CHANGELIST, {"action": "poll_now", "_selected_action": [good.pk, broken.pk]})
    Candidate.objects.filter(title="B").update(status=CandidateStatus.DISMISSED)

    with django_assert_max_num_queries(15):
        page = internal_client.get(CHANGELIST)

    text = page.content.decode()
    assert page.status_code == 200
    assert "There is no feed at this address any more (404): ask the publisher." in text
    row = text[text.index("Good blog") :]
    assert '<td class="field-new_candidates">1</td>' in row


def test_poll_now_reports_each_source_in_words(feeds, internal_client):
    good = CandidateSource.objects.create(
        name="Good blog", url=feeds.serve("/good.xml", rss([Item("A", "https://a.example.org/a")]))
    )
    broken = CandidateSource.objects.create(
        name="Broken blog",
        url=feeds.serve("/page", FeedAnswer(b"<html><body>Hi</body></html>", content_type="text/html")),
    )

    page = internal_client.post(
        CHANGELIST, {"action": "poll_now", "_selected_action": [good.pk, broken.pk]}, follow=True
    )

    said = [str(message) for message in page.context["messages"]]
    assert "“Good blog”: 1 new candidate, 0 already known." in said
    assert any(
        line.startswith("“Broken blog”: This address answered with a web page, not a feed.") for line in said
    )
    assert Candidate.objects.get().source == good


def test_a_source_is_added_with_a_public_feed_address_only(internal_client, settings):
    add = reverse("admin:curation_candidatesource_add")
    fields = {"name": "Blog", "kind": "feed", "youtube_id": "", "is_active": "on"}

    refused = internal_client.post(add, {**fields, "url": "http://blog.example.org/feed"})
    internal_client.post(add, {**fields, "url": "https://blog.example.org/feed"})

    assert "Use the https:// address" in refused.content.decode()
    assert CandidateSource.objects.get().url == "https://blog.example.org/feed"


def test_the_change_form_opens(internal_client):
    source = CandidateSource.objects.create(
        name="Blog", url="https://blog.example.org/feed", last_error="Broken."
    )

    page = internal_client.get(reverse("admin:curation_candidatesource_change", args=[source.pk]))

    assert page.status_code == 200
    assert "Broken." in page.content.decode()
