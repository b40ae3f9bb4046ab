"""Importing a platform's own analytics export (CSV or XLSX) into DailyMetric, source "csv".

Instagram, Pinterest, WikiHow, X and Yammer offer no API we pull from, so a curator downloads the
platform's export and uploads it here. Each platform names its columns its own way: an ExportFormat
maps those headers to our figures, and the generic format takes our own names (url, date, views...).

The rules a curator can rely on:
- A file is imported whole or not at all: one bad row and nothing is written, and every problem is
  listed with the spreadsheet's row number (the header is row 1).
- A blank cell is "no data" (NULL), never 0. A figure whose column the file does not have is left as
  held; a blank cell in a column the file has clears the figure, as the platform now reports it.
- Re-importing the same file changes nothing (rows are keyed on placement, day and source "csv");
  a corrected file updates the figures it corrects.
- A post and day given twice in one file is an error, not a sum: overlapping exports pasted together
  are the usual cause, and adding them up would double the figures.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from import_export import resources
from import_export.results import RowResult
from tablib import Dataset

from analytics.models import FIGURES, DailyMetric, Source, SyncRun, SyncStatus
from campaigns.imports import ImportResultInWords, RowInWords, is_blank, sheet_row
from channels.models import Channel, MetricSource, Platform
from curation.models import Placement


@dataclass(frozen=True)
class ExportFormat:
    """How one platform's export names its columns. Each entry lists the header's spellings, newest
    first: the first one the file has is read (Instagram renamed Impressions to Views in 2025)."""

    key: str
    label: str
    url: tuple[str, ...]
    date: tuple[str, ...]
    figures: dict[str, tuple[str, ...]]
    note: str = ""

    def columns(self, headers: Sequence[object]) -> Columns:
        """The file's own header for the URL, the date and each figure it has; refuses a file that
        lacks the URL, the date or every figure, naming what is missing."""
        present = {clean_header(header): header for header in headers if clean_header(header)}

        def find(spellings: tuple[str, ...]) -> str | None:
            return next((present[s.casefold()] for s in spellings if s.casefold() in present), None)

        url, day = find(self.url), find(self.date)
        figures = {name: header for name, spellings in self.figures.items() if (header := find(spellings))}
        problems = [
            f"The file has no {either(spellings)} column, which the {self.label} has: choose the export "
            "format that matches the file, or rename the column."
            for spellings, found in ((self.url, url), (self.date, day))
            if found is None
        ]
        if not figures:
            wanted = ", ".join(spellings[0] for spellings in self.figures.values())
            problems.append(f"The file has none of the figures the {self.label} has ({wanted}).")
        if problems:
            raise ValidationError(problems)
        return Columns(url=url, date=day, figures=figures)

    @property
    def column_names(self) -> list[str]:
        """What the import page lists for this format."""
        headers = [either(self.url), either(self.date)]
        return headers + [f"{either(spellings)} → {name}" for name, spellings in self.figures.items()]


@dataclass(frozen=True)
class Columns:
    url: str
    date: str
    figures: dict[str, str]  # our figure -> the file's header


def clean_header(header: object) -> str:
    return str(header or "").replace("\ufeff", "").strip().casefold()


def either(spellings: tuple[str, ...]) -> str:
    return " or ".join(f"“{spelling}”" for spelling in spellings)


INSTAGRAM = ExportFormat(
    key="instagram",
    label="Instagram Insights export",
    url=("Permalink",),
    date=("Publish time",),
    figures={
        "views": ("Views", "Impressions"),
        "likes": ("Likes",),
        "comments": ("Comments",),
        "shares": ("Shares",),
        "saves": ("Saves",),
        "new_followers": ("Follows",),
    },
    note="Content exports give each post's totals so far: they are recorded on the day it was published.",
)
PINTEREST = ExportFormat(
    key="pinterest",
    label="Pinterest Analytics export",
    url=("Pin URL", "Pin link"),
    date=("Date",),
    # Outbound clicks reach our page, as our own clicks do; older exports only have Pin clicks.
    figures={"views": ("Impressions",), "saves": ("Saves",), "clicks": ("Outbound clicks", "Pin clicks")},
)
TWITTER = ExportFormat(
    key="twitter",
    label="X (Twitter) analytics export",
    url=("Tweet permalink", "Post Link"),
    date=("time", "Date"),
    figures={
        "views": ("impressions",),
        "likes": ("likes",),
        "shares": ("retweets", "Reposts"),
        "comments": ("replies",),
        "saves": ("Bookmarks",),
        "new_followers": ("follows", "New follows"),
        "clicks": ("url clicks",),
    },
)
WIKIHOW = ExportFormat(
    key="wikihow",
    label="WikiHow article stats export",
    url=("URL", "Article URL"),
    date=("Date",),
    figures={"views": ("Views", "Page views"), "likes": ("Helpful votes",), "comments": ("Comments",)},
    note="“Helpful votes” (readers who said the article helped) are recorded as likes.",
)
YAMMER = ExportFormat(
    key="yammer",
    label="Viva Engage (Yammer) conversation export",
    url=("Conversation link", "Conversation URL", "Thread URL"),
    date=("Date",),
    figures={
        "views": ("Seen by", "Views"),
        "likes": ("Reactions", "Likes"),
        "comments": ("Replies", "Comments"),
        "shares": ("Shares",),
    },
)
GENERIC = ExportFormat(
    key="generic",
    label="generic file (our own column names)",
    url=("url",),
    date=("date",),
    figures={name: (name,) for name in FIGURES},
    note="For platforms without an export format of their own: columns url, date and any of our figures.",
)
EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.key: f for f in (INSTAGRAM, PINTEREST, TWITTER, WIKIHOW, YAMMER, GENERIC)
}
PLATFORM_FORMATS: dict[str, ExportFormat] = {
    Platform.INSTAGRAM: INSTAGRAM,
    Platform.PINTEREST: PINTEREST,
    Platform.TWITTER: TWITTER,
    Platform.WIKIHOW: WIKIHOW,
    Platform.YAMMER: YAMMER,
}


def export_format_for(channel: Channel, key: str = "") -> ExportFormat:
    """The format the curator chose, or by default the one of the channel's platform."""
    if key:
        return EXPORT_FORMATS[key]
    return PLATFORM_FORMATS.get(channel.platform, GENERIC)


# Reading cells.

WHOLE_FIGURES = frozenset(
    name for name in FIGURES if isinstance(DailyMetric._meta.get_field(name), models.PositiveIntegerField)
)
LARGEST_WHOLE = 2_147_483_647  # PositiveIntegerField's ceiling on PostgreSQL
NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)")
# An optional time after the day, as exports write it: "14:05", "2:05 PM", "14:05:00 +0000".
TIME = r"(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?"
TIME += r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?)?"
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + TIME, re.IGNORECASE)
US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + TIME, re.IGNORECASE)
EXCEL_EPOCH = date(1899, 12, 30)
DATE_HINT = "use 2026-11-23, 11/23/2026 or 2026-11-23 14:05"


def parse_date(value: object) -> date:
    """The day as the export writes it. Times and zones are dropped: a platform reports figures on its
    own reporting day, and shifting them to ours would split one day over two. Slashed dates are
    month first, as Meta, Pinterest and X write them."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2_958_466:
        return EXCEL_EPOCH + timedelta(days=int(value))  # an Excel cell holding the date as a number
    text = str(value).strip()
    parts = None
    if match := ISO_DATE.fullmatch(text):
        parts = (match[1], match[2], match[3])
    elif match := US_DATE.fullmatch(text):
        parts = (match[3], match[1], match[2])
    try:
        if parts:
            return date(*(int(part) for part in parts))
    except ValueError:
        pass
    raise ValidationError(f"“{text}” is not a date: {DATE_HINT}.")


def parse_figure(value: object, name: str) -> int | float | None:
    """A figure as exported: "1,234" and 1234.0 read as 1234; a blank cell is None (no data)."""
    if is_blank(value):
        return None
    text = str(value).strip()
    number = as_decimal(value)
    if number is None:
        raise ValidationError(f"“{text}” is not a number.")
    if number < 0:
        raise ValidationError(f"“{text}” is below zero: a figure cannot be negative.")
    if name in WHOLE_FIGURES:
        if number != number.to_integral_value():
            raise ValidationError(f"“{text}” is not a whole number.")
        if number > LARGEST_WHOLE:
            raise ValidationError(f"“{text}” is too large for one day's figure.")
        return int(number)
    if name == "engagement_rate" and number > 1:
        raise ValidationError(f"“{text}” is not a fraction from 0 to 1 (0.62 is 62%).")
    return float(number)


def as_decimal(value: object) -> Decimal | None:
    """A spreadsheet's number cell, or text such as "1,234", "1 234" or "12.5"; None for anything
    else. A comma is only a thousands separator: "12,5" is refused rather than read as 125."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value)) if math.isfinite(value) else None
    match = NUMBER.fullmatch(re.sub(r"[\s\u00a0\u202f]", "", str(value)))
    return Decimal(match[1] + match[2].replace(",", "")) if match else None


# Matching posts to placements.

# The same platform under two names: X still exports old posts with twitter.com links.
HOST_ALIASES = {"twitter.com": "x.com", "mobile.twitter.com": "x.com"}


def normalise_url(url: str) -> str:
    """The part of a post's address that names the post: host (lower case, without www. or m.) and
    path (without a trailing slash). Scheme, query string and fragment are dropped: platforms add
    tracking (?igsh=, ?utm_source=, ?s=20) to shared links, and these platforms name posts by path."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 host: matches no placement
        return text
    host = (parts.hostname or "").rstrip(".")
    for prefix in ("www.", "m."):
        host = host.removeprefix(prefix)
    host = HOST_ALIASES.get(host, host)
    return host + unquote(parts.path).rstrip("/")


class PlacementIndex:
    """One channel's placements by normalised URL, read once per file."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.by_url: dict[str, list[Placement]] = defaultdict(list)
        # The channel too: the import names each row's placement, and str(placement) reads it.
        placements = (
            Placement.objects.filter(channel=channel).select_related("item", "channel").order_by("pk")
        )
        for placement in placements:
            self.by_url[normalise_url(placement.url)].append(placement)

    def find(self, url: str) -> Placement:
        found = self.by_url.get(normalise_url(url), [])
        if not found:
            raise ValidationError(f"no placement on {self.channel.name} has the URL {url}.")
        if len(found) > 1:
            titles = ", ".join(f"“{placement.item}”" for placement in found)
            raise ValidationError(
                f"{len(found)} placements on {self.channel.name} have the URL {url} ({titles}): "
                "their figures cannot be told apart."
            )
        return found[0]


# One row, read.


@dataclass
class ParsedRow:
    """A data row as read: its spreadsheet row number, post, day and figures, or what is wrong."""

    number: int
    placement: Placement | None = None
    date: date | None = None
    figures: dict[str, int | float | None] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    blank: bool = False

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)

    @property
    def key(self) -> tuple[int, date] | None:
        return (self.placement.pk, self.date) if self.placement and self.date else None


def parse_rows(dataset: Dataset, columns: Columns, placements: PlacementIndex) -> dict[int, ParsedRow]:
    """Every data row, keyed by its position in the dataset (from 1, as django-import-export counts)."""
    parsed: dict[int, ParsedRow] = {}
    first_seen: dict[tuple[int, date], int] = {}
    for position, values in enumerate(dataset, 1):
        row = dict(zip(dataset.headers, values, strict=False))
        parsed[position] = read_row(row, sheet_row(position), columns, placements)
        key = parsed[position].key
        if key in first_seen:
            parsed[position].add_error(
                NON_FIELD_ERRORS,
                f"the same post and date as row {first_seen[key]}: a file gives each post's figures "
                "for a day once.",
            )
        elif key:
            first_seen[key] = parsed[position].number
    return parsed


def read_row(row: dict, number: int, columns: Columns, placements: PlacementIndex) -> ParsedRow:
    parsed = ParsedRow(number=number)
    if all(is_blank(value) for value in row.values()):
        parsed.blank = True  # spreadsheets often end in empty rows
        return parsed
    url, day = row.get(columns.url), row.get(columns.date)
    if is_blank(url):
        parsed.add_error(columns.url, "the post's URL is missing.")
    else:
        try:
            parsed.placement = placements.find(str(url).strip())
        except ValidationError as unknown:
            parsed.add_error(NON_FIELD_ERRORS, unknown.messages[0])
    if is_blank(day):
        parsed.add_error(columns.date, "the date is missing.")
    else:
        try:
            parsed.date = parse_date(day)
        except ValidationError as bad:
            parsed.add_error(columns.date, bad.messages[0])
    for name, header in columns.figures.items():
        try:
            parsed.figures[name] = parse_figure(row.get(header), name)
        except ValidationError as bad:
            parsed.add_error(header, bad.messages[0])
    return parsed


# The import, through django-import-export's dry run and confirm.


class MetricRowResult(RowInWords):
    """A row's outcome in words, with the post and figures as read."""

    skipped = "Unchanged"

    def __init__(self) -> None:
        super().__init__()
        self.parsed: ParsedRow | None = None
        self.cells: list[object] = []


class MetricImportResult(ImportResultInWords):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.channel: Channel | None = None
        self.export_format: ExportFormat | None = None
        self.figure_columns: list[str] = []
        self.sync_run: SyncRun | None = None

    @property
    def shown_rows(self) -> list[MetricRowResult]:
        """Not the empty rows spreadsheets often end in."""
        return [row for row in self.valid_rows() if not (row.parsed and row.parsed.blank)]

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.shown_rows if row.import_type == RowResult.IMPORT_TYPE_SKIP)

    def summary(self) -> str:
        totals = self.totals
        read = len(self.shown_rows) + len(self.invalid_rows) + len(self.error_rows)
        invalid = totals[RowResult.IMPORT_TYPE_INVALID] + totals[RowResult.IMPORT_TYPE_ERROR]
        return (
            f"{read} row{'' if read == 1 else 's'} read: {totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, {self.unchanged} unchanged, "
            f"{invalid} with errors."
        )


class PlatformExportResource(resources.ModelResource):
    """One file of one channel's figures. Rows are read and checked once, before any is saved
    (before_import), so duplicates across the file are found and existing days loaded in one query."""

    class Meta:
        model = DailyMetric
        fields = ()  # columns are the export format's, read in before_import
        skip_diff = True  # the preview names what an update changes instead
        report_skipped = True

    def __init__(
        self,
        *,
        channel: Channel | None = None,
        export_format: ExportFormat | None = None,
        requested_by: str = "",
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.channel = channel
        self.export_format = export_format or (export_format_for(channel) if channel else GENERIC)
        self.requested_by = requested_by
        self.columns: Columns | None = None
        self.parsed: dict[int, ParsedRow] = {}
        self.held: dict[tuple[int, date], DailyMetric] = {}
        self.written: list[int] = []
        self.current = ParsedRow(number=0)  # the row being imported, and what an update changes
        self.changes: list[str] = []

    def get_row_result_class(self) -> type[MetricRowResult]:
        return MetricRowResult

    def get_result_class(self) -> type[MetricImportResult]:
        return MetricImportResult

    def import_data(self, dataset: Dataset, dry_run: bool = False, **kwargs: object) -> MetricImportResult:
        # All or nothing whoever calls: a file with one bad row writes no row at all.
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset: Dataset, **kwargs: object) -> None:
        self.started_at = timezone.now()
        if self.channel is None or self.channel.metric_source != MetricSource.CSV_IMPORT:
            name = self.channel.name if self.channel else "No channel"
            del dataset[:]
            raise ValidationError(f"{name} is not measured by imports of its platform's export.")
        self.written, self.held = [], {}
        try:
            self.columns = self.export_format.columns(dataset.headers or [])
            self.parsed = parse_rows(dataset, self.columns, PlacementIndex(self.channel))
        except Exception:
            del dataset[:]  # a file that cannot be read is reported once, not again for every row
            raise
        if days := self.days:
            held = DailyMetric.objects.filter(
                source=Source.CSV, placement__channel=self.channel, date__range=(min(days), max(days))
            )
            self.held = {(metric.placement_id, metric.date): metric for metric in held}

    @property
    def days(self) -> list[date]:
        return [row.date for row in self.parsed.values() if row.date]

    def before_import_row(self, row: dict, row_number: int | None = None, **kwargs: object) -> None:
        self.current, self.changes = self.parsed[row_number], []

    def get_instance(self, instance_loader: object, row: dict) -> DailyMetric | None:
        return self.held.get(self.current.key) if self.current.key else None

    def init_instance(self, row: dict | None = None) -> DailyMetric:
        return DailyMetric(source=Source.CSV)

    def import_instance(self, instance: DailyMetric, row: dict, **kwargs: object) -> None:
        current = self.current
        if current.errors:
            raise ValidationError(current.errors)
        if current.blank:
            return
        instance.placement, instance.date = current.placement, current.date
        for name, value in current.figures.items():
            if instance.pk and getattr(instance, name) != value:
                self.changes.append(f"{name} {shown(getattr(instance, name))} → {shown(value)}")
            setattr(instance, name, value)

    def skip_row(
        self,
        instance: DailyMetric,
        original: DailyMetric | None,
        row: dict,
        import_validation_errors: dict | None = None,
    ) -> bool:
        if import_validation_errors:
            return False
        return self.current.blank or (instance.pk is not None and not self.changes)

    def after_save_instance(self, instance: DailyMetric, row: dict, **kwargs: object) -> None:
        self.written.append(instance.pk)

    def import_row(self, row: dict, instance_loader: object, **kwargs: object) -> MetricRowResult:
        row_result = super().import_row(row, instance_loader, **kwargs)
        current = row_result.parsed = self.current
        if current.blank:
            return row_result
        row_result.cells = [
            current.placement.item.title if current.placement else "",
            current.date.isoformat() if current.date else "",
            *(current.figures.get(name) for name in self.columns.figures),
        ]
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            row_result.note = "changes " + ", ".join(self.changes)
        elif row_result.import_type == RowResult.IMPORT_TYPE_SKIP:
            row_result.note = "already held, nothing changed"
        return row_result

    def after_import(self, dataset: Dataset, result: MetricImportResult, **kwargs: object) -> None:
        # Not ModelResource's: it resets the id sequence to the highest id it can see, which would
        # move it backwards under a sync inserting rows at the same time. Ids here are never given.
        result.channel, result.export_format = self.channel, self.export_format
        if self.columns:
            result.figure_columns = [f"{name} ({header})" for name, header in self.columns.figures.items()]
        days = self.days
        failed = result.has_errors() or result.has_validation_errors()
        if kwargs.get("dry_run") or failed or not days:
            return
        # Recorded like a sync, so "last synced" shows for channels measured by their exports too.
        run = SyncRun.objects.create(
            source=Source.CSV,
            channel=self.channel,
            period_start=min(days),
            period_end=max(days),
            status=SyncStatus.SUCCEEDED,
            requested_by=self.requested_by[:150],
            started_at=self.started_at,
            finished_at=timezone.now(),
            attempts=1,
            rows_read=sum(1 for row in self.parsed.values() if not row.blank),
            rows_written=len(self.written),
            rows_added=result.totals[RowResult.IMPORT_TYPE_NEW],
        )
        DailyMetric.objects.filter(pk__in=self.written).update(sync_run=run)
        result.sync_run = run


def shown(value: object) -> str:
    return "blank" if value is None else str(value)


def import_platform_export(
    *,
    channel: Channel,
    dataset: Dataset,
    export_format: ExportFormat | None = None,
    dry_run: bool = False,
    requested_by: str = "",
) -> MetricImportResult:
    """Check a file and, if every row is good and it is not a dry run, write it. The admin's preview
    (a dry run) and confirm steps take this same path through django-import-export's admin."""
    resource = PlatformExportResource(channel=channel, export_format=export_format, requested_by=requested_by)
    return resource.import_data(dataset, dry_run=dry_run)


def format_choices() -> Iterable[tuple[str, str]]:
    return [(f.key, f.label[0].upper() + f.label[1:]) for f in EXPORT_FORMATS.values()]
