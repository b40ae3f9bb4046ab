"""A loopback fake of the GA4 Data API (v1beta), for the real google-analytics-data client, over
REST and over gRPC: one fake, one set of pages, failures and quota, two ways in. Besides the
sync's daily page and campaign reports it answers the owned-channel discovery's report of pages
and their titles over the whole date range (dimensions pagePath, pageTitle; no date).

Over REST it answers runReport in Google's JSON shapes (proto3 JSON: int64 fields such as limit and offset
arrive as strings, false and zero fields are left out), honours limit/offset, the date range, the
BEGINS_WITH filters and the requested dimensions, and answers errors the way Google does. It also
checks the caller's Bearer token: the generated client signs its own JWT with the service
account's key (AIP-4111, no token exchange), and the fake verifies that signature against the
keys it was given, much as Google checks the account's registered public keys. A POST /token
endpoint issues access tokens for clients that do exchange a JWT assertion.

Over gRPC it serves google.analytics.data.v1beta.BetaAnalyticsData/RunReport with the package's
own protobuf messages, on a second loopback port with gRPC's local credentials (no TLS, but the
client still attaches its signed token, which the fake checks the same way). A request is
recorded in the REST body's JSON shape, so a test reads `reports` alike under both transports.

Each answer spends `tokens_per_report` of the property's quota and, when asked
(returnPropertyQuota), reports what is left like GA4's PropertyQuota; an empty daily quota
answers RESOURCE_EXHAUSTED with Google's own "per day" message.

Usable without pytest (start()/stop()) so a Celery worker started by a test can reach it too.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.analytics.data_v1beta.types import MetricType, RunReportRequest, RunReportResponse
from google.auth import exceptions as auth_exceptions
from google.auth import jwt
from google.protobuf import json_format

from tests.fakes.loopback import LoopbackServer

CLIENT_EMAIL = "curation-sync@example-project.iam.gserviceaccount.com"
PROPERTY_ID = "123456789"

# Google's own wording, so the code that reads it is tested against what it will meet.
HOURLY_QUOTA_MESSAGE = "Exhausted property tokens per hour. These quota tokens will return in under an hour."
DAILY_QUOTA_MESSAGE = "Exhausted property tokens per day. These quota tokens will return in under 24 hours."
CONCURRENT_QUOTA_MESSAGE = "Exhausted concurrent requests quota."
MESSAGES = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    403: (
        "PERMISSION_DENIED",
        "User does not have sufficient permissions for this property. To learn more about Property ID, "
        "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
    ),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", HOURLY_QUOTA_MESSAGE),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out. Please try again."),
}

PAGE_DIMENSIONS = ("date", "pagePath")
TITLE_DIMENSIONS = ("pagePath", "pageTitle")
CAMPAIGN_DIMENSIONS = ("date", "sessionCampaignName", "sessionSource")
METRIC_TYPES = {
    "screenPageViews": "TYPE_INTEGER",
    "sessions": "TYPE_INTEGER",
    "activeUsers": "TYPE_INTEGER",
    "engagedSessions": "TYPE_INTEGER",
    "engagementRate": "TYPE_FLOAT",
    "userEngagementDuration": "TYPE_SECONDS",
}
MAX_LIMIT = 250_000
# HTTP status -> the gRPC status Google answers with over gRPC.
GRPC_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
SERVICE = "google.analytics.data.v1beta.BetaAnalyticsData"
# A standard property's quotas (https://developers.google.com/analytics/devguides/reporting/data/v1/quotas).
TOKENS_PER_DAY, TOKENS_PER_HOUR, CONCURRENT_REQUESTS = 200_000, 40_000, 10


@dataclass(frozen=True)
class PageDay:
    """One page's figures on one day, as GA4 holds them before a report slices them."""

    path: str
    day: date
    views: int = 0
    sessions: int = 0
    active_users: int = 0
    engaged_sessions: int = 0
    engagement_seconds: int = 0
    title: str = ""  # the page's <title>; GA4 says "(not set)" when it had none

    def metric(self, name: str) -> str:
        if name == "engagementRate":
            return repr(self.engaged_sessions / self.sessions) if self.sessions else "0"
        return str(getattr(self, _PAGE_FIELDS[name]))


_PAGE_FIELDS = {
    "screenPageViews": "views",
    "sessions": "sessions",
    "activeUsers": "active_users",
    "engagedSessions": "engaged_sessions",
    "userEngagementDuration": "engagement_seconds",
}


@dataclass(frozen=True)
class CampaignDay:
    """Sessions that arrived with one utm_campaign (and utm_source) on one day, landing on `landing_page`."""

    name: str
    day: date
    sessions: int
    engaged_sessions: int = 0
    landing_page: str = "/"
    source: str = "(direct)"

    def metric(self, name: str) -> str:
        if name == "sessions":
            return str(self.sessions)
        if name == "engagedSessions":
            return str(self.engaged_sessions)
        raise KeyError(name)


class PageGrid(Sequence[PageDay]):
    """pages x days rows computed on demand: a year of 1,000 pages without holding 365,000 objects.

    Row i is page i // days on day i % days; its figures follow from the two indexes, so a test
    can check any row it reads against `grid[i]`.
    """

    def __init__(self, *, pages: int, days: int, start: date, prefix: str) -> None:
        self.paths = [f"{prefix}page-{number:05d}" for number in range(pages)]
        self.days = [start + timedelta(days=offset) for offset in range(days)]
        self.compact = [day.strftime("%Y%m%d") for day in self.days]
        # Every row protobuf-encoded once, as GA4 holds its data ready: the gRPC answers only join.
        encoded_days = [_encoded_dimension(value) for value in self.compact]
        self.encoded_rows = [
            _encoded_row(encoded_days[day] + encoded_path, _grid_figures(page, day))
            for page, encoded_path in enumerate(_encoded_dimension(path) for path in self.paths)
            for day in range(days)
        ]

    def __len__(self) -> int:
        return len(self.paths) * len(self.days)

    def __getitem__(self, index: int) -> PageDay:  # type: ignore[override]
        if not 0 <= index < len(self):
            raise IndexError(index)
        page, day = divmod(index, len(self.days))
        views, sessions, active, engaged, seconds = _grid_figures(page, day)
        return PageDay(self.paths[page], self.days[day], views, sessions, active, engaged, seconds)

    def select(self, first: date, last: date, prefix: str, case_sensitive: bool) -> _GridView:
        days = [i for i, day in enumerate(self.days) if first <= day <= last]
        wanted = prefix if case_sensitive else prefix.lower()
        pages = [
            i
            for i, path in enumerate(self.paths)
            if (path if case_sensitive else path.lower()).startswith(wanted)
        ]
        return _GridView(self, pages, days)


def _grid_figures(page: int, day: int) -> tuple[int, int, int, int, int]:
    views = 3 + (page * 31 + day * 17) % 97
    sessions = 1 + views // 3
    active = max(1, sessions - (page + day) % 2)
    engaged = sessions * 2 // 3
    return views, sessions, active, engaged, active * (20 + (page + day) % 40)


@dataclass
class _GridView:
    grid: PageGrid
    pages: list[int]
    days: list[int]

    def __len__(self) -> int:
        return len(self.pages) * len(self.days)

    def render(self, start: int, stop: int, metrics: list[str]) -> Iterator[str]:
        """JSON rows straight from the indexes: the fast path for 100,000-row pages."""
        per_page = len(self.days)
        order = [_GRID_ORDER[name] for name in metrics]
        for index in range(start, min(stop, len(self))):
            page, day = self.pages[index // per_page], self.days[index % per_page]
            views, sessions, active, engaged, seconds = _grid_figures(page, day)
            values = (views, sessions, active, engaged, engaged / sessions, seconds)
            metric_json = ",".join(f'{{"value":"{values[i]!r}"}}' for i in order)
            yield (
                f'{{"dimensionValues":[{{"value":"{self.grid.compact[day]}"}},'
                f'{{"value":{json.dumps(self.grid.paths[page])}}}],"metricValues":[{metric_json}]}}'
            )

    def encode(self, start: int, stop: int, metrics: list[str]) -> bytes:
        """RunReportResponse.rows (field 3) protobuf-encoded straight from the indexes: the fast
        path for 100,000-row pages over gRPC, the same rows render() writes as JSON."""
        if metrics != ENCODED_METRICS:
            raise ValueError(f"The grid's rows are encoded for {ENCODED_METRICS}, not {metrics}.")
        per_page, every_day = len(self.days), len(self.grid.days)
        rows = self.grid.encoded_rows
        return b"".join(
            [
                rows[self.pages[index // per_page] * every_day + self.days[index % per_page]]
                for index in range(start, min(stop, len(self)))
            ]
        )


# The page report's metrics, in the order the source asks for them.
ENCODED_METRICS = [
    "screenPageViews",
    "sessions",
    "activeUsers",
    "engagedSessions",
    "engagementRate",
    "userEngagementDuration",
]


def _encoded_row(dimensions: bytes, figures: tuple[int, int, int, int, int]) -> bytes:
    """One RunReportResponse.rows entry (field 3): the same figures render() writes as JSON."""
    views, sessions, active, engaged, seconds = figures
    values = (views, sessions, active, engaged, engaged / sessions, seconds)
    row = dimensions + b"".join([_encoded_metric(repr(value)) for value in values])
    return b"\x1a" + _varint(len(row)) + row


def _varint(number: int) -> bytes:
    encoded = bytearray()
    while number > 0x7F:
        encoded.append(number & 0x7F | 0x80)
        number >>= 7
    encoded.append(number)
    return bytes(encoded)


def _encoded_dimension(value: str) -> bytes:
    # Row.dimension_values (field 1) holding DimensionValue.value (field 1).
    text = value.encode()
    inner = b"\x0a" + _varint(len(text)) + text
    return b"\x0a" + _varint(len(inner)) + inner


def _encoded_metric(value: str) -> bytes:
    # Row.metric_values (field 2) holding MetricValue.value (field 4); figures are short strings.
    text = value.encode()
    inner = b"\x22" + bytes((len(text),)) + text
    return b"\x12" + bytes((len(inner),)) + inner


_GRID_ORDER = {
    "screenPageViews": 0,
    "sessions": 1,
    "activeUsers": 2,
    "engagedSessions": 3,
    "engagementRate": 4,
    "userEngagementDuration": 5,
}


@dataclass
class Recorded:
    path: str
    body: dict[str, object]
    authorization: str
    offset: int = 0
    limit: int = 10_000
    at: float = field(default_factory=time.monotonic)

    @property
    def dimensions(self) -> list[str]:
        return [d["name"] for d in self.body.get("dimensions", [])]


@dataclass
class Scripted:
    status: int
    message: str


@dataclass
class FakeGA4(LoopbackServer):
    keep_alive = True  # like Google: a pull reuses one connection
    pages: list[PageDay] = field(default_factory=list)
    campaigns: list[CampaignDay] = field(default_factory=list)
    grid: PageGrid | None = None
    # Rows GA4 rolled into "(other)" (page report, campaign report): figures without a page.
    other_page_rows: list[PageDay] = field(default_factory=list)
    other_campaign_rows: list[CampaignDay] = field(default_factory=list)
    subject_to_thresholding: bool = False
    data_loss_from_other_row: bool = False
    known_properties: set[str] | None = None  # None: any property id answers
    # GA4 may answer fewer rows than the limit asked for; this caps every answer like that.
    rows_per_answer: int | None = None
    requests: list[Recorded] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    public_keys: dict[str, bytes] = field(default_factory=dict)  # private_key_id -> PEM
    issued_tokens: set[str] = field(default_factory=set)
    token_error: dict[str, str] | None = None
    fail_on: dict[int, Scripted] = field(default_factory=dict)  # runReport call number (1-based)
    fail_always: Scripted | None = None
    # The property's quota: what each answer spends, and what is left of the day and the hour.
    tokens_per_report: int = 10
    tokens_left_today: int = TOKENS_PER_DAY
    tokens_left_this_hour: int = TOKENS_PER_HOUR
    server: ThreadingHTTPServer | None = None
    grpc_server: grpc.Server | None = None
    grpc_port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def reports(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(":runReport")]

    # Data ------------------------------------------------------------------------------------

    def add_page(self, path: str, day: date, *, title: str = "", **figures: int) -> PageDay:
        row = PageDay(path, day, title=title, **figures)
        self.pages.append(row)
        return row

    def add_campaign(self, name: str, day: date, sessions: int, **extra: object) -> CampaignDay:
        row = CampaignDay(name, day, sessions, **extra)
        self.campaigns.append(row)
        return row

    def generate_pages(
        self, *, pages: int, days: int, start: date = date(2024, 1, 1), prefix: str = "/learn/"
    ) -> PageGrid:
        """Serve pages x days rows computed on demand (the benchmark's 1,000 x 365)."""
        self.grid = PageGrid(pages=pages, days=days, start=start, prefix=prefix)
        return self.grid

    def roll_into_other(self, day: date, **figures: int) -> None:
        """Add an "(other)" row, as GA4 does when a report has more distinct rows than it keeps."""
        self.other_page_rows.append(PageDay("(other)", day, **figures))
        self.data_loss_from_other_row = True

    def roll_campaigns_into_other(self, day: date, sessions: int, engaged_sessions: int = 0) -> None:
        self.other_campaign_rows.append(CampaignDay("(other)", day, sessions, engaged_sessions))
        self.data_loss_from_other_row = True

    # Failures --------------------------------------------------------------------------------

    def fail_request(self, number: int, status: int, message: str | None = None) -> None:
        """Answer the `number`th runReport call (1-based, counting every call) with this error."""
        self.fail_on[number] = Scripted(status, message or MESSAGES[status][1])

    def fail_every_request(self, status: int, message: str | None = None) -> None:
        self.fail_always = Scripted(status, message or MESSAGES[status][1])

    def refuse_tokens(
        self, error: str = "invalid_grant", description: str = "Invalid JWT Signature."
    ) -> None:
        """The token endpoint answers 400 with this OAuth error (a deleted or disabled key)."""
        self.token_error = {"error": error, "error_description": description}

    def revoke_keys(self) -> None:
        """Forget every key: as if the service account's key was deleted in the Cloud console."""
        self.public_keys.clear()
        self.issued_tokens.clear()

    def trust_key_file(self, path: str | Path) -> None:
        """Accept JWTs signed by this key file's private key (Google knows the public half)."""
        info = json.loads(Path(path).read_text())
        private = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
        self.public_keys[info["private_key_id"]] = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def write_service_account(self, path: str | Path, client_email: str = CLIENT_EMAIL) -> Path:
        """A key file whose token_uri is this fake and whose signature the fake will accept."""
        written = write_service_account(path, self.url + "/token", client_email=client_email)
        self.trust_key_file(written)
        return written

    # Server ----------------------------------------------------------------------------------

    def start(self) -> Self:
        super().start()
        self.grpc_server = grpc.server(
            ThreadPoolExecutor(max_workers=4, thread_name_prefix="fake-ga4-grpc"),
            options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)],
        )
        run_report = grpc.unary_unary_rpc_method_handler(
            self._grpc_run_report,
            request_deserializer=RunReportRequest.pb().FromString,
            response_serializer=bytes,  # the answer is serialized already (see _Report.protobuf)
        )
        self.grpc_server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {"RunReport": run_report}),)
        )
        local = grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        self.grpc_port = self.grpc_server.add_secure_port("127.0.0.1:0", local)
        self.grpc_server.start()
        return self

    def stop(self) -> None:
        self.grpc_server.stop(grace=None)
        super().stop()

    @property
    def grpc_target(self) -> str:
        """GA4_API_ENDPOINT for the gRPC transport: host:port, no scheme."""
        return f"127.0.0.1:{self.grpc_port}"

    def endpoint(self, transport: str) -> str:
        return self.grpc_target if transport == "grpc" else self.url

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        try:
            self._answer(handler)
        except Exception as error:  # a bug in the fake shows up as a 500, not a dropped connection
            _reply(handler, 500, _error(500, f"The fake failed: {error!r}"))
            raise

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        if path == "/token":
            return self._token(handler, raw)
        body = json.loads(raw) if raw else {}
        answer = self._run_report(path, body, handler.headers.get("Authorization", ""))
        if isinstance(answer, Scripted):
            return _reply(handler, answer.status, _error(answer.status, answer.message))
        return _reply_raw(handler, 200, answer.json())

    def _grpc_run_report(self, request, context: grpc.ServicerContext) -> bytes:
        # The request in the REST body's JSON shape (int64 as strings, enums by name).
        body = json_format.MessageToDict(request)
        metadata = dict(context.invocation_metadata())
        answer = self._run_report(
            f"/v1beta/{request.property}:runReport", body, metadata.get("authorization", "")
        )
        if isinstance(answer, Scripted):
            context.abort(GRPC_CODES[answer.status], answer.message)
        return answer.protobuf()

    def _run_report(self, path: str, body: dict, authorization: str) -> Scripted | _Report:
        """What GA4 answers this call, whichever way it came in: an error, or the report."""
        recorded = Recorded(
            path=path,
            body=body,
            authorization=authorization,
            offset=int(body.get("offset", 0)),  # int64: a string in proto3 JSON
            limit=int(body.get("limit", 10_000)),
        )
        with self._lock:
            self.requests.append(recorded)
            number = len(self.reports)
        if not path.startswith("/v1beta/properties/") or not path.endswith(":runReport"):
            return Scripted(404, f"Method not found: {path}")
        if not self._authorised(recorded.authorization):
            return Scripted(401, MESSAGES[401][1])
        script = self.fail_on.get(number) or self.fail_always
        if script:
            return script
        property_id = path.removeprefix("/v1beta/properties/").removesuffix(":runReport")
        if self.known_properties is not None and property_id not in self.known_properties:
            return Scripted(403, MESSAGES[403][1])
        problem = _invalid(body, recorded.limit)
        if problem:
            return Scripted(400, problem)
        with self._lock:
            if self.tokens_left_today < self.tokens_per_report:
                return Scripted(429, DAILY_QUOTA_MESSAGE)
            self.tokens_left_today -= self.tokens_per_report
            self.tokens_left_this_hour = max(0, self.tokens_left_this_hour - self.tokens_per_report)
            quota = self._quota() if body.get("returnPropertyQuota") else None
        limit = min(recorded.limit, self.rows_per_answer or recorded.limit)
        return self._report(body, recorded.offset, limit, quota)

    def _quota(self) -> dict[str, dict[str, int]]:
        """PropertyQuota after this answer: `consumed` by this request, `remaining` after it."""
        spent = self.tokens_per_report
        return {
            "tokens_per_day": {"consumed": spent, "remaining": self.tokens_left_today},
            "tokens_per_hour": {"consumed": spent, "remaining": self.tokens_left_this_hour},
            "concurrent_requests": {"consumed": 0, "remaining": CONCURRENT_REQUESTS},
            "server_errors_per_project_per_hour": {"consumed": 0, "remaining": 10},
            "potentially_thresholded_requests_per_hour": {"consumed": 0, "remaining": 120},
            "tokens_per_project_per_hour": {"consumed": spent, "remaining": TOKENS_PER_HOUR * 35 // 100},
        }

    def _authorised(self, header: str) -> bool:
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer ") or not token:
            return False
        if token in self.issued_tokens:
            return True
        return self._verified(token) is not None

    def _verified(self, token: str) -> dict[str, object] | None:
        try:
            return jwt.decode(token, certs=self.public_keys, clock_skew_in_seconds=60)
        except (auth_exceptions.GoogleAuthError, ValueError):
            return None

    def _token(self, handler: BaseHTTPRequestHandler, raw: str) -> None:
        form = {key: values[-1] for key, values in parse_qs(raw).items()}
        self.token_requests.append(form)
        if self.token_error:
            return _reply(handler, 400, self.token_error)
        claims = self._verified(form.get("assertion", ""))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or claims is None:
            return _reply(
                handler, 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
        token = "ya29.fake-" + uuid.uuid4().hex
        self.issued_tokens.add(token)
        return _reply(handler, 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _report(self, body: dict, offset: int, limit: int, quota: dict | None) -> _Report:
        dimensions = [d["name"] for d in body.get("dimensions", [])]
        metrics = [m["name"] for m in body.get("metrics", [])]
        date_range = body["dateRanges"][0]
        first, last = date.fromisoformat(date_range["startDate"]), date.fromisoformat(date_range["endDate"])
        prefix, case_sensitive = _begins_with(body.get("dimensionFilter"))
        campaign_report = "sessionCampaignName" in dimensions

        others = self.other_campaign_rows if campaign_report else self.other_page_rows
        others = [row for row in others if first <= row.day <= last]
        if campaign_report:
            rows = [
                row
                for row in self.campaigns
                if first <= row.day <= last and _starts(row.landing_page, prefix, case_sensitive)
            ]
        else:
            rows = [
                row
                for row in self.pages
                if first <= row.day <= last and _starts(row.path, prefix, case_sensitive)
            ]
        if "date" not in dimensions and not campaign_report:
            rows = _over_the_range(rows)
        explicit = rows + others
        report = _Report(
            dimensions=dimensions,
            metrics=metrics,
            rows=explicit[offset : offset + limit],
            total=len(explicit),
            subject_to_thresholding=self.subject_to_thresholding,
            data_loss_from_other_row=self.data_loss_from_other_row,
            quota=quota,
        )
        if self.grid is not None and not campaign_report and "date" in dimensions:
            report.view = self.grid.select(first, last, prefix, case_sensitive)
            # The grid's rows follow the explicit ones in the report's single row order.
            report.grid_start = max(0, offset - len(explicit))
            report.grid_stop = max(0, offset + limit - len(explicit))
            report.total += len(report.view)
        return report


@dataclass
class _Report:
    """One runReport answer, rendered as JSON for REST or as protobuf for gRPC."""

    dimensions: list[str]
    metrics: list[str]
    rows: list[PageDay | CampaignDay]
    total: int
    subject_to_thresholding: bool
    data_loss_from_other_row: bool
    quota: dict[str, dict[str, int]] | None
    view: _GridView | None = None
    grid_start: int = 0
    grid_stop: int = 0

    def json(self) -> bytes:
        rendered = [_render(row, self.dimensions, self.metrics) for row in self.rows]
        if self.view is not None:
            rendered.extend(self.view.render(self.grid_start, self.grid_stop, self.metrics))
        metadata: dict[str, object] = {"currencyCode": "USD", "timeZone": "Europe/Berlin"}
        if self.subject_to_thresholding:
            metadata["subjectToThresholding"] = True
        if self.data_loss_from_other_row:
            metadata["dataLossFromOtherRow"] = True
        head = {
            "dimensionHeaders": [{"name": name} for name in self.dimensions],
            "metricHeaders": [{"name": name, "type": METRIC_TYPES[name]} for name in self.metrics],
        }
        # Like Google, an empty report has no "rows" and no "rowCount" (zero is left out).
        parts = [json.dumps(head)[:-1]]
        if rendered:
            parts.append(',"rows":[' + ",".join(rendered) + "]")
        if self.total:
            parts.append(f',"rowCount":{self.total}')
        parts.append(f',"metadata":{json.dumps(metadata)}')
        if self.quota is not None:
            parts.append(f',"propertyQuota":{json.dumps(_camel_cased(self.quota))}')
        parts.append(',"kind":"analyticsData#runReport"}')
        return "".join(parts).encode()

    def protobuf(self) -> bytes:
        response = RunReportResponse.pb()()
        for name in self.dimensions:
            response.dimension_headers.add(name=name)
        for name in self.metrics:
            response.metric_headers.add(name=name, type_=MetricType[METRIC_TYPES[name]].value)
        for row in self.rows:
            dimension_values, metric_values = _values(row, self.dimensions, self.metrics)
            added = response.rows.add()
            for value in dimension_values:
                added.dimension_values.add(value=value)
            for value in metric_values:
                added.metric_values.add(value=value)
        response.row_count = self.total
        response.metadata.currency_code, response.metadata.time_zone = "USD", "Europe/Berlin"
        response.metadata.subject_to_thresholding = self.subject_to_thresholding
        response.metadata.data_loss_from_other_row = self.data_loss_from_other_row
        if self.quota is not None:
            for name, status in self.quota.items():
                getattr(response.property_quota, name).MergeFrom(
                    type(response.property_quota.tokens_per_day)(**status)
                )
        response.kind = "analyticsData#runReport"
        head = response.SerializeToString()
        if self.view is None:
            return head
        # A message's repeated fields concatenate: the grid's rows follow the explicit ones.
        return head + self.view.encode(self.grid_start, self.grid_stop, self.metrics)


def _camel_cased(quota: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {
        name.split("_")[0] + "".join(word.title() for word in name.split("_")[1:]): status
        for name, status in quota.items()
    }


def _values(row: PageDay | CampaignDay, dimensions: list[str], metrics: list[str]) -> tuple[list, list]:
    other = (row.path if isinstance(row, PageDay) else row.name) == "(other)"
    values = []
    for name in dimensions:
        if other:
            values.append("(other)")  # the rolled-up row has no day or page of its own
        elif name == "date":
            values.append(row.day.strftime("%Y%m%d"))
        elif name == "pagePath":
            values.append(row.path)
        elif name == "pageTitle":
            values.append(row.title or "(not set)")
        elif name == "sessionSource":
            values.append(row.source)
        else:
            values.append(row.name)
    return values, [row.metric(name) for name in metrics]


def _render(row: PageDay | CampaignDay, dimensions: list[str], metrics: list[str]) -> str:
    dimension_values, metric_values = _values(row, dimensions, metrics)
    return json.dumps(
        {
            "dimensionValues": [{"value": value} for value in dimension_values],
            "metricValues": [{"value": value} for value in metric_values],
        }
    )


def _over_the_range(rows: list[PageDay]) -> list[PageDay]:
    """Without a date dimension GA4 adds each page's days up: one row per page and title."""
    totals: dict[tuple[str, str], PageDay] = {}
    for row in rows:
        held = totals.get((row.path, row.title))
        totals[(row.path, row.title)] = (
            row
            if held is None
            else PageDay(
                row.path,
                min(held.day, row.day),
                held.views + row.views,
                held.sessions + row.sessions,
                held.active_users + row.active_users,
                held.engaged_sessions + row.engaged_sessions,
                held.engagement_seconds + row.engagement_seconds,
                row.title,
            )
        )
    return [totals[key] for key in sorted(totals)]


def _begins_with(expression: dict | None) -> tuple[str, bool]:
    """The prefix of a single BEGINS_WITH filter (the only filter this fake understands)."""
    if not expression:
        return "", True
    string_filter = expression["filter"]["stringFilter"]
    return string_filter["value"], bool(string_filter.get("caseSensitive", False))


def _starts(value: str, prefix: str, case_sensitive: bool) -> bool:
    return value.startswith(prefix) if case_sensitive else value.lower().startswith(prefix.lower())


def _invalid(body: dict, limit: int) -> str | None:
    dimensions = tuple(d["name"] for d in body.get("dimensions", []))
    if dimensions not in (PAGE_DIMENSIONS, CAMPAIGN_DIMENSIONS, TITLE_DIMENSIONS):
        return (
            f"This fake answers only {PAGE_DIMENSIONS}, {CAMPAIGN_DIMENSIONS} or {TITLE_DIMENSIONS}, "
            f"not {dimensions}."
        )
    for metric in body.get("metrics", []):
        if metric["name"] not in METRIC_TYPES:
            return f"Field {metric['name']} is not a valid metric."
    if len(body.get("dateRanges", [])) != 1:
        return "This fake answers exactly one date range."
    if limit > MAX_LIMIT or limit < 0:
        return f"limit must be positive and at most {MAX_LIMIT}."
    expression = body.get("dimensionFilter")
    if expression:
        only = expression.get("filter", {})
        expected = "landingPage" if "sessionCampaignName" in dimensions else "pagePath"
        if only.get("fieldName") != expected:
            return f"This fake filters the report on {expected}, not {only.get('fieldName')}."
        # The client sends enums as numbers (use_integers_for_enums); Google takes names too.
        if only.get("stringFilter", {}).get("matchType") not in (2, "BEGINS_WITH"):
            return f"This fake understands only a BEGINS_WITH string filter, not {only}."
    return None


def _error(status: int, message: str) -> dict[str, object]:
    return {"error": {"code": status, "message": message, "status": MESSAGES[status][0]}}


def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict[str, object]) -> None:
    _reply_raw(handler, status, json.dumps(body).encode())


def _reply_raw(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=UTF-8")
    handler.send_header("Content-Length", str(len(payload)))
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.end_headers()
        handler.wfile.write(payload)


def write_service_account(path: str | Path, token_uri: str, *, client_email: str = CLIENT_EMAIL) -> Path:
    """Write a service-account JSON key like the one the Cloud console downloads, with a fresh key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    project = client_email.split("@")[1].split(".")[0]
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": uuid.uuid4().hex,
        "private_key": pem,
        "client_email": client_email,
        "client_id": "1" + "0" * 20,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + client_email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
    written = Path(path)
    written.write_text(json.dumps(info, indent=2))
    return written


@pytest.fixture
def ga4_transport() -> str:
    """gRPC, the client's default; a test runs over REST too with
    @pytest.mark.parametrize("ga4_transport", ["grpc", "rest"]). A test that travels the clock
    into the past (time_machine) needs REST or a future date: gRPC's deadlines are reckoned on
    the real clock, so every call would expire before it starts."""
    return "grpc"


@pytest.fixture
def ga4_fake(settings, tmp_path, ga4_transport):
    """GA4 pulls go through the real client, with a real service-account key, to this fake."""
    fake = FakeGA4().start()
    key_file = fake.write_service_account(tmp_path / "ga4-service-account.json")
    settings.GA4_CREDENTIALS_FILE = str(key_file)
    settings.GA4_TRANSPORT = ga4_transport
    settings.GA4_API_ENDPOINT = fake.endpoint(ga4_transport)
    settings.GOOGLE_TIMEOUT_SECONDS = 5
    try:
        yield fake
    finally:
        fake.stop()
