"""Sending a campaign: the Delivery ledger is written first, then batches claim, check, send, record.

Launch writes one Delivery row per recipient x medium in one transaction (unique per occurrence,
so launching twice adds nobody); tasks queued on commit send in batches. A batch:

1. claims due rows under a token of its own (FOR UPDATE SKIP LOCKED, committed), so two workers
   never hold the same row. The claim is a lease: the worker renews it (claimed_at) before each
   part of the batch, about every second, so however long a batch takes it stays the worker's;
2. takes the shared rate limit's tokens for a part with nothing locked, so a STOP never waits for
   the rate limit;
3. locks the part's recipients and its own rows, re-reads consent (an opt-out committed before the
   lock is obeyed; one arriving meanwhile waits about a second: nobody is texted after their STOP
   is committed), keeps only the rows whose claim is still its own, sends, and records their
   outcomes before the locks go.

A worker killed mid-batch stops renewing. Once its lease has lapsed (DELIVERY_CLAIM_SECONDS) the
reconciler settles each row by asking the provider's own log whether the text went (Twilio lists
texts by recipient): neither a blind re-send (a duplicate) nor a blind give-up (a missed employee).
It takes a row only while the lapsed claim is unchanged and unlocked, so from a worker that was
merely slow it can take rows not yet started, never one being sent; the worker, finding a row no
longer its own, leaves it to the new owner.

Why claimed_at as the lease rather than a lease field of its own: the reconciler's index already
reads it, and the provider-log search (from claimed_at) still starts before any text of the part.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

from anymail.exceptions import AnymailError
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import DNS_NAME, get_connection
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from campaigns import compose, consent, email_service, throttle
from campaigns.bulk import insert_select
from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.emails import build_email
from campaigns.links import unsubscribe_url
from campaigns.models import (
    HANDED_OVER,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Medium,
    Repeat,
    Subscriber,
)
from campaigns.pipeline import (
    STILL_TO_GO,
    BatchContext,
    Outcome,
    Ready,
    Reconciled,
    finish_if_done,
    links_for,
    outcome_of,
)
from campaigns.quiet_hours import SendWindow, zone
from campaigns.selectors import campaign_audience, reachable_on
from campaigns.signals import deliveries_due, team_posts_due
from campaigns.sms import SmsMessage, get_backend
from campaigns.team_channels import services as team_posting
from campaigns.team_channels.selectors import still_to_post
from campaigns.tokens import public_url
from campaigns.tracking import check_promotable, tracked_link_for
from campaigns.whatsapp import sending as whatsapp_sending
from campaigns.whatsapp import templates as whatsapp_templates
from config import logging_context
from ops import counters

logger = logging.getLogger(__name__)

# What counts towards the weekly limit: everything handed over, or on its way.
COUNTED = (*HANDED_OVER, DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.UNKNOWN)
# A weekly campaign's previous send was a week ago to the minute; it must not hold back this one.
CAP_PERIOD = timedelta(days=7) - timedelta(hours=1)
# A part of a batch sends for about this long under its recipients' locks (plus the provider call
# under way): how long an opt-out arriving meanwhile waits, and a lease renewal's usual interval.
PART_SECONDS = 1.0


def require_launcher(user: AbstractBaseUser) -> None:
    if not user.has_perm("campaigns.launch_campaign"):
        raise PermissionDenied("Only an internal curator can launch, pause, resume or cancel a campaign.")


# Readiness.


NO_SEGMENT = "Choose at least one segment to send to."


def problems(campaign: Campaign) -> list[str]:
    """Why the campaign cannot be launched as it stands; empty when it can."""
    found = []
    placements = list(campaign.placements.select_related("item", "channel"))
    if not placements:
        found.append("Choose at least one placement to promote: campaigns send people out to content.")
    for placement in placements:
        try:
            check_promotable(placement)
        except ValidationError as error:
            found.extend(error.messages)
    if campaign.is_team_only:
        found.extend(team_only_problems(campaign))
    elif not campaign.segments.exists():
        found.append(NO_SEGMENT)
    found.extend(team_posting.problems(campaign))
    texts = []
    if campaign.sends(Medium.SMS):
        texts.append(("text message", campaign.sms_text))
    if campaign.sends(Medium.EMAIL):
        texts.append(("email body", campaign.email_body))
        if not campaign.email_subject.strip():
            found.append("Write the email's subject.")
    if campaign.sends(Medium.WHATSAPP):
        found.extend(whatsapp_templates.problems(campaign))
    for label, text in texts:
        if not text.strip():
            found.append(f"Write the {label}.")
        elif "{links}" not in text:
            found.append(f"Put {{links}} in the {label}: that is where the tracked links go.")
        try:
            compose.check_placeholders(text)
        except ValidationError as error:
            found.extend(f"In the {label}: {message}" for message in error.messages)
    found.extend(compose.variant_problems(campaign))  # each language's message, as the default's
    return found


NOTHING_TO_SEND = (
    "This campaign has nothing to send: it is set to team channels only, but no team channel is "
    "chosen. Choose the Teams or Slack channels to post to, or texts or emails to send."
)
TEAM_ONLY_WITH_SEGMENTS = (
    "A campaign for team channels only messages nobody personally: remove its segments, or choose "
    "texts or emails to send them."
)


def team_only_problems(campaign: Campaign) -> list[str]:
    """A team-channels-only campaign needs channels, and no audience that would go unmessaged."""
    found = []
    if not campaign.team_channels.exists():
        found.append(NOTHING_TO_SEND)
    if campaign.segments.exists():
        found.append(TEAM_ONLY_WITH_SEGMENTS)
    return found


# Launching and occurrences.


def launch(*, campaign: Campaign, by: AbstractBaseUser) -> Campaign:
    """Make the links and schedule the first send: now, or at `send_at`."""
    require_launcher(by)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(
            f"The campaign is {campaign.get_status_display().lower()}: only a draft is launched."
        )
    found = problems(campaign)
    if found:
        raise ValidationError(found)
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        make_links(campaign)
        campaign.status = CampaignStatus.SCHEDULED
        campaign.next_send_at = max(campaign.send_at or now, now)
        campaign.launched_by, campaign.launched_at = by, now
        campaign.paused_reason = ""
        campaign.save()
    if campaign.next_send_at <= now:
        start_occurrence(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def make_links(campaign: Campaign) -> None:
    """A tracked link per medium sent and placement promoted, made where missing: after an item is
    retired, its successor's placement gets one before the next send (links_for leaves out links
    to placements the campaign no longer promotes, so nothing is sent dead)."""
    for medium in Medium:
        if campaign.sends(medium):
            for placement in campaign.placements.select_related("item", "channel"):
                try:
                    tracked_link_for(campaign=campaign, medium=medium, placement=placement)
                except ValidationError:
                    continue  # launch refuses it first; a later send keeps the link it has


def next_week(at: datetime) -> datetime:
    """The same wall-clock time a week later in the programme's zone, whatever DST did meanwhile."""
    local = at.astimezone(zone(settings.PROGRAMME_TIME_ZONE))
    return (local + timedelta(days=7)).astimezone(at.tzinfo)


@logging_context.binds(campaign_id="campaign_id")
def start_occurrence(*, campaign_id: int, now: datetime | None = None) -> int:
    """Write this send's ledger and queue its batches; returns the rows written.

    Safe to call twice: the second call finds the campaign already sending and does nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if (
            campaign.status != CampaignStatus.SCHEDULED
            or not campaign.next_send_at
            or campaign.next_send_at > now
        ):
            return 0
        campaign.occurrence += 1
        make_links(campaign)
        written = write_ledger(campaign, now=now)
        team_posting.plan_posts(campaign, now=now)  # one post per team channel, made on commit
        campaign.status = CampaignStatus.SENDING
        campaign.next_send_at = next_week(campaign.next_send_at) if campaign.repeat == Repeat.WEEKLY else None
        campaign.save(update_fields=["occurrence", "status", "next_send_at"])
        transaction.on_commit(
            lambda: queue_sending(campaign_id, batches=written // batch_size(Medium.SMS) + 1)
        )
    return written


def recent_campaigns(now: datetime) -> Count:
    """Annotation: how many campaigns each subscriber has had messages from in the cap period."""
    return Count(
        "deliveries__campaign",
        distinct=True,
        filter=Q(deliveries__not_before__gte=now - CAP_PERIOD, deliveries__status__in=COUNTED),
    )


def ledger_columns(
    campaign: Campaign, medium: str, *, not_before: object, now: datetime
) -> dict[str, object]:
    """A Delivery row's columns for a Subscriber query annotated with `recent` (recent_campaigns):
    held back as capped once the person has had the weekly number of campaigns."""
    capped = Q(recent__gte=settings.CAMPAIGN_WEEKLY_CAP)
    return {
        "campaign_id": Value(campaign.pk),
        "subscriber_id": F("pk"),
        "medium": Value(medium),
        "occurrence": Value(campaign.occurrence),
        "not_before": not_before,
        "status": Case(
            When(capped, then=Value(DeliveryStatus.CAPPED)), default=Value(DeliveryStatus.PENDING)
        ),
        "error": Case(
            When(
                capped,
                then=Concat(
                    Value("Already had "),
                    Cast("recent", CharField()),
                    Value(" campaign(s) this week."),
                    output_field=CharField(),
                ),
            ),
            default=Value(""),
        ),
        "attempts": Value(0),
        "provider_id": Value(""),
        "updated_at": Value(now),
    }


def write_ledger(campaign: Campaign, *, now: datetime) -> int:
    """One Delivery per recipient and medium, due when their working hours open, or held back
    by the weekly cap; returns the rows written.

    The database writes the rows from the audience query itself (INSERT ... SELECT), so a
    100,000-strong audience never passes through Python.
    """
    window = SendWindow.from_settings()
    written = 0
    for medium in Medium:
        audience = campaign_audience(campaign, medium).order_by()
        zones = set(audience.values_list("time_zone", flat=True).distinct())
        if not zones:
            continue
        # Working hours are worked out per zone here, then chosen per row by the database.
        opens = Case(
            *(When(time_zone=name, then=Value(window.opens(now, zone(name)))) for name in sorted(zones)),
            output_field=DateTimeField(),
        )
        written += insert_select(
            Delivery,
            audience.annotate(recent=recent_campaigns(now)),
            ledger_columns(campaign, medium, not_before=opens, now=now),
        )
    return written


def queue_sending(campaign_id: int, *, batches: int = 1) -> None:
    batches = max(1, min(batches, settings.SEND_PARALLEL_TASKS))
    deliveries_due.send(sender=Campaign, campaign_id=campaign_id, batches=batches)


def release_due_campaigns(*, now: datetime | None = None) -> int:
    """Beat: start every scheduled send whose time has come. Returns how many started."""
    now = now or timezone.now()
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, next_send_at__lte=now)
    return sum(
        1
        for campaign_id in due.values_list("pk", flat=True)
        if start_occurrence(campaign_id=campaign_id, now=now)
    )


# Batches.


def batch_size(medium: str) -> int:
    """Small enough that a batch takes about five seconds at the provider's rate, so parallel
    tasks share a campaign's rows and a worker that dies strands little for the reconciler."""
    return max(1, min(settings.DELIVERY_BATCH_SIZE, int(throttle.rate_per_second(medium) * 5)))


@logging_context.binds(campaign_id="campaign_id")
def send_due(*, campaign_id: int, budget_seconds: float | None = None) -> int:
    """Send due batches until none is left or the time budget is spent; returns messages sent."""
    budget = settings.SEND_TASK_SECONDS if budget_seconds is None else budget_seconds
    deadline = timezone.now() + timedelta(seconds=budget)
    tally = Tally()
    while timezone.now() < deadline:
        # With its journey step, if any: the text asks the step's check (compose.check_question).
        campaign = (
            Campaign.objects.select_related("journey_step")
            .filter(pk=campaign_id, status=CampaignStatus.SENDING)
            .first()
        )
        if campaign is None:
            return tally.handed  # paused, cancelled or finished meanwhile
        claim, rows = claim_batch(campaign)
        if not rows:
            break
        send_batch(campaign, claim, rows, tally)
    else:
        queue_sending(campaign_id)  # more to do: a fresh task, so no task runs for long
    finish_if_done(campaign_id)
    return tally.handed


@dataclass
class Tally:
    """What this task has seen: a send that mostly fails (credentials revoked, provider down)
    is paused before it burns through the audience. Counted per task, so a resumed campaign
    is judged on what happens after the resume."""

    handed: int = 0
    tried: int = 0
    failing: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            if not outcome.tried or outcome.status == DeliveryStatus.SKIPPED:
                continue
            self.tried += 1
            self.handed += outcome.handed_over
            if outcome.status in (DeliveryStatus.FAILED, DeliveryStatus.PENDING):
                self.failing += 1
                self.reasons[outcome.error] += 1

    @property
    def failing_badly(self) -> bool:
        return (
            self.failing >= settings.PAUSE_AFTER_FAILURES
            and self.failing >= self.tried * settings.PAUSE_FAILURE_RATE
        )

    def pause(self, campaign: Campaign) -> None:
        reason = self.reasons.most_common(1)[0][0]
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.PAUSED,
            paused_reason=f"Paused: {self.failing} of {self.tried} sends failed. Most often: {reason}"[:300],
        )


def claim_batch(campaign: Campaign) -> tuple[uuid.UUID, list[Delivery]]:
    now = timezone.now()
    claim = uuid.uuid4()
    # One medium per batch: its own rate limit and its own connection.
    # Any due row's medium will do: unordered, so the database stops at the first it finds.
    due = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING, not_before__lte=now)
    medium = next(iter(due.order_by().values_list("medium", flat=True)[:1]), None)
    if medium is None:
        return claim, []
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(campaign=campaign, medium=medium, status=DeliveryStatus.PENDING, not_before__lte=now)
            .order_by("not_before", "pk")
            .values_list("pk", flat=True)[: batch_size(medium)]
        )
        claimed = Delivery.objects.filter(pk__in=ids)
        claimed.update(status=DeliveryStatus.CLAIMED, claim=claim, claimed_at=now, attempts=F("attempts") + 1)
        return claim, list(claimed.order_by("not_before", "pk"))


def with_consent_now(subscriber_ids: list[int]) -> dict[int, Subscriber]:
    """The recipients, locked against a concurrent change of consent, with reachability read now."""
    locked = (
        Subscriber.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=subscriber_ids)
        .annotate(
            sms_ok=ExpressionWrapper(reachable_on(Medium.SMS), output_field=BooleanField()),
            email_ok=ExpressionWrapper(reachable_on(Medium.EMAIL), output_field=BooleanField()),
            whatsapp_ok=ExpressionWrapper(reachable_on(Medium.WHATSAPP), output_field=BooleanField()),
        )
    )
    return {subscriber.pk: subscriber for subscriber in locked}


def send_batch(campaign: Campaign, claim: uuid.UUID, rows: list[Delivery], tally: Tally) -> None:
    """Send a claimed batch part by part: a part's rate-limit tokens are taken with nothing
    locked, then it sends for about PART_SECONDS under its recipients' locks. The lease is renewed
    before every part but the first (claimed a moment ago), so it lapses only when the worker is
    gone or stuck for longer than DELIVERY_CLAIM_SECONDS."""
    context = BatchContext(campaign=campaign, medium=rows[0].medium, claim=claim)
    bucket = throttle.bucket(context.medium)
    remaining, tokens, first = list(rows), 0, True
    while remaining:
        try:
            if not tokens:
                tokens = bucket.take(len(remaining))
            if not first:
                renew_lease(claim, remaining)
            first = False
            part, remaining = remaining[:tokens], remaining[tokens:]
            done = send_part(context, part, tally)
        except Exception:
            # A part that failed midway keeps its claim: its texts may have gone, which is the
            # reconciler's to find out from the provider's log once the lease lapses.
            put_back(claim, remaining)
            raise
        tokens -= done.used
        remaining = done.unreached + remaining
        if tally.failing_badly:
            tally.pause(campaign)
        if not done.carry_on or tally.failing_badly:
            put_back(claim, remaining)
            return


@dataclass
class PartDone:
    """What a part did: the tokens it used, the rows it had no time for (still claimed, first in
    the next part), and whether the provider is fit to go on."""

    used: int
    unreached: list[Delivery]
    carry_on: bool


def renew_lease(claim: uuid.UUID, rows: list[Delivery]) -> None:
    """Tell the reconciler this claim's worker is alive. By id, not by claim: ids are indexed."""
    Delivery.objects.filter(
        pk__in=[row.pk for row in rows], claim=claim, status=DeliveryStatus.CLAIMED
    ).update(claimed_at=timezone.now())


def still_ours(claim: uuid.UUID, rows: list[Delivery]) -> list[Delivery]:
    """The rows whose claim is still this batch's, locked until the part is recorded so the
    reconciler cannot take one mid-send. A row taken after our lease lapsed has a new owner."""
    ours = set(
        Delivery.objects.select_for_update()
        .filter(pk__in=[row.pk for row in rows], claim=claim, status=DeliveryStatus.CLAIMED)
        .values_list("pk", flat=True)
    )
    if len(ours) < len(rows):
        logger.warning(
            "Claim %s lost %d row(s) after its lease lapsed; left to their new owner.",
            claim,
            len(rows) - len(ours),
        )
    return [row for row in rows if row.pk in ours]


def put_back(claim: uuid.UUID, rows: list[Delivery]) -> None:
    """Claimed but never tried: waiting again, the attempt not counted."""
    if rows:
        Delivery.objects.filter(
            pk__in=[row.pk for row in rows], claim=claim, status=DeliveryStatus.CLAIMED
        ).update(status=DeliveryStatus.PENDING, claim=None, attempts=F("attempts") - 1)


def send_part(context: BatchContext, rows: list[Delivery], tally: Tally) -> PartDone:
    medium, now = context.medium, timezone.now()
    outcomes: dict[int, Outcome] = {}
    with transaction.atomic():
        # Recipients before our rows: the order erasing an employee locks them in.
        recipients = with_consent_now([row.subscriber_id for row in rows if row.subscriber_id])
        rows = still_ours(context.claim, rows)
        hours = WorkingHours(context.window, now)
        ready = []
        for row in rows:
            subscriber = recipients.get(row.subscriber_id)
            if subscriber is None or not getattr(subscriber, f"{medium}_ok"):
                outcomes[row.pk] = Outcome(DeliveryStatus.SKIPPED, error="No consent at send time.")
            elif not subscriber.wants(medium):
                outcomes[row.pk] = Outcome(DeliveryStatus.SKIPPED, error="Prefers another medium now.")
            elif (opens := hours.opens(subscriber.time_zone)) > now:
                outcomes[row.pk] = Outcome(DeliveryStatus.PENDING, not_before=opens, tried=False)
            else:
                ready.append(Ready(row, subscriber, closes=hours.closes(subscriber.time_zone)))
        send = {Medium.SMS: send_texts, Medium.WHATSAPP: whatsapp_sending.send_whatsapp}.get(
            medium, send_emails
        )
        carry_on = send(context, ready, outcomes, until=time.monotonic() + PART_SECONDS)
        unreached = [row for row, _, _ in ready if row.pk not in outcomes]
        if not carry_on:
            for row in unreached:
                outcomes[row.pk] = Outcome(DeliveryStatus.PENDING, not_before=now, tried=False)
            unreached = []
        record(context.claim, [row for row in rows if row.pk in outcomes], outcomes)
    tally.add(outcomes.values())
    counters.count_sends(medium, outcomes.values())  # for /metrics: every process's sends in one place
    used = sum(1 for row, _, _ in ready if row.pk in outcomes and outcomes[row.pk].tried)
    return PartDone(used=used, unreached=unreached, carry_on=carry_on)


class WorkingHours:
    """The send window at one moment, worked out once per time zone rather than per recipient."""

    def __init__(self, window: SendWindow, now: datetime) -> None:
        self.window, self.now = window, now
        self._opens: dict[str, datetime] = {}
        self._closes: dict[str, datetime] = {}

    def opens(self, time_zone: str) -> datetime:
        if time_zone not in self._opens:
            self._opens[time_zone] = self.window.opens(self.now, zone(time_zone))
        return self._opens[time_zone]

    def closes(self, time_zone: str) -> datetime:
        if time_zone not in self._closes:
            self._closes[time_zone] = self.window.closes(self.now, zone(time_zone)) or self.now
        return self._closes[time_zone]


def send_texts(
    context: BatchContext, ready: list[Ready], outcomes: dict[int, Outcome], *, until: float
) -> bool:
    """Text the ready rows (one rate-limit token each, taken already) until `until` on the
    monotonic clock; returns whether the provider is fit to carry on."""
    backend = get_backend()
    status_callback = public_url(reverse("campaigns:twilio-status"))
    for index, (row, subscriber, closes) in enumerate(ready):
        if index and time.monotonic() > until:
            break
        now = timezone.now()
        message = SmsMessage(
            to=subscriber.phone,
            body=compose.sms_body(
                context.campaign,
                name=compose.given_name(subscriber),
                links=context.links,
                language=subscriber.language,
            ),
            status_callback=status_callback,
            # Expires in the provider's queue rather than arriving after working hours.
            validity_seconds=max(60, min(settings.SMS_VALIDITY_SECONDS, int((closes - now).total_seconds()))),
        )
        try:
            sent = backend.send(message)
        except DeliveryError as error:
            outcomes[row.pk] = outcome_of(row, error, now)
            consent.note_provider_refusal(medium=Medium.SMS, address=subscriber.phone, error=error)
            if error.outcome is DeliveryOutcome.RETRY:
                return False  # the provider is busy or down: the rest of the batch waits too
        else:
            outcomes[row.pk] = Outcome(
                DeliveryStatus.ACCEPTED, provider_id=sent.provider_id, handed_over=True
            )
    return True


def email_error(error: Exception) -> DeliveryError:
    """What a failed SMTP (or sending service) send means for this message, in the same terms as a text's."""
    if isinstance(error, AnymailError):
        return email_service.service_error(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return DeliveryError("The mail server refused the address.", outcome=DeliveryOutcome.FAILED)
    if isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 500:
        return DeliveryError(
            f"The mail server asked us to try later ({error.smtp_code}).", outcome=DeliveryOutcome.RETRY
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return DeliveryError(
            f"The mail server refused the email ({error.smtp_code}).", outcome=DeliveryOutcome.FAILED
        )
    if isinstance(error, ConnectionRefusedError | smtplib.SMTPConnectError):
        return DeliveryError(
            "The mail server could not be reached; it will be tried again.", outcome=DeliveryOutcome.RETRY
        )
    return DeliveryError(
        "The mail server stopped answering mid-send; the email may have gone, so it is not re-sent.",
        outcome=DeliveryOutcome.UNKNOWN,
    )


def send_emails(
    context: BatchContext, ready: list[Ready], outcomes: dict[int, Outcome], *, until: float
) -> bool:
    """As send_texts, through one SMTP connection (or sending service session) for the part."""
    if not ready:
        return True
    connection = get_connection()
    service = email_service.is_service(connection)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException, AnymailError) as error:
        failure = email_error(error)
        if failure.outcome is DeliveryOutcome.UNKNOWN:  # nothing was handed over before it opened
            failure = DeliveryError(
                "The mail server did not answer; it will be tried again.", outcome=DeliveryOutcome.RETRY
            )
        for row, _, _ in ready:
            outcomes[row.pk] = outcome_of(row, failure, timezone.now())
        return failure.outcome is not DeliveryOutcome.RETRY  # down or busy: the rest of the batch waits too
    try:
        for index, (row, subscriber, _) in enumerate(ready):
            if index and time.monotonic() > until:
                break
            name = compose.given_name(subscriber)
            # Per person: under each link, their own signed "useful?" buttons.
            links = compose.email_links(
                context.campaign, context.tracked_links, subscriber=subscriber, occurrence=row.occurrence
            )
            unsubscribe = unsubscribe_url(subscriber)  # the header's link, written out in the text too
            message = build_email(
                subscriber=subscriber,
                subject=compose.email_subject(context.campaign, name=name, language=subscriber.language),
                text=compose.email_text(
                    context.campaign,
                    name=name,
                    links=links,
                    unsubscribe=unsubscribe,
                    language=subscriber.language,
                ),
                unsubscribe=unsubscribe,
            )
            # Over SMTP our own Message-ID names the email; a sending service gives its own id,
            # which its webhooks use (campaigns.email_events finds the row by it).
            message_id = "" if service else make_msgid(domain=DNS_NAME)
            if message_id:
                message.extra_headers["Message-ID"] = message_id
            try:
                connection.send_messages([message])
            except (OSError, smtplib.SMTPException, AnymailError) as error:
                outcomes[row.pk] = outcome_of(row, email_error(error), timezone.now())
                if outcomes[row.pk].status != DeliveryStatus.FAILED:
                    return False
            else:
                if service:
                    message_id = email_service.service_message_id(message)
                outcomes[row.pk] = Outcome(
                    DeliveryStatus.ACCEPTED, provider_id=message_id[:64], handed_over=True
                )
    finally:
        connection.close()
    return True


def record(claim: uuid.UUID, rows: list[Delivery], outcomes: dict[int, Outcome]) -> None:
    """Write every outcome: one UPDATE per kind of outcome (most of a batch is simply
    "accepted"), then the provider ids in one statement. Row-by-row writes were the fan-out's
    bottleneck: a CASE per column per row for a 1,000-row part. Only rows still under `claim`
    are written (send_part holds their locks, so that is all of them)."""
    now = timezone.now()
    alike: dict[tuple, list[int]] = defaultdict(list)
    provider_ids = []
    for row in rows:
        outcome = outcomes[row.pk]
        key = (outcome.status, outcome.error_code, outcome.error[:300], outcome.not_before)
        alike[(*key, outcome.handed_over, outcome.tried, outcome.free_text)].append(row.pk)
        if outcome.provider_id:
            provider_ids.append((row.pk, outcome.provider_id))
    for (status, error_code, error, not_before, handed_over, tried, free_text), ids in alike.items():
        changes = {
            "status": status,
            "claim": None,
            "provider_id": "",
            "error_code": error_code,
            "error": error,
            "free_text": free_text,
        }
        if not_before:
            changes["not_before"] = not_before
        if handed_over:
            changes["sent_at"] = now
        if not tried:
            changes["attempts"] = F("attempts") - 1
        Delivery.objects.filter(pk__in=ids, claim=claim, status=DeliveryStatus.CLAIMED).update(**changes)
    set_provider_ids(provider_ids)


def set_provider_ids(pairs: list[tuple[int, str]], *, batch_size: int = 1000) -> None:
    """Each row's provider id in one statement per thousand rows (PostgreSQL and SQLite alike:
    both name a VALUES list's columns column1, column2)."""
    database = transaction.get_connection()
    table = database.ops.quote_name(Delivery._meta.db_table)
    with database.cursor() as cursor:
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start : start + batch_size]
            cursor.execute(
                f"UPDATE {table} SET provider_id = v.column2 "  # noqa: S608 - our own table's name
                f"FROM (VALUES {', '.join(['(%s, %s)'] * len(batch))}) AS v WHERE {table}.id = v.column1",
                [value for pair in batch for value in pair],
            )


# Health of a send.


def pause(*, campaign: Campaign, by: AbstractBaseUser) -> None:
    require_launcher(by)
    changed = Campaign.objects.filter(
        pk=campaign.pk, status__in=[CampaignStatus.SENDING, CampaignStatus.SCHEDULED]
    ).update(status=CampaignStatus.PAUSED, paused_reason=f"Paused by {by}.")
    if not changed:
        raise ValidationError("Only a scheduled or sending campaign can be paused.")


def resume(*, campaign: Campaign, by: AbstractBaseUser) -> None:
    """Carry on where it stopped: rows already sent or failed are not sent again."""
    require_launcher(by)
    campaign.refresh_from_db(fields=["occurrence"])  # the send under way, whatever the caller last read
    started = Delivery.objects.filter(
        campaign=campaign, occurrence=campaign.occurrence, status__in=STILL_TO_GO
    ).exists()
    posting = still_to_post(campaign).exists()  # a send with only posts left is started too
    changed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.PAUSED).update(
        status=CampaignStatus.SENDING if started or posting else CampaignStatus.SCHEDULED, paused_reason=""
    )
    if not changed:
        raise ValidationError("Only a paused campaign can be resumed.")
    if started:
        transaction.on_commit(lambda: queue_sending(campaign.pk, batches=settings.SEND_PARALLEL_TASKS))
    if posting:
        transaction.on_commit(lambda: team_posts_due.send(sender=Campaign, campaign_id=campaign.pk))
    finish_if_done(campaign.pk)


def cancel(*, campaign: Campaign, by: AbstractBaseUser) -> None:
    require_launcher(by)
    with transaction.atomic():
        changed = Campaign.objects.filter(
            pk=campaign.pk,
            status__in=[CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED],
        ).update(status=CampaignStatus.CANCELLED, next_send_at=None)
        if not changed:
            raise ValidationError("Only a scheduled, sending or paused campaign can be cancelled.")
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SKIPPED, error=f"Campaign cancelled by {by}."
        )


# Reconciling.


def reconcile(*, stale_after: timedelta | None = None, now: datetime | None = None) -> Reconciled:
    """Settle claims whose lease lapsed (their worker is gone: a live one renews it every part),
    and outcomes left unknown, from the provider's log; then make sure every sending campaign with
    due rows has a task working on it. Never by a claim's age alone: claimed_at is the lease."""
    now = now or timezone.now()
    stale_after = timedelta(seconds=settings.DELIVERY_CLAIM_SECONDS) if stale_after is None else stale_after
    result = Reconciled()
    backend = get_backend()
    # An unknown outcome can only be settled from a provider log; without one it waits for a person.
    unsettled = Q(status=DeliveryStatus.CLAIMED)
    if hasattr(backend, "sent_to"):
        unsettled |= Q(status=DeliveryStatus.UNKNOWN, medium=Medium.SMS)
    unsettled |= whatsapp_sending.settleable_unknowns()
    stale = (
        Delivery.objects.filter(unsettled, claimed_at__lte=now - stale_after)
        .select_related("campaign__journey_step", "subscriber")
        .order_by("pk")
    )
    for row in stale.iterator(chunk_size=500):
        with logging_context.bound(campaign_id=row.campaign_id):
            settle_claim(row, backend, result)
    due = Delivery.objects.filter(
        campaign=OuterRef("pk"), status=DeliveryStatus.PENDING, not_before__lte=timezone.now()
    )
    for campaign_id in Campaign.objects.filter(Exists(due), status=CampaignStatus.SENDING).values_list(
        "pk", flat=True
    ):
        queue_sending(campaign_id)
    for campaign_id in Campaign.objects.filter(status=CampaignStatus.SENDING).values_list("pk", flat=True):
        finish_if_done(campaign_id)
    counters.count_settlements(**asdict(result))
    return result


def settle_claim(row: Delivery, backend, result: Reconciled) -> None:
    # Only while the claim is as read: a renewal meanwhile (its worker was slow, not gone) or an
    # outcome recorded meanwhile wins. A row locked by its worker mid-send waits here, then no longer
    # matches.
    unchanged = Delivery.objects.filter(
        pk=row.pk, status=row.status, claim=row.claim, claimed_at=row.claimed_at
    )
    if row.subscriber is None:
        unchanged.update(status=DeliveryStatus.SKIPPED, claim=None, error="Erased before it was sent.")
        return
    if row.medium == Medium.WHATSAPP:
        whatsapp_sending.settle_claim(row, unchanged, result)
        return
    if row.medium == Medium.EMAIL or not hasattr(backend, "sent_to"):
        if row.status == DeliveryStatus.CLAIMED:
            unchanged.update(
                status=DeliveryStatus.UNKNOWN,
                claim=None,
                error="The sender stopped before recording the outcome; not re-sent in case it went.",
            )
        result.left_unknown += 1
        return
    links = compose.links_text(links_for(row.campaign, Medium.SMS), Medium.SMS)
    body = compose.sms_body(
        row.campaign, name=compose.given_name(row.subscriber), links=links, language=row.subscriber.language
    )
    try:
        logged = backend.sent_to(to=row.subscriber.phone, since=row.claimed_at - timedelta(minutes=1))
    except DeliveryError as error:
        logger.warning("Could not read the provider's log for delivery %s: %s", row.pk, error.message)
        result.left_unknown += 1
        return
    match = next((sent for sent in logged if sent.body == body), None)
    # Counted only when taken: a claim renewed or recorded meanwhile stays its worker's.
    if match:
        result.found_sent += unchanged.update(
            status=DeliveryStatus.ACCEPTED,
            claim=None,
            provider_id=match.provider_id,
            sent_at=row.claimed_at,
            error="",
        )
    else:
        result.requeued += unchanged.update(
            status=DeliveryStatus.PENDING, claim=None, not_before=timezone.now(), error=""
        )
