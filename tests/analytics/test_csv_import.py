"""Importing platforms' analytics exports: preview, then confirm; row-numbered errors; nothing
half-written; the same file twice changes nothing; figures typed by hand are rows of their own."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.imports import EXPORT_FORMATS, import_platform_export
from analytics.models import DailyMetric, Source, SyncRun, SyncStatus
from channels.models import MetricSource, Platform
from curation.models import Format
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"
POST = "https://www.instagram.com/p/Cx1AbCdEf/"
OTHER_POST = "https://www.instagram.com/p/Dz9XyZ/"


# Building data, as curators do.


def csv_channel(platform: str = Platform.INSTAGRAM, name: str = "Acme on Instagram", url: str = ""):
    return ChannelFactory(
        name=name,
        platform=platform,
        url=url or "https://www.instagram.com/acme.learning/",
        metric_source=MetricSource.CSV_IMPORT,
    )


def place(channel, url: str, title: str = "Feedback in three minutes"):
    return PlacementFactory(
        channel=channel, url=url, item=ContentItemFactory(title=title, format=Format.IMAGE_POST)
    )


@pytest.fixture
def instagram():
    return csv_channel()


@pytest.fixture
def post(instagram):
    return place(instagram, POST)


INSTAGRAM_HEADER = ["Post ID", "Permalink", "Publish time", "Views", "Reach", "Likes", "Comments", "Shares"]
INSTAGRAM_HEADER += ["Saves", "Follows"]


def dataset(header: list[str], *rows: list[object]) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=header)


def instagram_csv(*rows: list[object]) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "instagram-insights.csv", dataset(INSTAGRAM_HEADER, *rows).export("csv").encode()
    )


# Going through the admin, as the curator does.


def preview(client, upload: SimpleUploadedFile, channel, fmt: str = CSV, export_format: str = ""):
    return client.post(
        reverse("admin:analytics_dailymetric_import"),
        {"channel": channel.pk, "export_format": export_format, "import_file": upload, "format": fmt},
    )


def confirm(client, previewed):
    """Press "Confirm import" on the preview page; returns the page the curator lands on."""
    hidden = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', previewed.content.decode()))
    fields = ("import_file_name", "original_file_name", "format", "resource", "channel", "export_format")
    response = client.post(
        reverse("admin:analytics_dailymetric_process_import"),
        {name: hidden.get(name, "") for name in fields},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302
    return response


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def figures(metric: DailyMetric) -> dict[str, object]:
    names = ("views", "likes", "comments", "shares", "saves", "new_followers", "clicks")
    return {name: getattr(metric, name) for name in names}


# The admin flow.


def test_nothing_is_saved_until_the_curator_confirms(internal_client, post):
    previewed = preview(
        internal_client,
        instagram_csv(["1789", POST, "11/23/2026 14:05", "1,234", "900", "56", "7", "3", "12", "2"]),
        post.channel,
    )

    text = page_text(previewed)
    assert "Preview: nothing is saved until you confirm" in text
    assert "Into Acme on Instagram, read as Instagram Insights export." in text
    assert "1 row read: 1 new, 0 updated, 0 unchanged, 0 with errors." in text
    assert "Feedback in three minutes" in text
    assert not DailyMetric.objects.exists()

    finished = confirm(internal_client, previewed)

    assert (
        "Import into Acme on Instagram finished. 1 row read: 1 new, 0 updated, 0 unchanged, 0 with errors."
        in page_text(finished)
    )
    metric = DailyMetric.objects.get()
    assert (metric.placement, metric.date, metric.source) == (post, dt.date(2026, 11, 23), Source.CSV)
    assert figures(metric) == {
        "views": 1234,
        "likes": 56,
        "comments": 7,
        "shares": 3,
        "saves": 12,
        "new_followers": 2,
        "clicks": None,
    }


def test_an_xlsx_export_with_date_and_number_cells_imports(internal_client, post):
    book = openpyxl.Workbook()
    book.active.append(INSTAGRAM_HEADER)
    book.active.append([1789, POST, dt.datetime(2026, 11, 23, 14, 5), 1234, 900, 56, 7, None, 12.0, 2])
    content = io.BytesIO()
    book.save(content)

    confirm(
        internal_client,
        preview(internal_client, SimpleUploadedFile("insights.xlsx", content.getvalue()), post.channel, XLSX),
    )

    metric = DailyMetric.objects.get()
    assert metric.date == dt.date(2026, 11, 23)
    assert (metric.views, metric.shares, metric.saves) == (1234, None, 12)


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        (
            ["1", POST, "23/11/2026", "10", "", "1", "", "", "", ""],
            "Row 3, Publish time: “23/11/2026” is not a date: use 2026-11-23, 11/23/2026 or "
            "2026-11-23 14:05.",
        ),
        (["1", POST, "", "10", "", "1", "", "", "", ""], "Row 3, Publish time: the date is missing."),
        (["1", POST, "2026-11-24", "lots", "", "1", "", "", "", ""], "Row 3, Views: “lots” is not a number."),
        (
            ["1", POST, "2026-11-24", "10", "", "-3", "", "", "", ""],
            "Row 3, Likes: “-3” is below zero: a figure cannot be negative.",
        ),
        (
            ["1", POST, "2026-11-24", "10", "", "2.5", "", "", "", ""],
            "Row 3, Likes: “2.5” is not a whole number.",
        ),
        (
            ["1", "https://www.instagram.com/p/Unknown1/", "2026-11-24", "10", "", "1", "", "", "", ""],
            "Row 3: no placement on Acme on Instagram has the URL https://www.instagram.com/p/Unknown1/.",
        ),
        (
            ["1", "", "2026-11-24", "10", "", "1", "", "", "", ""],
            "Row 3, Permalink: the post's URL is missing.",
        ),
    ],
)
def test_each_bad_row_names_its_row_and_column_and_nothing_is_written(internal_client, post, cells, error):
    good = ["1", POST, "2026-11-23", "10", "", "1", "", "", "", ""]

    response = preview(internal_client, instagram_csv(good, cells), post.channel)

    text = page_text(response)
    assert "Nothing was imported: some rows need correcting" in text
    assert "2 rows read: 1 new, 0 updated, 0 unchanged, 1 with errors." in text
    assert re.findall(r"<li>(Row [^<]+)</li>", html.unescape(response.content.decode())) == [error]
    assert "Confirm import" not in text
    assert not DailyMetric.objects.exists()
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize(
    ("second_row", "errors"),
    [
        pytest.param(
            ["2", "https://www.instagram.com/p/Nope/", "yesterday", "ten", "", "-1", "", "", "", ""],
            [
                "Row 3: no placement on Acme on Instagram has the URL https://www.instagram.com/p/Nope/.",
                "Row 3, Publish time: “yesterday” is not a date: use 2026-11-23, 11/23/2026 or "
                "2026-11-23 14:05.",
                "Row 3, Views: “ten” is not a number.",
                "Row 3, Likes: “-1” is below zero: a figure cannot be negative.",
            ],
            id="every-problem-of-a-row-is-listed-at-once",
        ),
        pytest.param(
            ["1", "https://instagram.com/p/Cx1AbCdEf", "11/23/2026 09:00", "10", "", "1", "", "", "", ""],
            ["Row 3: the same post and date as row 2: a file gives each post's figures for a day once."],
            id="a-post-and-day-given-twice-is-refused-not-summed",
        ),
    ],
)
def test_a_file_with_a_bad_row_lists_its_problems_and_writes_nothing(post, second_row, errors):
    result = import_platform_export(
        channel=post.channel,
        dataset=dataset(
            INSTAGRAM_HEADER, ["1", POST, "2026-11-23", "10", "", "1", "", "", "", ""], second_row
        ),
    )

    assert result.errors_in_words() == errors
    assert not DailyMetric.objects.exists()


def test_a_file_without_the_format_s_columns_is_refused_whole(internal_client, post):
    response = preview(
        internal_client,
        SimpleUploadedFile("pins.csv", b"Pin URL,Date,Outbound clicks\nhttps://pin.it/x,2026-11-23,5\n"),
        post.channel,
    )

    text = page_text(response)
    assert "Nothing was imported: the file needs correcting" in text
    assert (
        "The file has no “Permalink” column, which the Instagram Insights export has: choose the export "
        "format that matches the file, or rename the column." in text
    )
    assert "The file has no “Publish time” column" in text
    assert (
        "The file has none of the figures the Instagram Insights export has (Views, Likes, Comments, Shares, "
        "Saves, Follows)." in text
    )
    assert not DailyMetric.objects.exists()


def test_a_row_that_turns_bad_before_confirming_writes_nothing(internal_client, post):
    other = place(post.channel, OTHER_POST, "Saying no kindly")
    previewed = preview(
        internal_client,
        instagram_csv(
            ["1", POST, "2026-11-23", "10", "", "1", "", "", "", ""],
            ["2", OTHER_POST, "2026-11-23", "20", "", "2", "", "", "", ""],
        ),
        post.channel,
    )
    other.delete()  # meanwhile, someone removes the second post's placement

    finished = confirm(internal_client, previewed)

    text = page_text(finished)
    assert "Nothing was imported: the file no longer imports cleanly." in text
    assert f"Row 3: no placement on Acme on Instagram has the URL {OTHER_POST}." in text
    assert not DailyMetric.objects.exists()
    assert not SyncRun.objects.exists()


# Idempotence and corrections.


def test_importing_the_same_file_again_adds_nothing_and_changes_nothing(internal_client, post):
    rows = (
        ["1", POST, "2026-11-23", "10", "", "1", "", "", "", ""],
        ["1", POST, "2026-11-24", "", "", "4", "", "", "", ""],
    )
    confirm(internal_client, preview(internal_client, instagram_csv(*rows), post.channel))
    before = list(DailyMetric.objects.order_by("date").values())

    again = preview(internal_client, instagram_csv(*rows), post.channel)
    finished = confirm(internal_client, again)

    assert "2 rows read: 0 new, 0 updated, 2 unchanged, 0 with errors." in page_text(again)
    assert "Unchanged: already held, nothing changed" in page_text(again)
    assert "0 new, 0 updated, 2 unchanged" in page_text(finished)
    assert list(DailyMetric.objects.order_by("date").values()) == before
    latest = SyncRun.objects.order_by("-pk").first()
    assert (latest.rows_read, latest.rows_written, latest.rows_added) == (2, 0, 0)


def test_a_corrected_file_updates_the_figure_it_corrects(internal_client, post):
    confirm(
        internal_client,
        preview(
            internal_client,
            instagram_csv(["1", POST, "2026-11-23", "10", "", "1", "", "", "", ""]),
            post.channel,
        ),
    )
    first_run = DailyMetric.objects.get().sync_run

    corrected = preview(
        internal_client,
        instagram_csv(["1", POST, "2026-11-23", "10", "", "12", "", "", "", ""]),
        post.channel,
    )
    confirm(internal_client, corrected)

    assert "0 new, 1 updated, 0 unchanged" in page_text(corrected)
    assert "Update: changes likes 1 → 12" in page_text(corrected)
    metric = DailyMetric.objects.get()
    assert (metric.views, metric.likes) == (10, 12)
    assert metric.sync_run != first_run
    assert metric.sync_run.rows_written == 1


def test_a_blank_cell_is_no_data_not_zero(post):
    import_platform_export(
        channel=post.channel,
        dataset=dataset(INSTAGRAM_HEADER, ["1", POST, "2026-11-23", "", "", "0", " ", "", "", ""]),
    )

    metric = DailyMetric.objects.get()
    assert (metric.views, metric.likes, metric.comments, metric.saves) == (None, 0, None, None)


def test_a_figure_the_file_does_not_have_is_left_as_held(post):
    generic = EXPORT_FORMATS["generic"]
    import_platform_export(
        channel=post.channel,
        export_format=generic,
        dataset=dataset(["url", "date", "views", "likes"], [POST, "2026-11-23", "100", "5"]),
    )

    import_platform_export(
        channel=post.channel,
        export_format=generic,
        dataset=dataset(["url", "date", "views"], [POST, "2026-11-23", "120"]),
    )

    metric = DailyMetric.objects.get()
    assert (metric.views, metric.likes) == (120, 5)


def test_empty_rows_at_the_end_of_a_spreadsheet_are_ignored(post):
    result = import_platform_export(
        channel=post.channel,
        dataset=dataset(
            INSTAGRAM_HEADER,
            ["1", POST, "2026-11-23", "10", "", "1", "", "", "", ""],
            ["", "", "", "", "", "", "", "", "", ""],
        ),
    )

    assert result.summary() == "1 row read: 1 new, 0 updated, 0 unchanged, 0 with errors."
    assert DailyMetric.objects.count() == 1


def test_the_import_reads_placements_and_held_figures_once_not_per_row(instagram):
    def reads_for_a_file_of(count: int, day: int) -> list[str]:
        posts = [
            place(instagram, f"https://www.instagram.com/p/Day{day}Post{n}/", f"Item {n}")
            for n in range(count)
        ]
        file = dataset(
            ["Permalink", "Publish time", "Likes"], *([p.url, f"2026-11-{day}", "1"] for p in posts)
        )
        with CaptureQueriesContext(connection) as queries:
            result = import_platform_export(channel=instagram, dataset=file)
        assert result.summary() == f"{count} rows read: {count} new, 0 updated, 0 unchanged, 0 with errors."
        return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]

    assert len(reads_for_a_file_of(2, day=23)) == len(reads_for_a_file_of(20, day=24))


def test_the_import_is_recorded_as_a_sync_run(internal_client, internal_curator, post):
    confirm(
        internal_client,
        preview(
            internal_client,
            instagram_csv(
                ["1", POST, "2026-11-24", "10", "", "1", "", "", "", ""],
                ["1", POST, "2026-11-21", "10", "", "1", "", "", "", ""],
            ),
            post.channel,
        ),
    )

    run = SyncRun.objects.get()
    assert (run.source, run.channel, run.status, run.requested_by) == (
        Source.CSV,
        post.channel,
        SyncStatus.SUCCEEDED,
        internal_curator.username,
    )
    assert (run.period_start, run.period_end) == (dt.date(2026, 11, 21), dt.date(2026, 11, 24))
    assert (run.rows_read, run.rows_written, run.rows_added) == (2, 2, 2)
    assert run.started_at <= run.finished_at
    assert set(DailyMetric.objects.values_list("sync_run", flat=True)) == {run.pk}


# The platforms' formats.


@pytest.mark.parametrize(
    ("platform", "channel_url", "post_url", "export", "expected"),
    [
        (
            Platform.INSTAGRAM,
            "https://www.instagram.com/acme.learning/",
            "https://www.instagram.com/p/Cx1AbCdEf/",
            "Post ID,Permalink,Publish time,Views,Reach,Likes,Comments,Shares,Saves,Follows\n"
            '1,https://www.instagram.com/p/Cx1AbCdEf/,11/23/2026 14:05,"1,234",900,56,7,3,12,2',
            {"views": 1234, "likes": 56, "comments": 7, "shares": 3, "saves": 12, "new_followers": 2},
        ),
        (
            Platform.INSTAGRAM,  # exports before 2025 said Impressions
            "https://www.instagram.com/acme.learning/",
            "https://www.instagram.com/p/Cx1AbCdEf/",
            "Permalink,Publish time,Impressions,Likes\nhttps://www.instagram.com/p/Cx1AbCdEf/,2026-11-23,800,9",
            {"views": 800, "likes": 9},
        ),
        (
            Platform.PINTEREST,
            "https://www.pinterest.com/acmelearning/",
            "https://www.pinterest.com/pin/1234567890/",
            "Pin ID,Pin URL,Date,Impressions,Saves,Pin clicks,Outbound clicks\n"
            '1234567890,https://www.pinterest.com/pin/1234567890/,2026-11-23,"5,000",40,90,25',
            {"views": 5000, "saves": 40, "clicks": 25},
        ),
        (
            Platform.PINTEREST,
            "https://www.pinterest.com/acmelearning/",
            "https://www.pinterest.com/pin/1234567890/",
            "Pin link,Date,Impressions,Pin clicks\nhttps://pinterest.com/pin/1234567890,11/23/2026,700,31",
            {"views": 700, "clicks": 31},
        ),
        (
            Platform.TWITTER,
            "https://x.com/acmelearning",
            "https://x.com/acmelearning/status/1860000000000000001",
            "Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,retweets,replies,likes,"
            "url clicks,follows\n1860000000000000001,https://twitter.com/acmelearning/status/"
            "1860000000000000001,Hi,2026-11-23 14:05 +0000,2100,80,4,3,20,15,1",
            {"views": 2100, "shares": 4, "comments": 3, "likes": 20, "clicks": 15, "new_followers": 1},
        ),
        (
            Platform.WIKIHOW,
            "https://www.wikihow.com/Author/Acme",
            "https://www.wikihow.com/Give-Feedback",
            "Article,URL,Date,Views,Helpful votes,Comments\n"
            "Give Feedback,https://www.wikihow.com/Give-Feedback,2026-11-23,310,12,2",
            {"views": 310, "likes": 12, "comments": 2},
        ),
        (
            Platform.YAMMER,
            "https://www.yammer.com/acme/",
            "https://www.yammer.com/acme/threads/2098765432",
            "Conversation link,Date,Seen by,Reactions,Replies,Shares\n"
            "https://www.yammer.com/acme/threads/2098765432?trk=email,2026-11-23,150,11,6,1",
            {"views": 150, "likes": 11, "comments": 6, "shares": 1},
        ),
    ],
)
def test_each_platform_export_maps_its_columns(platform, channel_url, post_url, export, expected):
    channel = csv_channel(platform, name=f"Acme on {platform.label}", url=channel_url)
    placement = place(channel, post_url)

    result = import_platform_export(channel=channel, dataset=tablib.Dataset().load(export, format="csv"))

    assert result.errors_in_words() == []
    metric = DailyMetric.objects.get()
    assert (metric.placement, metric.date) == (placement, dt.date(2026, 11, 23))
    assert {name: value for name, value in figures(metric).items() if value is not None} == expected


def test_the_generic_format_takes_our_own_column_names_and_any_figure(post):
    result = import_platform_export(
        channel=post.channel,
        export_format=EXPORT_FORMATS["generic"],
        dataset=dataset(
            ["url", "date", "views", "engagement_rate", "watch_minutes", "clicks"],
            [POST, "2026-11-23", "40", "0.62", "12.5", "3"],
        ),
    )

    assert result.errors_in_words() == []
    metric = DailyMetric.objects.get()
    assert (metric.views, metric.engagement_rate, metric.watch_minutes, metric.clicks) == (40, 0.62, 12.5, 3)


def test_the_curator_can_choose_another_format_than_the_platform_s(internal_client, post):
    upload = SimpleUploadedFile("figures.csv", f"url,date,saves\n{POST},2026-11-23,8\n".encode())

    confirm(internal_client, preview(internal_client, upload, post.channel, export_format="generic"))

    assert DailyMetric.objects.get().saves == 8


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-23",
        "2026-11-23 14:05",
        "2026-11-23T14:05:00Z",
        "11/23/2026",
        "11/23/2026 2:05 PM",
        "2026-11-23 14:05:00 +0000",
        dt.datetime(2026, 11, 23, 14, 5),  # an Excel date cell
        46349,  # an Excel date cell formatted as a number
    ],
)
def test_dates_are_read_as_the_exports_write_them(post, written):
    import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], [POST, written, "1"]),
    )

    assert DailyMetric.objects.get().date == dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "written",
    [
        "https://www.instagram.com/p/Cx1AbCdEf/",
        "http://instagram.com/p/Cx1AbCdEf",
        "https://WWW.Instagram.COM/p/Cx1AbCdEf/?igsh=MWQ1ZGUxMzBkMA==&utm_source=qr",
        "instagram.com/p/Cx1AbCdEf/#comments",
    ],
)
def test_a_post_s_url_matches_whatever_the_scheme_www_slash_tracking_or_host_case(post, written):
    import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], [written, "2026-11-23", "1"]),
    )

    assert DailyMetric.objects.get().placement == post


def test_a_url_matches_only_placements_on_the_chosen_channel(post):
    elsewhere = csv_channel(name="Acme careers on Instagram", url="https://www.instagram.com/acme.careers/")
    place(elsewhere, OTHER_POST, "Interview tips")

    result = import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], [OTHER_POST, "2026-11-23", "1"]),
    )

    assert result.errors_in_words() == [f"Row 2: no placement on Acme on Instagram has the URL {OTHER_POST}."]


def test_only_a_channel_measured_by_its_exports_takes_an_import(post):
    blog = ChannelFactory(name="Acme blog")

    result = import_platform_export(
        channel=blog, dataset=dataset(["url", "date", "views"], [POST, "2026-11-23", "1"])
    )

    assert result.errors_in_words() == ["Acme blog is not measured by imports of its platform's export."]
    assert not DailyMetric.objects.exists()


def test_an_unreadable_url_is_an_unknown_post(post):
    result = import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], ["http://[broken", "2026-11-23", "1"]),
    )

    assert result.errors_in_words() == [
        "Row 2: no placement on Acme on Instagram has the URL http://[broken."
    ]


# The page, the roles and figures typed by hand.


def test_only_channels_measured_by_their_exports_can_be_chosen(internal_client, instagram):
    ChannelFactory(name="Acme blog")

    page = internal_client.get(reverse("admin:analytics_dailymetric_import")).content.decode()

    assert "Acme on Instagram" in page
    assert "Acme blog" not in page
    assert "Instagram Insights export" in page and "“Pin URL” or “Pin link”" in html.unescape(page)


def test_the_agency_curator_who_runs_the_platforms_imports_and_types_figures(agency_client, post):
    import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], [POST, "2026-11-23", "1"]),
    )

    changelist = agency_client.get(reverse("admin:analytics_dailymetric_changelist"))

    assert changelist.status_code == 200
    assert "Feedback in three minutes" in page_text(changelist)
    assert reverse("admin:analytics_dailymetric_import") in changelist.content.decode()
    assert agency_client.get(reverse("admin:analytics_dailymetric_import")).status_code == 200
    assert agency_client.get(reverse("admin:analytics_dailymetric_add")).status_code == 200
    # Figures are corrected by importing again, never deleted by hand.
    assert (
        agency_client.get(
            reverse("admin:analytics_dailymetric_delete", args=[DailyMetric.objects.get().pk])
        ).status_code
        == 403
    )


def test_figures_typed_by_hand_are_saved_as_manual(internal_client, post):
    response = internal_client.post(
        reverse("admin:analytics_dailymetric_add"),
        {"placement": post.pk, "date": "2026-11-23", "views": "420", "likes": ""},
    )

    assert response.status_code == 302
    metric = DailyMetric.objects.get()
    assert (metric.source, metric.views, metric.likes) == (Source.MANUAL, 420, None)


def test_typing_figures_needs_at_least_one_and_once_per_post_and_day(internal_client, post):
    add = reverse("admin:analytics_dailymetric_add")
    empty = internal_client.post(add, {"placement": post.pk, "date": "2026-11-23"})
    internal_client.post(add, {"placement": post.pk, "date": "2026-11-23", "views": "1"})
    twice = internal_client.post(add, {"placement": post.pk, "date": "2026-11-23", "views": "2"})

    assert "Enter at least one figure. Leave the ones you do not have blank." in page_text(empty)
    assert (
        "Figures typed by hand for Feedback in three minutes on Acme on Instagram on 23 Nov 2026 are already "
        "held: change those." in page_text(twice)
    )
    assert DailyMetric.objects.get().views == 1


def test_imported_figures_are_shown_but_not_edited_by_hand(internal_client, post):
    import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], [POST, "2026-11-23", "1"]),
    )
    metric = DailyMetric.objects.get()
    url = reverse("admin:analytics_dailymetric_change", args=[metric.pk])

    page = internal_client.get(url)
    internal_client.post(url, {"placement": post.pk, "date": "2026-11-23", "likes": "99"})

    assert page.status_code == 200
    assert 'name="likes"' not in page.content.decode()
    metric.refresh_from_db()
    assert metric.likes == 1


@pytest.mark.parametrize("model_name", ["dailymetric", "retentionpoint", "campaignsessions"])
def test_analytics_changelists_and_add_forms_open(internal_client, post, model_name):
    import_platform_export(
        channel=post.channel,
        dataset=dataset(["Permalink", "Publish time", "Likes"], [POST, "2026-11-23", "1"]),
    )

    changelist = internal_client.get(reverse(f"admin:analytics_{model_name}_changelist"))
    add = internal_client.get(reverse(f"admin:analytics_{model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code == (200 if model_name == "dailymetric" else 403)


def test_the_figures_list_does_not_query_per_row(internal_client, instagram, django_assert_max_num_queries):
    def import_days(first: int, count: int) -> None:
        for n in range(first, first + count):
            placement = place(instagram, f"https://www.instagram.com/p/Post{n}/", f"Item {n}")
            import_platform_export(
                channel=instagram,
                dataset=dataset(
                    ["Permalink", "Publish time", "Likes"], [placement.url, "2026-11-23", str(n)]
                ),
            )

    import_days(0, 3)
    with django_assert_max_num_queries(30) as few_rows:
        internal_client.get(reverse("admin:analytics_dailymetric_changelist"))
    import_days(3, 30)

    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        response = internal_client.get(reverse("admin:analytics_dailymetric_changelist"))

    assert response.status_code == 200
