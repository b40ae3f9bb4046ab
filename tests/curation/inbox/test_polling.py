"""Polling sources against a loopback feed server: good feeds, and every way a feed goes wrong.

A failed poll writes its reason on the source in plain words and changes nothing else.
"""

from __future__ import annotations

import socket
import time

import pytest
from django.utils import timezone

from channels.models import Platform
from curation.inbox import polling
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus, SourceKind
from curation.inbox.polling import Outcome
from tests.factories import ChannelFactory, PlacementFactory
from tests.fakes.feeds import ATOM, CHANNEL_ID, FeedAnswer, Item, atom, rss, youtube_feed

pytestmark = pytest.mark.django_db

ARTICLES = [
    Item(
        "Three questions that calm an angry customer",
        "https://blog.example.org/calm",
        "<p>Ask, then listen.</p>",
    ),
    Item("Desk stretches", "https://blog.example.org/stretches", "Five minutes.", tags=("wellbeing",)),
    Item("Meetings with a purpose", "https://www.wikihow.com/Run-a-Meeting", "A how-to."),
]


def source_for(url: str, name: str = "Learning blog", **fields: object) -> CandidateSource:
    return CandidateSource.objects.create(name=name, url=url, **fields)


def snapshot(source: CandidateSource) -> tuple:
    source.refresh_from_db()
    return (
        list(Candidate.objects.order_by("pk").values_list("canonical_url", "status")),
        source.etag,
        source.last_modified,
        source.last_success_at,
    )


def test_an_rss_feed_brings_in_its_entries_with_where_when_and_a_summary(feeds):
    source = source_for(feeds.serve("/feed.xml", rss(ARTICLES)))

    result = polling.poll_source(source)

    assert result.outcome == Outcome.READ
    assert result.summary() == "“Learning blog”: 3 new candidates, 0 already known."
    calm = Candidate.objects.get(canonical_url="https://blog.example.org/calm")
    assert calm.source == source
    assert calm.title == "Three questions that calm an angry customer"
    assert calm.summary == "Ask, then listen."  # Plain text: nothing from a feed is rendered as HTML.
    assert calm.published_at.isoformat() == "2026-11-02T09:30:00+00:00"
    assert calm.status == CandidateStatus.NEW
    assert Candidate.objects.get(title="Desk stretches").tags == ["wellbeing"]
    source.refresh_from_db()
    assert source.last_polled_at == source.last_success_at and source.last_error == ""


def test_an_atom_feed_is_read_the_same_way(feeds):
    source = source_for(feeds.serve("/atom", FeedAnswer(atom(ARTICLES), content_type=ATOM)))

    assert polling.poll_source(source).recorded.added == 3
    assert set(Candidate.objects.values_list("title", flat=True)) == {item.title for item in ARTICLES}


def test_the_fetcher_names_itself_and_asks_for_feeds(feeds, settings):
    settings.PROGRAMME_NAME = "Acme Learns"
    source = source_for(feeds.serve("/feed.xml", rss(ARTICLES)))

    polling.poll_source(source)

    headers = feeds.asked("/feed.xml")[0].headers
    assert headers["User-Agent"].startswith("AcmeLearns-FeedReader/1.0 (+")
    assert "application/rss+xml" in headers["Accept"]


def test_an_unchanged_feed_answers_304_to_the_validators_and_nothing_is_added(feeds):
    answer = FeedAnswer(rss(ARTICLES), etag='"v1"', last_modified="Mon, 02 Nov 2026 09:30:00 GMT")
    source = source_for(feeds.serve("/feed.xml", answer))
    polling.poll_source(source)
    Candidate.objects.filter(title="Desk stretches").delete()  # Were it re-read, it would come back.
    before = snapshot(source)

    result = polling.poll_source(source)

    second = feeds.asked("/feed.xml")[1].headers
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Mon, 02 Nov 2026 09:30:00 GMT"
    assert result.outcome == Outcome.NOT_MODIFIED
    assert Candidate.objects.count() == 2
    candidates, etag, last_modified, last_success = before
    assert snapshot(source)[:3] == (candidates, etag, last_modified)
    assert source.last_success_at > last_success and source.last_polled_at == source.last_success_at


def test_a_304_after_a_failed_poll_clears_the_stale_error(feeds):
    source = source_for(feeds.serve("/feed.xml", FeedAnswer(rss(ARTICLES), etag='"v1"')))
    polling.poll_source(source)
    feeds.serve("/feed.xml", FeedAnswer(b"", status=503))
    assert polling.poll_source(source).outcome == Outcome.FAILED
    feeds.serve("/feed.xml", FeedAnswer(rss(ARTICLES), etag='"v1"'))

    assert polling.poll_source(source).outcome == Outcome.NOT_MODIFIED
    source.refresh_from_db()
    assert source.last_error == ""


def test_a_changed_feed_brings_only_its_new_entries(feeds):
    source = source_for(feeds.serve("/feed.xml", FeedAnswer(rss(ARTICLES[:2]), etag='"v1"')))
    polling.poll_source(source)
    feeds.serve("/feed.xml", FeedAnswer(rss(ARTICLES), etag='"v2"'))

    result = polling.poll_source(source)

    assert (result.recorded.added, result.recorded.already_known) == (1, 2)
    source.refresh_from_db()
    assert source.etag == '"v2"'


def test_broken_xml_keeps_the_entries_read_before_the_fault_and_says_so(feeds):
    body = rss(ARTICLES).replace(b"</item><item><title>Meetings", b"</item><item><title>Meetings<oops>")
    source = source_for(feeds.serve("/broken.xml", body))

    result = polling.poll_source(source)

    assert result.outcome == Outcome.READ
    assert Candidate.objects.filter(title__in=["Desk stretches", ARTICLES[0].title]).count() == 2
    source.refresh_from_db()
    assert source.last_error.startswith("The feed's XML is broken (line 1: mismatched tag): the ")
    assert "entries read before the fault are kept" in source.last_error


def test_a_50_mb_feed_is_refused_quickly_and_changes_nothing(feeds):
    source = source_for(feeds.serve("/feed.xml", rss(ARTICLES)))
    polling.poll_source(source)
    before = snapshot(source)
    for declared in (True, False):  # Announced by Content-Length, or only found out while reading.
        feeds.serve("/feed.xml", FeedAnswer(huge=50 * 1024 * 1024, declare_length=declared))
        started = time.monotonic()

        result = polling.poll_source(source)

        assert time.monotonic() - started < 2
        assert result.outcome == Outcome.FAILED
        assert result.error.startswith(
            "The feed is larger than 5 MB (INBOX_MAX_FEED_BYTES), so it was not read"
        )
        assert snapshot(source) == before
        assert source.last_error == result.error


def test_a_redirect_loop_is_a_plain_error(feeds):
    feeds.serve("/a", FeedAnswer(status=301, location="/b"))
    feeds.serve("/b", FeedAnswer(status=302, location=f"{feeds.url}/a"))
    source = source_for(f"{feeds.url}/a")

    result = polling.poll_source(source)

    assert result.outcome == Outcome.FAILED
    assert result.error == (
        f"The feed address redirects in a loop ({feeds.url}/a → {feeds.url}/b → {feeds.url}/a): the "
        "publisher's site is misconfigured, or the feed has moved; open it in a browser to find its "
        "current address."
    )
    assert len(feeds.requests) == 2
    assert Candidate.objects.count() == 0


def test_redirects_are_followed_a_few_times_and_no_more(feeds):
    for hop in range(7):
        feeds.serve(f"/hop{hop}", FeedAnswer(status=301, location=f"/hop{hop + 1}"))
    feeds.serve("/hop7", rss(ARTICLES))

    assert polling.poll_source(source_for(f"{feeds.url}/hop3", name="Near")).recorded.added == 3
    result = polling.poll_source(source_for(f"{feeds.url}/hop0", name="Far"))
    assert result.error.startswith("The feed address redirects more than 5 times")


def test_a_redirect_to_an_address_outside_the_rule_is_not_followed(feeds):
    feeds.serve("/moved", FeedAnswer(status=301, location="http://10.0.0.5/feed.xml"))

    result = polling.poll_source(source_for(f"{feeds.url}/moved"))

    assert result.error == (
        "The feed redirects to http://10.0.0.5/feed.xml, and that address cannot be used: Use the "
        "https:// address: employees open these links on their phones."
    )
    assert [request.path for request in feeds.requests] == ["/moved"]


@pytest.fixture
def dns(monkeypatch):
    """Names this test says resolve somewhere: DNS is outside our control, and offline here."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "127.0.0.1", "100.64.0.1"])
def test_a_public_looking_name_that_leads_to_a_private_address_is_not_fetched(feeds, dns, address):
    dns["news.acme-learning.example"] = address
    before = snapshot(source := source_for("https://news.acme-learning.example/feed.xml"))

    result = polling.poll_source(source)

    assert result.outcome == Outcome.FAILED
    assert result.error == (
        f"The feed's site (news.acme-learning.example) leads to a private network address ({address}), "
        "not the public internet, so it is not read: feeds come from public sites."
    )
    assert snapshot(source) == before


def test_a_redirect_to_a_name_that_leads_to_a_private_address_is_not_followed(feeds, dns):
    dns["metadata.cloud.example"] = "169.254.169.254"
    feeds.serve("/moved", FeedAnswer(status=302, location="https://metadata.cloud.example/latest/"))

    result = polling.poll_source(source_for(f"{feeds.url}/moved"))

    assert result.error.startswith("The feed's site (metadata.cloud.example) leads to a private network")
    assert [request.path for request in feeds.requests] == ["/moved"]


def test_a_slow_server_times_out_with_a_plain_error(feeds, settings):
    settings.INBOX_FETCH_SECONDS = 0.5
    source = source_for(feeds.serve("/slow", FeedAnswer(rss(ARTICLES), delay=3)))
    started = time.monotonic()

    result = polling.poll_source(source)

    assert time.monotonic() - started < 2
    assert result.error == "The feed's site did not answer within 0.5 seconds: it will be tried again."
    assert Candidate.objects.count() == 0


def test_a_feed_trickled_out_byte_by_byte_is_given_up_at_the_time_limit(feeds, settings):
    settings.INBOX_FETCH_SECONDS = 0.5
    source = source_for(feeds.serve("/trickle", FeedAnswer(rss(ARTICLES), trickle=0.01)))
    started = time.monotonic()

    result = polling.poll_source(source)

    assert time.monotonic() - started < 2
    assert result.error.startswith("The feed took longer than 0.5 seconds to arrive, so it was given up")
    assert Candidate.objects.count() == 0


def test_a_feed_that_repeats_its_entries_gives_one_candidate_each(feeds):
    repeated = [*ARTICLES, ARTICLES[0], Item("Calm, again", "https://blog.example.org/calm/?utm_source=rss")]
    source = source_for(feeds.serve("/feed.xml", rss(repeated)))

    result = polling.poll_source(source)

    assert (result.recorded.added, result.recorded.already_known) == (3, 2)
    assert Candidate.objects.filter(canonical_url="https://blog.example.org/calm").count() == 1


def test_one_bad_entry_never_loses_the_others_and_is_named(feeds):
    hostile = [
        Item("Click me", "javascript:alert(document.cookie)"),
        Item("Backslashed", "https://www.youtube.com\\@evil.example/"),
        Item("Plain http", "http://blog.example.org/old"),
        Item("", "https://blog.example.org/untitled"),
        *ARTICLES,
    ]
    source = source_for(feeds.serve("/feed.xml", rss(hostile)))

    result = polling.poll_source(source)

    assert result.recorded.added == 3
    assert set(Candidate.objects.values_list("title", flat=True)) == {item.title for item in ARTICLES}
    source.refresh_from_db()
    lines = source.last_error.splitlines()
    assert len(lines) == 4
    assert any(line.startswith("“Click me”: ") for line in lines)
    assert any(line.startswith("“Backslashed”: The address has a backslash") for line in lines)
    assert (
        "“Plain http”: Use the https:// address: employees open these links on their phones. Left out."
        in lines
    )
    assert "An entry at 'https://blog.example.org/untitled' has no title: left out." in lines
    assert source.last_success_at is not None


def test_a_web_page_is_not_a_feed_and_says_where_the_feed_is(feeds):
    page = (
        b"<!DOCTYPE html><html><head><title>Blog</title>"
        b'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Hi</body></html>'
    )
    source = source_for(feeds.serve("/blog/", FeedAnswer(page, content_type="text/html")))

    result = polling.poll_source(source)

    assert result.error == (
        "This address answered with a web page, not a feed. The page names its feed at "
        f"{feeds.url}/feed.xml: register that address instead."
    )
    source.refresh_from_db()
    assert source.last_error == result.error and source.last_success_at is None


def test_an_empty_answer_is_not_a_feed(feeds):
    result = polling.poll_source(source_for(feeds.serve("/empty", b"")))

    assert result.error == "This address answered with nothing (an empty page), not a feed."


def test_a_body_that_names_a_file_is_never_opened(feeds, tmp_path):
    """feedparser reads a str or bytes that is a path as that file: bodies go to it as a stream."""
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss([Item("Read from the server's disk", "https://blog.example.org/disk")]))

    result = polling.poll_source(source_for(feeds.serve("/path", str(secret).encode())))

    assert result.outcome == Outcome.FAILED
    assert Candidate.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, "There is no feed at this address any more (404): ask the publisher."),
        (403, "The feed's site refused to serve it (403): the feed may be private."),
        (503, "The feed's site answered 503 (busy or in trouble): it will be tried again."),
    ],
)
def test_an_error_status_is_a_plain_error(feeds, status, error):
    source = source_for(feeds.serve("/feed.xml", FeedAnswer(b"", status=status)))

    assert polling.poll_source(source).error == error


def test_a_site_that_cannot_be_reached_is_a_plain_error(feeds):
    from tests.helpers import free_port

    source = source_for(f"http://127.0.0.1:{free_port()}/feed.xml")

    result = polling.poll_source(source)

    assert result.error.startswith("The feed's site (127.0.0.1) could not be reached")


def test_plain_http_is_refused_outside_loopback_and_loopback_only_when_allowed(feeds, settings):
    source = source_for("http://blog.example.org/feed.xml")
    assert polling.poll_source(source).error == (
        "The feed address cannot be used: Use the https:// address: employees open these links on "
        "their phones."
    )
    settings.INBOX_LOOPBACK_FEEDS = False
    loopback = source_for(feeds.serve("/feed.xml", rss(ARTICLES)), name="Loopback")

    assert polling.poll_source(loopback).outcome == Outcome.FAILED
    assert feeds.requests == []


def test_a_candidate_already_placed_or_dismissed_never_comes_back(feeds):
    wikihow = ChannelFactory(name="WikiHow guides", platform=Platform.WIKIHOW, url="https://www.wikihow.com/")
    PlacementFactory(channel=wikihow, url="https://www.wikihow.com/Run-a-Meeting")
    source = source_for(feeds.serve("/feed.xml", rss(ARTICLES)))
    polling.poll_source(source)
    Candidate.objects.filter(title="Desk stretches").update(
        status=CandidateStatus.DISMISSED, dismiss_reason="Not for us", decided_at=timezone.now()
    )
    Candidate.objects.filter(title=ARTICLES[0].title).delete()  # Gone: a re-read may add it again.

    result = polling.poll_source(source)

    assert (result.recorded.added, result.recorded.already_known) == (1, 2)
    assert Candidate.objects.filter(title="Desk stretches").get().status == CandidateStatus.DISMISSED
    assert not Candidate.objects.filter(canonical_url="https://www.wikihow.com/Run-a-Meeting").exists()


def test_the_same_article_from_two_feeds_is_one_candidate_from_the_first(feeds):
    first = source_for(feeds.serve("/one.xml", rss(ARTICLES)), name="One")
    second = source_for(
        feeds.serve("/two.xml", rss([Item("Calm customers", "https://BLOG.example.org/calm/#comments")])),
        name="Two",
    )

    polling.poll_source(first)
    result = polling.poll_source(second)

    assert (result.recorded.added, result.recorded.already_known) == (0, 1)
    assert Candidate.objects.get(canonical_url="https://blog.example.org/calm").source == first


def test_a_youtube_channel_is_read_from_its_public_feed(feeds):
    videos = [("dQw4w9WgXcQ", "Handling the price objection", "Three moves.\nWatch to the end.")]
    feeds.serve(
        f"/feeds/videos.xml?channel_id={CHANNEL_ID}", FeedAnswer(youtube_feed(videos), content_type=ATOM)
    )
    source = CandidateSource.objects.create(
        name="Acme on YouTube", kind=SourceKind.YOUTUBE_CHANNEL, youtube_id=CHANNEL_ID
    )

    assert polling.poll_source(source).recorded.added == 1

    video = Candidate.objects.get()
    assert video.url == video.canonical_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert video.external_id == "dQw4w9WgXcQ"
    assert video.summary == "Three moves. Watch to the end."
    assert video.suggested_format == "video"


def test_a_youtube_playlist_asks_for_the_playlist_feed(feeds):
    path = "/feeds/videos.xml?playlist_id=PLacme01"
    feeds.serve(path, FeedAnswer(youtube_feed([]), content_type=ATOM))
    source = CandidateSource.objects.create(
        name="List", kind=SourceKind.YOUTUBE_PLAYLIST, youtube_id="PLacme01"
    )

    assert polling.poll_source(source).outcome == Outcome.READ
    assert len(feeds.asked(path)) == 1


def test_an_owned_channel_is_left_to_analytics(feeds):
    source = CandidateSource.objects.create(
        name="Our blog", kind=SourceKind.OWNED_CHANNEL, channel=ChannelFactory()
    )

    assert polling.poll_source(source).outcome == Outcome.SKIPPED
    source.refresh_from_db()
    assert source.last_polled_at is None and feeds.requests == []


def test_one_request_per_site_per_delay(feeds, settings):
    settings.INBOX_HOST_DELAY_SECONDS = 0.6
    first = source_for(feeds.serve("/one.xml", rss(ARTICLES[:1])), name="One")
    second = source_for(feeds.serve("/two.xml", rss(ARTICLES[1:])), name="Two")
    polling.poll_source(first)

    busy = polling.poll_source(second)  # Not willing to wait: left for its turn, nothing changed.
    waited = polling.poll_source(second, wait_seconds=2)

    assert busy.outcome == Outcome.HOST_BUSY
    assert busy.error == "Not polled: 127.0.0.1 was asked moments ago; it will be polled in its turn."
    assert waited.outcome == Outcome.READ
    one, two = feeds.requests
    assert (one.path, two.path) == ("/one.xml", "/two.xml")
    assert two.at - one.at >= 0.55


def test_a_busy_site_leaves_the_source_untouched(feeds, settings):
    settings.INBOX_HOST_DELAY_SECONDS = 5
    first = source_for(feeds.serve("/one.xml", rss(ARTICLES[:1])), name="One")
    second = source_for(feeds.serve("/two.xml", rss(ARTICLES[1:])), name="Two")
    polling.poll_source(first)

    polling.poll_source(second)

    second.refresh_from_db()
    assert second.last_polled_at is None and second.last_error == ""
    assert len(feeds.requests) == 1


def test_an_entity_bomb_is_refused_by_the_xml_parser_not_expanded(feeds):
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lolololololol">{entities}]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><title>&lol9;</title><link>https://blog.example.org/bomb</link></item></channel></rss>"
    ).encode()
    source = source_for(feeds.serve("/bomb.xml", body))
    started = time.monotonic()

    polling.poll_source(source)

    assert time.monotonic() - started < 3
    assert not Candidate.objects.filter(title__contains="lollol").exists()
    source.refresh_from_db()
    assert "limit on input amplification factor" in source.last_error


def test_an_external_entity_never_reads_a_file_from_the_server(feeds):
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>Passwords &xxe;</title><link>https://blog.example.org/xxe</link></item></channel></rss>"
    )

    polling.poll_source(source_for(feeds.serve("/xxe.xml", body)))

    title = Candidate.objects.get().title
    assert title.startswith("Passwords") and "root:" not in title
