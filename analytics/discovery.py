"""Owned channels bring their own candidates: a recent upload on our YouTube channel, or a page
under our GA4 prefix, that the catalogue does not have yet goes into the curation inbox by itself.

This lives in analytics, not in curation's inbox, because it reads through analytics' Google
clients (analytics/sources/); curation never imports analytics. What is "already placed" is
decided the way the syncs match figures to placements (analytics.services' matchers), so a page
the sync attributes to an item is never also offered as a candidate; record_candidates then
drops anything already a candidate or in the catalogue under another address.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from analytics.clock import today
from analytics.services import page_matcher, video_matcher
from analytics.sources import ga4, youtube
from analytics.sources.base import Period, Retry, SourceError
from channels.destinations import public_host
from channels.models import Channel, MetricSource
from curation.inbox.entries import Entry
from curation.inbox.models import CandidateSource, SourceKind
from curation.inbox.services import Recorded, record_candidates

logger = logging.getLogger(__name__)


@dataclass
class Discovered:
    """What one owned-channel source gave this time: candidates recorded, or the error."""

    source: CandidateSource
    recorded: Recorded | None = None
    error: SourceError | None = None

    @property
    def retry_soon(self) -> bool:
        return self.error is not None and self.error.retry == Retry.SOON


def owned_sources(source_ids: Iterable[int] | None = None) -> QuerySet[CandidateSource]:
    sources = CandidateSource.objects.filter(kind=SourceKind.OWNED_CHANNEL, is_active=True)
    if source_ids is not None:
        sources = sources.filter(pk__in=list(source_ids))
    return sources.select_related("channel", "topic").order_by("pk")


def discover_owned_candidates(*, source_ids: Iterable[int] | None = None) -> list[Discovered]:
    """Every active owned-channel source (or those named), each on its own: one failing channel
    never keeps another's new content out of the inbox."""
    return [discover(source=source) for source in owned_sources(source_ids)]


def discover(*, source: CandidateSource) -> Discovered:
    """Read the channel's recent uploads or pages and record those the catalogue lacks.

    A failure is written on the source in plain words and changes nothing else: the inbox keeps
    what it had, and last_success_at still says when the channel was last read.
    """
    polled = timezone.now()
    try:
        entries = entries_of(source.channel)
    except SourceError as error:
        CandidateSource.objects.filter(pk=source.pk).update(last_polled_at=polled, last_error=error.message)
        source.last_polled_at, source.last_error = polled, error.message
        logger.warning("owned-channel discovery failed", extra={"source": source.pk, "error": error.message})
        return Discovered(source, error=error)
    with transaction.atomic():
        recorded = record_candidates(source=source, entries=entries)
        CandidateSource.objects.filter(pk=source.pk).update(
            last_polled_at=polled, last_success_at=polled, last_error=""
        )
    source.last_polled_at = source.last_success_at = polled
    source.last_error = ""
    for line in recorded.refused:
        logger.warning("owned-channel entry left out", extra={"source": source.pk, "reason": line})
    return Discovered(source, recorded=recorded)


def entries_of(channel: Channel) -> list[Entry]:
    """The channel's recent content that no placement on it holds yet, as inbox entries."""
    if channel.metric_source == MetricSource.YOUTUBE and channel.youtube_channel_id:
        return youtube_entries(channel)
    if channel.metric_source == MetricSource.GA4 and channel.ga4_property_id:
        return ga4_entries(channel)
    raise SourceError(
        f"{channel.name} is measured by {channel.get_metric_source_display()}: only a YouTube channel "
        "measured by YouTube Analytics, or a site measured by GA4, can bring its new content to the "
        "inbox. Measure the channel by one of those, or make this source inactive.",
        Retry.NEVER,
    )


def youtube_entries(channel: Channel) -> list[Entry]:
    since = timezone.now() - timedelta(days=settings.OWNED_CANDIDATES_DAYS)
    uploads = youtube.uploads(channel_id=channel.youtube_channel_id, since=since)
    placed = video_matcher(channel)
    return [
        Entry(
            url=f"https://www.youtube.com/watch?v={upload.key}",
            title=upload.title,
            summary=upload.description,
            published_at=upload.published_at,
            external_id=upload.key,
        )
        for upload in uploads
        if placed(upload.key) is None
    ]


def ga4_entries(channel: Channel) -> list[Entry]:
    site = site_of(channel)
    last = today()
    period = Period(last - timedelta(days=settings.OWNED_CANDIDATES_DAYS - 1), last)
    pages = ga4.pages(property_id=channel.ga4_property_id, path_prefix=channel.ga4_path_prefix, period=period)
    placed = page_matcher(channel)
    return [
        Entry(url=site + page.key, title=page.title, external_id=page.key)
        for page in pages
        if page.key.startswith("/") and placed(page.key) is None
    ]


def site_of(channel: Channel) -> str:
    """https://host of the channel's own address: GA4 reports paths, the inbox wants addresses."""
    host = public_host(channel.url)
    if not host:
        raise SourceError(
            f"{channel.name}'s address ({channel.url}) is not a public web address, so its pages' "
            "addresses cannot be made: correct the channel's URL.",
            Retry.NEVER,
        )
    return f"https://{host}"
