"""The weekly review dashboard and its CSV downloads: curators only, inside the admin's look.

The views read the request's week and filters, ask analytics.review for the week, and render: every
figure, and every withheld one, comes from that package.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable
from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from analytics import privacy
from analytics.review.cache import REVIEW_KEPT_SECONDS, kept_review
from analytics.review.dashboard import review_table
from analytics.review.figures import ENGAGEMENT_MEANS, PEOPLE_MEANS, VIEWS_MEANS
from analytics.review.suggestions import RARELY_USEFUL_MIN_VOTES, RARELY_USEFUL_SHARE
from analytics.review.weeks import (
    ReviewFilters,
    check_review_day,
    iso_week_label,
    last_complete_week,
    parse_iso_week,
)
from curation.models import Stage


def curators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff sign in through the admin; only those who may read the figures get further."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.has_perm("analytics.view_dailymetric"):
            raise PermissionDenied("The weekly review is for the curation team.")
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


# The largest id PostgreSQL's bigint holds: a larger number names no row.
LARGEST_ID = 2**63 - 1


def _id(text: str | None, name: str, problems: list[str]) -> int | None:
    if not text:
        return None
    # Length first: Python refuses to read a number of over 4,300 digits (a ValueError, a 500).
    if text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= LARGEST_ID:
        return int(text)
    problems.append(f"“{text}” is not a {name} of the review. It was left out.")
    return None


def _day(text: str | None, name: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.append(f"“{text}” is not a date for “{name}”: use YYYY-MM-DD. It was left out.")
        return None
    try:
        return check_review_day(day, text)
    except ValueError as error:
        problems.append(f"{error}. It was left out.")
        return None


def read_request(query: QueryDict, week_text: str | None) -> tuple[date, ReviewFilters, list[str]]:
    """The week (path or ?week=2026-W47) and the filters; a bad value is named and left out."""
    problems: list[str] = []
    week = last_complete_week()
    week_text = week_text or query.get("week")
    if week_text:
        try:
            week = parse_iso_week(week_text)
        except ValueError as error:
            problems.append(f"{error}: showing the last complete week.")
    stage = query.get("stage") or None
    if stage and stage not in Stage.values:
        problems.append(f"“{stage}” is not a learner power stage. It was left out.")
        stage = None
    filters = ReviewFilters(
        channel=_id(query.get("channel"), "channel", problems),
        topic=_id(query.get("topic"), "topic", problems),
        stage=stage,
        start=_day(query.get("from"), "from", problems),
        end=_day(query.get("to"), "to", problems),
    )
    return week, filters, problems


def _filter_query(query: QueryDict) -> str:
    """The filters as typed, carried to the week's own address, where any bad one is named."""
    kept = QueryDict(mutable=True)
    for name in ("channel", "topic", "stage", "from", "to"):
        if query.get(name):
            kept[name] = query[name]
    return kept.urlencode()


def _accepted_query(filters: ReviewFilters) -> str:
    """The filters the page applied, for its CSV links and other weeks: a left-out one is not passed on."""
    kept = QueryDict(mutable=True)
    applied = {"channel": filters.channel, "topic": filters.topic, "stage": filters.stage}
    applied |= {"from": filters.start, "to": filters.end}
    for name, value in applied.items():
        if value:
            kept[name] = str(value)
    return kept.urlencode()


@curators_only
def dashboard(request: HttpRequest, week: str | None = None) -> HttpResponse:
    if week is None and request.GET.get("week"):
        # One address per week: ?week=2026-W47 from the form becomes /admin/review/2026-W47/.
        try:
            parse_iso_week(request.GET["week"])
        except ValueError:
            pass
        else:
            target = reverse("review:week", args=[request.GET["week"].upper()])
            query = _filter_query(request.GET)
            return redirect(f"{target}?{query}" if query else target)
    if week is not None:
        # A week in the address that names no week the review covers is no page.
        try:
            parse_iso_week(week)
        except ValueError as error:
            context = {**admin.site.each_context(request), "title": "No such week", "reason": str(error)}
            return render(request, "admin/analytics/review/no_such_week.html", context, status=404)
    reviewed, filters, problems = read_request(request.GET, week)
    review = kept_review(week=reviewed, filters=filters)
    context = {
        **admin.site.each_context(request),
        "title": f"Weekly review: {review.label}",
        "review": review,
        "problems": problems,
        "query": _accepted_query(filters),
        "privacy_method": privacy.METHOD,
        "engagement_means": ENGAGEMENT_MEANS,
        "people_means": PEOPLE_MEANS,
        "views_means": VIEWS_MEANS,
        "review_kept_seconds": REVIEW_KEPT_SECONDS,
        "rarely_useful_share": f"{RARELY_USEFUL_SHARE:.0%}",
        "rarely_useful_votes": RARELY_USEFUL_MIN_VOTES,
        "last_complete_week": iso_week_label(last_complete_week()),
    }
    return render(request, "admin/analytics/review/dashboard.html", context)


@curators_only
def download_csv(request: HttpRequest, table: str) -> HttpResponse:
    reviewed, filters, problems = read_request(request.GET, None)
    if problems:
        # A download has no page to name a left-out filter on: a file of other figures would mislead.
        return HttpResponseBadRequest("\n".join(problems), content_type="text/plain; charset=utf-8")
    review = kept_review(week=reviewed, filters=filters)
    if review.not_begun:
        raise Http404(f"Week {review.iso_week} has not begun: it has no figures yet.")
    try:
        chosen = review_table(review=review, name=table)
    except KeyError:
        raise Http404(f"The weekly review has no table called “{table}”.") from None
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-{review.iso_week}-{chosen.name}.csv"'
    writer = csv.writer(response)
    for row in chosen.csv_rows():
        writer.writerow(row)
    return response
