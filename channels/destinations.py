"""The one rule for every address we store or publish: where would a browser really go?

Python's urlsplit and a browser disagree on addresses such as ``https://www.youtube.com\\@evil.example/``
(Python: host www.youtube.com; a browser: evil.example, since it reads the backslash as a slash
and the rest as a user name). Employees open our links in browsers, so addresses are parsed as
the WHATWG URL standard says (ada_url implements it), and anything on which Python and the
browser could read a different host is refused rather than interpreted.

This module sits in channels, the lowest layer, so curation and campaigns can both import it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import ada_url
from django.core.exceptions import ValidationError

# Whitespace, controls and invisible format characters (zero-width, bidi overrides): a browser
# drops or rewrites some of them, and a curator cannot see any of them.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def host_matches(host: str, allowed: str) -> bool:
    """True for the host itself and its subdomains (www.youtube.com matches youtube.com)."""
    host, allowed = host.lower().rstrip("."), allowed.lower()
    return host == allowed or host.endswith("." + allowed)


def check_public_url(url: str) -> str:
    """The address as a browser serialises it, if it is a plain https address of a named site;
    ValidationError (with a message a curator can act on) if not.

    Plain means: https, no user name or password, no port, no backslash or invisible character,
    a domain name (not an IP address, no trailing dot), and a host that Python's urlsplit reads
    exactly as a browser does.
    """
    if "\\" in url:
        raise ValidationError(
            "The address has a backslash (\\) in it: browsers read it as /, so the link would lead "
            "somewhere other than it seems.",
            code="backslash",
        )
    if any(char.isspace() or unicodedata.category(char) in INVISIBLE_CATEGORIES for char in url):
        raise ValidationError(
            "The address has a space or an invisible character in it: copy it again from the "
            "browser's address bar.",
            code="invisible",
        )
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        raise ValidationError("This is not a web address a browser can open.", code="invalid") from None
    if parsed.protocol != "https:":
        raise ValidationError(
            "Use the https:// address: employees open these links on their phones.", code="not_https"
        )
    try:
        python = urlsplit(url)
        python_host, python_port = python.hostname, python.port
    except ValueError:
        raise ValidationError("This is not a web address a browser can open.", code="invalid") from None
    if parsed.username or parsed.password or python.username is not None or "@" in python.netloc:
        raise ValidationError(
            "The address has a user name before the host (user@host), a classic trick to send "
            "people elsewhere: use the page's own address.",
            code="credentials",
        )
    host = parsed.hostname
    if python_host != host:
        # Percent-encoded, full-width or non-ASCII host names, or text the two parsers split apart.
        raise ValidationError(
            f"A browser would read this address's site as “{host}”, which is not how it is written: "
            "write the site name plainly (international names in their xn-- form).",
            code="ambiguous_host",
        )
    if parsed.host_type != ada_url.HostType.DEFAULT:
        raise ValidationError("Use the site's name, not an IP address.", code="ip_address")
    if "." not in host.strip(".") or host.endswith("."):
        raise ValidationError(
            f"“{host}” is not a full public site name (like www.example.com, with no dot at the end).",
            code="not_public_host",
        )
    if parsed.port or python_port not in (None, 443):
        raise ValidationError(
            "Leave the port (:…) out of the address: employees' phones open the site's usual address.",
            code="port",
        )
    return parsed.href


def check_destination(url: str, *, hosts: Iterable[str], place: str) -> str:
    """check_public_url, and the host must be one of `hosts` or a subdomain of one.

    `place` names where the address should lead ("Acme videos") for the message.
    """
    hosts = tuple(hosts)
    href = check_public_url(url)
    host = ada_url.URL(href).hostname
    if not any(host_matches(host, allowed) for allowed in hosts):
        raise ValidationError(
            f"This address is not on {place}: expected a link on {', '.join(hosts)}.", code="wrong_host"
        )
    return href


def is_destination(url: str, *, hosts: Iterable[str]) -> bool:
    """True if check_destination would accept the address: for pages that publish links."""
    try:
        check_destination(url, hosts=hosts, place="")
    except ValidationError:
        return False
    return True


def public_host(url: str) -> str | None:
    """The host a browser would visit, if the address passes check_public_url; else None."""
    try:
        return ada_url.URL(check_public_url(url)).hostname
    except ValidationError:
        return None
