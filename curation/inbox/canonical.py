"""The one address a candidate is known by, so the same page is one candidate however it is linked.

It starts from the placements' rule (channels.destinations.check_public_url: the address as a browser
reads it, or refused), then drops what varies between links to the same page: the fragment, tracking
parameters, the order of the query and a trailing slash. A YouTube video is its watch address.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

import ada_url
from django.core.exceptions import ValidationError

from channels.destinations import check_public_url, host_matches
from curation.models import youtube_video_id

# Added by mail and social tools to say where a click came from: never part of the page's identity.
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "si"})
TRACKING_PREFIXES = ("utm_",)


def canonical_url(url: str) -> str:
    """The canonical address; ValidationError (a curator-readable message) if the address is refused."""
    href = check_public_url(url)
    video = youtube_video_id(_embed_on_youtube(href))
    if video:
        return f"https://www.youtube.com/watch?v={video}"
    parsed = ada_url.URL(href)
    query = [
        (name, value)
        for name, value in parse_qsl(parsed.search.removeprefix("?"), keep_blank_values=True)
        if name.lower() not in TRACKING_PARAMETERS and not name.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parsed.pathname
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    host = parsed.hostname.lower()
    canonical = f"https://{host}{path}"
    if query:
        canonical += "?" + urlencode(sorted(query))
    return canonical


def _embed_on_youtube(href: str) -> str:
    """YouTube's privacy-enhanced player (www.youtube-nocookie.com/embed/ID) plays the same video as
    www.youtube.com/embed/ID: read as that, so an embedded video is one candidate with the others."""
    parsed = ada_url.URL(href)
    if host_matches(parsed.hostname, "youtube-nocookie.com") and parsed.pathname.startswith("/embed/"):
        return f"https://www.youtube.com{parsed.pathname}"
    return href


def canonical_or_none(url: str) -> str | None:
    try:
        return canonical_url(url)
    except ValidationError:
        return None


def canonical_set(urls: Iterable[str]) -> set[str]:
    """The canonical addresses of those that have one (the catalogue's placements, say)."""
    return {canonical for url in urls if (canonical := canonical_or_none(url))}
