"""The weekly review refuses odd addresses and filters with a clear 404, 400 or named problem, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"  # 23 digits: past PostgreSQL's bigint


@pytest.fixture
def curator(internal_client):
    internal_client.raise_request_exception = False
    return internal_client


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "0001-W02", "9999-W51", "1899-W52"])
def test_a_week_at_the_ends_of_the_calendar_is_not_found(curator, week):
    response = curator.get(f"/admin/review/{week}/")

    assert response.status_code == 404
    assert (
        f"“{week}” is outside the weeks the review covers, 1900-W01 to 9998-W52" in response.content.decode()
    )


def test_a_week_that_does_not_exist_is_not_found(curator):
    response = curator.get("/admin/review/2026-W60/")

    assert response.status_code == 404
    assert "“2026-W60” is not an ISO week such as 2026-W47" in response.content.decode()


@time_machine.travel(date(2026, 11, 25), tick=False)
def test_the_first_and_last_weeks_covered_link_to_no_week_beyond(curator):
    first = curator.get("/admin/review/1900-W01/").content.decode()
    last = curator.get("/admin/review/9998-W52/").content.decode()

    assert 'rel="prev"' not in first
    assert 'href="/admin/review/1900-W02/" rel="next"' in first
    assert 'href="/admin/review/9998-W51/" rel="prev"' in last
    assert 'rel="next"' not in last


def test_a_week_out_of_range_in_the_form_is_named_and_the_last_complete_week_shown(curator):
    response = curator.get(reverse("review:dashboard"), {"week": "9999-W52"})

    assert response.status_code == 200
    assert "“9999-W52” is outside the weeks the review covers" in response.content.decode()


@pytest.mark.parametrize("value", [HUGE, "9" * 4301, "-3", "²", "1.5", " 7", "0"])
@pytest.mark.parametrize("name", ["channel", "topic"])
def test_an_id_filter_that_is_no_id_is_named_and_left_out(curator, name, value):
    response = curator.get(reverse("review:week", args=["2026-W47"]), {name: value})

    assert response.status_code == 200
    assert f"“{value}” is not a {name} of the review. It was left out." in response.content.decode()


def test_links_to_other_weeks_and_csv_carry_only_the_filters_applied(curator):
    page = curator.get(reverse("review:week", args=["2026-W47"]), {"channel": HUGE, "stage": "embedded"})

    content = page.content.decode()
    assert 'href="/admin/review/2026-W46/?stage=embedded" rel="prev"' in content
    assert "/admin/review/csv/headlines/?week=2026-W47&amp;stage=embedded" in content
    assert f"channel={HUGE}" not in content


@pytest.mark.parametrize(
    ("name", "value"),
    [("from", "0001-01-01"), ("to", "0001-01-01"), ("to", "9999-12-31"), ("from", "9999-12-31")],
)
def test_a_chart_date_at_the_ends_of_the_calendar_is_named_and_left_out(curator, name, value):
    response = curator.get(reverse("review:week", args=["2026-W47"]), {name: value})

    assert response.status_code == 200
    assert (
        f"“{value}” is outside the dates the review covers, 1 Jan 1900 to 31 Dec 9998"
        in response.content.decode()
    )


@pytest.mark.parametrize(
    "query",
    [{"week": "9999-W52"}, {"week": "0001-W01"}, {"channel": HUGE}, {"topic": "²"}, {"to": "9999-12-31"}],
)
def test_a_csv_asked_for_with_odd_filters_is_refused_with_the_reason(curator, query):
    response = curator.get(reverse("review:csv", args=["headlines"]), query)

    assert response.status_code == 400
    assert "It was left out" in response.content.decode() or "outside" in response.content.decode()
