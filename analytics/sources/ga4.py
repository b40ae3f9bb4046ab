"""Google Analytics 4: page figures and campaign sessions for one property, read with the Data API.

The client speaks gRPC (the library's default): its binary answers parse in milliseconds, where
REST's JSON is turned into protobuf in pure Python (seconds per 100,000 rows). GA4_TRANSPORT=rest
remains for sites whose proxy blocks gRPC. The client is built inside fetch() and closed after it,
never at import: a gRPC channel made before a prefork worker forks hangs in the child.
pages() lists the pages under a channel's prefix with their titles, so an owned site brings its
new pages to the curation inbox, through the same client.
Each call passes retry=None: backoff belongs to the Celery task, which can also wait until
tomorrow when a daily quota is spent; the library retrying on its own would spend quota twice.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from operator import call
from urllib.parse import urlsplit

import grpc
import requests
from django.conf import settings
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta.services.beta_analytics_data.transports import (
    BetaAnalyticsDataGrpcTransport,
)
from google.analytics.data_v1beta.types import (
    DateRange,
    Dimension,
    Filter,
    FilterExpression,
    Metric,
    MetricType,
    OrderBy,
    RunReportRequest,
    RunReportResponse,
)
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.oauth2 import service_account
from google.protobuf.message import Message

from analytics.sources.base import CampaignRow, MetricRow, Period, Published, Pull, Retry, SourceError

SCOPES = ["https://www.googleapis.com/auth/analytics.readonly"]

# GA4 metric -> DailyMetric figure; userEngagementDuration becomes the average per active user.
PAGE_METRICS = {
    "screenPageViews": "views",
    "sessions": "sessions",
    "activeUsers": "active_users",
    "engagedSessions": "engaged_sessions",
    "engagementRate": "engagement_rate",
    "userEngagementDuration": None,
}
CAMPAIGN_METRICS = ("sessions", "engagedSessions")

# GA4's PropertyQuota, in its own (snake_case) names: SyncRun.quota keeps this shape.
QUOTA_FIELDS = (
    "tokens_per_day",
    "tokens_per_hour",
    "concurrent_requests",
    "server_errors_per_project_per_hour",
    "potentially_thresholded_requests_per_hour",
    "tokens_per_project_per_hour",
)

OTHER = "(other)"  # rows GA4 rolled together: their pages cannot be told apart
NOT_SET = "(not set)"
# Values GA4 puts in sessionCampaignName for traffic that had no utm_campaign. GA4 writes every
# such placeholder in parentheses, so a parenthesised name we have not listed is skipped too.
NOT_CAMPAIGNS = frozenset(
    {"(not set)", "(direct)", "(organic)", "(referral)", "(none)", "(not provided)", "(data not available)"}
)


def fetch(*, property_id: str, path_prefix: str, period: Period, page_size: int = 100_000) -> Pull:
    """Every page's daily figures under `path_prefix`, and the campaigns that brought sessions there."""
    property_id = property_id.removeprefix("properties/")
    credentials = _credentials()
    client = _client(credentials)
    pull = Pull()
    data_lost = False
    try:
        with _explained(property_id, credentials.service_account_email):
            for response in _pages(client, _page_report(property_id, path_prefix, period), page_size):
                data_lost |= _read_pages(response, pull)
                _read_quota(response, pull)
            for response in _pages(client, _campaign_report(property_id, path_prefix, period), page_size):
                data_lost |= _read_campaigns(response, pull)
                _read_quota(response, pull)
    finally:
        client.transport.close()
    if data_lost and not pull.other_rows:
        # GA4 says rows were rolled up even though no "(other)" row reached us: keep the loss visible.
        pull.other_rows = 1
    return pull


def pages(*, property_id: str, path_prefix: str, period: Period, page_size: int = 10_000) -> list[Published]:
    """Each page under `path_prefix` viewed in the period, with its title, most viewed first.

    A page whose title changed in the period comes back once per title: the most viewed one
    names it. No date dimension, so a month of a site is one row per page, not one per day.
    """
    property_id = property_id.removeprefix("properties/")
    credentials = _credentials()
    client = _client(credentials)
    titles: dict[str, tuple[int, str]] = {}
    try:
        with _explained(property_id, credentials.service_account_email):
            for response in _pages(client, _title_report(property_id, path_prefix, period), page_size):
                for row in response.rows:
                    path, title = (value.value for value in row.dimension_values)
                    if path in (OTHER, NOT_SET):
                        continue
                    views = int(row.metric_values[0].value or 0)
                    if path not in titles or views > titles[path][0]:
                        titles[path] = (views, path if title in (NOT_SET, "") else title)
    finally:
        client.transport.close()
    ranked = sorted(titles.items(), key=lambda found: (-found[1][0], found[0]))
    return [Published(key=path, title=title) for path, (_, title) in ranked]


@contextmanager
def _explained(property_id: str, client_email: str) -> Iterator[None]:
    """Google's failure, or the network's, as a SourceError in a curator's words."""
    try:
        yield
    except (
        api_exceptions.GoogleAPICallError,
        auth_exceptions.GoogleAuthError,
        requests.exceptions.RequestException,
    ) as error:
        raise _explain(error, property_id=property_id, client_email=client_email) from error


def _client(credentials: service_account.Credentials) -> BetaAnalyticsDataClient:
    endpoint = settings.GA4_API_ENDPOINT
    if settings.GA4_TRANSPORT == "rest":
        # The REST transport keeps an explicit http:// scheme (a loopback fake, a proxy).
        options = {"api_endpoint": endpoint} if endpoint else None
        return BetaAnalyticsDataClient(credentials=credentials, transport="rest", client_options=options)
    if settings.GA4_TRANSPORT != "grpc":
        raise SourceError(
            f'GA4_TRANSPORT is "{settings.GA4_TRANSPORT}": set it to "grpc" (the default) or "rest" '
            "(where a proxy blocks gRPC).",
            Retry.NEVER,
        )
    scheme, host = _split_endpoint(endpoint)
    if host and _is_loopback(host):
        # A loopback fake without TLS: gRPC's local credentials still carry the signed token,
        # which it would never send over a plaintext channel to another machine.
        transport = BetaAnalyticsDataGrpcTransport(
            host=host,
            credentials=credentials,
            ssl_channel_credentials=grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP),
            always_use_jwt_access=True,
        )
        return BetaAnalyticsDataClient(transport=transport)
    if scheme == "http":
        raise SourceError(
            f"GA4_API_ENDPOINT ({endpoint}) is plaintext and not on this machine: gRPC sends the service "
            "account's token only over TLS. Use an https:// endpoint, or GA4_TRANSPORT=rest.",
            Retry.NEVER,
        )
    options = {"api_endpoint": host} if host else None
    return BetaAnalyticsDataClient(credentials=credentials, client_options=options)


def _split_endpoint(endpoint: str) -> tuple[str, str]:
    """("http", "127.0.0.1:8443") from "http://127.0.0.1:8443"; gRPC wants host:port alone."""
    if "://" not in endpoint:
        return "", endpoint
    parts = urlsplit(endpoint)
    return parts.scheme, parts.netloc


def _is_loopback(host: str) -> bool:
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _credentials() -> service_account.Credentials:
    path = settings.GA4_CREDENTIALS_FILE
    if not path:
        raise SourceError(
            "GA4 has no credentials: set GA4_CREDENTIALS_FILE to the path of the service account's "
            "JSON key file.",
            Retry.NEVER,
        )
    try:
        return service_account.Credentials.from_service_account_file(path, scopes=SCOPES)
    except OSError as error:
        raise SourceError(
            f"GA4 cannot read its key file {path} ({error.strerror or error}): set GA4_CREDENTIALS_FILE to "
            "the path of the service account's JSON key file.",
            Retry.NEVER,
        ) from error
    except (ValueError, KeyError, auth_exceptions.GoogleAuthError) as error:
        raise SourceError(
            f"GA4_CREDENTIALS_FILE ({path}) is not a service account's JSON key: create a key for the "
            "service account in the Google Cloud console (Keys > Add key > JSON) and point "
            "GA4_CREDENTIALS_FILE at it.",
            Retry.NEVER,
        ) from error


def _page_report(property_id: str, path_prefix: str, period: Period) -> RunReportRequest:
    return RunReportRequest(
        property=f"properties/{property_id}",
        dimensions=[Dimension(name="date"), Dimension(name="pagePath")],
        metrics=[Metric(name=name) for name in PAGE_METRICS],
        date_ranges=[_date_range(period)],
        dimension_filter=_begins_with("pagePath", path_prefix),
        order_bys=_ordered_by("date", "pagePath"),
    )


def _title_report(property_id: str, path_prefix: str, period: Period) -> RunReportRequest:
    return RunReportRequest(
        property=f"properties/{property_id}",
        dimensions=[Dimension(name="pagePath"), Dimension(name="pageTitle")],
        metrics=[Metric(name="screenPageViews")],
        date_ranges=[_date_range(period)],
        dimension_filter=_begins_with("pagePath", path_prefix),
        order_bys=_ordered_by("pagePath", "pageTitle"),
    )


def _campaign_report(property_id: str, path_prefix: str, period: Period) -> RunReportRequest:
    # A campaign session belongs to the channel when it landed under the channel's pages.
    return RunReportRequest(
        property=f"properties/{property_id}",
        dimensions=[Dimension(name=name) for name in ("date", "sessionCampaignName", "sessionSource")],
        metrics=[Metric(name=name) for name in CAMPAIGN_METRICS],
        date_ranges=[_date_range(period)],
        dimension_filter=_begins_with("landingPage", path_prefix),
        order_bys=_ordered_by("date", "sessionCampaignName", "sessionSource"),
    )


def _date_range(period: Period) -> DateRange:
    return DateRange(start_date=period.start.isoformat(), end_date=period.end.isoformat())


def _begins_with(field_name: str, prefix: str) -> FilterExpression | None:
    if not prefix:
        return None
    match = Filter.StringFilter(match_type=Filter.StringFilter.MatchType.BEGINS_WITH, value=prefix)
    return FilterExpression(filter=Filter(field_name=field_name, string_filter=match))


def _ordered_by(*dimensions: str) -> list[OrderBy]:
    # Offsets page through one ordering; a fixed one keeps rows from moving between pages.
    return [OrderBy(dimension=OrderBy.DimensionOrderBy(dimension_name=name)) for name in dimensions]


def _pages(client: BetaAnalyticsDataClient, request: RunReportRequest, page_size: int) -> Iterator[Message]:
    """Raw protobuf pages of one report: proto-plus wrappers cost ~10x more per row on big pulls."""
    request.limit = page_size
    request.return_property_quota = True
    offset = 0
    while True:
        request.offset = offset
        response = client.run_report(request=request, retry=None, timeout=settings.GOOGLE_TIMEOUT_SECONDS)
        raw = RunReportResponse.pb(response)
        yield raw
        # GA4 may send fewer rows than asked for: continue from what actually arrived.
        offset += len(raw.rows)
        if not raw.rows or offset >= raw.row_count:
            return


def _read_pages(response: Message, pull: Pull) -> bool:
    """Add one page of the page report to `pull`; True when GA4 says rows went into "(other)"."""
    dimensions = [header.name for header in response.dimension_headers]
    at_date, at_path = dimensions.index("date"), dimensions.index("pagePath")
    parsers = _parsers(response)
    # Per row, the figures are zipped from their columns with C-level map()s: a year of pages is
    # hundreds of thousands of rows, and a dict comprehension per row cost a second of them.
    kept = [(PAGE_METRICS[name], index, parse) for name, index, parse in parsers if PAGE_METRICS[name]]
    names = [figure for figure, _, _ in kept]
    columns = [index for _, index, _ in kept]
    parses = [parse for _, _, parse in kept]
    at_duration = next(index for name, index, _ in parsers if name == "userEngagementDuration")
    at_users = next(index for name, index, _ in parsers if name == "activeUsers")
    days: dict[str, date] = {}
    metrics = pull.metrics
    for row in response.rows:
        values = row.dimension_values
        path = values[at_path].value
        if path == OTHER:
            pull.other_rows += 1
            continue
        if path == NOT_SET:
            pull.unattributed += 1
            continue
        texts = [value.value for value in row.metric_values]
        figures = dict(zip(names, map(call, parses, map(texts.__getitem__, columns)), strict=True))
        users = int(float(texts[at_users]))
        if users:
            figures["average_duration_seconds"] = float(texts[at_duration]) / users
        metrics.append(MetricRow(path, _day(values[at_date].value, days), figures))
    pull.thresholded |= response.metadata.subject_to_thresholding
    return response.metadata.data_loss_from_other_row


def _read_campaigns(response: Message, pull: Pull) -> bool:
    dimensions = [header.name for header in response.dimension_headers]
    at_date, at_name = dimensions.index("date"), dimensions.index("sessionCampaignName")
    at_source = dimensions.index("sessionSource")
    parse = {name: (index, parser) for name, index, parser in _parsers(response)}
    (at_sessions, sessions), (at_engaged, engaged) = parse["sessions"], parse["engagedSessions"]
    days: dict[str, date] = {}
    for row in response.rows:
        name = row.dimension_values[at_name].value
        if name == OTHER:
            pull.other_rows += 1
            continue
        if name in NOT_CAMPAIGNS or (name.startswith("(") and name.endswith(")")):
            continue
        pull.campaigns.append(
            CampaignRow(
                campaign_name=name,
                date=_day(row.dimension_values[at_date].value, days),
                sessions=int(sessions(row.metric_values[at_sessions].value)),
                engaged_sessions=int(engaged(row.metric_values[at_engaged].value)),
                source=row.dimension_values[at_source].value,
            )
        )
    pull.thresholded |= response.metadata.subject_to_thresholding
    return response.metadata.data_loss_from_other_row


def _read_quota(response: Message, pull: Pull) -> None:
    """The property's quota after this answer (the last answer's figures stay), and the tokens
    the pull has spent so far: what a backfill plans its next chunks with."""
    if not response.HasField("property_quota"):
        return
    quota = response.property_quota
    pull.quota = {
        name: {"consumed": getattr(quota, name).consumed, "remaining": getattr(quota, name).remaining}
        for name in QUOTA_FIELDS
    }
    pull.quota_tokens += quota.tokens_per_day.consumed


def _parsers(response: Message) -> list[tuple[str, int, type[int] | type[float]]]:
    """Values arrive as strings; the header's type says how to read each column."""
    return [
        (header.name, index, int if header.type_ == MetricType.TYPE_INTEGER else float)
        for index, header in enumerate(response.metric_headers)
    ]


def _day(value: str, seen: dict[str, date]) -> date:
    # A report repeats the same few hundred YYYYMMDD strings over up to a few hundred thousand rows.
    day = seen.get(value)
    if day is None:
        day = seen[value] = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    return day


def _explain(error: Exception, *, property_id: str, client_email: str) -> SourceError:
    """Google's failure in a curator's words, and whether the task should try again."""
    google_said = _google_said(error)
    if isinstance(error, api_exceptions.TooManyRequests):  # ResourceExhausted is a subclass
        if "per day" in google_said.lower():
            return SourceError(
                f"GA4's daily quota for property {property_id} is used up; the sync tries again tomorrow "
                f"(Google said: {google_said})",
                Retry.TOMORROW,
            )
        return SourceError(
            f"GA4 is rate-limiting property {property_id}; the sync tries again shortly "
            f"(Google said: {google_said})",
            Retry.SOON,
        )
    # Over REST, 401 and 403 raise the HTTP classes (Unauthorized, Forbidden), the parents of the
    # gRPC-named Unauthenticated and PermissionDenied: catching the children alone misses them.
    if isinstance(error, api_exceptions.Forbidden):
        return SourceError(
            f"GA4 refused the service account: give {client_email} Viewer access on property "
            f"{property_id} (GA4 Admin > Property access management).",
            Retry.NEVER,
        )
    if isinstance(error, api_exceptions.Unauthorized | auth_exceptions.RefreshError):
        if getattr(error, "retryable", False):
            return SourceError(f"Google's sign-in service failed for now ({google_said}).", Retry.SOON)
        return SourceError(
            f"GA4 refused the service account {client_email}: its key was not accepted (deleted or "
            "disabled?). Create a new JSON key, point GA4_CREDENTIALS_FILE at it, and make sure "
            f"the account has Viewer access on property {property_id}.",
            Retry.NEVER,
        )
    if isinstance(error, api_exceptions.NotFound):
        return SourceError(
            f"GA4 has no property {property_id}: check the property id on the channel.", Retry.NEVER
        )
    if isinstance(error, api_exceptions.BadRequest):  # and its gRPC-named child InvalidArgument
        return SourceError(
            f"GA4 rejected the report for property {property_id}: {google_said} "
            "Check the property id on the channel.",
            Retry.NEVER,
        )
    if isinstance(error, api_exceptions.ServiceUnavailable) and _never_connected(google_said):
        # Over gRPC a refused or unresolvable address is UNAVAILABLE too: say what REST says.
        return SourceError("Could not reach GA4 (ConnectionError); the sync tries again shortly.", Retry.SOON)
    if isinstance(error, api_exceptions.ServerError):  # 500, 503, 504 (DeadlineExceeded)
        return SourceError(
            f"GA4 is not answering properly right now ({error.code}: {google_said}); the sync tries again "
            "shortly.",
            Retry.SOON,
        )
    if isinstance(error, requests.exceptions.RequestException | auth_exceptions.TransportError):
        return SourceError(
            f"Could not reach GA4 ({type(error).__name__}); the sync tries again shortly.", Retry.SOON
        )
    if isinstance(error, api_exceptions.ClientError):
        return SourceError(f"GA4 refused the report for property {property_id}: {google_said}", Retry.NEVER)
    return SourceError(f"GA4 failed: {google_said}", Retry.SOON)


# How gRPC words an UNAVAILABLE that never reached a server (as opposed to GA4's own 503).
NEVER_CONNECTED = ("failed to connect", "connection refused", "dns resolution failed", "name resolution")


def _never_connected(google_said: str) -> bool:
    said = google_said.lower()
    return any(words in said for words in NEVER_CONNECTED)


def _google_said(error: Exception) -> str:
    """Google's own sentence: over REST the exception's message also carries the method and URL."""
    response = getattr(error, "response", None)
    if response is not None:
        try:
            return str(response.json()["error"]["message"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    return getattr(error, "message", None) or str(error)
