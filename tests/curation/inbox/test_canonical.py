"""The canonical address: every hostile address is refused or lands where a browser would go."""

from __future__ import annotations

import ada_url
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings

from channels.destinations import host_matches
from curation.inbox.canonical import canonical_url
from tests.channels.hostile_urls import hostile_urls


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_urls())
def test_a_hostile_address_is_refused_or_canonical_where_a_browser_goes(url):
    try:
        canonical = canonical_url(url)
    except ValidationError:
        return
    browser = ada_url.URL(url)
    assert canonical.startswith("https://"), url
    if canonical.startswith("https://www.youtube.com/watch?v="):
        # A video on any of YouTube's own hosts (m., music., youtu.be) is its watch address.
        assert browser.hostname.lower() == "youtu.be" or host_matches(browser.hostname, "youtube.com"), url
    else:
        assert ada_url.URL(canonical).hostname == browser.hostname.lower(), url
    assert canonical_url(canonical) == canonical, url


def test_links_to_the_same_page_share_one_canonical_address():
    same = [
        "https://Blog.Example.org/calm/",
        "https://blog.example.org/calm#comments",
        "https://blog.example.org/calm?utm_source=rss&utm_medium=feed",
        "https://blog.example.org:443/calm?fbclid=abc",
    ]
    assert {canonical_url(url) for url in same} == {"https://blog.example.org/calm"}
    assert canonical_url("https://youtu.be/dQw4w9WgXcQ?si=x") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_a_site_whose_name_merely_ends_in_youtube_keeps_its_own_address():
    # "notyoutube.com" is another site: its watch page must not pass for YouTube's video.
    assert canonical_url("https://notyoutube.com/watch?v=dQw4w9WgXcQ") == (
        "https://notyoutube.com/watch?v=dQw4w9WgXcQ"
    )
