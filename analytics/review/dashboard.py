"""The weekly review assembled: one call computes a week's whole page from the other modules."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from analytics.clock import today
from analytics.review.cells import Cell, Table
from analytics.review.charts import bar_chart
from analytics.review.dropout import dropout, series
from analytics.review.durations import durations
from analytics.review.email_health import email_health
from analytics.review.figures import (
    Catalogue,
    Figures,
    figures_by_item_week,
    figures_by_placement_week,
    range_by_kind,
    range_by_topic,
    range_rows,
    read_catalogue,
)
from analytics.review.freshness import Freshness, freshness_of
from analytics.review.headlines import Headline, headlines_of, people_opting_out
from analytics.review.items import ItemRow, top_and_bottom
from analytics.review.preferences import preferences
from analytics.review.suggestions import Suggestion, suggest
from analytics.review.traffic import traffic
from analytics.review.voice import Period, VoiceCounts, VoiceSection, read_voice, voice_tables
from analytics.review.weeks import (
    FIRST_REVIEW_DAY,
    LAST_REVIEW_WEEK,
    RECENT_WEEKS,
    ReviewFilters,
    chart_range,
    iso_week_label,
    week_start_of,
    weeks_between,
)
from channels.models import Channel
from curation.models import Stage, Topic


@dataclass(frozen=True)
class FilterChoices:
    channels: list[Channel]
    topics: list[Topic]
    stages: list[tuple[str, str]]


@dataclass
class WeeklyReview:
    week_start: date
    filters: ReviewFilters
    range_start: date
    range_end: date
    range_note: str
    headlines: list[Headline]
    top_items: list[ItemRow]
    bottom_items: list[ItemRow]
    suggestions: list[Suggestion]
    freshness: list[Freshness]
    choices: FilterChoices
    tables: dict[str, Table]
    charts: dict[str, dict[str, object]]
    organic_trend: str
    notes: list[str] = field(default_factory=list)
    campaign_share: str = ""
    has_figures: bool = True  # any figure for the week reviewed, under these filters
    attention: list[str] = field(default_factory=list)  # what to look at before trusting the page
    voice: VoiceSection | None = None  # what employees told us: None for a week not begun
    # One computation of the review: the page keeps its rendered figures under it (a review kept in
    # the cache is the same computation on every request, so it is drawn once).
    computation: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return (
            f"Week {week}, {year}: {self.week_start.day} {self.week_start:%B} to "
            f"{self.week_end.day} {self.week_end:%B %Y}"
        )

    @property
    def iso_week(self) -> str:
        return iso_week_label(self.week_start)

    @property
    def previous_week(self) -> str | None:
        """None for the first week the review covers."""
        previous = self.week_start - timedelta(weeks=1)
        return iso_week_label(previous) if previous >= FIRST_REVIEW_DAY else None

    @property
    def next_week(self) -> str | None:
        """None while this week is in progress or to come (the next has no figures yet), or for the
        last week covered."""
        following = self.week_start + timedelta(weeks=1)
        if self.in_progress or self.not_begun or following > LAST_REVIEW_WEEK:
            return None
        return iso_week_label(following)

    @property
    def in_progress(self) -> bool:
        """Only the week today is in: an earlier one is over, a later one has not begun."""
        return self.week_start <= today() <= self.week_end

    @property
    def not_begun(self) -> bool:
        return self.week_start > today()

    @cached_property
    def suppressed_cells(self) -> int:
        return sum(
            1
            for table in self.tables.values()
            for row in table.rows
            for value in row
            if isinstance(value, Cell) and value.suppressed
        )

    def table(self, name: str) -> Table:
        return self.tables[name]


@dataclass
class WeekFigures:
    """What every section of a week's review reads: the figures are read once and shared."""

    week_start: date
    filters: ReviewFilters
    recent: list[date]  # the twelve weeks to the reviewed one, oldest first
    catalogue: Catalogue
    placement_weeks: dict[tuple[int, date], Figures]
    item_weeks: dict[tuple[int, date], Figures]

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def read_week(week_start: date, filters: ReviewFilters) -> WeekFigures:
    recent = weeks_between(week_start - timedelta(weeks=RECENT_WEEKS - 1), week_start)
    catalogue = read_catalogue(filters)
    placement_weeks = figures_by_placement_week(recent[0], week_start + timedelta(days=6), filters)
    return WeekFigures(
        week_start=week_start,
        filters=filters,
        recent=recent,
        catalogue=catalogue,
        placement_weeks=placement_weeks,
        item_weeks=figures_by_item_week(placement_weeks, catalogue),
    )


def weekly_review(*, week: date, filters: ReviewFilters) -> WeeklyReview:
    week_start = week_start_of(week)
    range_start, range_end, range_note = chart_range(week_start, filters)
    if week_start > today():
        return _not_begun(week_start, filters, range_start, range_end)
    read = read_week(week_start, filters)
    tables: dict[str, Table] = {}
    charts: dict[str, dict[str, object]] = {}

    headlines = headlines_of(week_start, filters, read.placement_weeks)
    tables["headlines"] = _headline_table(headlines)
    organic_trend, campaign_share = _range_sections(read, range_start, range_end, tables, charts)
    _detail_sections(read, tables, charts)
    top, bottom = top_and_bottom(
        week_start, week_start - timedelta(weeks=1), read.recent, read.item_weeks, read.catalogue
    )
    tables["top_items"] = _item_table("top_items", "Top items", top)
    tables["bottom_items"] = _item_table("bottom_items", "Bottom items", bottom)
    voice, tables_of_voice = _voice_section(read, range_start, range_end, tables)
    found = suggest(week_start, filters, read.catalogue, read.item_weeks, read.recent, voice)
    tables["suggestions"] = _suggestion_table(found)
    freshness = freshness_of(read.catalogue, week_start, today())
    tables["freshness"] = _freshness_table(freshness)
    tables["email_health"] = email_health(week_start)
    has_figures = any(week == week_start for _placement, week in read.placement_weeks)

    return WeeklyReview(
        week_start=week_start,
        filters=filters,
        range_start=range_start,
        range_end=range_end,
        range_note=range_note,
        headlines=headlines,
        top_items=top,
        bottom_items=bottom,
        suggestions=found,
        freshness=freshness,
        choices=_choices(read.catalogue.channels.values(), read.catalogue.topics.values()),
        tables=tables,
        charts=charts,
        organic_trend=organic_trend,
        notes=_notes(filters),
        campaign_share=campaign_share,
        has_figures=has_figures,
        attention=_attention(week_start, freshness, has_figures),
        voice=tables_of_voice,
    )


def _not_begun(week_start: date, filters: ReviewFilters, range_start: date, range_end: date) -> WeeklyReview:
    """A week still to come has no figures and nothing to suggest: only the filters' choices are read."""
    return WeeklyReview(
        week_start=week_start,
        filters=filters,
        range_start=range_start,
        range_end=range_end,
        range_note="",
        headlines=[],
        top_items=[],
        bottom_items=[],
        suggestions=[],
        freshness=[],
        choices=_choices(Channel.objects.all(), Topic.objects.all()),
        tables={},
        charts={},
        organic_trend="",
        has_figures=False,
    )


def _choices(channels: Iterable[Channel], topics: Iterable[Topic]) -> FilterChoices:
    return FilterChoices(
        channels=sorted(channels, key=lambda c: c.name),
        topics=sorted(topics, key=lambda t: t.name),
        stages=list(Stage.choices),
    )


def _attention(week_start: date, freshness: list[Freshness], has_figures: bool) -> list[str]:
    """What to look at before trusting the week's figures: gaps in them, and syncs failing now
    (for the last two weeks only: an older week's figures are whole or a backfill's business)."""
    found = []
    if not has_figures:
        found.append(
            "There are no figures for this week under these filters: nothing is suggested from them."
        )
    recent = week_start >= week_start_of(today()) - timedelta(weeks=1)
    for row in freshness:
        if row.incomplete:
            found.append(
                f"{row.channel} ({row.source}) has figures for {row.days_held} of this week's "
                f"{row.days_due} days{' so far' if row.days_due < 7 else ''}: its figures are incomplete."
            )
        if row.failing and recent:
            found.append(f"{row.channel} ({row.source}): the latest sync failed (see the sync log).")
    return found


def _range_sections(
    read: WeekFigures,
    start: date,
    end: date,
    tables: dict[str, Table],
    charts: dict[str, dict[str, object]],
) -> tuple[str, str]:
    """Traffic and preference patterns over the chart's range; returns the traffic's two sentences."""
    if (start, end) == (read.recent[0], read.week_end):
        # The default range is the twelve weeks already read: no second pass over the figures.
        by_kind, by_topic = range_rows(read.placement_weeks, read.catalogue)
    else:
        by_kind = range_by_kind(start, end, read.filters)
        by_topic = range_by_topic(start, end, read.filters)
    tables["traffic"], traffic_charts, organic_trend, campaign_share = traffic(
        start, end, read.filters, by_kind, read.catalogue
    )
    charts.update(traffic_charts)
    preference_tables, preference_charts = preferences(
        read.week_start, start, end, by_kind, by_topic, read.catalogue
    )
    tables.update(preference_tables)
    charts.update(preference_charts)
    return organic_trend, campaign_share


def _detail_sections(
    read: WeekFigures, tables: dict[str, Table], charts: dict[str, dict[str, object]]
) -> None:
    """Drop-out, series and durations."""
    audience_by_placement: dict[int, Figures] = defaultdict(Figures)
    for (placement_id, _week), figures in read.placement_weeks.items():
        audience_by_placement[placement_id].add(figures)
    tables["dropout"], charts["dropout"] = dropout(
        read.week_start, read.filters, read.catalogue, audience_by_placement
    )
    tables["series"] = series(read.catalogue, read.item_weeks, read.recent)
    this_week = {key[0]: f for key, f in read.placement_weeks.items() if key[1] == read.week_start}
    tables.update(durations(this_week, read.catalogue))
    charts["duration_format"] = bar_chart(tables["duration_format"], "Average duration (seconds)", 1)


def _voice_section(
    read: WeekFigures, start: date, end: date, tables: dict[str, Table]
) -> tuple[VoiceCounts, VoiceSection]:
    """What employees told us in the week and over the chart's range (whole weeks), read once with
    the suggestions' twelve weeks, which the meeting's agenda is made from."""
    week = Period((read.week_start,))
    last_week = Period((read.week_start - timedelta(weeks=1),))
    over = Period(tuple(weeks_between(start, end)))
    first, last = min(over.weeks[0], read.recent[0]), max(over.weeks[-1], read.week_start)
    counts = read_voice(first, last, read.filters)
    opt_outs = people_opting_out(
        {
            name: (period.weeks[0], period.weeks[-1] + timedelta(days=6))
            for name, period in (("week", week), ("last_week", last_week), ("over", over))
        }
    )
    found, section = voice_tables(counts, read.catalogue, week, over, last_week, opt_outs)
    tables.update(found)
    return counts, section


def _headline_table(headlines: list[Headline]) -> Table:
    return Table(
        "headlines",
        "Headline figures",
        ("Figure", "This week", "Last week", "Change"),
        [(h.label, h.this_week, h.last_week, h.change) for h in headlines],
    )


def _item_table(name: str, title: str, rows: list[ItemRow]) -> Table:
    return Table(
        name,
        title,
        ("Item", "Channels", "Engagement", "Views", "Audience", "Change on last week (%)", "Last 12 weeks"),
        [
            (r.item.title, r.channels, r.engagement, r.views, r.audience, r.change, r.sparkline.csv)
            for r in rows
        ],
        note="Engagement this week; the last column is engagement per week, oldest first.",
    )


def _suggestion_table(found: list[Suggestion]) -> Table:
    return Table(
        "suggestions",
        "Suggestions",
        ("Suggestion", "About", "Why"),
        [(s.kind.value.replace("_", " "), _subject(s), s.reason) for s in found],
    )


def _freshness_table(freshness: list[Freshness]) -> Table:
    return Table(
        "freshness",
        "Data freshness",
        ("Source", "Channel", "Figures for this week", "Last synced", "Synced up to", "State"),
        [
            (
                f.source,
                f.channel,
                f.week_cover,
                f"{f.last_synced:%Y-%m-%d %H:%M} UTC" if f.last_synced else "",
                f.figures_to.isoformat() if f.figures_to else "",
                f.state,
            )
            for f in freshness
        ],
    )


def _notes(filters: ReviewFilters) -> list[str]:
    if not filters.narrows_items:
        return []
    return [
        "GA4 reports campaign sessions per channel, not per item: with a topic or stage filter the "
        "campaign-driven chart counts tracked-link clicks only."
    ]


def _subject(suggestion: Suggestion) -> str:
    if suggestion.placement is not None:
        return str(suggestion.placement)
    if suggestion.item is not None:
        return suggestion.item.title
    return suggestion.topic.name if suggestion.topic is not None else ""


def review_table(*, review: WeeklyReview, name: str) -> Table:
    """One of the review's tables by its name; KeyError for a name the review does not have."""
    return review.tables[name]
