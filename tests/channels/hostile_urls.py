"""Hypothesis strategies for addresses a curator might paste, or an attacker might plant.

Built from the pieces that make browsers and Python's urlsplit disagree: user names before the
host, backslashes, tabs and newlines, percent-encoding, full-width and ideographic dots, IDNA,
ports, odd IPv4 forms and schemes, joined in any order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import ada_url
from hypothesis import strategies as st

from channels.destinations import host_matches

PLATFORM = ("youtube.com", "youtu.be")

# The plain forms repeat so that most draws are nearly right, where disagreements hide.
SCHEMES = ["https"] * 6 + ["HTTPS", "http", "javascript", "data", "ftp", "", "https ", "ht\ttps", "https\n"]
SEPARATORS = ["://"] * 6 + [":/", ":", ":\\\\", ":/\\", ":\\/", ":///", "://\t", ":// ", "://\u200b"]

HOSTS = [
    "www.youtube.com",
    "youtube.com",
    "m.youtube.com",
    "youtu.be",
    "WWW.YouTube.COM",
    "www.youtube.com.",
    "evil.example",
    "evil-youtube.com",
    "evilyoutube.com",
    "youtube.com.evil.org",
    "www.youtube.com.evil.example",
    "www.yout%75be.com",
    "%77ww.youtube.com",
    "www%2eyoutube.com",
    "www\u3002youtube\u3002com",  # ideographic full stops
    "www\uff0eyoutube\uff0ecom",  # full-width full stops
    "www.youtube\uff0ecom",
    "www.y\u043eutube.com",  # Cyrillic o
    "xn--ytube-nwa.com",
    "www.xn--ytube-9ve.com",
    "\uff59\uff4f\uff55\uff54\uff55\uff42\uff45.com",  # full-width letters
    "youtube.com\u200b",
    "0x7f.1",
    "127.1",
    "2130706433",
    "0177.0.0.1",
    "127.0.0.1",
    "[::1]",
    "[::ffff:7f00:1]",
    "localhost",
    "",
]

USERINFO = [
    "",
    "",
    "",
    "user:pw@",
    "www.youtube.com@",
    "evil.example@",
    "evil.example\\@",
    "evil.example%40",
    "evil.example%5c@",
    "evil.example:443@",
    "@",
    ":@",
]

JOINS = ["", "", "\\", "/", "\\@", "@", "#", "?", "\t", "\n", "\r", " ", "%2F", "%5C", "%40", ";", "\x00"]

PORTS = ["", "", "", ":443", ":8443", ":0", ":99999", ":", ":44\t3", ":0x1bb"]

PATHS = [
    "",
    "/",
    "/watch?v=dQw4w9WgXcQ",
    "/@evil.example",
    "\\.evil.example/",
    "/a/../b",
    "/%2e%2e/",
    "?q=@evil",
]


@st.composite
def hostile_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(SCHEMES))
    separator = draw(st.sampled_from(SEPARATORS))
    userinfo = draw(st.sampled_from(USERINFO))
    hosts = draw(st.lists(st.sampled_from(HOSTS), min_size=1, max_size=3))
    joins = draw(st.lists(st.sampled_from(JOINS), min_size=len(hosts) - 1, max_size=len(hosts) - 1))
    authority = hosts[0] + "".join(join + host for join, host in zip(joins, hosts[1:], strict=True))
    port = draw(st.sampled_from(PORTS))
    path = draw(st.sampled_from(PATHS))
    noise = draw(st.one_of(st.just(""), st.text(alphabet="\\/@:.%\t\n #?", max_size=2)))
    return f"{scheme}{separator}{userinfo}{authority}{port}{noise}{path}"


@st.composite
def plain_platform_urls(draw: st.DrawFn) -> str:
    """Ordinary addresses on the platform, as a share sheet gives them: these must be accepted."""
    subdomain = draw(st.sampled_from(["", "www.", "m.", "music."]))
    host = draw(st.sampled_from(PLATFORM))
    path = draw(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/", max_size=20)
    )
    query = draw(st.sampled_from(["", "?v=dQw4w9WgXcQ", "?v=dQw4w9WgXcQ&t=10s", "?si=abc"]))
    return f"https://{subdomain}{host}/{path}{query}"


# Independent judges of a verdict: a WHATWG parse alone, and Python's reading beside it.


def whatwg_lands_on_platform(url: str) -> bool:
    """What a browser would do, by ada_url's WHATWG parse alone."""
    if not ada_url.check_url(url):
        return False
    parsed = ada_url.parse_url(url)
    return (
        parsed["protocol"] == "https:"
        and not parsed["username"]
        and not parsed["password"]
        and any(host_matches(parsed["hostname"], allowed) for allowed in PLATFORM)
    )


def python_agrees(url: str) -> bool:
    """Python's urlsplit reads the same host as the browser, and no credentials."""
    try:
        python = urlsplit(url)
        return (
            python.hostname == ada_url.parse_url(url)["hostname"]
            and python.username is None
            and python.scheme.lower() == "https"
        )
    except ValueError:
        return False
