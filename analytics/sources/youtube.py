"""YouTube: each video's daily figures (Analytics API v2) and its drop-out curve over the period.

The Analytics API has no report with both `day` and `video` as dimensions for a channel, so
daily figures take one `dimensions=day, filters=video==ID` query per video, and retention one
`elapsedVideoTimeRatio` query per video (it accepts only a single video). The Data API's
videos.list tells first which ids still exist on this channel, so deleted and private videos,
and other channels' ones, cost no more queries and are reported back instead of failing the run.
uploads() lists the channel's recent uploads (Data API: channels.list, then the uploads
playlist), so an owned channel brings its new videos to the curation inbox.

Nothing here retries: the Celery task does, with backoff, after reading `SourceError.retry`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import httplib2
from django.conf import settings
from django.utils.html import strip_tags
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import Resource, build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from analytics.sources.base import MetricRow, Period, Published, Pull, RetentionRow, Retry, SourceError

SCOPES = (
    "https://www.googleapis.com/auth/yt-analytics.readonly",
    "https://www.googleapis.com/auth/youtube.readonly",
)
REQUIRED_SETTINGS = (
    "YOUTUBE_CLIENT_ID",
    "YOUTUBE_CLIENT_SECRET",
    "YOUTUBE_REFRESH_TOKEN",
    "YOUTUBE_TOKEN_URI",
)

# Analytics metric -> (DailyMetric figure, the type that figure's column holds).
DAILY_METRICS: dict[str, tuple[str, type[int] | type[float]]] = {
    "views": ("views", int),
    "estimatedMinutesWatched": ("watch_minutes", float),
    "averageViewDuration": ("average_duration_seconds", float),
    "averageViewPercentage": ("average_percentage_viewed", float),
    "likes": ("likes", int),
    "comments": ("comments", int),
    "shares": ("shares", int),
    "subscribersGained": ("new_followers", int),
}
RETENTION_METRICS = ("audienceWatchRatio", "relativeRetentionPerformance")
IDS_PER_LIST = 50  # videos.list takes at most 50 ids

QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}

QUOTA_SPENT = "YouTube's daily quota is spent; the sync runs again after it resets."
SIGN_IN_REFUSED = (
    "YouTube refused the channel's sign-in: the access was revoked or has expired. "
    "A channel owner must grant access again."
)


def fetch(*, channel_id: str, video_ids: Sequence[str], period: Period) -> Pull:
    """Daily figures and retention for the channel's videos that still exist, over `period`."""
    credentials = _credentials()
    wanted = list(dict.fromkeys(video_ids))
    pull = Pull()
    if not wanted:
        return pull
    with _explained():
        http = _http(credentials)
        existing = _on_channel(_client("youtube", "v3", http), wanted, channel_id)
        pull.unknown_keys = [video_id for video_id in wanted if video_id not in existing]
        analytics = _client("youtubeAnalytics", "v2", http)
        for video_id in (video_id for video_id in wanted if video_id in existing):
            pull.metrics.extend(_daily(analytics, channel_id, video_id, period))
            pull.retention.extend(_retention(analytics, channel_id, video_id, period))
    return pull


def uploads(*, channel_id: str, since: datetime) -> list[Published]:
    """The channel's public and unlisted uploads published since `since`, newest first.

    The uploads playlist lists a channel's videos newest first, 50 a page at one quota unit each;
    paging stops at the first page uploaded wholly before `since`, so a channel with years of
    videos costs a page or two a day. Private uploads (drafts, scheduled premieres) wait until
    they are published: employees could not open them.
    """
    credentials = _credentials()
    found: list[Published] = []
    with _explained():
        data = _client("youtube", "v3", _http(credentials))
        playlist = _uploads_playlist(data, channel_id)
        token: str | None = None
        while True:
            answer = _execute(
                data.playlistItems().list(
                    part="snippet,contentDetails,status", playlistId=playlist, maxResults=50, pageToken=token
                )
            )
            items = answer.get("items", [])
            found.extend(upload for item in items if (upload := _upload(item, since)))
            token = answer.get("nextPageToken")
            if not token or all(_added_before(item, since) for item in items):
                return found


def _http(credentials: Credentials) -> AuthorizedHttp:
    return AuthorizedHttp(credentials, http=httplib2.Http(timeout=settings.GOOGLE_TIMEOUT_SECONDS))


@contextmanager
def _explained() -> Iterator[None]:
    """Whatever Google or the network did, as a SourceError in a curator's words."""
    try:
        yield
    except HttpError as error:
        raise _from_http_error(error) from error
    except RefreshError as error:
        raise _from_refresh_error(error) from error
    except TimeoutError as error:
        raise SourceError(
            f"YouTube did not answer within {settings.GOOGLE_TIMEOUT_SECONDS:g} seconds; "
            "the sync tries again shortly.",
            Retry.SOON,
        ) from error
    except (OSError, TransportError, httplib2.HttpLib2Error) as error:
        raise SourceError(
            f"Could not reach YouTube ({error}); the sync tries again shortly.", Retry.SOON
        ) from error


def _credentials() -> Credentials:
    missing = [name for name in REQUIRED_SETTINGS if not getattr(settings, name, "")]
    if missing:
        raise SourceError(
            f"YouTube is not connected: set {', '.join(missing)} in the environment "
            "(an OAuth client and a channel owner's refresh token).",
            Retry.NEVER,
        )
    # No access token yet: the first request refreshes one from the long-lived refresh token.
    return Credentials(
        token=None,
        refresh_token=settings.YOUTUBE_REFRESH_TOKEN,
        client_id=settings.YOUTUBE_CLIENT_ID,
        client_secret=settings.YOUTUBE_CLIENT_SECRET,
        token_uri=settings.YOUTUBE_TOKEN_URI,
        scopes=list(SCOPES),
    )


def _client(name: str, version: str, http: AuthorizedHttp) -> Resource:
    # The discovery documents ship with the library: building a client needs no network.
    # api_endpoint replaces rootUrl + servicePath whole; the method paths (v2/reports,
    # youtube/v3/videos) are appended to it.
    options = {"api_endpoint": settings.YOUTUBE_API_ENDPOINT} if settings.YOUTUBE_API_ENDPOINT else None
    return build(
        name, version, http=http, static_discovery=True, cache_discovery=False, client_options=options
    )


def _execute(request: HttpRequest) -> dict:
    return request.execute(num_retries=0)


def _uploads_playlist(data: Resource, channel_id: str) -> str:
    answer = _execute(data.channels().list(part="contentDetails", id=channel_id, maxResults=1))
    for item in answer.get("items", []):
        playlist = item.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
        if playlist:
            return playlist
    # YouTube answers an unknown channel id with no items, not an error.
    raise SourceError(
        f"YouTube has no channel {channel_id}: check the YouTube channel id on the channel "
        "(it starts with UC).",
        Retry.NEVER,
    )


def _upload(item: dict, since: datetime) -> Published | None:
    """A playlist item as an upload, if it is published, not private, and new enough."""
    details, snippet = item.get("contentDetails", {}), item.get("snippet", {})
    published = _when(details.get("videoPublishedAt"))  # absent for private and deleted videos
    if published is None or published < since:
        return None
    if item.get("status", {}).get("privacyStatus") == "private":
        return None
    return Published(
        key=details.get("videoId") or snippet.get("resourceId", {}).get("videoId", ""),
        title=snippet.get("title", ""),
        description=snippet.get("description", ""),
        published_at=published,
    )


def _added_before(item: dict, since: datetime) -> bool:
    added = _when(item.get("snippet", {}).get("publishedAt"))  # when it joined the uploads playlist
    return added is not None and added < since


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _on_channel(data: Resource, video_ids: list[str], channel_id: str) -> set[str]:
    """The ids that exist and belong to this channel: Analytics refuses another channel's video,
    which would fail the whole run for one mistyped placement."""
    found: set[str] = set()
    for start in range(0, len(video_ids), IDS_PER_LIST):
        batch = video_ids[start : start + IDS_PER_LIST]
        answer = _execute(data.videos().list(part="snippet", id=",".join(batch)))
        found.update(
            item["id"]
            for item in answer.get("items", [])
            if item.get("snippet", {}).get("channelId") == channel_id
        )
    return found


def _query(
    analytics: Resource, channel_id: str, video_id: str, period: Period, **query: str
) -> Iterator[dict]:
    """The report's rows as {column name: value}: Google documents no column order to rely on."""
    answer = _execute(
        analytics.reports().query(
            ids=f"channel=={channel_id}",
            startDate=period.start.isoformat(),
            endDate=period.end.isoformat(),
            filters=f"video=={video_id}",
            **query,
        )
    )
    names = [header["name"] for header in answer.get("columnHeaders", [])]
    for row in answer.get("rows", []):  # absent, not empty, when there is no data
        yield dict(zip(names, row, strict=True))


def _daily(analytics: Resource, channel_id: str, video_id: str, period: Period) -> list[MetricRow]:
    rows = _query(analytics, channel_id, video_id, period, dimensions="day", metrics=",".join(DAILY_METRICS))
    return [
        MetricRow(
            key=video_id,
            date=date.fromisoformat(row["day"]),
            figures={
                figure: kind(row[metric])
                for metric, (figure, kind) in DAILY_METRICS.items()
                if row.get(metric) is not None
            },
        )
        for row in rows
    ]


def _retention(analytics: Resource, channel_id: str, video_id: str, period: Period) -> list[RetentionRow]:
    rows = _query(
        analytics,
        channel_id,
        video_id,
        period,
        dimensions="elapsedVideoTimeRatio",
        metrics=",".join(RETENTION_METRICS),
    )
    return [
        RetentionRow(
            key=video_id,
            elapsed_ratio=float(row["elapsedVideoTimeRatio"]),
            audience_watch_ratio=float(row["audienceWatchRatio"]),
            relative_performance=(
                None
                if row.get("relativeRetentionPerformance") is None
                else float(row["relativeRetentionPerformance"])
            ),
        )
        for row in rows
    ]


def _google_error(error: HttpError) -> dict:
    try:
        body = json.loads(error.content)
    except ValueError:
        return {}
    return body.get("error", {}) if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}


def _reasons(details: dict) -> set[str]:
    """The reasons Google gives: the legacy `errors[].reason`, the newer ErrorInfo and status."""
    found = {e.get("reason", "") for e in details.get("errors", []) if isinstance(e, dict)}
    found |= {d.get("reason", "") for d in details.get("details", []) if isinstance(d, dict)}
    found.add(details.get("status", ""))
    return found - {""}


def _from_http_error(error: HttpError) -> SourceError:
    details = _google_error(error)
    reasons = _reasons(details)
    status = error.status_code
    message = strip_tags(details.get("message") or error.reason or "").strip()
    if reasons & QUOTA_REASONS or (reasons & RATE_REASONS and "per day" in message.lower()):
        return SourceError(QUOTA_SPENT, Retry.TOMORROW)
    if status == 429 or reasons & RATE_REASONS:
        return SourceError(
            "YouTube asked us to slow down (too many requests); the sync tries again shortly.", Retry.SOON
        )
    if status >= 500:
        return SourceError(
            f"YouTube is unavailable at the moment (HTTP {status}); the sync tries again shortly.", Retry.SOON
        )
    if status == 401:
        return SourceError(SIGN_IN_REFUSED, Retry.NEVER)
    return SourceError(
        f"YouTube refused the request (HTTP {status}): {message or 'no reason given'}", Retry.NEVER
    )


def _from_refresh_error(error: RefreshError) -> SourceError:
    if error.retryable:  # Google's token endpoint was down or busy
        return SourceError(
            "Google's sign-in service is unavailable; the sync tries again shortly.", Retry.SOON
        )
    answer = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
    if answer.get("error") in ("invalid_client", "unauthorized_client"):
        return SourceError(
            "Google does not accept this app's OAuth client: "
            "check YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET.",
            Retry.NEVER,
        )
    said = answer.get("error_description") or str(error)
    return SourceError(f"{SIGN_IN_REFUSED} (Google said: {said})", Retry.NEVER)
