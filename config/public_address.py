"""Where employees and curators reach the app: the base of every absolute link it makes."""

from __future__ import annotations

from collections.abc import Mapping

# Listening on every interface: a browser on this machine opens it by the loopback address.
EVERY_INTERFACE = {"0.0.0.0", "::", "[::]"}  # noqa: S104 - compared with, never bound to


def public_base_url(environ: Mapping[str, str]) -> str:
    """PUBLIC_BASE_URL when it is set. Otherwise the address `make demo` serves on, from the
    DEMO_HOST and DEMO_PORT it passes along with runserver's, so `make demo PORT=18801` links to
    port 18801. Not HOST and PORT: shells and platforms export those for their own purposes."""
    explicit = environ.get("PUBLIC_BASE_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    host = environ.get("DEMO_HOST", "").strip() or "127.0.0.1"
    port = environ.get("DEMO_PORT", "").strip() or "8000"
    if host in EVERY_INTERFACE:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address, as a URL writes it
    return f"http://{host}:{port}"
