"""Small helpers the test modules share."""

from __future__ import annotations

import socket
from datetime import UTC, datetime


def free_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def enrol_totp(user) -> str:
    """Give `user` an authenticator app through allauth's own API; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, computed by allauth's own TOTP helper."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def path_of(url: str) -> str:
    """The path of an absolute link from a text or an email, to request from the test server."""
    return "/" + url.split("/", 3)[3]


# A Tuesday, 10:00 in London: inside everyone's working hours in Europe.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
