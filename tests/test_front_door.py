"""The employee front door: what the programme is, how to join, what is new, and where to follow it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from channels.models import Cost, Platform, Visibility
from curation import services
from curation.models import ContentItem, Sensitivity
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory, TopicFactory, live_item

pytestmark = pytest.mark.django_db


def live_on(channel, *, days_ago: int = 20, **fields: object) -> ContentItem:
    return live_item(channel=channel, days_ago=days_ago, **fields)


def test_home_page_names_the_programme_and_points_curators_to_the_admin(client, settings):
    settings.PROGRAMME_NAME = "Learn Socially"

    page = client.get("/").content.decode()

    assert "<h1>Learn Socially</h1>" in page
    assert page.count("<h1") == 1
    assert 'href="/admin/"' in page
    assert '<meta name="viewport"' in page


def test_home_page_links_to_sign_up_the_quiz_and_the_feed(client):
    page = client.get("/").content.decode()

    assert 'href="/join/">Sign up for texts and emails</a>' in page
    assert 'href="/quiz/">Take our quiz to find out</a>' in page
    assert 'href="/feed.xml"' in page


def test_items_live_this_week_are_new_and_older_ones_are_left_out(client):
    blog = ChannelFactory()
    live_on(blog, days_ago=2, title="Fresh this week", topics=[TopicFactory(name="Wellbeing")])
    live_on(blog, days_ago=6, title="Six days old")
    live_on(blog, days_ago=7, title="A week and a day old")

    page = client.get("/").content.decode()

    assert "New this week" in page
    assert "Fresh this week" in page
    assert "Six days old" in page
    assert "A week and a day old" not in page
    assert "Topics: Wellbeing" in page


def test_a_quiet_week_shows_the_latest_few_instead(client):
    blog = ChannelFactory()
    for n in range(6):
        live_on(blog, days_ago=30 + n, title=f"Older item {n}")

    page = client.get("/").content.decode()

    assert "Latest learning" in page
    assert "New this week" not in page
    assert "Older item 0" in page
    assert "Older item 3" in page
    assert "Older item 4" not in page  # only the latest four


def test_the_front_door_shows_only_live_public_items(client):
    public, private = ChannelFactory(), ChannelFactory(visibility=Visibility.PRIVATE)
    live_on(public, days_ago=1, title="Live and public")
    live_on(private, days_ago=1, title="Live on a private channel only")
    live_on(private, days_ago=1, title="Pricing playbook", sensitivity=Sensitivity.BUSINESS_SENSITIVE)
    live_on(private, days_ago=1, title="Anti-bribery course", sensitivity=Sensitivity.COMPLIANCE)
    PlacementFactory(item=ContentItemFactory(title="Still an idea"), channel=public)
    retired = live_on(public, days_ago=3, title="Retired already")
    services.retire_item(item=retired, reason="Outdated.")
    gone = live_on(public, days_ago=1, title="Page gone")
    gone.placements.update(is_reachable=False)

    page = client.get("/").content.decode()

    assert "Live and public" in page
    for title in (
        "private channel only",
        "Pricing playbook",
        "Anti-bribery course",
        "Still an idea",
        "Retired",
        "Page gone",
    ):
        assert title not in page
    assert private.url not in page


def test_an_item_links_to_its_public_placement_never_its_private_one(client):
    public, private = ChannelFactory(), ChannelFactory(visibility=Visibility.PRIVATE)
    item = live_on(public, days_ago=1, title="On both")
    services.place_item(item=item, channel=private, url=f"{private.url}members/on-both/")

    page = client.get("/").content.decode()

    assert f'href="{item.placements.get(channel=public).url}"' in page
    assert f"{private.url}members/" not in page


def test_recommended_channels_have_follow_and_install_links(client):
    ChannelFactory(
        name="Acme Learns on YouTube",
        platform=Platform.YOUTUBE,
        url="https://www.youtube.com/@acmelearns",
    )

    page = client.get("/").content.decode()

    assert '<a href="https://www.youtube.com/@acmelearns">Follow Acme Learns on YouTube</a>' in page
    assert 'href="https://apps.apple.com/app/id544007664"' in page
    assert 'href="https://play.google.com/store/apps/details?id=com.google.android.youtube"' in page
    assert '<strong class="tag">Free</strong>' in page


def test_a_channel_the_organisation_pays_for_says_so(client):
    ChannelFactory(name="Our pre-paid feed", cost=Cost.PREPAID, cost_note="L&D pays until March.")

    page = client.get("/").content.decode()

    assert '<strong class="tag">Provided by the organisation</strong>' in page
    assert "L&amp;D pays until March." not in page  # the licence note is for curators


def test_private_channels_are_not_recommended(client):
    ChannelFactory(name="Leadership circle", visibility=Visibility.PRIVATE, url="https://circle.example/")

    page = client.get("/").content.decode()

    assert "Leadership circle" not in page
    assert "https://circle.example/" not in page


def test_home_page_costs_the_same_queries_for_many_items(client, django_assert_max_num_queries):
    blog = ChannelFactory()
    for n in range(3):
        live_on(blog, days_ago=1, title=f"Item {n}", topics=[TopicFactory()])
    with django_assert_max_num_queries(10) as few:
        client.get("/")

    for n in range(12):
        live_on(ChannelFactory(), days_ago=2, title=f"More {n}", topics=[TopicFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/").status_code == 200


def test_curation_never_imports_analytics_or_campaigns():
    """Imports point one way: campaigns and analytics build on curation, never the reverse."""
    for path in Path("curation").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"analytics", "campaigns"}, f"{path} imports {name}"
