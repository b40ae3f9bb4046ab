"""The candidate sources' admin: how each source is doing, and "Poll now"."""

from __future__ import annotations

import ada_url
import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from channels.destinations import check_public_url
from curation.inbox.decisions import dismiss_candidate
from curation.inbox.entries import Entry
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus
from curation.inbox.services import record_candidates
from tests.channels.hostile_urls import hostile_urls, python_agrees
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


@pytest.mark.parametrize("odd", [" ", "abc", "1\x00", "9" * 30, "-1", "²"])
def test_an_odd_channel_or_topic_id_shows_the_form_again_with_its_error(internal_client, odd):
    add = reverse("admin:curation_candidatesource_add")
    fields = {"name": "Blog", "kind": "feed", "url": "https://blog.example.org/feed", "is_active": "on"}

    for field in ("channel", "topic"):
        page = internal_client.post(add, {**fields, field: odd})

        assert page.status_code == 200
        assert f'<ul class="errorlist" id="id_{field}_error">' in page.content.decode()
    assert not CandidateSource.objects.exists()


@pytest.mark.parametrize(
    "odd",
    [
        "UC\u0661\u0662\u0663",
        "UC\uff21\uff22\uff23",
        "UCé",
        "UC&playlist_id=PL1",
        "UC abc",
        "UC\u200babc",
        "UC%26x",
    ],
)
def test_a_youtube_id_is_ascii_letters_digits_dashes_and_underscores_only(internal_client, odd):
    add = reverse("admin:curation_candidatesource_add")

    page = internal_client.post(add, {"name": "Tube", "kind": "youtube_channel", "youtube_id": odd})

    assert "Paste the id alone (letters, digits, - and _), not the whole address." in page.content.decode()
    assert not CandidateSource.objects.exists()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(url=hostile_urls())
def test_a_hostile_feed_address_is_refused_in_words_or_saved_as_a_browser_reads_it(internal_client, url):
    add = reverse("admin:curation_candidatesource_add")
    with transaction.atomic():
        page = internal_client.post(add, {"name": "Hostile", "kind": "feed", "url": url, "is_active": "on"})
        saved = CandidateSource.objects.filter(name="Hostile").first()
        transaction.set_rollback(True)

    assert page.status_code in (200, 302)
    if saved is None:
        assert page.status_code == 200 and "errorlist" in page.content.decode()
    else:
        # Saved only as a plain https address that Python and browsers read alike.
        assert check_public_url(saved.url) == ada_url.URL(saved.url).href
        assert python_agrees(saved.url)


def test_staff_who_may_only_view_sources_cannot_poll_them(feeds, client, django_user_model):
    source = CandidateSource.objects.create(
        name="Good blog", url=feeds.serve("/good.xml", rss([Item("A", "https://a.example.org/a")]))
    )
    reader = django_user_model.objects.create_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_candidatesource"))
    client.force_login(reader)

    assert client.get(CHANGELIST).status_code == 200
    client.post(CHANGELIST, {"action": "poll_now", "_selected_action": [source.pk]})

    assert feeds.asked("/good.xml") == []
    assert not Candidate.objects.exists()
    source.refresh_from_db()
    assert source.last_polled_at is None


def test_a_source_whose_candidates_are_on_record_cannot_be_deleted_so_a_dismissed_one_never_returns(
    internal_client, internal_curator
):
    source = CandidateSource.objects.create(name="Old blog", url="https://old.example.org/feed")
    article = Entry(url="https://old.example.org/posts/1", title="Off topic")
    record_candidates(source=source, entries=[article])
    dismiss_candidate(Candidate.objects.get(), by=internal_curator, reason="Off topic")

    delete = reverse("admin:curation_candidatesource_delete", args=[source.pk])
    asked = internal_client.get(delete)
    page = internal_client.post(delete, {"post": "yes"})
    internal_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [source.pk], "post": "yes"}
    )

    # The candidates keep their source (PROTECT): Django says the source cannot go, and why.
    assert "<title>Cannot delete candidate source" in asked.content.decode()
    assert "<title>Cannot delete candidate source" in page.content.decode()
    assert CandidateSource.objects.filter(pk=source.pk).exists()
    again = record_candidates(
        source=CandidateSource.objects.create(name="Aggregator", url="https://agg.example.org/feed"),
        entries=[article],
    )
    assert (again.added, again.already_known) == (0, 1)
