"""The weekly review in headless Chromium at a laptop's size, over the demo programme: the charts
draw once their section is opened, nothing logs an error, nothing scrolls sideways, a filter
applies, and a table downloads as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from curation.demo import DEMO_USERS
from tests.browser import signed_in_page

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def curator_page(browser, live_server):
    """A laptop-sized page signed in as the demo's internal curator, over the demo's figures."""
    call_command("load_demo", force=True, stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    with signed_in_page(
        browser, live_server, get_user_model().objects.get(username=DEMO_USERS[0][0]), accept_downloads=True
    ) as page:
        yield page


def drawn_charts(page) -> list[str]:
    """The charts Chart.js drew onto a canvas of some size."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]'))
            .filter(c => window.Chart.getChart(c) && c.width > 0 && c.height > 0)
            .map(c => c.dataset.chart)"""
    )


def open_the_detail(page) -> None:
    """Click every folded section open, as a curator would."""
    for summary in page.locator("details.review-detail > summary").all():
        summary.click()


def sideways_scroll(page) -> int:
    """How many pixels the page scrolls sideways: 0 when it fits the window."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_dashboard_draws_its_charts_from_the_demo_figures(curator_page):
    curator_page.goto("/admin/review/")
    assert curator_page.locator("details.review-detail[open]").count() == 0  # the detail starts folded

    open_the_detail(curator_page)

    assert curator_page.get_by_role("heading", level=1).inner_text().startswith("Weekly review")
    assert set(drawn_charts(curator_page)) >= {
        "traffic_campaign",
        "traffic_organic",
        "dropout",
        "duration_format",
        "preference_format",
        "preference_topic",
        "preference_channel",
        "preference_stage",
    }
    # Once a chart has drawn, its table folds away; the sparklines are plain SVG.
    assert curator_page.locator("figure.drawn details.chart-data[open]").count() == 0
    assert curator_page.locator("svg.sparkline path[d^='M']").count() > 0


def test_a_filter_narrows_the_page_and_keeps_the_week(curator_page):
    curator_page.goto("/admin/review/")
    week = curator_page.locator("input[name=week]").input_value()

    curator_page.get_by_label("Stage", exact=True).select_option(label="Embedded")
    curator_page.get_by_role("button", name="Apply").click()
    curator_page.wait_for_load_state("networkidle")

    assert f"/admin/review/{week}/" in curator_page.url
    assert "stage=embedded" in curator_page.url
    assert curator_page.get_by_label("Stage", exact=True).input_value() == "embedded"
    open_the_detail(curator_page)
    assert "traffic_campaign" in drawn_charts(curator_page)


def test_the_dashboard_fits_a_laptop_without_scrolling_sideways(curator_page):
    curator_page.goto("/admin/review/")
    folded = sideways_scroll(curator_page)
    open_the_detail(curator_page)
    curator_page.wait_for_timeout(200)  # the charts redraw at their opened size

    assert (folded, sideways_scroll(curator_page)) == (0, 0)
    assert curator_page.evaluate("() => window.innerWidth") == 1366


def test_a_table_downloads_as_csv(curator_page):
    curator_page.goto("/admin/review/")
    open_the_detail(curator_page)

    with curator_page.expect_download() as download:
        curator_page.locator("#table-top_items").get_by_role("link", name="Download CSV").click()

    assert download.value.suggested_filename.endswith("-top_items.csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["Item", "Channels", "Engagement"]
    assert len(rows) == 11  # the ten top items
