"""Past decisions and whether they worked: /admin/review/decisions/ and its CSV, curators only.

The views read the filters, call analytics.review.past_decisions, and render; a bad filter is named
on the page and left out, as the dashboard does.
"""

from __future__ import annotations

import csv

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render

from analytics import privacy
from analytics.review import past_decisions
from analytics.review.past_decisions import DecisionFilters
from analytics.views import curators_only
from curation.models import DecisionAction

PER_PAGE = 100


def read_filters(query: QueryDict) -> tuple[DecisionFilters, list[str]]:
    problems: list[str] = []
    action = query.get("action") or None
    if action and action not in DecisionAction.values:
        problems.append(f"“{action}” is not a decision the review takes. It was left out.")
        action = None
    verdict = query.get("verdict") or None
    if verdict and verdict not in dict(past_decisions.VERDICTS):
        problems.append(f"“{verdict}” is not an outcome. It was left out.")
        verdict = None
    return DecisionFilters(action=action, verdict=verdict), problems


def _accepted_query(filters: DecisionFilters) -> str:
    kept = QueryDict(mutable=True)
    for name, value in (("action", filters.action), ("verdict", filters.verdict)):
        if value:
            kept[name] = value
    return kept.urlencode()


@curators_only
def decisions(request: HttpRequest) -> HttpResponse:
    filters, problems = read_filters(request.GET)
    number = request.GET.get("page") or "1"
    if not (number.isascii() and number.isdigit()):
        problems.append(f"“{number}” is not a page number: showing the first page.")
        number = "1"
    page = Paginator(past_decisions.past_decisions(filters), PER_PAGE).get_page(number)
    context = {
        **admin.site.each_context(request),
        "title": "Past decisions: did they work?",
        "page": page,
        "rows": past_decisions.rows(page.object_list),
        "payoff": past_decisions.payoff(),
        "filters": filters,
        "actions": DecisionAction.choices,
        "verdicts": past_decisions.VERDICTS,
        "problems": problems,
        "query": _accepted_query(filters),
        "privacy_method": privacy.METHOD,
    }
    return render(request, "admin/analytics/review/decisions.html", context)


@curators_only
def decisions_csv(request: HttpRequest) -> HttpResponse:
    filters, problems = read_filters(request.GET)
    if problems:
        # A download has no page to name a left-out filter on: a file of other decisions would mislead.
        return HttpResponseBadRequest("\n".join(problems), content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="review-decisions.csv"'
    writer = csv.writer(response)
    for row in past_decisions.csv_rows(past_decisions.past_decisions(filters).iterator(chunk_size=500)):
        writer.writerow(row)
    return response
