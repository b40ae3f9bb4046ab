"""A loopback fake of Google's OAuth token endpoint and the YouTube Analytics v2 and Data v3 APIs.

The real googleapiclient and google-auth talk to it over HTTP: it issues access tokens for the
refresh token, requires them as Bearer tokens, answers `GET /v2/reports` and
`GET /youtube/v3/videos` in Google's response shapes, and answers errors in Google's error JSON.
For the owned channel's new uploads it answers `GET /youtube/v3/channels` (the uploads playlist)
and `GET /youtube/v3/playlistItems` (that playlist, newest first, paged); add_upload() sets them.
Every request is recorded. Usable without pytest (start()/stop(), env()) so a Celery worker
started by a test can reach it too.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.loopback import LoopbackServer

CHANNEL_ID = "UCfakechannel0000000000a"
CLIENT_ID = "fake-client-id.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret"
REFRESH_TOKEN = "1//fake-refresh-token"

REPORTS_PATH = "/v2/reports"
VIDEOS_PATH = "/youtube/v3/videos"
CHANNELS_PATH = "/youtube/v3/channels"
PLAYLIST_ITEMS_PATH = "/youtube/v3/playlistItems"
TOKEN_PATH = "/token"
API_PATHS = (REPORTS_PATH, VIDEOS_PATH, CHANNELS_PATH, PLAYLIST_ITEMS_PATH)

# Figures of one video on one day, by the Analytics API's metric names.
DayFigures = Mapping[str, int | float]
# A video's daily figures: a table by day, or a generator called per day (None: no row that day).
Daily = Mapping[date, DayFigures] | Callable[[date], DayFigures | None]

INTEGER_METRICS = {
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "likes",
    "dislikes",
    "comments",
    "shares",
    "subscribersGained",
    "subscribersLost",
}
FLOAT_METRICS = {"averageViewPercentage"}
RETENTION_METRICS = {"audienceWatchRatio", "relativeRetentionPerformance"}

UNSUPPORTED_QUERY = (
    "The query is not supported. Check the documentation at "
    "https://developers.google.com/youtube/analytics/v2/available_reports for a list of supported queries."
)

# Google's wording and reason per error, as the APIs answer them.
ERRORS: dict[str, tuple[int, str, str, str]] = {  # reason: (status, domain, message, gRPC status)
    "quotaExceeded": (
        403,
        "youtube.quota",
        "The request cannot be completed because you have exceeded your "
        '<a href="/youtube/v3/getting-started#quota">quota</a>.',
        "",
    ),
    "dailyLimitExceeded": (
        403,
        "usageLimits",
        "Daily Limit Exceeded. The quota will be reset at midnight Pacific Time (PT).",
        "",
    ),
    "rateLimitExceeded": (
        429,
        "global",
        "Resource has been exhausted (e.g. check quota).",
        "RESOURCE_EXHAUSTED",
    ),
    "userRateLimitExceeded": (403, "usageLimits", "User Rate Limit Exceeded", ""),
    "backendError": (503, "global", "The service is currently unavailable.", "UNAVAILABLE"),
    "internalError": (500, "global", "Internal error encountered.", "INTERNAL"),
    "authError": (
        401,
        "global",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
        "or other valid authentication credential.",
        "UNAUTHENTICATED",
    ),
    "forbidden": (403, "global", "Forbidden", "PERMISSION_DENIED"),
    "insufficientPermissions": (
        403,
        "global",
        "Request had insufficient authentication scopes.",
        "PERMISSION_DENIED",
    ),
    "badRequest": (400, "global", "Bad Request", "INVALID_ARGUMENT"),
}
REASON_FOR_STATUS = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    429: "rateLimitExceeded",
    500: "internalError",
    503: "backendError",
}


def google_error(status: int, reason: str, message: str | None = None, domain: str | None = None) -> dict:
    """Google's JSON error body: {"error": {"code", "message", "errors": [...], "status"}}."""
    _, default_domain, default_message, grpc_status = ERRORS.get(reason, (status, "global", reason, ""))
    message = message or default_message
    error: dict[str, object] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain or default_domain, "reason": reason}],
    }
    if grpc_status:
        error["status"] = grpc_status
    return {"error": error}


@dataclass
class Video:
    """A video the fake's channel owns; any id not added is one YouTube does not know."""

    id: str
    duration_seconds: int = 253
    published: date | None = None  # no figures before it
    daily: Daily | None = None  # None: plausible figures made up from the id and the day
    retention: list[tuple[float, float, float | None]] | None = None  # (elapsed, watch, relative)
    channel_id: str | None = None  # None: the fake's own channel; else a video of someone else's

    def figures_on(self, day: date) -> DayFigures | None:
        if self.published and day < self.published:
            return None
        if self.daily is None:
            return _made_up_day(self, day)
        if callable(self.daily):
            return self.daily(day)
        return self.daily.get(day)

    def curve(self) -> list[tuple[float, float, float | None]]:
        return self.retention if self.retention is not None else retention_curve()


def _made_up_day(video: Video, day: date) -> DayFigures:
    seed = zlib.crc32(f"{video.id}:{day.isoformat()}".encode())
    views = 20 + seed % 180
    duration = min(video.duration_seconds, 30 + seed % 200)
    return {
        "views": views,
        "estimatedMinutesWatched": views * duration // 60,
        "averageViewDuration": duration,
        "averageViewPercentage": round(100 * duration / video.duration_seconds, 2),
        "likes": seed % 13,
        "dislikes": seed % 2,
        "comments": seed % 5,
        "shares": seed % 4,
        "subscribersGained": seed % 3,
        "subscribersLost": seed % 2,
    }


def retention_curve(points: int = 100) -> list[tuple[float, float, float | None]]:
    """A drop-out curve like YouTube's: above 1 at the start, where viewers rewind the hook."""
    curve = []
    for step in range(1, points + 1):
        elapsed = round(step / points, 2)
        watch = 1.15 - 0.3 * elapsed if elapsed <= 0.05 else 0.9 * (1 - elapsed) ** 0.6 + 0.05
        curve.append((elapsed, round(watch, 4), round(0.35 + 0.3 * (1 - elapsed), 4)))
    return curve


@dataclass
class Upload:
    """A video in the channel's uploads playlist: what playlistItems.list tells of it."""

    video_id: str
    title: str
    description: str
    published_at: datetime
    added_at: datetime  # when it was uploaded (joined the playlist); the playlist's order
    privacy: str = "public"  # public, unlisted or private

    def item(self, channel_id: str, playlist_id: str, position: int) -> dict:
        snippet = {
            "publishedAt": _rfc3339(self.added_at),
            "channelId": channel_id,
            "title": self.title,
            "description": self.description,
            "thumbnails": {},
            "channelTitle": "Acme Learns",
            "playlistId": playlist_id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": self.video_id},
            "videoOwnerChannelTitle": "Acme Learns",
            "videoOwnerChannelId": channel_id,
        }
        details = {"videoId": self.video_id}
        if self.privacy != "private":  # a private upload has not been published
            details["videoPublishedAt"] = _rfc3339(self.published_at)
        return {
            "kind": "youtube#playlistItem",
            "etag": f"etag-item-{self.video_id}",
            "id": f"{playlist_id}.{self.video_id}",
            "snippet": snippet,
            "contentDetails": details,
            "status": {"privacyStatus": self.privacy},
        }


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    authorization: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Scripted:
    """An answer the fake gives instead of the real one, to requests matching `path`/`video`."""

    status: int
    body: dict
    path: str | None = None  # REPORTS_PATH, VIDEOS_PATH or TOKEN_PATH; None: either API
    video: str | None = None  # only report requests filtered to this video
    times: int | None = None  # None: every time
    delay: float = 0.0

    def matches(self, path: str, params: dict[str, str]) -> bool:
        if self.path is None and path == TOKEN_PATH:
            return False
        if self.path is not None and self.path != path:
            return False
        return self.video is None or params.get("filters") == f"video=={self.video}"


@dataclass
class FakeYouTube(LoopbackServer):
    channel_id: str = CHANNEL_ID
    videos: dict[str, Video] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    scripted: list[Scripted] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    refresh_token: str = REFRESH_TOKEN
    server: ThreadingHTTPServer | None = None
    _serial: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- Set-up --------------------------------------------------------------------------------

    def add_video(
        self,
        video_id: str,
        *,
        daily: Daily | None = None,
        retention: list[tuple[float, float, float | None]] | None = None,
        duration_seconds: int = 253,
        published: date | None = None,
        channel_id: str | None = None,
    ) -> Video:
        video = Video(video_id, duration_seconds, published, daily, retention, channel_id)
        self.videos[video_id] = video
        return video

    def add_upload(
        self,
        video_id: str,
        *,
        title: str,
        published_at: datetime,
        description: str = "",
        added_at: datetime | None = None,
        privacy: str = "public",
    ) -> Upload:
        """A video uploaded to the fake's channel: in its uploads playlist and known to videos.list."""
        upload = Upload(video_id, title, description, published_at, added_at or published_at, privacy)
        self.uploads.append(upload)
        self.add_video(video_id, published=published_at.date())
        return upload

    @property
    def uploads_playlist(self) -> str:
        return "UU" + self.channel_id.removeprefix("UC")

    def delete_video(self, video_id: str) -> None:
        """Gone from YouTube (deleted or made private): videos.list stops listing it."""
        self.videos.pop(video_id, None)

    def fail(
        self,
        status: int,
        reason: str | None = None,
        message: str | None = None,
        *,
        path: str | None = None,
        video: str | None = None,
        times: int | None = None,
        delay: float = 0.0,
    ) -> Scripted:
        """Answer matching API requests with this Google error (reason defaults by status)."""
        reason = reason or REASON_FOR_STATUS.get(status, "backendError")
        script = Scripted(status, google_error(status, reason, message), path, video, times, delay)
        self.scripted.append(script)
        return script

    def quota_exceeded(self, **where: object) -> Scripted:
        return self.fail(403, "quotaExceeded", **where)

    def stall(self, seconds: float, *, path: str | None = None) -> Scripted:
        """Answer matching API requests correctly, but only after `seconds`."""
        script = Scripted(200, {}, path, delay=seconds)
        self.scripted.append(script)
        return script

    def revoke_refresh_token(self) -> None:
        """The channel owner removed the app's access (or the token expired): invalid_grant."""
        self.refresh_token = "revoked"
        self.access_tokens.clear()

    def expire_access_tokens(self) -> None:
        """Access tokens issued so far are refused with 401; the refresh token still works."""
        self.access_tokens.clear()

    # -- Reading what happened -----------------------------------------------------------------

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def report_calls(self, video_id: str | None = None, dimensions: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.calls(REPORTS_PATH)
            if (video_id is None or r.params.get("filters") == f"video=={video_id}")
            and (dimensions is None or r.params.get("dimensions") == dimensions)
        ]

    def listed_ids(self) -> list[list[str]]:
        """The ids asked for in each videos.list call, in order."""
        return [r.params.get("id", "").split(",") for r in self.calls(VIDEOS_PATH)]

    # -- Running -------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment a separate process (a Celery worker) needs to reach this fake."""
        return {
            "YOUTUBE_CLIENT_ID": CLIENT_ID,
            "YOUTUBE_CLIENT_SECRET": CLIENT_SECRET,
            "YOUTUBE_REFRESH_TOKEN": REFRESH_TOKEN,
            "YOUTUBE_TOKEN_URI": self.url + TOKEN_PATH,
            "YOUTUBE_API_ENDPOINT": self.url,
            "NO_GCE_CHECK": "true",
        }

    # -- Answering -----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        params = {k: v[-1] for k, v in parse_qs(body if method == "POST" else parts.query).items()}
        self.requests.append(Recorded(method, parts.path, params, handler.headers.get("Authorization")))

        script = self._script_for(parts.path, params)
        if script and script.delay:
            time.sleep(script.delay)
        if script and script.status != 200:
            return _reply(handler, script.status, script.body)

        if parts.path == TOKEN_PATH and method == "POST":
            return _reply(handler, *self._token(params))
        if parts.path not in API_PATHS or method != "GET":
            return _reply(handler, 404, google_error(404, "notFound", "Not Found", "global"))
        token = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in self.access_tokens:
            return _reply(handler, 401, google_error(401, "authError"))
        if parts.path == VIDEOS_PATH:
            return _reply(handler, *self._videos(params))
        if parts.path == CHANNELS_PATH:
            return _reply(handler, *self._channels(params))
        if parts.path == PLAYLIST_ITEMS_PATH:
            return _reply(handler, *self._playlist_items(params))
        return _reply(handler, *self._report(params))

    def _script_for(self, path: str, params: dict[str, str]) -> Scripted | None:
        with self._lock:
            for script in self.scripted:
                if script.matches(path, params):
                    if script.times is not None:
                        script.times -= 1
                        if script.times <= 0:
                            self.scripted.remove(script)
                    return script
        return None

    def _token(self, params: dict[str, str]) -> tuple[int, dict]:
        if params.get("client_id") != CLIENT_ID or params.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        if params.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        if params.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        token = f"ya29.fake-{next(self._serial)}"
        self.access_tokens.add(token)
        answer = {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        if params.get("scope"):
            answer["scope"] = params["scope"]
        return 200, answer

    def _videos(self, params: dict[str, str]) -> tuple[int, dict]:
        if not params.get("part"):
            return 400, google_error(
                400, "required", "No filter selected. Expected one of: id, chart, myRating"
            )
        ids = [i for i in params.get("id", "").split(",") if i]
        if len(ids) > 50:
            return 400, google_error(
                400, "badRequest", "The request specifies an invalid filter parameter.", "youtube.parameter"
            )
        parts = set(params["part"].split(","))
        items = [self._video_item(self.videos[i], parts) for i in ids if i in self.videos]
        return 200, {
            "kind": "youtube#videoListResponse",
            "etag": f"etag-{zlib.crc32(','.join(ids).encode()):08x}",
            "items": items,
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        }

    def _channels(self, params: dict[str, str]) -> tuple[int, dict]:
        if not params.get("part"):
            return 400, google_error(400, "required", "Required parameter: part", "global")
        ids = [i for i in params.get("id", "").split(",") if i]
        if params.get("mine") == "true":
            ids = [self.channel_id]
        answer: dict[str, object] = {
            "kind": "youtube#channelListResponse",
            "etag": f"etag-{zlib.crc32(','.join(ids).encode()):08x}",
            "pageInfo": {"totalResults": 0, "resultsPerPage": 5},
        }
        if self.channel_id in ids:  # YouTube leaves "items" out for an unknown channel
            item: dict[str, object] = {"kind": "youtube#channel", "etag": "etag-ch", "id": self.channel_id}
            if "contentDetails" in params["part"].split(","):
                item["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": self.uploads_playlist}}
            answer["items"] = [item]
            answer["pageInfo"] = {"totalResults": 1, "resultsPerPage": 5}
        return 200, answer

    def _playlist_items(self, params: dict[str, str]) -> tuple[int, dict]:
        if not params.get("part"):
            return 400, google_error(400, "required", "Required parameter: part", "global")
        if params.get("playlistId") != self.uploads_playlist:
            return 404, google_error(
                404,
                "playlistNotFound",
                "The playlist identified with the request's <code>playlistId</code> parameter "
                "cannot be found.",
                "youtube.playlistItem",
            )
        size = int(params.get("maxResults") or 5)
        if not 0 <= size <= 50:
            return 400, google_error(
                400, "invalidValue", "Invalid value for parameter maxResults.", "youtube.parameter"
            )
        token = params.get("pageToken", "")
        if token and not re.fullmatch(r"page-\d+", token):
            return 400, google_error(
                400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter"
            )
        start = int(token.removeprefix("page-")) if token else 0
        ordered = sorted(self.uploads, key=lambda upload: upload.added_at, reverse=True)
        playlist = self.uploads_playlist
        page = ordered[start : start + size]
        answer: dict[str, object] = {
            "kind": "youtube#playlistItemListResponse",
            "etag": f"etag-uploads-{start}",
            "items": [upload.item(self.channel_id, playlist, start + n) for n, upload in enumerate(page)],
            "pageInfo": {"totalResults": len(ordered), "resultsPerPage": size},
        }
        if start + size < len(ordered):
            answer["nextPageToken"] = f"page-{start + size}"
        if start:
            answer["prevPageToken"] = f"page-{max(0, start - size)}"
        return 200, answer

    def _video_item(self, video: Video, parts: set[str]) -> dict:
        item: dict[str, object] = {"kind": "youtube#video", "etag": f"etag-{video.id}", "id": video.id}
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": f"{video.published or date(2025, 1, 1)}T09:00:00Z",
                "channelId": video.channel_id or self.channel_id,
                "title": f"Video {video.id}",
                "channelTitle": "Acme Learns",
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "duration": _iso_duration(video.duration_seconds),
                "dimension": "2d",
                "definition": "hd",
                "caption": "false",
                "licensedContent": False,
                "contentRating": {},
                "projection": "rectangular",
            }
        if "statistics" in parts:
            days = [d for n in range(30) if (d := video.figures_on(date(2026, 1, 1) + timedelta(days=n)))]
            # Lifetime counts, as strings: the Data API sends 64-bit integers as JSON strings.
            item["statistics"] = {
                "viewCount": str(sum(int(d.get("views", 0)) for d in days)),
                "likeCount": str(sum(int(d.get("likes", 0)) for d in days)),
                "favoriteCount": "0",
                "commentCount": str(sum(int(d.get("comments", 0)) for d in days)),
            }
        return item

    def _report(self, params: dict[str, str]) -> tuple[int, dict]:
        for required in ("ids", "startDate", "endDate", "metrics"):
            if not params.get(required):
                return 400, google_error(400, "required", f"Required {required}", "global")
        if params["ids"] != f"channel=={self.channel_id}" and params["ids"] != "channel==MINE":
            return 403, google_error(403, "forbidden")
        try:
            start, end = date.fromisoformat(params["startDate"]), date.fromisoformat(params["endDate"])
        except ValueError:
            return 400, google_error(400, "badRequest", "Invalid value at 'start_date'")
        if start > end:
            return 400, google_error(400, "badRequest", "The end date must not be before the start date.")
        dimensions = [d for d in params.get("dimensions", "").split(",") if d]
        metrics = params["metrics"].split(",")
        match = re.fullmatch(r"video==([\w-]+)", params.get("filters", ""))
        if not match:  # this fake only answers per-video reports, as the source asks for them
            return 400, google_error(400, "badRequest", UNSUPPORTED_QUERY)
        video = self.videos.get(match.group(1))
        if dimensions == ["day"]:
            known = INTEGER_METRICS | FLOAT_METRICS
        elif dimensions == ["elapsedVideoTimeRatio"]:
            known = RETENTION_METRICS
        else:
            return 400, google_error(400, "badRequest", UNSUPPORTED_QUERY)
        unknown = [m for m in metrics if m not in known]
        if unknown:
            return 400, google_error(
                400, "badRequest", f"Unknown identifier ({unknown[0]}) given in field parameters.metrics."
            )
        if dimensions == ["day"]:
            headers = [_header("day", "DIMENSION", "STRING")]
            rows = self._daily_rows(video, start, end, metrics)
        else:
            headers = [_header("elapsedVideoTimeRatio", "DIMENSION", "FLOAT")]
            rows = self._retention_rows(video, metrics)
        headers += [_header(m, "METRIC", "INTEGER" if m in INTEGER_METRICS else "FLOAT") for m in metrics]
        answer: dict[str, object] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:  # Google leaves "rows" out of an empty report
            answer["rows"] = rows
        return 200, answer

    @staticmethod
    def _daily_rows(video: Video | None, start: date, end: date, metrics: list[str]) -> list[list]:
        rows = []
        day = start
        while video and day <= end:
            figures = video.figures_on(day)
            if figures:
                rows.append([day.isoformat(), *(figures.get(m, 0) for m in metrics)])
            day += timedelta(days=1)
        return rows

    @staticmethod
    def _retention_rows(video: Video | None, metrics: list[str]) -> list[list]:
        if video is None:
            return []
        values = {"audienceWatchRatio": 1, "relativeRetentionPerformance": 2}
        return [[point[0], *(point[values[m]] for m in metrics)] for point in video.curve()]


def _header(name: str, column_type: str, data_type: str) -> dict[str, str]:
    return {"name": name, "columnType": column_type, "dataType": data_type}


def _iso_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{seconds}S"


def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=UTF-8")
    handler.send_header("Content-Length", str(len(payload)))
    # A client that timed out on a stalled answer has already hung up, as it would on Google.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.end_headers()
        handler.wfile.write(payload)


@pytest.fixture
def youtube_fake(settings):
    """YouTube's APIs and Google's token endpoint on loopback, with the settings pointing at them."""
    fake = FakeYouTube().start()
    for name, value in fake.env().items():
        if name.startswith("YOUTUBE_"):
            setattr(settings, name, value)
    settings.GOOGLE_TIMEOUT_SECONDS = 5
    try:
        yield fake
    finally:
        fake.stop()
