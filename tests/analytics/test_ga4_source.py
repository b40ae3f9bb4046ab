"""GA4 pulls through the real google-analytics-data client, with a real service-account key, against
the loopback fake: what the sync gets back, and what a curator reads when GA4 says no."""

from __future__ import annotations

from datetime import date

import pytest
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from analytics.sources import ga4
from analytics.sources.base import CampaignRow, MetricRow, Period, Retry, SourceError
from tests.fakes.ga4 import (
    CLIENT_EMAIL,
    CONCURRENT_QUOTA_MESSAGE,
    DAILY_QUOTA_MESSAGE,
    HOURLY_QUOTA_MESSAGE,
    FakeGA4,
    write_service_account,
)
from tests.fakes.loopback import refuse_leaving_loopback

JANUARY = Period(date(2024, 1, 1), date(2024, 1, 31))
# gRPC is the default; what a curator reads and whether the sync retries must not depend on it.
BOTH_TRANSPORTS = pytest.mark.parametrize("ga4_transport", ["grpc", "rest"])


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    refuse_leaving_loopback(monkeypatch)


def pull(prefix: str = "/learn/", period: Period = JANUARY, page_size: int = 100_000):
    return ga4.fetch(property_id="123", path_prefix=prefix, period=period, page_size=page_size)


def refusal(prefix: str = "/learn/") -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(prefix)
    return caught.value


@BOTH_TRANSPORTS
def test_every_page_of_a_long_report_is_read_at_consecutive_offsets(ga4_fake: FakeGA4):
    grid = ga4_fake.generate_pages(pages=7, days=10, start=date(2024, 1, 1))

    result = pull(page_size=25)

    assert len(result.metrics) == 70
    page_reports = [r for r in ga4_fake.reports if "pagePath" in r.dimensions]
    assert [(r.offset, r.limit) for r in page_reports] == [(0, 25), (25, 25), (50, 25)]
    assert {(row.key, row.date) for row in result.metrics} == {(grid[i].path, grid[i].day) for i in range(70)}


def test_pages_shorter_than_the_limit_continue_from_the_rows_that_arrived(ga4_fake: FakeGA4):
    ga4_fake.generate_pages(pages=3, days=10)
    ga4_fake.rows_per_answer = 12

    result = pull(page_size=25)

    assert len(result.metrics) == 30
    page_reports = [r for r in ga4_fake.reports if "pagePath" in r.dimensions]
    assert [r.offset for r in page_reports] == [0, 12, 24]


@BOTH_TRANSPORTS
def test_only_pages_under_the_channels_prefix_are_asked_for(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)
    ga4_fake.add_page("/blog/holiday-party", date(2024, 1, 3), views=50, sessions=40, active_users=30)
    ga4_fake.add_campaign("spring-newsletter", date(2024, 1, 3), 5, landing_page="/learn/kubernetes")
    ga4_fake.add_campaign("party-invite", date(2024, 1, 3), 7, landing_page="/blog/holiday-party")

    result = pull("/learn/")

    assert [row.key for row in result.metrics] == ["/learn/kubernetes"]
    assert [row.campaign_name for row in result.campaigns] == ["spring-newsletter"]
    pages, campaigns = ga4_fake.reports
    assert pages.body["dimensionFilter"]["filter"]["fieldName"] == "pagePath"
    assert pages.body["dimensionFilter"]["filter"]["stringFilter"]["value"] == "/learn/"
    assert campaigns.body["dimensionFilter"]["filter"]["fieldName"] == "landingPage"
    assert pages.body["dateRanges"] == [{"startDate": "2024-01-01", "endDate": "2024-01-31"}]


def test_a_channel_without_a_prefix_reads_the_whole_property(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)
    ga4_fake.add_page("/blog/holiday-party", date(2024, 1, 3), views=50, sessions=40, active_users=30)

    result = pull("")

    assert sorted(row.key for row in result.metrics) == ["/blog/holiday-party", "/learn/kubernetes"]
    assert all("dimensionFilter" not in r.body for r in ga4_fake.reports)


@BOTH_TRANSPORTS
def test_figures_arrive_typed_with_the_average_engagement_time_per_active_user(ga4_fake: FakeGA4):
    ga4_fake.add_page(
        "/learn/kubernetes",
        date(2024, 1, 3),
        views=120,
        sessions=40,
        active_users=32,
        engaged_sessions=30,
        engagement_seconds=2400,
    )

    (row,) = pull().metrics

    assert row == MetricRow(
        key="/learn/kubernetes",
        date=date(2024, 1, 3),
        figures={
            "views": 120,
            "sessions": 40,
            "active_users": 32,
            "engaged_sessions": 30,
            "engagement_rate": 0.75,
            "average_duration_seconds": 75.0,
        },
    )
    assert type(row.figures["views"]) is int
    assert type(row.figures["engagement_rate"]) is float


def test_a_day_without_active_users_has_no_average_duration_rather_than_zero(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=2, sessions=0, active_users=0)

    (row,) = pull().metrics

    assert "average_duration_seconds" not in row.figures
    assert row.figures["views"] == 2


@BOTH_TRANSPORTS
def test_other_and_not_set_rows_are_counted_but_never_become_page_figures(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)
    ga4_fake.add_page("(not set)", date(2024, 1, 3), views=4, sessions=4, active_users=4)
    ga4_fake.roll_into_other(date(2024, 1, 3), views=300, sessions=200, active_users=150)

    result = pull("")

    assert [row.key for row in result.metrics] == ["/learn/kubernetes"]
    assert result.other_rows == 1
    assert result.unattributed == 1


def test_rows_lost_to_other_stay_visible_even_when_no_other_row_arrives(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)
    ga4_fake.data_loss_from_other_row = True

    result = pull()

    assert result.other_rows == 1
    assert len(result.metrics) == 1


@BOTH_TRANSPORTS
def test_a_thresholded_report_is_flagged(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)
    ga4_fake.subject_to_thresholding = True

    assert pull().thresholded is True


def test_an_unthresholded_report_is_not_flagged(ga4_fake: FakeGA4):
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)

    assert pull().thresholded is False


def test_an_empty_report_gives_an_empty_pull_after_one_request_per_report(ga4_fake: FakeGA4):
    result = pull()

    assert result.metrics == [] and result.campaigns == []
    assert result.rows_read == 0
    assert len(ga4_fake.reports) == 2


def test_campaign_sessions_skip_traffic_that_came_without_a_campaign(ga4_fake: FakeGA4):
    day = date(2024, 1, 8)
    ga4_fake.add_campaign("weekly-digest", day, 12, engaged_sessions=9, landing_page="/learn/a", source="sms")
    for name in ("(not set)", "(direct)", "(organic)", "(referral)", "(none)", "(data not available)"):
        ga4_fake.add_campaign(name, day, 100, landing_page="/learn/a")

    result = pull()

    assert result.campaigns == [
        CampaignRow(campaign_name="weekly-digest", date=day, sessions=12, engaged_sessions=9, source="sms")
    ]


def test_campaigns_rolled_into_other_are_counted(ga4_fake: FakeGA4):
    ga4_fake.roll_campaigns_into_other(date(2024, 1, 8), sessions=40)

    result = pull()

    assert result.campaigns == []
    assert result.other_rows == 1


@BOTH_TRANSPORTS
def test_hourly_quota_is_tried_again_soon(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(429, HOURLY_QUOTA_MESSAGE)

    error = refusal()

    assert error.retry is Retry.SOON
    assert "rate-limiting property 123" in error.message


def test_too_many_concurrent_requests_are_tried_again_soon(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(429, CONCURRENT_QUOTA_MESSAGE)

    assert refusal().retry is Retry.SOON


@BOTH_TRANSPORTS
def test_a_spent_daily_quota_waits_until_tomorrow(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(429, DAILY_QUOTA_MESSAGE)

    error = refusal()

    assert error.retry is Retry.TOMORROW
    assert "daily quota for property 123 is used up" in error.message


@BOTH_TRANSPORTS
def test_ga4_being_unavailable_is_tried_again_soon(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(503)

    error = refusal()

    assert error.retry is Retry.SOON
    assert "GA4 is not answering properly right now (503" in error.message


@BOTH_TRANSPORTS
def test_a_failure_on_a_later_page_fails_the_whole_pull(ga4_fake: FakeGA4):
    ga4_fake.generate_pages(pages=3, days=10)
    ga4_fake.fail_request(2, 503)

    with pytest.raises(SourceError) as caught:
        pull(page_size=10)

    assert caught.value.retry is Retry.SOON
    assert [r.offset for r in ga4_fake.reports] == [0, 10]


@BOTH_TRANSPORTS
def test_missing_viewer_access_names_the_account_and_the_property(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(403)

    error = refusal()

    assert error.retry is Retry.NEVER
    assert error.message.startswith(
        f"GA4 refused the service account: give {CLIENT_EMAIL} Viewer access on property 123"
    )


@BOTH_TRANSPORTS
def test_a_key_google_does_not_accept_needs_a_person(ga4_fake: FakeGA4):
    ga4_fake.revoke_keys()

    error = refusal()

    assert error.retry is Retry.NEVER
    assert f"GA4 refused the service account {CLIENT_EMAIL}: its key was not accepted" in error.message
    assert "GA4_CREDENTIALS_FILE" in error.message


@BOTH_TRANSPORTS
def test_an_unauthenticated_answer_needs_a_person(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(401)

    error = refusal()

    assert error.retry is Retry.NEVER
    assert "its key was not accepted" in error.message


@BOTH_TRANSPORTS
def test_the_client_signs_its_own_token_and_never_calls_the_token_endpoint(ga4_fake: FakeGA4):
    """The generated client self-signs a JWT for service accounts, so an invalid_grant from the
    token endpoint cannot stop a pull: only GA4's own 401 can (the test above)."""
    ga4_fake.refuse_tokens("invalid_grant", "Invalid JWT Signature.")
    ga4_fake.add_page("/learn/kubernetes", date(2024, 1, 3), views=9, sessions=4, active_users=3)

    result = pull()

    assert len(result.metrics) == 1
    assert ga4_fake.token_requests == []
    assert all(r.authorization.startswith("Bearer ey") for r in ga4_fake.reports)


@BOTH_TRANSPORTS
def test_the_property_quota_is_asked_for_and_the_last_answers_figures_kept(ga4_fake: FakeGA4):
    ga4_fake.generate_pages(pages=3, days=10)
    ga4_fake.tokens_per_report = 7
    ga4_fake.tokens_left_today = 1_000

    result = pull(page_size=10)

    # Three pages of the page report and one of the campaign report, 7 tokens each.
    assert all(r.body["returnPropertyQuota"] is True for r in ga4_fake.reports)
    assert result.quota_tokens == 28
    assert result.quota["tokens_per_day"] == {"consumed": 7, "remaining": 1_000 - 28}
    assert result.quota["tokens_per_hour"] == {"consumed": 7, "remaining": 40_000 - 28}
    assert set(result.quota) == set(ga4.QUOTA_FIELDS)
    assert result.quota["concurrent_requests"] == {"consumed": 0, "remaining": 10}


@BOTH_TRANSPORTS
def test_a_daily_quota_that_runs_out_mid_pull_waits_until_tomorrow(ga4_fake: FakeGA4):
    ga4_fake.generate_pages(pages=3, days=10)
    ga4_fake.tokens_per_report = 10
    ga4_fake.tokens_left_today = 25

    with pytest.raises(SourceError) as caught:
        pull(page_size=10)

    assert caught.value.retry is Retry.TOMORROW
    assert len(ga4_fake.reports) == 3  # two answered, the third found the day's tokens spent


def test_grpc_never_sends_the_token_in_plaintext_past_this_machine(ga4_fake: FakeGA4, settings):
    settings.GA4_API_ENDPOINT = "http://analytics-proxy.internal.example:8080"

    error = refusal()

    assert error.retry is Retry.NEVER
    assert "is plaintext and not on this machine" in error.message
    assert "GA4_TRANSPORT=rest" in error.message
    assert ga4_fake.reports == []


def test_an_unknown_transport_setting_says_what_to_set(ga4_fake: FakeGA4, settings):
    settings.GA4_TRANSPORT = "http2"

    error = refusal()

    assert error.retry is Retry.NEVER
    assert 'set it to "grpc" (the default) or "rest"' in error.message


@BOTH_TRANSPORTS
def test_an_unknown_property_is_named_in_the_message(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(404)

    error = refusal()

    assert error.retry is Retry.NEVER
    assert error.message == "GA4 has no property 123: check the property id on the channel."


@BOTH_TRANSPORTS
def test_a_rejected_request_names_the_property(ga4_fake: FakeGA4):
    ga4_fake.fail_every_request(400, "Invalid property id: 123.")

    error = refusal()

    assert error.retry is Retry.NEVER
    assert "GA4 rejected the report for property 123: Invalid property id: 123." in error.message


@BOTH_TRANSPORTS
def test_an_unreachable_ga4_is_tried_again_soon(settings, tmp_path, ga4_transport):
    gone = FakeGA4().start()
    settings.GA4_CREDENTIALS_FILE = str(gone.write_service_account(tmp_path / "key.json"))
    settings.GA4_TRANSPORT = ga4_transport
    settings.GA4_API_ENDPOINT = gone.endpoint(ga4_transport)
    gone.stop()

    error = refusal()

    assert error.retry is Retry.SOON
    assert error.message == "Could not reach GA4 (ConnectionError); the sync tries again shortly."


def test_no_credentials_setting_says_what_to_set(settings):
    settings.GA4_CREDENTIALS_FILE = ""

    error = refusal()

    assert error.retry is Retry.NEVER
    assert "set GA4_CREDENTIALS_FILE to the path of the service account's JSON key file" in error.message


def test_a_missing_key_file_says_what_to_set(settings, tmp_path):
    settings.GA4_CREDENTIALS_FILE = str(tmp_path / "nowhere.json")

    error = refusal()

    assert error.retry is Retry.NEVER
    assert f"GA4 cannot read its key file {tmp_path / 'nowhere.json'}" in error.message
    assert "GA4_CREDENTIALS_FILE" in error.message


def test_a_file_that_is_not_a_service_account_key_says_what_to_set(settings, tmp_path):
    (tmp_path / "oauth-client.json").write_text('{"installed": {"client_id": "x"}}')
    settings.GA4_CREDENTIALS_FILE = str(tmp_path / "oauth-client.json")

    error = refusal()

    assert error.retry is Retry.NEVER
    assert "is not a service account's JSON key" in error.message
    assert "GA4_CREDENTIALS_FILE" in error.message


def test_the_fake_can_be_run_without_pytest_for_a_worker_process(tmp_path):
    """A Celery worker subprocess gets GA4_CREDENTIALS_FILE and GA4_API_ENDPOINT for a fake like this."""
    fake = FakeGA4().start()
    try:
        key = write_service_account(tmp_path / "key.json", fake.url + "/token")
        fake.trust_key_file(key)
        assert key.exists()
        assert fake.url.startswith("http://127.0.0.1:")
    finally:
        fake.stop()


def test_the_fakes_token_endpoint_exchanges_a_signed_assertion_for_other_clients(ga4_fake: FakeGA4, settings):
    """For code that exchanges the key's JWT for an access token (always_use_jwt_access off)."""
    credentials = service_account.Credentials.from_service_account_file(
        settings.GA4_CREDENTIALS_FILE, scopes=ga4.SCOPES
    )

    credentials.refresh(Request())

    assert credentials.token in ga4_fake.issued_tokens
    assert ga4_fake.token_requests[0]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"


def test_the_fakes_token_endpoint_can_refuse_with_invalid_grant(ga4_fake: FakeGA4, settings):
    ga4_fake.refuse_tokens("invalid_grant", "Invalid JWT Signature.")
    credentials = service_account.Credentials.from_service_account_file(
        settings.GA4_CREDENTIALS_FILE, scopes=ga4.SCOPES
    )

    with pytest.raises(auth_exceptions.RefreshError, match=r"invalid_grant: Invalid JWT Signature\."):
        credentials.refresh(Request())
