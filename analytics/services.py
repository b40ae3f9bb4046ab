"""Pulling figures in: queue a sync, run it, and write its period whole or not at all.

A run fetches everything first and writes afterwards, in one transaction: a quota error or a
crash in the middle of a period leaves the figures exactly as the last good run left them.
Writes are upserts that skip unchanged rows, so re-running a period changes nothing, while a late
correction from the source (GA4 revises recent days for up to three days) updates the figure.
On PostgreSQL the rows are COPY'd into a temporary table and merged by one INSERT ... SELECT, near
the speed of the COPY itself; SQLite (the embedded default) takes them in batches of VALUES.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from analytics.clock import today
from analytics.models import (
    ACTIVE_SYNC,
    FIGURES,
    CampaignSessions,
    DailyMetric,
    RetentionPoint,
    Source,
    SyncRun,
    SyncStatus,
)
from analytics.signals import sync_queued
from analytics.sources.base import MetricRow, Period, Pull, Retry, SourceError
from campaigns.models import LinkClickDay
from channels.models import Channel, MetricSource
from config import logging_context
from curation.models import Placement

logger = logging.getLogger(__name__)

# Which channels each pulled source measures.
PULLED_SOURCES = {Source.GA4: MetricSource.GA4, Source.YOUTUBE: MetricSource.YOUTUBE}
UNMATCHED_EXAMPLES = 20
# Figures that add up when two source rows land on one placement and day.
COUNTS = ("views", "sessions", "active_users", "engaged_sessions", "likes", "comments", "shares")
COUNTS += ("saves", "new_followers", "clicks", "watch_minutes")
# GA4's daily quotas reset at midnight Pacific time, whatever the property's own time zone.
GA4_QUOTA_DAY = ZoneInfo("America/Los_Angeles")


class SyncRetry(Exception):
    """A pull that may succeed if tried again later (rate limit, outage): the task backs off."""


# Queueing.


def recent_period() -> Period:
    """Yesterday and the days before it that sources still correct."""
    yesterday = today() - timedelta(days=1)
    return Period(yesterday - timedelta(days=settings.SYNC_LOOKBACK_DAYS - 1), yesterday)


def check_source(source: str, channel: Channel | None) -> None:
    if source == Source.LINKS:
        if channel is not None:
            raise ValidationError("Link clicks are synced for all channels at once.")
        return
    if source not in PULLED_SOURCES:
        raise ValidationError(f"{Source(source).label} is imported from a file, not synced.")
    if channel is None or channel.metric_source != PULLED_SOURCES[source]:
        name = channel.name if channel else "No channel"
        raise ValidationError(f"{name} is not measured by {Source(source).label}.")


def start_sync(*, source: str, channel: Channel | None, period: Period, requested_by: str = "") -> SyncRun:
    """A queued run; refused while the same source, channel and period is queued or running."""
    check_source(source, channel)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                source=source,
                channel=channel,
                period_start=period.start,
                period_end=period.end,
                requested_by=requested_by[:150],
            )
    except IntegrityError:
        where = f" of {channel.name}" if channel else ""
        raise ValidationError(
            f"A {Source(source).label} sync{where} for {period} is already queued or running."
        ) from None


def queue_sync(*, source: str, channel: Channel | None, period: Period, requested_by: str = "") -> SyncRun:
    """Start a run and hand it to a worker once the run row is committed."""
    run = start_sync(source=source, channel=channel, period=period, requested_by=requested_by)
    transaction.on_commit(lambda: sync_queued.send(sender=SyncRun, run_id=run.pk))
    return run


def sync_now(*, channels: Iterable[Channel], requested_by: str) -> tuple[Period, list[SyncRun], list[str]]:
    """A curator's "Sync now": the recent days of each chosen channel that is pulled from a source.
    Returns the period, the runs queued, and why each other channel was not, in words.

    Where tasks run eagerly (the embedded default) each run has already finished by the time this
    returns, outside a transaction: the caller re-reads them to say what happened."""
    period = recent_period()
    runs, refused = [], []
    for channel in channels:
        source = source_of(channel)
        if source is None:
            refused.append(f"{channel.name} is measured by {channel.get_metric_source_display().lower()}.")
            continue
        try:
            runs.append(queue_sync(source=source, channel=channel, period=period, requested_by=requested_by))
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    return period, runs, refused


def source_of(channel: Channel) -> str | None:
    """The source a channel is pulled from, if any (CSV and click-only channels are not)."""
    return next(
        (source for source, metric in PULLED_SOURCES.items() if channel.metric_source == metric), None
    )


def measured_channels() -> Iterable[tuple[str, Channel]]:
    for source, metric_source in PULLED_SOURCES.items():
        for channel in Channel.objects.filter(metric_source=metric_source).order_by("pk"):
            yield source, channel


def queue_daily_syncs(*, period: Period | None = None) -> list[SyncRun]:
    """Beat, daily: one run per measured channel, and one for link clicks. A period already
    queued or running is left to finish."""
    period = period or recent_period()
    wanted: list[tuple[str, Channel | None]] = [*measured_channels(), (Source.LINKS, None)]
    queued = []
    for source, channel in wanted:
        try:
            queued.append(queue_sync(source=source, channel=channel, period=period, requested_by="schedule"))
        except ValidationError as error:
            logger.info("Daily sync skipped: %s", error.message)
    return queued


# Running.


def claim(run_id: int) -> SyncRun | None:
    """The run, marked running; None if it already finished (a task delivered twice)."""
    with transaction.atomic():
        run = (
            SyncRun.objects.select_for_update(of=("self",))
            .select_related("channel")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.status not in ACTIVE_SYNC:
            return None
        run.status, run.attempts = SyncStatus.RUNNING, run.attempts + 1
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
        return run


@logging_context.binds(sync_run_id="run_id")
def run_sync(run_id: int, *, last_attempt: bool = True) -> SyncRun | None:
    """Pull one run's period and write it. Raises SyncRetry when trying later may help and this
    is not the last attempt; otherwise the run ends succeeded, postponed or failed."""
    run = claim(run_id)
    if run is None:
        return None
    period = Period(run.period_start, run.period_end)
    try:
        written = write_period(run, period, fetch(run, period))
    except SourceError as error:
        return give_up_or_retry(run, error, last_attempt=last_attempt)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.SUCCEEDED, finished_at=timezone.now(), error="", **asdict(written)
    )
    run.refresh_from_db()
    warn_if_quota_low(run)
    return run


def warn_if_quota_low(run: SyncRun) -> None:
    left = quota_tokens_left(run)
    if left is not None and left < settings.GA4_QUOTA_WARN_TOKENS:
        logger.warning(
            "GA4 property %s has %d daily quota tokens left (warning below %d, GA4_QUOTA_WARN_TOKENS): "
            "syncs will be postponed until midnight Pacific time once they run out",
            run.channel.ga4_property_id if run.channel else "?",
            left,
            settings.GA4_QUOTA_WARN_TOKENS,
        )


def quota_tokens_left(run: SyncRun) -> int | None:
    """The daily tokens GA4 said its property had left after this run, if it said."""
    try:
        return int(run.quota["tokens_per_day"]["remaining"])
    except (KeyError, TypeError, ValueError):
        return None


def quota_day_start(now: datetime | None = None) -> datetime:
    """When today's GA4 quota began: the last midnight in Pacific time."""
    now = (now or timezone.now()).astimezone(GA4_QUOTA_DAY)
    return datetime.combine(now.date(), time(), tzinfo=GA4_QUOTA_DAY)


@dataclass(frozen=True)
class QuotaToday:
    """What the latest GA4 run today said of its property's daily quota, and what it cost."""

    tokens_left: int
    tokens_per_day_of_period: float  # the run's spend over the days it pulled

    def cost_of(self, period: Period) -> int:
        return math.ceil(self.tokens_per_day_of_period * period.days)


def ga4_quota_running_low() -> list[tuple[str, int]]:
    """Properties whose latest GA4 run today left fewer daily tokens than GA4_QUOTA_WARN_TOKENS."""
    properties = (
        SyncRun.objects.filter(source=Source.GA4, finished_at__gte=quota_day_start())
        .exclude(quota={})
        .values_list("channel__ga4_property_id", flat=True)
        .distinct()
    )
    low = []
    for property_id in sorted(properties):
        quota = ga4_quota_today(property_id)
        if quota is not None and quota.tokens_left < settings.GA4_QUOTA_WARN_TOKENS:
            low.append((property_id, quota.tokens_left))
    return low


def ga4_quota_today(property_id: str) -> QuotaToday | None:
    """None when no GA4 run of the property reported its quota since today's reset."""
    runs = SyncRun.objects.filter(
        source=Source.GA4,
        channel__ga4_property_id=property_id,
        status=SyncStatus.SUCCEEDED,
        finished_at__gte=quota_day_start(),
    ).exclude(quota={})
    latest = runs.order_by("-finished_at").first()
    left = quota_tokens_left(latest) if latest else None
    if left is None:
        return None
    days = (latest.period_end - latest.period_start).days + 1
    return QuotaToday(tokens_left=left, tokens_per_day_of_period=latest.quota_tokens / days)


def give_up_or_retry(run: SyncRun, error: SourceError, *, last_attempt: bool) -> SyncRun:
    if error.retry is Retry.SOON and not last_attempt:
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncStatus.QUEUED, error=f"{error.message} Trying again shortly (attempt {run.attempts})."
        )
        raise SyncRetry(error.message) from error
    if error.retry is Retry.TOMORROW:
        status, message = (
            SyncStatus.POSTPONED,
            f"{error.message} The next daily sync fetches this period again.",
        )
    elif error.retry is Retry.SOON:
        status, message = SyncStatus.FAILED, f"{error.message} Gave up after {run.attempts} attempts."
    else:
        status, message = SyncStatus.FAILED, error.message
    SyncRun.objects.filter(pk=run.pk).update(status=status, error=message, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def fetch(run: SyncRun, period: Period) -> Pull:
    # Imported here: each source loads a Google client library the others do not need.
    if run.source == Source.GA4:
        from analytics.sources import ga4

        return ga4.fetch(
            property_id=run.channel.ga4_property_id, path_prefix=run.channel.ga4_path_prefix, period=period
        )
    if run.source == Source.YOUTUBE:
        from analytics.sources import youtube

        # A platform id is unique on its channel (a constraint), so the list needs no deduplicating.
        videos = list(
            placements_of(run.channel).exclude(external_id="").values_list("external_id", flat=True)
        )
        return youtube.fetch(channel_id=run.channel.youtube_channel_id, video_ids=videos, period=period)
    if run.source == Source.LINKS:
        return link_clicks(period)
    raise SourceError(f"{run.get_source_display()} is imported from a file, not synced.")


def link_clicks(period: Period) -> Pull:
    """Human clicks on our tracked links per placement and day, from the campaigns' own counts:
    keyed by placement, so they take the same road into the daily table as a source's rows."""
    days = (
        LinkClickDay.objects.filter(date__range=(period.start, period.end))
        .values_list("link__placement_id", "date")
        .annotate(clicks=Sum("human_clicks"))
        .order_by()
    )
    return Pull(
        metrics=[MetricRow(key=str(placement), date=day, figures={"clicks": n}) for placement, day, n in days]
    )


def placements_of(channel: Channel):
    return Placement.objects.filter(channel=channel).order_by("pk")


# Writing.


@dataclass
class Written:
    """What a run did, in SyncRun's own field names."""

    rows_read: int = 0
    rows_written: int = 0
    rows_added: int = 0
    rows_unmatched: int = 0
    unmatched_examples: list[str] = field(default_factory=list)
    thresholded: bool = False
    other_rows: int = 0
    quota: dict[str, dict[str, int]] = field(default_factory=dict)
    quota_tokens: int = 0


def write_period(run: SyncRun, period: Period, pull: Pull) -> Written:
    matcher = MATCHERS[run.source](run.channel)
    figures: dict[tuple[int, date], dict[str, float | int]] = {}
    unmatched: dict[str, int] = defaultdict(int)
    for row in pull.metrics:
        placement_id = matcher(row.key)
        if placement_id is None:
            unmatched[row.key] += 1
            continue
        key = (placement_id, row.date)
        # combine() makes a new dict, so a row's own figures are never changed.
        figures[key] = combine(figures[key], row.figures) if key in figures else row.figures
    for key in pull.unknown_keys:
        unmatched[
            f"{key} (not on this channel in {run.get_source_display()}: deleted, private or another's?)"
        ] += 1
    written = Written(
        rows_read=pull.rows_read,
        rows_unmatched=sum(unmatched.values()) + pull.unattributed,
        unmatched_examples=sorted(unmatched)[:UNMATCHED_EXAMPLES],
        thresholded=pull.thresholded,
        other_rows=pull.other_rows,
        quota=pull.quota,
        quota_tokens=pull.quota_tokens,
    )
    with transaction.atomic():
        before = held(run.source, period, run.channel)
        written.rows_written = upsert_daily(run, figures)
        written.rows_written += write_retention(run, period, pull, matcher)
        written.rows_written += write_campaign_sessions(run, pull)
        written.rows_added = held(run.source, period, run.channel) - before
    return written


def held(source: str, period: Period, channel: Channel | None) -> int:
    rows = DailyMetric.objects.filter(source=source, date__range=(period.start, period.end))
    return (rows.filter(placement__channel=channel) if channel else rows).count()


def normalised_path(path: str) -> str:
    path = urlsplit(path).path or "/"
    return path.rstrip("/") or "/"


def page_matcher(channel: Channel) -> Callable[[str], int | None]:
    """GA4 page path -> placement: the placement's own path (or the path in its platform id)."""
    paths = {}
    for pk, url, external_id in placements_of(channel).values_list("pk", "url", "external_id"):
        paths[normalised_path(external_id if external_id.startswith("/") else url)] = pk
    # A year of a page's days repeats its path 365 times: normalise each path once.
    matched: dict[str, int | None] = {}

    def match(key: str) -> int | None:
        if key not in matched:
            matched[key] = paths.get(normalised_path(key))
        return matched[key]

    return match


def video_matcher(channel: Channel) -> Callable[[str], int | None]:
    ids = dict(placements_of(channel).exclude(external_id="").values_list("external_id", "pk"))
    return ids.get


def placement_matcher(channel: None) -> Callable[[str], int | None]:
    """Link clicks arrive keyed by the placement itself (its links belong to it by foreign key)."""
    return int


MATCHERS: dict[str, Callable[[Channel | None], Callable[[str], int | None]]] = {
    Source.GA4: page_matcher,
    Source.YOUTUBE: video_matcher,
    Source.LINKS: placement_matcher,
}


def combine(held: dict[str, float | int], more: dict[str, float | int]) -> dict[str, float | int]:
    """Two source rows for one placement and day (/guide and /guide/): counts add up, and the
    averages are weighted by the users or views behind them."""
    result = {name: held.get(name, 0) + more.get(name, 0) for name in COUNTS if name in held or name in more}
    for average, weight in (
        ("average_duration_seconds", "active_users"),
        ("average_percentage_viewed", "views"),
    ):
        weights = (held.get(weight) or 0, more.get(weight) or 0)
        if average in held or average in more:
            total = sum(weights)
            result[average] = (
                (held.get(average, 0) * weights[0] + more.get(average, 0) * weights[1]) / total
                if total
                else held.get(average, more.get(average))
            )
    if result.get("sessions"):
        result["engagement_rate"] = min(1.0, result.get("engaged_sessions", 0) / result["sessions"])
    return result


def upsert_daily(run: SyncRun, figures: dict[tuple[int, date], dict[str, float | int]]) -> int:
    """Insert new days, update changed ones, leave identical ones alone; returns rows written."""
    rows = [(placement_id, day, *map(values.get, FIGURES)) for (placement_id, day), values in figures.items()]
    return upsert(
        table=DailyMetric._meta.db_table,
        columns=("placement_id", "date", *FIGURES),
        rows=rows,
        conflict=("placement_id", "date", "source"),
        compared=FIGURES,
        updated=(*FIGURES, "sync_run_id", "updated_at"),
        same={"source": run.source, "sync_run_id": run.pk, "updated_at": timezone.now()},
    )


def write_retention(run: SyncRun, period: Period, pull: Pull, matcher: Callable[[str], int | None]) -> int:
    rows = []
    for point in pull.retention:
        placement_id = matcher(point.key)
        if placement_id is not None:
            rows.append(
                (
                    placement_id,
                    period.start,
                    period.end,
                    round(point.elapsed_ratio, 2),
                    point.audience_watch_ratio,
                    point.relative_performance,
                    run.pk,
                )
            )
    compared = ("audience_watch_ratio", "relative_performance")
    return upsert(
        table=RetentionPoint._meta.db_table,
        columns=("placement_id", "period_start", "period_end", "elapsed_ratio", *compared, "sync_run_id"),
        rows=rows,
        conflict=("placement_id", "period_start", "period_end", "elapsed_ratio"),
        compared=compared,
        updated=(*compared, "sync_run_id"),
    )


def write_campaign_sessions(run: SyncRun, pull: Pull) -> int:
    totals: dict[tuple[str, str, date], list[int | None]] = {}
    for row in pull.campaigns:
        key = (row.campaign_name[:200], row.source[:100], row.date)
        sessions, engaged = totals.get(key, [0, None])
        if row.engaged_sessions is not None:
            engaged = (engaged or 0) + row.engaged_sessions
        totals[key] = [sessions + row.sessions, engaged]
    rows = [
        (run.channel_id, name, source, day, sessions, engaged, run.pk)
        for (name, source, day), (sessions, engaged) in totals.items()
    ]
    return upsert(
        table=CampaignSessions._meta.db_table,
        columns=(
            "channel_id",
            "campaign_name",
            "source",
            "date",
            "sessions",
            "engaged_sessions",
            "sync_run_id",
        ),
        rows=rows,
        conflict=("channel_id", "campaign_name", "source", "date"),
        compared=("sessions", "engaged_sessions"),
        updated=("sessions", "engaged_sessions", "sync_run_id"),
    )


def upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: list[tuple],
    conflict: Sequence[str],
    compared: Sequence[str],
    updated: Sequence[str],
    same: dict[str, object] | None = None,
) -> int:
    """Insert new rows, update those where a compared column changed, leave identical ones alone;
    returns the rows inserted or changed. `same` holds columns with one value for every row (the
    run, the time). PostgreSQL stages the rows with COPY; SQLite takes batches of VALUES."""
    if not rows:
        return 0
    arguments = dict(table=table, columns=columns, rows=rows, conflict=conflict, compared=compared)
    if transaction.get_connection().vendor == "postgresql":
        return staged_upsert(**arguments, updated=updated, same=same or {})
    if same:
        tail = tuple(same.values())
        arguments.update(columns=(*columns, *same), rows=[row + tail for row in rows])
    return batched_upsert(**arguments, updated=updated)


def _merge_clause(quote: Callable[[str], str], table: str, conflict, compared, updated) -> str:
    changed = " OR ".join(
        f"{quote(table)}.{quote(name)} IS DISTINCT FROM excluded.{quote(name)}" for name in compared
    )
    return (
        f"ON CONFLICT ({', '.join(quote(name) for name in conflict)}) DO UPDATE SET "
        + ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in updated)
        + f" WHERE {changed}"
    )


# PostgreSQL's text types (text, varchar, char), by type oid.
TEXT_TYPES = frozenset({25, 1043, 1042})


def staged_upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: list[tuple],
    conflict: Sequence[str],
    compared: Sequence[str],
    updated: Sequence[str],
    same: dict[str, object],
) -> int:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT ... SELECT ... ON CONFLICT
    DO UPDATE ... WHERE something changed. Hundreds of thousands of VALUES rows cost the parser and
    the round trips more than the writing; COPY costs little more than the writing."""
    database = transaction.get_connection()
    quote = database.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    every = ", ".join(quote(name) for name in (*columns, *same))
    stage = quote(f"staged_{table}")
    with transaction.atomic(using=database.alias), database.cursor() as cursor:
        # Same column types as the table, none of its constraints: those apply on the way in.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 - our own names
            f"SELECT {names} FROM {quote(table)} WITH NO DATA"
        )
        cursor.execute(f"SELECT {names} FROM {stage}")  # noqa: S608 - our own names
        text = [index for index, column in enumerate(cursor.description) if column.type_code in TEXT_TYPES]
        payload, options = copy_payload(rows, [quote(name) for name in columns], text)
        cursor.copy_expert(f"COPY {stage} ({names}) FROM STDIN{options}", payload)
        # Rows identical to those held are left out before the INSERT: ON CONFLICT ... WHERE
        # false would still lock (and so write) every one of them, and a re-run would rewrite
        # the period's pages for nothing.
        staged = ", ".join(f"staged.{quote(name)}" for name in columns)
        matched = " AND ".join(
            f"held.{quote(name)} = " + ("%s" if name in same else f"staged.{quote(name)}")
            for name in conflict
        )
        anchor = next(name for name in conflict if name not in same)
        differs = " OR ".join(
            f"held.{quote(name)} IS DISTINCT FROM staged.{quote(name)}" for name in compared
        )
        cursor.execute(
            f"INSERT INTO {quote(table)} ({every}) "  # noqa: S608 - our own names
            f"SELECT {staged}{', %s' * len(same)} FROM {stage} AS staged "
            f"LEFT JOIN {quote(table)} AS held ON {matched} "
            f"WHERE held.{quote(anchor)} IS NULL OR {differs} "
            + _merge_clause(quote, table, conflict, compared, updated),
            [*same.values(), *(same[name] for name in conflict if name in same)],
        )
        written = cursor.rowcount
        # Dropped now rather than at commit: a run writes several tables in one transaction.
        cursor.execute(f"DROP TABLE {stage}")
    return written


def copy_payload(rows: list[tuple], columns: Sequence[str], text: list[int]) -> tuple[io.StringIO, str]:
    """The rows for COPY, and COPY's options. CSV, written by the csv module in C: an unquoted
    empty field is NULL, so the `text` columns are read with FORCE_NOT_NULL (an empty text stays
    empty). Should a text column hold a NULL, the text format says so (slower, in Python)."""
    if any(row[index] is None for index in text for row in rows):
        return copy_text(rows), ""
    payload = io.StringIO()
    csv.writer(payload, lineterminator="\n").writerows(rows)
    payload.seek(0)
    forced = ", ".join(columns[index] for index in text)
    return payload, f" WITH (FORMAT csv, FORCE_NOT_NULL ({forced}))" if forced else " WITH (FORMAT csv)"


def copy_text(rows: Iterable[tuple]) -> io.StringIO:
    """Rows in COPY's text format: tab-separated, \\N for NULL, backslash escapes in text."""
    lines = [
        "\t".join(
            [
                "\\N" if value is None else _copy_escaped(value) if type(value) is str else str(value)
                for value in row
            ]
        )
        for row in rows
    ]
    lines.append("")
    return io.StringIO("\n".join(lines))


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_escaped(text: str) -> str:
    return text.translate(COPY_ESCAPES)


def batched_upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: list[tuple],
    conflict: Sequence[str],
    compared: Sequence[str],
    updated: Sequence[str],
    batch_size: int = 1000,
) -> int:
    """INSERT ... VALUES ... ON CONFLICT DO UPDATE in batches, only where a compared column changed
    (SQLite; PostgreSQL understands it too)."""
    database = transaction.get_connection()
    quote = database.ops.quote_name
    one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    written = 0
    with database.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            cursor.execute(
                f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608 - our own names
                f"VALUES {', '.join([one_row] * len(batch))} "
                + _merge_clause(quote, table, conflict, compared, updated),
                [value for row in batch for value in row],
            )
            written += cursor.rowcount
    return written
