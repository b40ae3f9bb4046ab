"""The week at a glance: a handful of figures against the week before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q

from analytics.review.cells import Cell, change, published
from analytics.review.figures import ENGAGEMENT_MEANS, PEOPLE_MEANS, VIEWS_MEANS, Figures
from analytics.review.weeks import ReviewFilters, day_bounds
from campaigns.models import HANDED_OVER, ConsentAction, ConsentEvent, Delivery
from curation.models import ContentItem, Lifecycle


@dataclass(frozen=True)
class Headline:
    label: str
    this_week: Cell
    last_week: Cell
    change: Cell
    note: str = ""


def headlines_of(
    week_start: date, filters: ReviewFilters, placement_weeks: dict[tuple[int, date], Figures]
) -> list[Headline]:
    previous = week_start - timedelta(weeks=1)
    sums = {previous: Figures(), week_start: Figures()}
    for (_placement, week), figures in placement_weeks.items():
        if week in sums:
            sums[week].add(figures)
    now, before = sums[week_start], sums[previous]
    active = _active_content(week_start, filters)
    sent = _messages_sent(week_start)
    people = _sign_ups_and_opt_outs(week_start, filters)

    def headline(label: str, now_cell: Cell, before_cell: Cell, note: str = "") -> Headline:
        return Headline(label, now_cell, before_cell, change(now_cell, before_cell), note)

    everyone = " (all campaigns, whatever the filters)" if filters != ReviewFilters() else ""
    return [
        headline(
            "Active content",
            Cell(active["now"]),
            Cell(active["before"]),
            "Items live at the week's end (a count of items, not people).",
        ),
        headline("Engagement", now.cell("engagement"), before.cell("engagement"), ENGAGEMENT_MEANS),
        headline("People reached", now.cell("people"), before.cell("people"), PEOPLE_MEANS),
        headline("Views", published(now.views), published(before.views), VIEWS_MEANS),
        headline(
            "Average duration",
            now.cell("duration", "seconds"),
            before.cell("duration", "seconds"),
            "Engagement time on pages and view duration of videos, weighted by audience.",
        ),
        headline(
            "Human link clicks",
            now.cell("clicks"),
            before.cell("clicks"),
            "Clicks on our tracked links by people; bots and link previews apart.",
        ),
        headline(
            "Campaign messages sent",
            published(sent["now"]),
            published(sent["before"]),
            f"Texts and emails handed to the provider{everyone}.",
        ),
        headline(
            "New sign-ups",
            published(people["joined_now"]),
            published(people["joined_before"]),
            "Employees who confirmed a subscription by text or email in the week.",
        ),
        headline(
            "Opt-outs",
            published(people["left_now"]),
            published(people["left_before"]),
            "Employees who opted out of texts or emails in the week.",
        ),
    ]


def _active_content(week_start: date, filters: ReviewFilters) -> dict[str, int]:
    """Items live at the end of the week and of the week before."""

    def active_on(day: date) -> Q:
        return Q(live_since__lte=day) & (Q(retired_on__isnull=True) | Q(retired_on__gt=day))

    items = ContentItem.objects.filter(lifecycle__in=[Lifecycle.LIVE, Lifecycle.RETIRED])
    if filters.channel is not None:
        items = items.filter(placements__channel_id=filters.channel)
    if filters.topic is not None:
        items = items.filter(topics=filters.topic)
    if filters.stage:
        items = items.filter(stage=filters.stage)
    return items.aggregate(
        now=Count("pk", distinct=True, filter=active_on(week_start + timedelta(days=6))),
        before=Count("pk", distinct=True, filter=active_on(week_start - timedelta(days=1))),
    )


def _messages_sent(week_start: date) -> dict[str, int]:
    """Campaign texts and emails handed to the provider in the week and the week before."""
    since, until = day_bounds(week_start - timedelta(weeks=1), week_start + timedelta(days=6))
    split = day_bounds(week_start, week_start)[0]
    return Delivery.objects.filter(status__in=HANDED_OVER, sent_at__gte=since, sent_at__lt=until).aggregate(
        now=Count("pk", filter=Q(sent_at__gte=split)), before=Count("pk", filter=Q(sent_at__lt=split))
    )


def _sign_ups_and_opt_outs(week_start: date, filters: ReviewFilters) -> dict[str, int]:
    """People who confirmed or opted out in the week and the week before, each counted once."""
    since, until = day_bounds(week_start - timedelta(weeks=1), week_start + timedelta(days=6))
    split = day_bounds(week_start, week_start)[0]
    events = ConsentEvent.objects.filter(
        occurred_at__gte=since,
        occurred_at__lt=until,
        action__in=[ConsentAction.CONFIRMED, ConsentAction.OPTED_OUT],
    )
    if filters.topic is not None:
        events = events.filter(subscriber__topics=filters.topic)

    def people(action: str, this_week: bool) -> Count:
        when = Q(occurred_at__gte=split) if this_week else Q(occurred_at__lt=split)
        return Count("subscriber", distinct=True, filter=Q(action=action) & when)

    return events.aggregate(
        joined_now=people(ConsentAction.CONFIRMED, True),
        joined_before=people(ConsentAction.CONFIRMED, False),
        left_now=people(ConsentAction.OPTED_OUT, True),
        left_before=people(ConsentAction.OPTED_OUT, False),
    )


def people_opting_out(periods: dict[str, tuple[date, date]]) -> dict[str, int]:
    """Everyone who opted out of texts or emails in each period (its first and last day), each
    person once per period, whatever the filters: what reasons for leaving are counted beside."""
    bounds = {name: day_bounds(first, last) for name, (first, last) in periods.items()}
    since = min(start for start, _end in bounds.values())
    until = max(end for _start, end in bounds.values())
    events = ConsentEvent.objects.filter(
        occurred_at__gte=since, occurred_at__lt=until, action=ConsentAction.OPTED_OUT
    )
    return events.aggregate(
        **{
            name: Count("subscriber", distinct=True, filter=Q(occurred_at__gte=start, occurred_at__lt=end))
            for name, (start, end) in bounds.items()
        }
    )
