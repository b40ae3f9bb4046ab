"""Email to employees: one message per person, each with its own one-click unsubscribe.

Per-person List-Unsubscribe headers (RFC 8058) need one EmailMultiAlternatives per recipient;
they all go through one connection so a batch opens one SMTP session, not one per person.
The same messages go through a sending service's API when EMAIL_BACKEND is one of anymail's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.mail import EmailMultiAlternatives, get_connection

from campaigns.links import unsubscribe_url
from campaigns.models import Subscriber

LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
ONE_LINE = re.compile(f"[{LINE_BREAKS}]+")
SUBJECT_ON_ONE_LINE = "A subject is one line: take out the line break."


class EmployeeEmail(EmailMultiAlternatives):
    def message(self, *args: object, **kwargs: object):
        message = super().message(*args, **kwargs)
        # The email package folds headers at 78 columns; a longer unbreakable URL then comes out
        # as RFC 2047 encoded-words, which mail providers do not decode in List-Unsubscribe.
        # RFC 5322 allows 998.
        message.policy = message.policy.clone(max_line_length=998)
        return message


def build_email(
    *,
    subscriber: Subscriber,
    subject: str,
    text: str,
    html: str | None = None,
    unsubscribe: str | None = None,
) -> EmployeeEmail:
    """`unsubscribe`: the person's link when the text carries it too, so both are the same one."""
    message = EmployeeEmail(
        # One line: a line break in a subject (a row saved before the forms refused it) would be
        # refused by Django as a header injection at send time, failing the whole batch on every try.
        subject=ONE_LINE.sub(" ", subject).strip(),
        body=text,
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe or unsubscribe_url(subscriber)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    # Read by a sending service's backend (anymail), ignored by SMTP: no open pixel, and our own
    # tracked links left as they are (a service's click tracking would make them per person).
    message.track_opens = False
    message.track_clicks = False
    if html:
        message.attach_alternative(html, "text/html")
    return message


def send_emails(messages: Iterable[EmailMultiAlternatives]) -> int:
    """Send through one connection of the configured backend; returns how many were accepted."""
    messages = list(messages)
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
