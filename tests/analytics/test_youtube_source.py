"""The YouTube source, through the real googleapiclient and google-auth, against the loopback fake.

What a sync gets back (figures by the curators' names, retention points, the videos YouTube no
longer knows) and, when YouTube says no, whether the sync may try again and what the curator reads.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics.models import FIGURES
from analytics.sources import youtube
from analytics.sources.base import MetricRow, Period, RetentionRow, Retry, SourceError
from tests.fakes.youtube import REPORTS_PATH, TOKEN_PATH, VIDEOS_PATH
from tests.helpers import free_port
from tests.processes import run_python

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
FIRST_DAYS = Period(date(2026, 3, 1), date(2026, 3, 3))


def fetch(fake, video_ids, period=FIRST_DAYS):
    return youtube.fetch(channel_id=fake.channel_id, video_ids=video_ids, period=period)


def refusal(fake, video_ids=("intro",), period=FIRST_DAYS) -> SourceError:
    with pytest.raises(SourceError) as caught:
        fetch(fake, list(video_ids), period)
    return caught.value


def test_each_video_gets_its_daily_figures_under_the_curators_figure_names(youtube_fake):
    youtube_fake.add_video(
        "intro",
        daily={
            date(2026, 3, 1): {
                "views": 120,
                "estimatedMinutesWatched": 300,
                "averageViewDuration": 150,
                "averageViewPercentage": 59.29,
                "likes": 9,
                "comments": 2,
                "shares": 3,
                "subscribersGained": 4,
            },
            date(2026, 3, 3): {
                "views": 7,
                "estimatedMinutesWatched": 5,
                "averageViewDuration": 43,
                "averageViewPercentage": 17.0,
                "likes": 0,
                "comments": 0,
                "shares": 0,
                "subscribersGained": 0,
            },
        },
    )

    pull = fetch(youtube_fake, ["intro"])

    assert pull.metrics == [
        MetricRow(
            key="intro",
            date=date(2026, 3, 1),
            figures={
                "views": 120,
                "watch_minutes": 300.0,
                "average_duration_seconds": 150.0,
                "average_percentage_viewed": 59.29,
                "likes": 9,
                "comments": 2,
                "shares": 3,
                "new_followers": 4,
            },
        ),
        MetricRow(
            key="intro",
            date=date(2026, 3, 3),
            figures={
                "views": 7,
                "watch_minutes": 5.0,
                "average_duration_seconds": 43.0,
                "average_percentage_viewed": 17.0,
                "likes": 0,
                "comments": 0,
                "shares": 0,
                "new_followers": 0,
            },
        ),
    ]  # 2 March had no views: no row, not a row of zeros
    first = pull.metrics[0].figures
    assert set(first) <= set(FIGURES)
    assert type(first["views"]) is int and type(first["watch_minutes"]) is float


def test_figures_are_asked_for_the_channel_the_period_and_one_video_at_a_time(youtube_fake):
    youtube_fake.add_video("intro")
    youtube_fake.add_video("outro")

    pull = fetch(youtube_fake, ["intro", "outro"], MARCH)

    daily = youtube_fake.report_calls(dimensions="day")
    assert [call.params["filters"] for call in daily] == ["video==intro", "video==outro"]
    assert {(c.params["ids"], c.params["startDate"], c.params["endDate"]) for c in daily} == {
        (f"channel=={youtube_fake.channel_id}", "2026-03-01", "2026-03-31")
    }
    assert all(call.authorization.startswith("Bearer ya29.") for call in youtube_fake.calls(REPORTS_PATH))
    assert len(pull.metrics) == 62
    assert {row.key for row in pull.metrics} == {"intro", "outro"}


def test_the_retention_curve_comes_back_point_by_point_with_rewatched_parts_above_one(youtube_fake):
    youtube_fake.add_video("intro")

    pull = fetch(youtube_fake, ["intro"], MARCH)

    assert len(pull.retention) == 100
    assert pull.retention[0] == RetentionRow(
        key="intro", elapsed_ratio=0.01, audience_watch_ratio=1.147, relative_performance=0.647
    )
    assert pull.retention[-1].elapsed_ratio == 1.0
    assert any(point.audience_watch_ratio > 1 for point in pull.retention)
    (call,) = youtube_fake.report_calls("intro", dimensions="elapsedVideoTimeRatio")
    assert (call.params["startDate"], call.params["endDate"]) == ("2026-03-01", "2026-03-31")


def test_deleted_or_private_videos_are_listed_as_unknown_and_not_queried(youtube_fake):
    youtube_fake.add_video("intro")

    pull = fetch(youtube_fake, ["intro", "deleted", "private", "intro"])

    assert pull.unknown_keys == ["deleted", "private"]
    assert {row.key for row in pull.metrics} == {"intro"}
    assert youtube_fake.report_calls("deleted") == youtube_fake.report_calls("private") == []
    assert youtube_fake.listed_ids() == [["intro", "deleted", "private"]]


def test_more_than_fifty_videos_are_looked_up_fifty_at_a_time(youtube_fake):
    ids = [f"video{n:03}" for n in range(120)]
    for video_id in ("video000", "video060", "video119"):
        youtube_fake.add_video(video_id)

    pull = fetch(youtube_fake, ids)

    assert [len(batch) for batch in youtube_fake.listed_ids()] == [50, 50, 20]
    assert [video_id for batch in youtube_fake.listed_ids() for video_id in batch] == ids
    assert len(pull.unknown_keys) == 117
    assert {row.key for row in pull.metrics} == {"video000", "video060", "video119"}


def test_a_video_nobody_watched_in_the_period_gives_an_empty_pull(youtube_fake):
    youtube_fake.add_video("quiet", daily={}, retention=[])

    pull = fetch(youtube_fake, ["quiet"])

    assert (pull.metrics, pull.retention, pull.unknown_keys, pull.rows_read) == ([], [], [], 0)


def test_no_videos_means_no_requests(youtube_fake):
    assert fetch(youtube_fake, []).rows_read == 0
    assert youtube_fake.requests == []


@pytest.mark.parametrize("reason", ["quotaExceeded", "dailyLimitExceeded"])
def test_a_spent_daily_quota_postpones_the_sync_until_tomorrow(youtube_fake, reason):
    youtube_fake.add_video("intro")
    youtube_fake.fail(403, reason, path=REPORTS_PATH)

    error = refusal(youtube_fake)

    assert error.retry is Retry.TOMORROW
    assert str(error) == "YouTube's daily quota is spent; the sync runs again after it resets."


def test_a_per_day_limit_reported_as_a_rate_limit_also_waits_for_tomorrow(youtube_fake):
    youtube_fake.add_video("intro")
    youtube_fake.fail(
        429,
        "rateLimitExceeded",
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service "
        "'youtubeanalytics.googleapis.com' for consumer 'project_number:1234'.",
    )

    assert refusal(youtube_fake).retry is Retry.TOMORROW


@pytest.mark.parametrize(
    ("status", "reason", "says"),
    [
        (429, None, "YouTube asked us to slow down"),
        (403, "rateLimitExceeded", "YouTube asked us to slow down"),
        (403, "userRateLimitExceeded", "YouTube asked us to slow down"),
        (503, None, "YouTube is unavailable at the moment (HTTP 503)"),
        (500, None, "YouTube is unavailable at the moment (HTTP 500)"),
    ],
)
def test_a_busy_or_unavailable_youtube_is_tried_again_soon(youtube_fake, status, reason, says):
    youtube_fake.add_video("intro")
    youtube_fake.fail(status, reason)

    error = refusal(youtube_fake)

    assert error.retry is Retry.SOON
    assert str(error).startswith(says)
    assert len(youtube_fake.calls(VIDEOS_PATH)) == 1  # no retries inside: the task backs off


def test_a_revoked_sign_in_needs_a_channel_owner_to_grant_access_again(youtube_fake):
    youtube_fake.add_video("intro")
    youtube_fake.revoke_refresh_token()

    error = refusal(youtube_fake)

    assert error.retry is Retry.NEVER
    assert str(error) == (
        "YouTube refused the channel's sign-in: the access was revoked or has expired. "
        "A channel owner must grant access again. (Google said: Token has been expired or revoked.)"
    )
    assert youtube_fake.calls(VIDEOS_PATH) == youtube_fake.calls(REPORTS_PATH) == []


def test_an_access_token_refused_once_is_refreshed_and_the_sync_goes_on(youtube_fake):
    youtube_fake.add_video("intro")
    youtube_fake.fail(401, path=REPORTS_PATH, times=1)

    pull = fetch(youtube_fake, ["intro"])

    assert len(pull.metrics) == 3
    assert len(youtube_fake.calls(TOKEN_PATH)) == 2


def test_access_refused_on_every_try_needs_a_channel_owner(youtube_fake):
    youtube_fake.add_video("intro")
    youtube_fake.fail(401, path=REPORTS_PATH)

    error = refusal(youtube_fake)

    assert error.retry is Retry.NEVER
    assert "A channel owner must grant access again." in str(error)


def test_a_wrong_oauth_client_points_at_the_client_settings(youtube_fake, settings):
    settings.YOUTUBE_CLIENT_SECRET = "not-the-secret"

    error = refusal(youtube_fake)

    assert error.retry is Retry.NEVER
    assert "YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET" in str(error)


def test_missing_settings_are_named_and_nothing_is_asked_of_google(youtube_fake, settings):
    settings.YOUTUBE_CLIENT_SECRET = ""
    settings.YOUTUBE_REFRESH_TOKEN = ""

    error = refusal(youtube_fake)

    assert error.retry is Retry.NEVER
    assert "set YOUTUBE_CLIENT_SECRET, YOUTUBE_REFRESH_TOKEN in the environment" in str(error)
    assert youtube_fake.requests == []


def test_any_other_refusal_shows_youtubes_own_words_and_is_not_retried(youtube_fake):
    youtube_fake.add_video("intro")
    youtube_fake.fail(403, "insufficientPermissions", path=REPORTS_PATH)

    error = refusal(youtube_fake)

    assert error.retry is Retry.NEVER
    assert (
        str(error)
        == "YouTube refused the request (HTTP 403): Request had insufficient authentication scopes."
    )


def test_a_slow_answer_is_given_up_on_and_tried_again_soon(youtube_fake, settings):
    settings.GOOGLE_TIMEOUT_SECONDS = 0.3
    youtube_fake.add_video("intro")
    youtube_fake.stall(1, path=REPORTS_PATH)

    error = refusal(youtube_fake)

    assert error.retry is Retry.SOON
    assert str(error) == "YouTube did not answer within 0.3 seconds; the sync tries again shortly."


def test_an_unreachable_youtube_is_tried_again_soon(youtube_fake, settings):
    settings.YOUTUBE_API_ENDPOINT = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    error = refusal(youtube_fake)

    assert error.retry is Retry.SOON
    assert str(error).startswith("Could not reach YouTube")


def test_a_worker_in_another_process_reaches_the_fake_through_its_environment(youtube_fake):
    youtube_fake.add_video("intro")

    finished = run_python(
        "import django; django.setup(); from datetime import date; "
        "from analytics.sources import youtube; from analytics.sources.base import Period; "
        f"pull = youtube.fetch(channel_id={youtube_fake.channel_id!r}, video_ids=['intro', 'gone'], "
        "period=Period(date(2026, 3, 1), date(2026, 3, 3))); "
        "print(len(pull.metrics), len(pull.retention), pull.unknown_keys)",
        youtube_fake.env(),
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split("\n")[-2] == "3 100 ['gone']"
    assert len(youtube_fake.calls(TOKEN_PATH)) == 1
