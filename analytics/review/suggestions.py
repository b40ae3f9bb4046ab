"""What the weekly review suggests the team discuss, and the engine that finds it.

The shape (Suggestion, SuggestionKind) is what both the dashboard and review meetings rely on: a
meeting's agenda is made of a week's suggestions, and a decision keeps the suggestion's figures
as the evidence it was taken on."""

from __future__ import annotations

import bisect
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q

from analytics import privacy
from analytics.review.cells import published
from analytics.review.figures import (
    Catalogue,
    Figures,
    figures_by_item_week,
    figures_by_placement_week,
    read_catalogue,
)
from analytics.review.voice import VoiceCounts, VoteCells, read_voice
from analytics.review.weeks import (
    RECENT_WEEKS,
    ReviewFilters,
    day_bounds,
    iso_week_label,
    week_start_of,
    weeks_between,
)
from campaigns.models import ConsentState, Subscriber
from curation.models import ContentItem, Lifecycle, Placement, Topic


class SuggestionKind(enum.StrEnum):
    RETIRE = "retire"  # live for a while and in the bottom quantile on engagement, week after week
    RISING = "rising"  # engagement growing week on week
    TOPIC_GAP = "topic_gap"  # interest (sign-up topics, clicks) but little live content
    UNREACHABLE = "unreachable"  # the link checker found the placement gone or private
    RARELY_USEFUL = "rarely_useful"  # employees' "useful?" votes say it rarely is


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    reason: str  # plain words with the figures, as a curator would say it
    item: ContentItem | None = None
    topic: Topic | None = None
    placement: Placement | None = None
    # The evidence: kept as the snapshot of figures a decision was taken on (JSON-serialisable).
    figures: dict[str, float | int | str | None] = field(default_factory=dict)


SUGGESTIONS_PER_KIND = 10

# What the suggestions look for.
RETIRE_LIVE_WEEKS = 8  # live at least this long
RETIRE_WEEKS_RUNNING = 4  # in the bottom quantile this many weeks in a row
RETIRE_QUANTILE = 0.2
RISING_GROWTH = 0.25  # up at least this much on four weeks ago
TOPIC_GAP_RATIO = 1.5  # share of the interest against share of live content
RARELY_USEFUL_SHARE = 0.4  # useful in under this share of its "useful?" votes over the twelve weeks
# At least this many votes as published: clear of the small-count rule, and enough that a withheld
# "useful" (0 to 4 of at least 15) is itself under RARELY_USEFUL_SHARE.
RARELY_USEFUL_MIN_VOTES = 20


def suggestions(*, week_start: date, filters: ReviewFilters | None = None) -> list[Suggestion]:
    """What the data suggests the team discuss in the review of `week_start`'s week."""
    week_start = week_start_of(week_start)
    filters = filters or ReviewFilters()
    recent = weeks_between(week_start - timedelta(weeks=RECENT_WEEKS - 1), week_start)
    catalogue = read_catalogue(filters)
    placement_weeks = figures_by_placement_week(recent[0], week_start + timedelta(days=6), filters)
    voice = read_voice(recent[0], week_start, filters)
    return suggest(
        week_start, filters, catalogue, figures_by_item_week(placement_weeks, catalogue), recent, voice
    )


def suggest(
    week_start: date,
    filters: ReviewFilters,
    catalogue: Catalogue,
    item_weeks: dict[tuple[int, date], Figures],
    recent: list[date],
    voice: VoiceCounts,
) -> list[Suggestion]:
    """The week's suggestions, from what was known by its end: nothing drawn from figures for a week
    without any (nothing to base it on), no link check made after the week, and no vote after it.
    Votes are employees' own word, not the platforms' figures: they count whatever the week's."""
    unreachable = _unreachable(catalogue, week_start)
    rarely_useful = _rarely_useful(catalogue, voice, recent)
    if not any(week == week_start for _item, week in item_weeks):
        return [*rarely_useful, *unreachable]
    return [
        *_retire_candidates(week_start, catalogue, item_weeks),
        *_rising(week_start, catalogue, item_weeks),
        *_topic_gaps(week_start, catalogue, item_weeks, recent),
        *rarely_useful,
        *unreachable,
    ]


def _live(item: ContentItem, day: date) -> bool:
    return item.lifecycle == Lifecycle.LIVE and item.live_since is not None and item.live_since <= day


def _retire_candidates(
    week_start: date, catalogue: Catalogue, item_weeks: dict[tuple[int, date], Figures]
) -> list[Suggestion]:
    """Live at least N weeks, and in the bottom quantile on engagement for M weeks running."""
    live_weeks, running, quantile = RETIRE_LIVE_WEEKS, RETIRE_WEEKS_RUNNING, RETIRE_QUANTILE
    week_end = week_start + timedelta(days=6)
    weeks = [week_start - timedelta(weeks=n) for n in range(running - 1, -1, -1)]
    bottom_in: dict[int, int] = defaultdict(int)
    for week in weeks:
        # Ranked among the items live and reporting that week: no figures is not the same as none.
        scores = {
            item_id: figures.engagement or 0
            for (item_id, w), figures in item_weeks.items()
            if w == week and _live(catalogue.items[item_id], week + timedelta(days=6))
        }
        if len(scores) < 2:
            continue
        values = sorted(scores.values())
        for item_id, score in scores.items():
            below = bisect.bisect_left(values, score)  # how many did worse
            if below < quantile * len(values):
                bottom_in[item_id] += 1
    found = []
    for item_id, count in bottom_in.items():
        item = catalogue.items[item_id]
        if count < running or not _live(item, week_end - timedelta(weeks=live_weeks)):
            continue
        cells = [item_weeks[item_id, week].cell("engagement") for week in weeks]
        weeks_live = (week_end - item.live_since).days // 7
        found.append(
            Suggestion(
                kind=SuggestionKind.RETIRE,
                item=item,
                reason=(
                    f"Live for {weeks_live} weeks and in the bottom {quantile:.0%} on engagement for "
                    f"{running} weeks running ({', '.join(str(c) for c in cells)} a week)."
                ),
                figures={
                    "live_since": item.live_since.isoformat(),
                    "weeks_live": weeks_live,
                    "weeks_in_bottom": running,
                    "bottom_quantile": quantile,
                    **{f"engagement {iso_week_label(w)}": c.csv for w, c in zip(weeks, cells, strict=True)},
                },
            )
        )
    found.sort(key=lambda s: (sum(item_weeks[s.item.pk, w].engagement or 0 for w in weeks), s.item.title))
    return found[:SUGGESTIONS_PER_KIND]


def _rising(
    week_start: date, catalogue: Catalogue, item_weeks: dict[tuple[int, date], Figures]
) -> list[Suggestion]:
    """Engagement up on last week and well up on four weeks ago: worth a campaign or a sequel."""
    previous, earlier = week_start - timedelta(weeks=1), week_start - timedelta(weeks=4)
    found = []
    for (item_id, week), figures in item_weeks.items():
        item = catalogue.items[item_id]
        if week != week_start or item.lifecycle != Lifecycle.LIVE:
            continue
        now = figures.cell("engagement")
        last = item_weeks.get((item_id, previous), Figures()).cell("engagement")
        then = item_weeks.get((item_id, earlier), Figures()).cell("engagement")
        if not (now.value and last.value and then.value) or now.value <= last.value:
            continue
        grown = (now.value - then.value) / then.value
        if grown < RISING_GROWTH:
            continue
        found.append(
            (
                grown,
                Suggestion(
                    kind=SuggestionKind.RISING,
                    item=item,
                    reason=(
                        f"Engagement up {grown:.0%} on four weeks ago ({then} then, {now} this week) "
                        f"and up on last week ({last})."
                    ),
                    figures={
                        "engagement_this_week": now.csv,
                        "engagement_last_week": last.csv,
                        "engagement_four_weeks_ago": then.csv,
                        "growth": round(grown, 3),
                    },
                ),
            )
        )
    found.sort(key=lambda pair: (-pair[0], pair[1].item.title))
    return [suggestion for _grown, suggestion in found[:SUGGESTIONS_PER_KIND]]


def _topic_gaps(
    week_start: date,
    catalogue: Catalogue,
    item_weeks: dict[tuple[int, date], Figures],
    recent: list[date],
) -> list[Suggestion]:
    """Topics employees asked for (at sign-up) or clicked on, with a smaller share of live content."""
    interest = _subscribers_per_topic()
    clicks = _clicks_per_topic(catalogue, item_weeks, set(recent[-4:]))
    live: dict[int, int] = defaultdict(int)
    for item in catalogue.items.values():
        if _live(item, week_start + timedelta(days=6)):
            for topic_id in catalogue.item_topics.get(item.pk, []):
                live[topic_id] += 1
    # Shares of the published counts, as the suggestion quotes them.
    total_interest = published(sum(interest.values())).value
    total_clicks = published(sum(clicks.values())).value
    total_live = sum(live.values())
    found = []
    for topic_id, topic in catalogue.topics.items():
        people_cell = published(interest.get(topic_id, 0))
        clicks_cell = published(clicks.get(topic_id, 0))
        items = live.get(topic_id, 0)
        content_share = items / total_live if total_live else 0
        interest_share = (privacy.share(people_cell.value, total_interest) or 0) / 100
        click_share = (privacy.share(clicks_cell.value, total_clicks) or 0) / 100
        wanted = max(interest_share, click_share)
        if not wanted or wanted < TOPIC_GAP_RATIO * content_share:
            continue
        found.append(
            (
                wanted - content_share,
                Suggestion(
                    kind=SuggestionKind.TOPIC_GAP,
                    topic=topic,
                    reason=(
                        f"{people_cell} subscribers chose {topic.name} and its links drew {clicks_cell} "
                        f"clicks in four weeks ({wanted:.0%} of the interest), but it has {items} live "
                        f"item{'s' if items != 1 else ''} ({content_share:.0%} of live content)."
                    ),
                    figures={
                        "subscribers_interested": people_cell.csv,
                        "clicks_four_weeks": clicks_cell.csv,
                        "live_items": items,
                        "share_of_interest": round(wanted, 3),
                        "share_of_live_content": round(content_share, 3),
                    },
                ),
            )
        )
    found.sort(key=lambda pair: (-pair[0], pair[1].topic.name))
    return [suggestion for _gap, suggestion in found[:SUGGESTIONS_PER_KIND]]


def _subscribers_per_topic() -> dict[int, int]:
    """Subscribers per topic they chose; topic choices are not dated, so this is today's interest."""
    subscribed = Q(subscriber__sms_state=ConsentState.SUBSCRIBED) | Q(
        subscriber__email_state=ConsentState.SUBSCRIBED
    )
    return dict(
        Subscriber.topics.through.objects.filter(subscribed)
        .values("topic_id")
        .annotate(people=Count("subscriber_id", distinct=True))
        .values_list("topic_id", "people")
    )


def _clicks_per_topic(
    catalogue: Catalogue, item_weeks: dict[tuple[int, date], Figures], weeks: set[date]
) -> dict[int, int]:
    clicks: dict[int, int] = defaultdict(int)
    for (item_id, week), figures in item_weeks.items():
        if week in weeks and figures.clicks:
            for topic_id in catalogue.item_topics.get(item_id, []):
                clicks[topic_id] += figures.clicks
    return clicks


def _unreachable(catalogue: Catalogue, week_start: date) -> list[Suggestion]:
    """Placements the link checker found gone by the week's end (the latest check, so still gone)."""
    week_over = day_bounds(week_start, week_start + timedelta(days=6))[1]
    found = []
    for placement in sorted(catalogue.placements.values(), key=lambda p: (p.item.title, p.channel.name)):
        if placement.is_reachable or placement.item.lifecycle != Lifecycle.LIVE:
            continue
        checked = placement.reachability_checked_at
        if checked is not None and checked >= week_over:
            continue
        when = f" on {checked:%-d %b %Y}" if checked else ""
        found.append(
            Suggestion(
                kind=SuggestionKind.UNREACHABLE,
                item=placement.item,
                placement=placement,
                reason=f"The link checker could not reach {placement.url}{when}: gone or made private.",
                figures={"url": placement.url, "checked_at": checked.isoformat() if checked else None},
            )
        )
    return found


def rarely_useful(cells: VoteCells) -> bool:
    """Enough votes published, and useful in under RARELY_USEFUL_SHARE of them: by the published
    share, or with "useful" withheld (at most 4 of at least RARELY_USEFUL_MIN_VOTES less 5)."""
    if cells.votes.value is None or cells.votes.value < RARELY_USEFUL_MIN_VOTES:
        return False
    if cells.useful.suppressed:
        return True
    return cells.share.value is not None and cells.share.value < RARELY_USEFUL_SHARE * 100


def _rarely_useful(catalogue: Catalogue, voice: VoiceCounts, recent: list[date]) -> list[Suggestion]:
    """Live items employees found useful rarely over the twelve weeks to the week, as published."""
    period = f"{len(recent)} weeks"
    found = []
    for item_id in voice.asked_items:
        item = catalogue.items.get(item_id)
        if item is None or item.lifecycle != Lifecycle.LIVE:
            continue
        cells = VoteCells.of(voice.votes_on_item(item_id, recent))
        if not rarely_useful(cells):
            continue
        share = cells.share.value
        said = f"Only {cells.share}" if share is not None else "Fewer than 5"
        found.append(
            (
                share or 0,
                Suggestion(
                    kind=SuggestionKind.RARELY_USEFUL,
                    item=item,
                    reason=(
                        f"{said} of {cells.votes} “useful?” votes on it in {period} said useful. "
                        f"{cells.useful} useful, {cells.not_for_me} not for me; suggested under "
                        f"{RARELY_USEFUL_SHARE:.0%} useful of at least {RARELY_USEFUL_MIN_VOTES} votes."
                    ),
                    figures={
                        "votes_recent": cells.votes.csv,
                        "useful_recent": cells.useful.csv,
                        "not_for_me_recent": cells.not_for_me.csv,
                        "share_useful": None if share is None else round(share / 100, 3),
                        "weeks": f"{iso_week_label(recent[0])} to {iso_week_label(recent[-1])}",
                    },
                ),
            )
        )
    found.sort(key=lambda pair: (pair[0], pair[1].item.title))
    return [suggestion for _share, suggestion in found[:SUGGESTIONS_PER_KIND]]
