"""“What would you like to learn?”: scrub what could name someone, then hand the words to curation.

Only campaigns knows the employees, so the scrubbing happens here, before curation stores anything:
phone numbers, email addresses and the names of known employees become "[removed]". We scrub more
than we must on purpose: a long run of digits that phonenumbers does not recognise is removed too,
and an employee's name that is also an everyday word ("Will", "Rose") is removed wherever it stands.
A wish reads a little odd then, which is better than one that names somebody.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from campaigns.models import Subscriber
from campaigns.quiet_hours import zone
from curation import wishes as curation_wishes
from curation.models import LearningWish

REMOVED = "[removed]"
WISH_MAX_LENGTH = LearningWish._meta.get_field("text").max_length

# A wish is a few words for a few curators: a handful an hour from one client is plenty, and a
# ceiling over all clients keeps a flood from many addresses out of the triage list.
WISH_RATE_PER_CLIENT = "5/h"
WISH_DAILY_CAP = "300/d"
THANKS = _("Thank you: the learning team reads every idea.")
TOO_MANY_WISHES = _("You have sent us several ideas in the last hour, thank you. Please try again later.")

# Anything with an @ between non-spaces: wider than an address, which is the side to err on.
EMAIL = re.compile(r"\S+@\S+")
# Seven or more digits however spaced: what a phone number can hide in when phonenumbers cannot parse it.
DIGIT_RUN = re.compile(r"\+?\d(?:[\s().\-/]{0,2}\d){6,}")
# Names are compared word by word; shorter words ("Al", "Jo") are everyday words more often than names.
WORD = re.compile(r"[^\W\d_]+")
SHORTEST_NAME = 3


def may_send_wish(request: HttpRequest) -> bool:
    """Count one wish against this client's limit, then the day's; stop at the first that is over,
    so a blocked client does not use up everyone's day."""
    limits = (
        ("wish-ip", "ip", WISH_RATE_PER_CLIENT),
        ("wish-day", lambda group, request: "all", WISH_DAILY_CAP),
    )
    return not any(
        is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
        for group, key, rate in limits
    )


def _without_phone_numbers(text: str) -> str:
    region = settings.PHONE_DEFAULT_REGION
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
    for match in reversed(matches):
        text = text[: match.start] + REMOVED + text[match.end :]
    return DIGIT_RUN.sub(REMOVED, text)


def employee_names_in(text: str) -> set[str]:
    """The words of `text` that are part of a known employee's name, lower-cased.

    A large organisation has tens of thousands of names and a wish has a few dozen words, so the
    database is asked only about those words (one query), and Python confirms whole-word matches.
    """
    candidates = {word.lower() for word in WORD.findall(text) if len(word) >= SHORTEST_NAME}
    if not candidates:
        return set()
    # Letters only, so nothing in the pattern needs escaping; \W means the same in PostgreSQL and Python.
    pattern = r"(^|\W)(" + "|".join(sorted(candidates)) + r")(\W|$)"
    names = Subscriber.objects.filter(display_name__iregex=pattern).values_list("display_name", flat=True)
    return {word.lower() for name in names.iterator() for word in WORD.findall(name)} & candidates


def scrub(text: str) -> str:
    """The wish without phone numbers, email addresses or known employees' names."""
    text = EMAIL.sub(REMOVED, text)
    text = _without_phone_numbers(text)
    names = employee_names_in(text)
    if names:
        text = WORD.sub(lambda word: REMOVED if word.group().lower() in names else word.group(), text)
    return text


def send_wish(*, text: str, source: str) -> LearningWish:
    """Scrub a wish and give it to curation, with the day it came and nothing about who sent it."""
    cleaned = scrub(text.strip())
    if len(cleaned) > WISH_MAX_LENGTH:  # "[removed]" is longer than many of the words it replaces.
        cleaned = cleaned[: WISH_MAX_LENGTH - 1] + "…"
    today = timezone.now().astimezone(zone(settings.PROGRAMME_TIME_ZONE)).date()
    return curation_wishes.record_wish(text=cleaned, source=source, received_on=today)
