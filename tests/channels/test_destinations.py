"""One destination rule for every address we store or publish, read as a browser reads it."""

from __future__ import annotations

import ada_url
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings

from channels.destinations import check_destination, check_public_url, is_destination
from channels.models import Channel, Platform
from channels.services import register_channel
from curation import services
from curation.models import Placement
from curation.selectors import PLATFORM_APPS
from tests.channels.hostile_urls import (
    PLATFORM,
    hostile_urls,
    plain_platform_urls,
    python_agrees,
    whatwg_lands_on_platform,
)
from tests.factories import ContentItemFactory, YouTubeChannelFactory

BACKSLASH = "The address has a backslash (\\) in it"
USER_NAME = "The address has a user name before the host (user@host)"
AMBIGUOUS = "which is not how it is written"
INVISIBLE = "The address has a space or an invisible character in it"

# Addresses Python's urlsplit reads as YouTube's while a browser goes elsewhere (or cannot tell).
FOUND = [
    ("https://evil.example\\@www.youtube.com/watch?v=dQw4w9WgXcQ", BACKSLASH),  # browser: evil.example
    ("https://evil.example\\@youtu.be/dQw4w9WgXcQ", BACKSLASH),
    ("https://:@0x7f.1\\www.youtube.com/watch?v=dQw4w9WgXcQ", BACKSLASH),  # browser: 127.0.0.1
    ("https://www.youtube.com\\.evil.example/watch?v=dQw4w9WgXcQ", BACKSLASH),
    ("https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ", USER_NAME),
    ("https://evil.example%5c@www.youtube.com/watch?v=dQw4w9WgXcQ", USER_NAME),
    ("https://evil.example\t@www.youtube.com/watch?v=dQw4w9WgXcQ", INVISIBLE),
    ("https://www.yout%75be.com/watch?v=dQw4w9WgXcQ", AMBIGUOUS),
    ("https://www.youtube\u3002com/watch?v=dQw4w9WgXcQ", AMBIGUOUS),
    ("https://www.youtube.com./watch?v=dQw4w9WgXcQ", "with no dot at the end"),
    ("https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ", "Leave the port"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "message"), FOUND)
def test_placements_a_browser_would_follow_elsewhere_are_refused_with_the_reason(url, message):
    with pytest.raises(ValidationError) as refused:
        services.place_item(item=ContentItemFactory(), channel=YouTubeChannelFactory(), url=url)

    # Django's URL validator may add "Enter a valid URL." beside it; ours says why.
    assert any(message in error for error in refused.value.message_dict["url"])
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_the_admin_form_shows_why_a_placement_address_is_refused(internal_client):
    channel = YouTubeChannelFactory()
    item = ContentItemFactory()

    response = internal_client.post(
        "/admin/curation/placement/add/",
        {
            "item": item.pk,
            "channel": channel.pk,
            "url": "https://evil.example\\@www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"][0].startswith(BACKSLASH)
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_lookalike_hosts_are_not_on_the_platform():
    for url in [
        "https://evil-youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com.evil.org/watch?v=dQw4w9WgXcQ",
        "https://www.xn--ytube-9ve.com/watch?v=dQw4w9WgXcQ",
    ]:
        with pytest.raises(ValidationError) as refused:
            check_destination(url, hosts=PLATFORM, place="Acme videos")
        assert (
            refused.value.message
            == "This address is not on Acme videos: expected a link on youtube.com, youtu.be."
        )


def test_ip_addresses_in_any_notation_are_refused():
    for url in ["https://0x7f.1/", "https://2130706433/", "https://0177.0.0.1/", "https://[::1]/"]:
        with pytest.raises(ValidationError) as refused:
            check_public_url(url)
        assert refused.value.message in (
            "Use the site's name, not an IP address.",
            f"A browser would read this address's site as “{ada_url.URL(url).hostname}”, which is not how "
            "it is written: write the site name plainly (international names in their xn-- form).",
        )


def test_the_accepted_address_is_returned_as_a_browser_writes_it():
    assert check_destination("HTTPS://WWW.YouTube.com:443/watch?v=x", hosts=PLATFORM, place="YouTube") == (
        "https://www.youtube.com/watch?v=x"
    )


@pytest.mark.django_db
def test_a_channel_address_must_be_plain_and_on_its_platform():
    with pytest.raises(ValidationError) as off_platform:
        register_channel(
            name="Videos", platform=Platform.YOUTUBE, url="https://evil.example\\@www.youtube.com/"
        )
    with pytest.raises(ValidationError) as on_an_ip:
        register_channel(name="Blog", platform=Platform.BLOG, url="https://127.0.0.1/blog/")

    assert off_platform.value.message_dict["url"][0].startswith(BACKSLASH)
    assert on_an_ip.value.message_dict["url"] == ["Use the site's name, not an IP address."]


@pytest.mark.django_db
def test_a_blog_channel_adds_its_own_site_and_nothing_a_browser_would_read_differently():
    blog = register_channel(name="Blog", platform=Platform.BLOG, url="https://www.acme.example/learning/")

    assert blog.allowed_hosts == ("www.acme.example",)
    assert (
        blog.check_url("https://www.acme.example/learning/sleep/")
        == "https://www.acme.example/learning/sleep/"
    )
    with pytest.raises(ValidationError) as refused:
        blog.check_url("https://evil.example\\@www.acme.example/learning/")
    assert refused.value.message.startswith(BACKSLASH)


@pytest.mark.django_db
def test_a_platform_channel_saved_off_its_platform_does_not_widen_where_placements_lead():
    channel = YouTubeChannelFactory(name="Acme videos")
    Channel.objects.filter(pk=channel.pk).update(url="https://evil.example/")  # a row from before the rule
    channel.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.place_item(
            item=ContentItemFactory(), channel=channel, url="https://evil.example/watch?v=dQw4w9WgXcQ"
        )

    assert (
        "This address is not on Acme videos: expected a link on youtube.com, youtu.be."
        in (refused.value.message_dict["url"])
    )


def test_every_published_app_store_link_passes_the_rule():
    links = [link.url for app in PLATFORM_APPS.values() for link in app.links]

    assert links and all(is_destination(url, hosts=("apps.apple.com", "play.google.com")) for url in links)


# Properties: the placement's verdict against an independent WHATWG parse and Python's urlsplit.


def placement_accepts(url: str) -> bool:
    """Placement.clean's verdict (with the URL field's own validator), on a YouTube channel."""
    channel = Channel(
        pk=1, name="Acme videos", platform=Platform.YOUTUBE, url="https://www.youtube.com/@acme"
    )
    placement = Placement(channel=channel, url=url)
    try:
        placement.full_clean(exclude=["item", "channel"], validate_unique=False, validate_constraints=False)
    except ValidationError:
        return False
    return True


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_urls())
def test_an_accepted_placement_leads_a_browser_to_the_platform_and_python_agrees(url):
    if placement_accepts(url):
        assert whatwg_lands_on_platform(url), url
        assert python_agrees(url), url


@settings(max_examples=300, deadline=None)
@given(plain_platform_urls())
def test_ordinary_platform_addresses_are_accepted(url):
    assert placement_accepts(url), url


@pytest.mark.parametrize("char", ["\\", "\t", "\n", "\r", "\u200b", "\u202e", " ", "\xa0"])
def test_a_backslash_or_invisible_character_anywhere_is_refused(char):
    for url in [
        f"htt{char}ps://www.youtube.com/watch",
        f"https://www.youtube.com{char}/watch",
        f"https://www.you{char}tube.com/watch",
        f"https://www.youtube.com/wat{char}ch",
        f"https://www.youtube.com/watch{char}",
    ]:
        assert not placement_accepts(url), url
