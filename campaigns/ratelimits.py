"""Sign-up abuse defence: how many codes and links may leave, and how many guesses may come in.

SMS pumping earns from texts sent to numbers the fraudster controls, so it comes from many
addresses and walks through a range of numbers; mail bombing aims many links at one victim. One
limit per door: the client IP, the number or address, its range (the number's prefix, the email's
domain), and a daily cap on what is sent at all. Counts live in the default cache (Redis in
production, whose INCR is atomic and shared by every web process); django-ratelimit hashes its
keys, so no phone number or address is written to Redis.

The per-number (per-address) limit is counted per client: a stranger who uses up their own three
codes to an employee's number does not lock the employee out. A higher ceiling per number, over
every client, is what stops a stranger with many addresses from pumping texts to one number. Only
someone holding more addresses than ceiling / per-client limit can reach it, and even then the
codes already sent stay valid (a new code voids only its own browser's earlier one).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from campaigns.phones import number_prefix

TOO_MANY_MESSAGE = _("Too many attempts from here. Try again in an hour.")

Limit = tuple[str, str | Callable[[str, HttpRequest], str], str]


def _fixed(value: str) -> Callable[[str, HttpRequest], str]:
    return lambda group, request: value


def _within(request: HttpRequest, limits: tuple[Limit, ...]) -> bool:
    """Count one send against each limit in turn; False, and send nothing, once one is over.

    Stopping at the first limit over means a blocked client does not use up a number's, a
    range's or the day's allowance, which would lock real employees out.
    """
    return not any(
        is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
        for group, key, rate in limits
    )


def may_send_code(request: HttpRequest, *, phone: str) -> bool:
    return _within(
        request,
        (
            ("signup-code-ip", "ip", settings.SIGNUP_RATE_PER_IP),
            # The group names the number (hashed with the rest of the key): this client, this number.
            (f"signup-code-number-client:{phone}", "ip", settings.SIGNUP_RATE_PER_NUMBER),
            ("signup-code-number", _fixed(phone), settings.SIGNUP_RATE_PER_NUMBER_CEILING),
            ("signup-code-prefix", _fixed(number_prefix(phone)), settings.SIGNUP_RATE_PER_PREFIX),
            ("signup-code-day", _fixed("all"), f"{settings.SIGNUP_SMS_DAILY_CAP}/d"),
        ),
    )


def may_send_link(request: HttpRequest, *, email: str) -> bool:
    """Confirmation emails, limited as codes are: a victim's inbox is as worth protecting as a bill."""
    domain = email.rpartition("@")[2]
    return _within(
        request,
        (
            ("signup-email-ip", "ip", settings.SIGNUP_EMAIL_RATE_PER_IP),
            (f"signup-email-address-client:{email}", "ip", settings.SIGNUP_EMAIL_RATE_PER_ADDRESS),
            ("signup-email-address", _fixed(email), settings.SIGNUP_EMAIL_RATE_PER_ADDRESS_CEILING),
            ("signup-email-domain", _fixed(domain), settings.SIGNUP_EMAIL_RATE_PER_DOMAIN),
            ("signup-email-day", _fixed("all"), f"{settings.SIGNUP_EMAIL_DAILY_CAP}/d"),
        ),
    )


def may_try_code(request: HttpRequest) -> bool:
    """Guesses at codes are limited per client IP as sending them is."""
    return not is_ratelimited(
        request, group="signup-confirm-ip", key="ip", rate=settings.SIGNUP_RATE_PER_IP, increment=True
    )
