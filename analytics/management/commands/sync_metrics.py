"""Backfill or re-pull a source's figures, chunk by chunk, with a progress bar.

    manage.py sync_metrics --source ga4 --since 2026-01-01
    manage.py sync_metrics --source youtube --channel "Learning videos" --since 2026-06-01 --until 2026-06-30

Runs in this process rather than on a worker, so an operator sees each chunk land. Each chunk is a
SyncRun of its own, written whole or not at all: an interrupted backfill resumes by running again.

GA4 backfills are planned against the property's daily quota: before each chunk, the tokens the
last run left (GA4 says, with every answer) are weighed against what a chunk costs (what the last
run spent, per day of its period). A chunk that would take the property below
GA4_QUOTA_WARN_TOKENS, which stay for the daily syncs, is not started: the command stops and says
what to run once the quota resets at midnight Pacific time, rather than running into the wall.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics import services
from analytics.models import Source, SyncStatus
from analytics.sources.base import Period
from channels.models import Channel

SYNCED = (Source.GA4, Source.YOUTUBE, Source.LINKS)


class Command(BaseCommand):
    help = "Pull a source's daily figures for a period (a backfill), in chunks, idempotently."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", required=True, choices=[str(source) for source in SYNCED])
        parser.add_argument("--since", required=True, type=date.fromisoformat, help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", type=date.fromisoformat, help="Last day (default: yesterday).")
        parser.add_argument(
            "--channel", help="One channel by name (default: every channel the source measures)."
        )
        parser.add_argument("--chunk-days", type=int, default=7, help="Days per run (default 7).")

    def handle(
        self, *args, source: str, since: date, until: date | None, channel: str | None, **options
    ) -> None:
        try:
            period = Period(since, until or services.recent_period().end)
        except ValueError as error:
            raise CommandError(str(error)) from None
        chunks = period.chunks(max(1, options["chunk_days"]))
        failed, waiting = [], []
        for target in self.channels(source, channel):
            label = target.name if target else "all channels"
            progress = tqdm(chunks, desc=f"{source} {label}", unit="chunk", file=sys.stderr)
            for number, chunk in enumerate(progress):
                if source == Source.GA4 and not self.fits_quota(target, chunk):
                    rest = Period(chunk.start, period.end)
                    waiting.append(self.resume_hint(target, rest, len(chunks) - number))
                    break
                try:
                    run = services.start_sync(
                        source=source, channel=target, period=chunk, requested_by="sync_metrics"
                    )
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from None
                run = services.run_sync(run.pk)
                if run.status != SyncStatus.SUCCEEDED:
                    failed.append(f"{label} {chunk}: {run.error}")
                    if run.status == SyncStatus.POSTPONED:
                        break  # the daily quota is spent: the other chunks would fail the same way
        if failed or waiting:
            raise CommandError("Some periods were not synced:\n" + "\n".join(failed + waiting))
        self.stdout.write(self.style.SUCCESS(f"Synced {source} for {period}."))

    def fits_quota(self, channel: Channel, chunk: Period) -> bool:
        """Whether the property's daily tokens, as the last run today left them, cover this chunk
        and still leave GA4_QUOTA_WARN_TOKENS for the daily syncs. Unknown (no run today): try."""
        quota = services.ga4_quota_today(channel.ga4_property_id)
        if quota is None:
            return True
        cost, reserve = quota.cost_of(chunk), settings.GA4_QUOTA_WARN_TOKENS
        if quota.tokens_left - cost >= reserve:
            return True
        self.stderr.write(
            f"GA4 property {channel.ga4_property_id} has {quota.tokens_left:,} daily tokens left; the "
            f"chunk {chunk} would cost about {cost:,} and {reserve:,} stay for the daily syncs "
            "(GA4_QUOTA_WARN_TOKENS)."
        )
        return False

    def resume_hint(self, channel: Channel, rest: Period, chunks: int) -> str:
        return (
            f"{channel.name} {rest}: {chunks} chunk(s) must wait for GA4's daily quota to reset at "
            f"midnight Pacific time ({services.quota_day_start() + timedelta(days=1):%Y-%m-%d %H:%M %Z}); "
            f'then run: manage.py sync_metrics --source ga4 --channel "{channel.name}" '
            f"--since {rest.start} --until {rest.end}"
        )

    def channels(self, source: str, name: str | None) -> list[Channel | None]:
        if source == Source.LINKS:
            return [None]
        measured = [channel for each, channel in services.measured_channels() if each == source]
        if name:
            measured = [channel for channel in measured if channel.name == name]
            if not measured:
                raise CommandError(f"No channel named {name!r} is measured by {Source(source).label}.")
        if not measured:
            raise CommandError(f"No channel is measured by {Source(source).label}.")
        return measured
