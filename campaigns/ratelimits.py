"""SMS pumping defence: how many sign-up codes may leave, and how many guesses may come in.

Pumping fraud earns from texts sent to numbers the fraudster controls, so it comes from many
addresses and walks through a range of numbers. One limit per door: the client IP, the number,
the number's prefix (the range), and a daily cap on codes sent at all. Counts live in the default
cache (Redis in production, whose INCR is atomic and shared by every web process); the cache keys
are hashes, so no phone number is written to Redis.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from campaigns.phones import number_prefix

TOO_MANY_MESSAGE = "Too many attempts from here. Try again in an hour."


def _fixed(value: str) -> Callable[[str, HttpRequest], str]:
    return lambda group, request: value


def may_send_code(request: HttpRequest, *, phone: str) -> bool:
    """Count one code against each limit in turn; False, and send nothing, once one is over.

    Stopping at the first limit over means a blocked client does not use up a number's, a
    prefix's or the day's allowance, which would lock real employees out.
    """
    limits = (
        ("signup-code-ip", "ip", settings.SIGNUP_RATE_PER_IP),
        ("signup-code-number", _fixed(phone), settings.SIGNUP_RATE_PER_NUMBER),
        ("signup-code-prefix", _fixed(number_prefix(phone)), settings.SIGNUP_RATE_PER_PREFIX),
        ("signup-code-day", _fixed("all"), f"{settings.SIGNUP_SMS_DAILY_CAP}/d"),
    )
    return not any(
        is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
        for group, key, rate in limits
    )


def may_try_code(request: HttpRequest) -> bool:
    """Guesses at codes are limited per client IP as sending them is."""
    return not is_ratelimited(
        request, group="signup-confirm-ip", key="ip", rate=settings.SIGNUP_RATE_PER_IP, increment=True
    )
