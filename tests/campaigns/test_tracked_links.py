"""/l/<token>: one link per campaign, medium and placement; anonymous counts; never an open redirect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection

from campaigns.models import Campaign, LinkClickDay, Medium, TrackedLink
from campaigns.tracking import check_destination, flush_clicks, tracked_link_for
from curation import services
from curation.models import Sensitivity
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory, YouTubeChannelFactory

pytestmark = pytest.mark.django_db

PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture
def placement():
    channel = YouTubeChannelFactory(name="Acme Learns")
    placement = services.place_item(
        item=ContentItemFactory(title="Giving feedback"),
        channel=channel,
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    services.mark_live(item=placement.item)
    return placement


@pytest.fixture
def link(placement):
    campaign = Campaign.objects.create(name="Feedback week", slug="feedback-week")
    return tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement)


def click(client, link, user_agent=PHONE_BROWSER, address="203.0.113.7", method="get"):
    return getattr(client, method)(f"/l/{link.token}", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def totals(link) -> tuple[int, int, int, int]:
    flush_clicks()
    day = LinkClickDay.objects.filter(link=link).first()
    return (day.raw_hits, day.bot_hits, day.human_clicks, day.unique_clicks) if day else (0, 0, 0, 0)


def test_one_link_per_campaign_medium_and_placement_with_an_unguessable_token(link, placement):
    again = tracked_link_for(campaign=link.campaign, medium=Medium.SMS, placement=placement)
    by_email = tracked_link_for(campaign=link.campaign, medium=Medium.EMAIL, placement=placement)

    assert again == link and by_email != link
    assert len(link.token) >= 22  # 16 random bytes, URL-safe


def test_the_redirect_adds_utm_parameters_and_is_not_cached(client, link, placement):
    response = click(client, link)

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "www.youtube.com", "/watch")
    assert parse_qs(target.query) == {
        "v": ["dQw4w9WgXcQ"],
        "utm_source": ["sms"],
        "utm_medium": ["sms"],
        "utm_campaign": ["feedback-week"],
        "utm_content": [f"placement-{placement.pk}"],
    }
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_token_is_not_found(client):
    assert client.get("/l/not-a-real-token").status_code == 404


@pytest.mark.parametrize("token", ["9" * 300, "é" * 40, "a.b~c"])
def test_an_address_no_token_could_have_is_not_found_without_a_lookup(
    client, token, django_assert_num_queries
):
    # 300 digits made a cache key past memcached's 250 characters (a CacheKeyWarning, a 500 in tests).
    with django_assert_num_queries(0):
        assert client.get(f"/l/{token}").status_code == 404


def test_sensitive_or_unfinished_items_cannot_be_promoted():
    campaign = Campaign.objects.create(name="C", slug="c")
    idea = PlacementFactory(item=ContentItemFactory(title="Not yet live"))
    private = ChannelFactory(visibility="private")
    sensitive = PlacementFactory(
        item=ContentItemFactory(title="Pricing", sensitivity=Sensitivity.BUSINESS_SENSITIVE), channel=private
    )
    services.mark_live(item=sensitive.item)

    with pytest.raises(ValidationError, match="“Not yet live” is not live"):
        tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=idea)
    # Even on a private channel: campaigns go to everyone who signed up, not a closed group.
    with pytest.raises(ValidationError, match="“Pricing” is business-sensitive: campaigns never promote it"):
        tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=sensitive)
    assert not TrackedLink.objects.exists()


OPEN_REDIRECTS = [
    "javascript:alert(1)",
    "//evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example/watch?v=dQw4w9WgXcQ",
    "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@evil.example/watch",
    "https://user:pw@www.youtube.com/watch",
    "https://www.youtube.com\\@evil.example/",
    "https:\\\\evil.example",
    "https://www.youtube.com.evil.example/watch",
    "https://evilyoutube.com/watch",
    "https://www.y\u043eutube.com/watch",  # a Cyrillic o
    "https://www.xn--ytube-9ve.com/watch",
    "https://www.youtube.com%2F@evil.example",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("url", OPEN_REDIRECTS)
def test_destinations_off_the_channel_are_refused_when_the_link_is_made(placement, url):
    with pytest.raises(ValidationError):
        check_destination(url, placement)


@pytest.mark.parametrize("url", OPEN_REDIRECTS)
def test_a_destination_tampered_in_the_database_is_refused_at_redirect(client, link, url):
    TrackedLink.objects.filter(pk=link.pk).update(destination=url)

    assert click(client, link).status_code == 404


@pytest.mark.parametrize(
    "user_agent",
    [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "WhatsApp/2.23.20.0",
        "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage previews say this
        "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1) Microsoft Office Protection SafeLinks",
        "Mimecast-URL-Protect/1.0",
        "Proofpoint URL Defense",
        "python-requests/2.32",
        "curl/8.4.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
        "",
    ],
)
def test_previews_scanners_and_scripts_are_bots_not_clicks(client, link, user_agent):
    click(client, link, user_agent=user_agent)

    assert totals(link) == (1, 1, 0, 0)


def test_head_requests_are_bots(client, link):
    click(client, link, method="head")

    assert totals(link) == (1, 1, 0, 0)


def test_people_are_counted_once_a_day_and_flushing_twice_adds_nothing(client, link):
    click(client, link)
    click(client, link)
    click(client, link, address="198.51.100.9")

    assert totals(link) == (3, 0, 3, 2)
    assert totals(link) == (3, 0, 3, 2)


def test_no_address_or_browser_is_stored(client, link):
    click(client, link, address="203.0.113.77")
    flush_clicks()

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = str(cursor.fetchall())
            assert "203.0.113.77" not in rows and "iPhone" not in rows, table


@pytest.mark.requires("redis")
def test_with_redis_counts_wait_there_and_hold_no_address(client, link, settings):
    click(client, link, address="203.0.113.77")
    click(client, link, user_agent="WhatsApp/2")
    store = redis.Redis.from_url(settings.REDIS_URL)

    assert LinkClickDay.objects.count() == 0  # nothing written on the redirect's path
    for key in store.scan_iter("clicks:*"):
        dumped = str(store.dump(key))
        assert "203.0.113.77" not in dumped and "iPhone" not in dumped
    assert totals(link) == (2, 1, 1, 1)


@pytest.mark.requires("redis")
def test_the_redirect_works_while_the_database_is_away(client, link, django_db_blocker):
    click(client, link)  # resolves once, and caches the target in Redis
    cache_key = f"tracked-link:{link.token}"
    assert cache.get(cache_key)

    with django_db_blocker.block():
        response = click(client, link)

    assert response.status_code == 302
