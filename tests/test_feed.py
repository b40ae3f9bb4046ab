"""/feed.xml: an Atom feed of live public content, for feed readers and curated-feed tools."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from channels.models import Visibility
from curation import services
from curation.models import ContentItem, Sensitivity
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory, TopicFactory, live_item

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def live_on(channel, *, days_ago: int = 3, **fields: object) -> ContentItem:
    return live_item(channel=channel, days_ago=days_ago, **fields)


def read_feed(client) -> tuple[str, ElementTree.Element]:
    response = client.get("/feed.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    return body, ElementTree.fromstring(response.content)  # noqa: S314 - our own feed, not untrusted input


def entry_titles(feed: ElementTree.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


def test_feed_is_valid_atom_with_what_a_reader_needs(client, settings):
    settings.PROGRAMME_NAME = "Learn Socially"
    item = live_on(
        ChannelFactory(), title="Meetings with a purpose", summary="Five minutes, three questions."
    )
    item.topics.set([TopicFactory(name="Working together"), TopicFactory(name="Leading a team")])

    _, feed = read_feed(client)

    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Learn Socially: new learning"
    assert feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}updated")
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Learn Socially"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/feed.xml")
    (entry,) = feed.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Meetings with a purpose"
    assert entry.findtext(f"{ATOM}summary") == "Five minutes, three questions."
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == item.placements.get().url
    assert entry.findtext(f"{ATOM}id").startswith("tag:")
    assert entry.findtext(f"{ATOM}updated")
    assert entry.findtext(f"{ATOM}published").startswith(str(item.live_since))
    assert sorted(c.get("term") for c in entry.iter(f"{ATOM}category")) == [
        "Leading a team",
        "Working together",
    ]


def test_feed_lists_only_live_public_non_sensitive_items(client):
    public, private = ChannelFactory(), ChannelFactory(visibility=Visibility.PRIVATE)
    live_on(public, title="Live and public")
    live_on(private, title="Private channel only")
    live_on(private, title="Pricing playbook", sensitivity=Sensitivity.BUSINESS_SENSITIVE)
    live_on(private, title="Anti-bribery course", sensitivity=Sensitivity.COMPLIANCE)
    PlacementFactory(item=ContentItemFactory(title="An idea"), channel=public)
    services.retire_item(item=live_on(public, title="Retired"), reason="Outdated.")

    _, feed = read_feed(client)

    assert entry_titles(feed) == ["Live and public"]


def test_feed_never_shows_a_private_placement(client):
    public, private = ChannelFactory(), ChannelFactory(visibility=Visibility.PRIVATE)
    item = live_on(public, title="On both channels")
    services.place_item(item=item, channel=private, url=f"{private.url}members/only/")

    body, feed = read_feed(client)

    assert entry_titles(feed) == ["On both channels"]
    assert private.url not in body
    assert private.name not in body


def test_feed_is_newest_first_and_entry_ids_stay_the_same(client):
    blog = ChannelFactory()
    live_on(blog, days_ago=9, title="Older")
    live_on(blog, days_ago=1, title="Newer")

    _, first = read_feed(client)
    _, again = read_feed(client)

    assert entry_titles(first) == ["Newer", "Older"]
    ids = [entry.findtext(f"{ATOM}id") for entry in first.iter(f"{ATOM}entry")]
    assert len(set(ids)) == 2
    assert ids == [entry.findtext(f"{ATOM}id") for entry in again.iter(f"{ATOM}entry")]


def test_an_empty_programme_still_has_a_valid_feed(client):
    _, feed = read_feed(client)

    assert feed.tag == f"{ATOM}feed"
    assert entry_titles(feed) == []


def test_feed_costs_the_same_queries_for_many_items(client, django_assert_max_num_queries):
    for n in range(3):
        live_on(ChannelFactory(), title=f"Item {n}").topics.set([TopicFactory()])
    with django_assert_max_num_queries(6) as few:
        client.get("/feed.xml")

    for n in range(15):
        live_on(ChannelFactory(), title=f"More {n}").topics.set([TopicFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/feed.xml")


def test_the_home_page_announces_its_feed_to_readers(client):
    page = client.get("/").content.decode()

    assert '<link rel="alternate" type="application/atom+xml"' in page and 'href="/feed.xml"' in page
