"""Retention of the send ledger: old deliveries lose their contact data, then go.

Two ages, from settings (0 keeps rows for ever):
- DELIVERY_CONTACT_RETENTION_DAYS: a delivery keeps its outcome (campaign, medium, occurrence,
  status, attempts, when it was due and sent, the error code, an email's bounce or complaint,
  whether WhatsApp went as free text), which is all the figures read, and loses what leads to a
  person: the link to the subscriber (their number, address and name), the provider's message id
  (the provider's log gives the number for it), and any number or address a provider quoted in the
  error text (reports.without_contacts, the rule the campaign report already shows errors by);
- DELIVERY_RETENTION_DAYS: the row is deleted.

A row's age runs from when it was due and, if it was handed over, when it went (a text waiting days
for the rate limit is as young as its sending). Never touched: rows still waiting, being sent or of
an unknown outcome (the reconciler may still settle them), and the rows of a send still under way
(its progress and complaint rate read them). Each batch is one short statement on rows found by
the ledger's own index (delivery_due: campaign, status, due time), so pruning millions never holds
a long transaction or a lock the senders wait on.

What clearing contact data does change: an ended journey's report counts the people who entered
a step as the distinct subscribers of its rows, so rows cleared after DELIVERY_CONTACT_RETENTION_DAYS
no longer count there (a live journey's rows are never cleared: its steps are a send under way); and
a person's soft bounces older than that no longer add up towards suppression. Every count of
messages (the weekly review, a campaign's report and its reasons, email health) stays the same.

Daily figures live in analytics, which campaigns does not import: the task asks for them with the
`retention_due` signal, and analytics.retention answers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from campaigns.pipeline import STILL_TO_GO
from campaigns.reports import without_contacts
from campaigns.sending import CAP_PERIOD

logger = logging.getLogger(__name__)

# Sent by apply_retention with `now` and `dry_run`; each receiver returns a list of Pruned.
retention_due = Signal()

# An outcome nobody knows yet is still in flight: the reconciler may settle it from the provider's log.
IN_FLIGHT = (*STILL_TO_GO, DeliveryStatus.UNKNOWN)
SETTLED = tuple(status for status in DeliveryStatus if status not in IN_FLIGHT)
# A send under way reads its own occurrence's rows (progress, the complaint-rate pause).
UNDER_WAY = (CampaignStatus.SENDING, CampaignStatus.PAUSED)
# Provider reports find their delivery by the provider's message id: Twilio's status callbacks
# come within hours, but an email service reports a spam complaint when the person makes it, weeks later.
PROVIDER_REPORTS_DAYS = 30
# The weekly review counts the messages handed over in the reviewed week and the week before,
# from the current week: three weeks back at most.
REVIEW_MESSAGE_DAYS = 21


@dataclass(frozen=True)
class Pruned:
    """What one rule did (or, in a dry run, would do): the rows, and the age they were older than."""

    what: str
    rows: int
    before: object  # a datetime for deliveries, a date for daily figures

    def __str__(self) -> str:
        return f"{self.what}: {self.rows} (older than {self.before:%Y-%m-%d})"


# The rules' floors: what the app still reads.


def contact_floor_days() -> int:
    """Contact data stays as long as anything finds a person's deliveries by them: the weekly cap,
    a reply answering the latest message ("1", "A"), and provider reports by message id."""
    return max(CAP_PERIOD.days + 1, settings.FEEDBACK_WINDOW_DAYS, PROVIDER_REPORTS_DAYS)


def problems() -> list[str]:
    """Why the delivery retention settings would cut into what the app reads; empty when they do not."""
    found = []
    contact, kept = settings.DELIVERY_CONTACT_RETENTION_DAYS, settings.DELIVERY_RETENTION_DAYS
    if contact < 0 or kept < 0 or settings.RETENTION_BATCH_SIZE < 1:
        found.append(
            "DELIVERY_RETENTION_DAYS and DELIVERY_CONTACT_RETENTION_DAYS are days (0 keeps rows for "
            "ever) and RETENTION_BATCH_SIZE at least 1."
        )
        return found
    if contact and contact < contact_floor_days():
        found.append(
            f"DELIVERY_CONTACT_RETENTION_DAYS is {contact}: at least {contact_floor_days()}, or 0. "
            f"The weekly cap ({CAP_PERIOD.days + 1} days), replies to a message (FEEDBACK_WINDOW_DAYS, "
            f"{settings.FEEDBACK_WINDOW_DAYS}) and provider reports ({PROVIDER_REPORTS_DAYS} days) find "
            "a person's deliveries by them."
        )
    floor = max(REVIEW_MESSAGE_DAYS, contact_floor_days())
    if kept and kept < floor:
        found.append(
            f"DELIVERY_RETENTION_DAYS is {kept}: at least {floor}, or 0. The weekly review counts the "
            f"messages of the last {REVIEW_MESSAGE_DAYS} days, and contact data is kept "
            f"{contact_floor_days()} days at least."
        )
    if kept and (not contact or contact > kept):
        found.append(
            f"DELIVERY_CONTACT_RETENTION_DAYS ({contact or 'for ever'}) must be shorter than "
            f"DELIVERY_RETENTION_DAYS ({kept}): contact data goes first, the outcome later."
        )
    return found


@checks.register(checks.Tags.compatibility)
def check_retention_settings(**kwargs: object) -> list[checks.CheckMessage]:
    """At startup (manage.py, CI's `check --deploy`): refuse settings that prune what is still read."""
    return [checks.Error(problem, id="campaigns.E017") for problem in problems()]


def require_sound_settings() -> None:
    """Workers do not run system checks: the task refuses too, loudly, before touching a row."""
    found = problems()
    if found:
        raise ImproperlyConfigured(" ".join(found))


# Which rows.


def cutoff(days: int, now: datetime) -> datetime | None:
    return now - timedelta(days=days) if days else None


def old_settled(before: datetime) -> Q:
    """Settled, due before `before` and, if handed over, sent before it too."""
    return Q(status__in=SETTLED, not_before__lt=before) & (Q(sent_at__isnull=True) | Q(sent_at__lt=before))


def campaigns_with(rows: Q) -> QuerySet[Campaign]:
    """The campaigns holding such rows: one semi-join on delivery_due, then each campaign's own rows."""
    return (
        Campaign.objects.filter(Exists(Delivery.objects.filter(rows, campaign=OuterRef("pk"))))
        .order_by("pk")
        .only("pk", "status", "occurrence")
    )


def rows_of(campaign: Campaign, rows: Q) -> QuerySet[Delivery]:
    found = Delivery.objects.filter(rows, campaign_id=campaign.pk)
    if campaign.status in UNDER_WAY:
        found = found.exclude(occurrence=campaign.occurrence)
    return found


def batches(campaigns: QuerySet[Campaign], rows: Q, size: int) -> Iterator[list[int]]:
    """Ids of matching rows, `size` at a time, campaign by campaign; each batch is read after the
    previous one was dealt with, so it never sees a row twice."""
    for campaign in campaigns:
        while ids := list(rows_of(campaign, rows).values_list("pk", flat=True)[:size]):
            yield ids
            if len(ids) < size:
                break


def has_contact_data() -> Q:
    return Q(subscriber__isnull=False) | ~Q(provider_id="")


# Applying them.


def drop_contact_data(ids: list[int]) -> int:
    """One batch: the subscriber link and provider id cleared in one statement; error texts
    rewritten without the numbers and addresses in them, one statement per resulting text."""
    with transaction.atomic():
        rows = Delivery.objects.filter(pk__in=ids, status__in=SETTLED)
        rewritten = defaultdict(list)
        for pk, error in rows.exclude(error="").values_list("pk", "error"):
            if (clean := without_contacts(error)) != error:
                rewritten[clean].append(pk)
        for clean, pks in rewritten.items():
            Delivery.objects.filter(pk__in=pks).update(error=clean)
        return rows.update(subscriber=None, provider_id="")


def delete_rows(ids: list[int]) -> int:
    """One batch in one statement (Delivery has no dependants or delete signals: a fast delete)."""
    deleted, _ = Delivery.objects.filter(pk__in=ids, status__in=SETTLED).delete()
    return deleted


def prune_deliveries(*, now: datetime, dry_run: bool = False) -> list[Pruned]:
    require_sound_settings()
    size = settings.RETENTION_BATCH_SIZE
    done = []
    rules = (
        ("deliveries deleted", settings.DELIVERY_RETENTION_DAYS, Q(), delete_rows),
        (
            "deliveries cleared of contact data",
            settings.DELIVERY_CONTACT_RETENTION_DAYS,
            has_contact_data(),
            drop_contact_data,
        ),
    )
    deleted_before = cutoff(settings.DELIVERY_RETENTION_DAYS, now)
    for what, days, narrower, apply in rules:  # deleting first: nothing is cleared only to go
        before = cutoff(days, now)
        if before is None:
            continue
        rows = old_settled(before) & narrower
        campaigns = campaigns_with(rows)
        if dry_run:
            if deleted_before and apply is drop_contact_data:  # a preview counts no row twice
                rows &= ~old_settled(deleted_before)
            count = sum(rows_of(campaign, rows).count() for campaign in campaigns)
        else:
            count = 0
            for ids in batches(campaigns, rows, size):
                count += apply(ids)
            logger.info("Retention: %s %s rows older than %s", what, count, before.date())
        done.append(Pruned(what, count, before))
    return done


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> list[Pruned]:
    """Every retention rule of every app, in bounded batches; in a dry run, only counted."""
    now = now or timezone.now()
    done = prune_deliveries(now=now, dry_run=dry_run)
    for _receiver, answer in retention_due.send(sender=Delivery, now=now, dry_run=dry_run):
        done.extend(answer)
    return done
