"""The weekly review emailed to stakeholders: the chosen sections of the last complete week, once
per week per address, through the email connection campaigns send with (EMAIL_BACKEND).

It is sent after the sync that prepares the week (analytics.tasks.prepare_weekly_review): as soon
as every measured channel has the whole week's figures, or, if one is still missing days, once
DIGEST_WAIT_DAYS have passed since the week ended, with what is missing said in the email. The
figures are the shared page's (analytics.sharing.shared_review): the same computed review.

Each address's week is claimed (a ReviewDigestSent row) before its email leaves, so a retry or a
second run sends nothing more; an email whose sending failed keeps its error on the claim and is
not re-sent blindly, since it may have gone.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from analytics import privacy, sharing
from analytics.clock import today
from analytics.models import ReviewDigest, ReviewDigestSent, ReviewSection
from analytics.review.weeks import last_complete_week

# What SMTP can carry (RFC 5321: a 256-octet path, brackets included) and a sent record can hold.
MAX_ADDRESS_LENGTH = ReviewDigestSent._meta.get_field("address").max_length
DIGEST_WAIT_DAYS = 2  # Tuesday: a channel a day late still makes the Monday-after figures whole


class DigestRetry(Exception):
    """The email connection could not be opened: nothing was claimed, so a later try is safe."""


@dataclass(frozen=True)
class DigestRun:
    week: date
    ready: bool
    sent: int = 0
    failed: int = 0


def week_ready(week: date) -> bool:
    shared = sharing.shared_review(sections=[ReviewSection.GLANCE], week=week)
    whole = not any(row.incomplete for row in shared.review.freshness)
    return whole or today() >= week + timedelta(days=6 + DIGEST_WAIT_DAYS)


@dataclass(frozen=True)
class DigestContent:
    subject: str
    text: str
    html: str

    def email_to(self, address: str) -> EmailMultiAlternatives:
        """One email per address: no stakeholder sees the others' addresses."""
        message = EmailMultiAlternatives(subject=self.subject, body=self.text, to=[address])
        message.attach_alternative(self.html, "text/html")
        return message


def digest_content(*, digest: ReviewDigest, week: date) -> DigestContent:
    shared = sharing.shared_review(sections=digest.sections, week=week)
    context = {
        "shared_review": shared,
        "review": shared.review,
        "sections": ReviewSection,
        "privacy_method": privacy.METHOD,
        "programme_name": settings.PROGRAMME_NAME,
    }
    return DigestContent(
        subject=f"{settings.PROGRAMME_NAME}: weekly review, {shared.review.label}",
        text=render_to_string("analytics/digest_email.txt", context),
        html=render_to_string("analytics/digest_email.html", context),
    )


def _claim(digest: ReviewDigest, week: date, address: str) -> ReviewDigestSent | None:
    try:
        with transaction.atomic():
            return ReviewDigestSent.objects.create(digest=digest, week=week, address=address)
    except IntegrityError:
        return None  # sent, or being sent, already


def send_review_digests() -> DigestRun:
    """Every active digest's last complete week to each address that has not had it."""
    week = last_complete_week()
    digests = list(ReviewDigest.objects.filter(is_active=True))
    if not digests:
        return DigestRun(week, ready=True)
    if not week_ready(week):
        return DigestRun(week, ready=False)
    sent = failed = 0
    connection = get_connection()
    _open(connection)
    try:
        for digest in digests:
            already = {
                address.casefold()
                for address in ReviewDigestSent.objects.filter(digest=digest, week=week).values_list(
                    "address", flat=True
                )
            }
            wanted = [address for address in digest.address_list if address.casefold() not in already]
            content = digest_content(digest=digest, week=week) if wanted else None
            for address in wanted:
                if len(address) > MAX_ADDRESS_LENGTH:  # saved round the admin's form: no mailbox has it
                    failed += 1
                    continue
                message = content.email_to(address)
                claim = _claim(digest, week, address)
                if claim is None:
                    continue
                message.connection = connection
                try:
                    message.send()
                except Exception as error:  # any backend's failure, kept on the claim
                    claim.error = f"{type(error).__name__}: {str(error)[:500]}"
                    claim.save(update_fields=["error"])
                    failed += 1
                    # The server may have closed the connection (a 421, a timeout): the next address
                    # gets a new one, or, if none opens, the rest wait unclaimed for the retry.
                    _reopen(connection)
                    continue
                claim.sent_at = timezone.now()
                claim.save(update_fields=["sent_at"])
                sent += 1
    finally:
        connection.close()
    return DigestRun(week, ready=True, sent=sent, failed=failed)


def _open(connection: BaseEmailBackend) -> None:
    try:
        connection.open()
    except OSError as error:
        raise DigestRetry(str(error)) from error


def _reopen(connection: BaseEmailBackend) -> None:
    with contextlib.suppress(OSError):  # it was gone already
        connection.close()
    _open(connection)
