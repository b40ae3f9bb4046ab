"""/metrics: refused to the public, and telling an operator what the app really did.

Every figure is checked against something that happened through the public paths: a campaign
sent through the real Twilio client to the loopback fake, a sync run through the real GA4 client,
clicks on a tracked link through the redirect, tasks published to the real Redis broker.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from analytics import services as analytics_services
from analytics.models import Source
from analytics.sources.base import Period
from campaigns import sending, tracking
from campaigns.models import Delivery, MediaPreference, Medium
from channels.models import MetricSource
from ops import counters
from tests.campaigns.email_services import post_postmark, postmark_bounce, postmark_complaint, use_service
from tests.factories import ChannelFactory, live_item, ready_campaign, subscribed_employees
from tests.fakes.ga4 import DAILY_QUOTA_MESSAGE, PROPERTY_ID
from tests.fakes.postmark import FakePostmark
from tests.fakes.twilio import AUTH_TOKEN
from tests.helpers import TUESDAY_MORNING
from tests.processes import run_python

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres", "redis")]

TOKEN = "a-long-random-scrape-token-for-tests"
PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
# Label names the endpoint may use: each bounded by an enum or the provider's error codes.
KNOWN_LABELS = {"medium", "outcome", "code", "status", "result", "kind", "source", "queue", "part"}


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


@pytest.fixture
def working_hours():
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        yield


def scrape(client, token: str = TOKEN):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def samples(client) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: {(name, labels): value}."""
    response = scrape(client)
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(figures, name: str, **labels: str) -> float | None:
    return figures.get((name, frozenset(labels.items())))


# Refused to the public.


def test_without_a_token_configured_there_is_nothing_to_find(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert scrape(client, token="").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    ["", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer "],
)
def test_a_missing_or_wrong_token_is_refused_and_says_why(client, authorization):
    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"curation_" not in response.content


def test_the_right_token_gets_the_text_format_never_cached(client):
    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"curation_messages", "curation_ledger_rows", "curation_celery_queue_length"} <= names


def test_only_get_is_answered(client):
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_an_allowlist_refuses_other_addresses_even_with_the_token(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    refused = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", REMOTE_ADDR="203.0.113.9")
    forwarded = client.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.1.2.3",  # a header the caller writes: not believed
    )
    allowed = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", REMOTE_ADDR="10.1.2.3")

    assert (refused.status_code, forwarded.status_code, allowed.status_code) == (403, 403, 200)


READ_NETWORKS = """
import django
from django.conf import settings
django.setup()
print(settings.METRICS_ALLOWED_NETWORKS)
"""


def test_allowed_networks_are_read_at_start_and_a_mistyped_one_stops_the_app_with_the_reason():
    read = run_python(READ_NETWORKS, {"METRICS_ALLOWED_NETWORKS": "10.0.0.0/8, 192.168.1.7"})
    mistyped = run_python(READ_NETWORKS, {"METRICS_ALLOWED_NETWORKS": "10.0.0.300/8"})

    assert read.stdout.strip() == "['10.0.0.0/8', '192.168.1.7/32']", read.stderr
    assert mistyped.returncode != 0
    assert "'10.0.0.300/8' does not appear to be an IPv4 or IPv6 network" in mistyped.stderr


def test_the_scrape_is_not_redirected_to_https_so_prometheus_can_reach_it_directly(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert scrape(client).status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_with_redis_away_the_databases_figures_still_answer_and_say_what_is_missing(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    figures = samples(client)

    assert value(figures, "curation_ledger_rows", status="pending") == 0
    assert value(figures, "curation_metrics_part_up", part="ledger") == 1
    assert value(figures, "curation_metrics_part_up", part="syncs") == 1
    assert value(figures, "curation_metrics_part_up", part="events") == 0
    assert value(figures, "curation_metrics_part_up", part="queues") == 0
    assert value(figures, "curation_messages_total", medium="sms", outcome="accepted") is None


# What a campaign did.


@pytest.fixture
def sms_campaign():
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(placements=[placement], media=MediaPreference.SMS)


def launch(campaign, user, capture):
    with capture(execute=True):
        sending.launch(campaign=campaign, by=user)


@pytest.mark.usefixtures("working_hours")
def test_a_campaign_with_one_wrong_number_shows_its_sends_and_the_providers_error_code(
    client, sms_campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    *_, landline = subscribed_employees(3)
    twilio_fake.fail_for(landline.phone, status=400, code=21614, message="'To' number is not a valid mobile")
    launch(sms_campaign, internal_curator, django_capture_on_commit_callbacks)

    figures = samples(client)
    assert value(figures, "curation_messages_total", medium="sms", outcome="accepted") == 2
    assert value(figures, "curation_messages_total", medium="sms", outcome="failed") == 1
    assert value(figures, "curation_messages_total", medium="email", outcome="accepted") == 0
    assert value(figures, "curation_provider_errors_total", medium="sms", code="21614") == 1
    assert value(figures, "curation_ledger_rows", status="pending") == 0
    assert value(figures, "curation_ledger_rows", status="claimed") == 0
    assert len(twilio_fake.calls_per_number()) == 3  # what the figures describe really happened


@pytest.mark.usefixtures("working_hours")
def test_a_busy_provider_counts_as_a_retry_and_an_error_not_a_failure(
    client, sms_campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)
    twilio_fake.fail_for(person.phone, status=429, code=20429, message="Too Many Requests")
    launch(sms_campaign, internal_curator, django_capture_on_commit_callbacks)

    figures = samples(client)
    assert value(figures, "curation_messages_total", medium="sms", outcome="retry") == 1
    assert value(figures, "curation_messages_total", medium="sms", outcome="failed") == 0
    assert value(figures, "curation_provider_errors_total", medium="sms", code="20429") == 1
    # Waiting for its backoff: pending, but not yet due, so not late.
    assert value(figures, "curation_ledger_rows", status="pending") == 1
    assert value(figures, "curation_ledger_due_rows") == 0
    assert value(figures, "curation_ledger_oldest_seconds", status="pending") is None


@pytest.mark.usefixtures("working_hours")
def test_an_outcome_lost_to_a_timeout_is_unknown_until_the_reconciler_finds_it_sent(
    client, sms_campaign, internal_curator, twilio_fake, settings, django_capture_on_commit_callbacks
):
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    (person,) = subscribed_employees(1)
    twilio_fake.stall_for(person.phone, 1.5)  # Twilio takes the text, but answers too late
    launch(sms_campaign, internal_curator, django_capture_on_commit_callbacks)
    before = samples(client)

    sending.reconcile(stale_after=timedelta(0))
    after = samples(client)

    assert value(before, "curation_messages_total", medium="sms", outcome="unknown") == 1
    assert value(before, "curation_ledger_rows", status="unknown") == 1
    assert value(before, "curation_ledger_oldest_seconds", status="unknown") >= 0
    assert value(after, "curation_reconciler_settlements_total", result="found_sent") == 1
    assert value(after, "curation_reconciler_settlements_total", result="requeued") == 0
    assert value(after, "curation_ledger_rows", status="unknown") == 0


def test_a_worker_gone_mid_batch_shows_as_stale_claims_and_late_rows(
    client, sms_campaign, internal_curator, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_CLAIM_SECONDS = 30
    subscribed_employees(3)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        # Launched, but its tasks never ran: the ledger is written and waits.
        with django_capture_on_commit_callbacks(execute=False):
            sending.launch(campaign=sms_campaign, by=internal_curator)
        settings.DELIVERY_BATCH_SIZE = 2
        _, claimed = sending.claim_batch(sms_campaign)  # a worker took two, then vanished
    assert len(claimed) == 2

    with time_machine.travel(TUESDAY_MORNING + timedelta(seconds=90), tick=False):
        figures = samples(client)

    assert value(figures, "curation_ledger_rows", status="claimed") == 2
    assert value(figures, "curation_ledger_rows", status="pending") == 1
    assert value(figures, "curation_ledger_stale_claims") == 2
    assert value(figures, "curation_ledger_due_rows") == 1
    assert value(figures, "curation_ledger_oldest_seconds", status="claimed") == 90
    assert value(figures, "curation_ledger_oldest_seconds", status="pending") == 90


def test_a_scrape_is_a_few_indexed_queries_however_big_the_ledger(
    client, sms_campaign, internal_curator, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    subscribed_employees(50)
    with django_capture_on_commit_callbacks(execute=False):
        sending.launch(campaign=sms_campaign, by=internal_curator)

    # Two for the ledger, two for the sync log, one for GA4's quota; nothing per row or campaign.
    with django_assert_max_num_queries(5):
        assert scrape(client).status_code == 200


@pytest.mark.usefixtures("working_hours")
def test_the_providers_receipts_show_what_arrived_and_why_not(
    client, settings, sms_campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    arrived, unreachable = subscribed_employees(2)
    launch(sms_campaign, internal_curator, django_capture_on_commit_callbacks)
    for person, status, code in ((arrived, "delivered", ""), (unreachable, "undelivered", "30003")):
        row = Delivery.objects.get(subscriber=person)
        params = {"MessageSid": row.provider_id, "MessageStatus": status, "ErrorCode": code}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            settings.PUBLIC_BASE_URL + "/hooks/twilio/status/", params
        )
        # Counted once the receipt is committed: a callback rolled back (and retried) counts once.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/hooks/twilio/status/", params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 204

    figures = samples(client)
    assert value(figures, "curation_message_receipts_total", medium="sms", status="delivered") == 1
    assert value(figures, "curation_message_receipts_total", medium="sms", status="undelivered") == 1
    assert value(figures, "curation_provider_errors_total", medium="sms", code="30003") == 1


@pytest.fixture
def postmark(settings):
    fake = FakePostmark().start()
    use_service(settings, "postmark", fake)
    yield fake
    fake.stop()


@pytest.mark.usefixtures("working_hours")
def test_an_email_services_bounces_and_complaints_are_counted(
    client, postmark, internal_curator, django_capture_on_commit_callbacks
):
    bouncing, complaining = subscribed_employees(2)
    placement = live_item(title="Giving feedback").placements.get()
    launch(
        ready_campaign(placements=[placement], media=MediaPreference.EMAIL),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    rows = {row.subscriber: row for row in Delivery.objects.select_related("subscriber")}
    with django_capture_on_commit_callbacks(execute=True):
        assert post_postmark(postmark_bounce(rows[bouncing])).status_code == 200
        assert post_postmark(postmark_complaint(rows[complaining])).status_code == 200

    figures = samples(client)
    assert value(figures, "curation_messages_total", medium="email", outcome="accepted") == 2
    assert value(figures, "curation_message_receipts_total", medium="email", status="undelivered") == 1
    assert value(figures, "curation_message_receipts_total", medium="email", status="hard_bounce") == 1
    assert value(figures, "curation_message_receipts_total", medium="email", status="complained") == 1
    assert value(figures, "curation_message_receipts_total", medium="email", status="delivered") == 1


@pytest.mark.usefixtures("working_hours")
def test_waits_for_the_shared_rate_limit_are_counted(
    client, settings, sms_campaign, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    settings.SMS_RATE_PER_SECOND = 4  # a bucket of 4: the other 4 texts wait for tokens
    subscribed_employees(8)
    launch(sms_campaign, internal_curator, django_capture_on_commit_callbacks)

    figures = samples(client)
    assert value(figures, "curation_messages_total", medium="sms", outcome="accepted") == 8
    assert value(figures, "curation_rate_limit_waits_total", medium="sms") >= 1
    assert value(figures, "curation_rate_limit_wait_seconds_total", medium="sms") > 0
    assert value(figures, "curation_rate_limit_waits_total", medium="email") == 0


# Syncs, clicks and queues.


# REST: the test travels back to a past Tuesday, and gRPC's deadlines are reckoned on the real clock.
@pytest.mark.parametrize("ga4_transport", ["rest"])
def test_sync_runs_by_source_and_outcome_with_their_rows(client, ga4_fake):
    monday = date(2026, 11, 16)
    blog = ChannelFactory(
        url="https://www.acme-learning.example/learning/",
        metric_source=MetricSource.GA4,
        ga4_property_id=PROPERTY_ID,
        ga4_path_prefix="/learning/",
    )
    ga4_fake.add_page("/learning/feedback/", monday, views=40, sessions=30)
    ga4_fake.add_page("/learning/coaching/", monday, views=10, sessions=8)
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        good = analytics_services.start_sync(source=Source.GA4, channel=blog, period=Period(monday, monday))
        succeeded = analytics_services.run_sync(good.pk)
        ga4_fake.fail_every_request(403, "The caller does not have permission")
        bad = analytics_services.start_sync(
            source=Source.GA4, channel=blog, period=Period(monday - timedelta(days=1), monday)
        )
        failed = analytics_services.run_sync(bad.pk)
        figures = samples(client)
    assert (succeeded.status, failed.status) == ("succeeded", "failed")

    assert value(figures, "curation_sync_runs", source="ga4", status="succeeded") == 1
    assert value(figures, "curation_sync_runs", source="ga4", status="failed") == 1
    assert value(figures, "curation_sync_rows", source="ga4", kind="read") == succeeded.rows_read > 0
    assert value(figures, "curation_sync_rows", source="ga4", kind="written") == succeeded.rows_written
    assert (
        value(figures, "curation_sync_duration_seconds", source="ga4", status="succeeded")
        == (succeeded.finished_at - succeeded.started_at).total_seconds()
    )
    assert value(figures, "curation_sync_last_success_timestamp_seconds", source="ga4") == (
        succeeded.finished_at.timestamp()
    )


def test_sync_runs_older_than_the_window_drop_out_but_the_last_success_stays(client, settings):
    settings.METRICS_SYNC_WINDOW_HOURS = 24
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        run = analytics_services.start_sync(
            source=Source.LINKS, channel=None, period=Period(date(2026, 11, 23), date(2026, 11, 23))
        )
        analytics_services.run_sync(run.pk)
    with time_machine.travel(TUESDAY_MORNING + timedelta(hours=25), tick=False):
        figures = samples(client)

    assert value(figures, "curation_sync_runs", source="links", status="succeeded") is None
    assert value(figures, "curation_sync_last_success_timestamp_seconds", source="links") == (
        TUESDAY_MORNING.timestamp()
    )


def test_ga4_quota_left_is_each_propertys_latest_today_and_none_once_postponed(client, ga4_fake):
    monday = date(2096, 11, 19)  # the future: gRPC's deadlines are reckoned on the real clock
    blog, intranet = (
        ChannelFactory(
            url=f"https://www.acme-learning.example/{prefix}/",
            metric_source=MetricSource.GA4,
            ga4_property_id=property_id,
            ga4_path_prefix=f"/{prefix}/",
        )
        for prefix, property_id in (("learning", PROPERTY_ID), ("intranet", "987654321"))
    )
    ga4_fake.tokens_per_report = 100
    ga4_fake.tokens_left_today = 50_000

    def sync(channel):
        run = analytics_services.start_sync(source=Source.GA4, channel=channel, period=Period(monday, monday))
        return analytics_services.run_sync(run.pk)

    # 17:00 UTC is 09:00 in California: GA4's quota day began eight hours before.
    with time_machine.travel(datetime(2096, 11, 20, 17, 0, tzinfo=UTC), tick=True):
        assert sync(blog).status == "succeeded"
        assert sync(blog).status == "succeeded"  # two reports of 100 tokens each time
        ga4_fake.fail_every_request(429, DAILY_QUOTA_MESSAGE)
        assert sync(intranet).status == "postponed"
        figures = samples(client)
    with time_machine.travel(datetime(2096, 11, 21, 9, 0, tzinfo=UTC), tick=True):  # 01:00 Pacific
        next_day = samples(client)

    assert value(figures, "curation_ga4_quota_remaining_tokens", property=PROPERTY_ID) == 50_000 - 400
    assert value(figures, "curation_ga4_quota_remaining_tokens", property="987654321") == 0
    assert value(next_day, "curation_ga4_quota_remaining_tokens", property=PROPERTY_ID) is None


@pytest.fixture
def tracked_link():
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])
    return tracking.tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement)


def test_clicks_people_apart_from_previews_and_scanners(client, tracked_link):
    for address in ("203.0.113.7", "203.0.113.8"):
        client.get(f"/l/{tracked_link.token}", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR=address)
    client.get(f"/l/{tracked_link.token}", HTTP_USER_AGENT="WhatsApp/2.23", REMOTE_ADDR="203.0.113.9")
    client.head(f"/l/{tracked_link.token}", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="203.0.113.7")
    tracking.click_buffer().send()  # what the buffer's thread does every 0.2 s

    waiting = samples(client)
    tracking.flush_clicks()
    flushed = samples(client)

    assert value(waiting, "curation_link_clicks_total", kind="human") == 2
    assert value(waiting, "curation_link_clicks_total", kind="bot") == 2
    assert value(waiting, "curation_click_buffer_fields") > 0
    assert value(flushed, "curation_click_buffer_fields") == 0
    assert value(flushed, "curation_link_clicks_total", kind="human") == 2  # a counter: flushing keeps it


def test_the_embedded_default_counts_in_memory_without_redis(client, settings, tracked_link):
    settings.REDIS_URL = ""
    try:
        client.get(f"/l/{tracked_link.token}", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="203.0.113.7")
        client.get(f"/l/{tracked_link.token}", HTTP_USER_AGENT="Slackbot 1.0", REMOTE_ADDR="203.0.113.8")
        figures = samples(client)
    finally:
        counters.forget_local()

    assert value(figures, "curation_link_clicks_total", kind="human") == 1
    assert value(figures, "curation_link_clicks_total", kind="bot") == 1
    assert value(figures, "curation_click_buffer_fields") is None  # flushed after every click


def test_queue_depth_counts_the_tasks_waiting_in_the_real_broker(client):
    from campaigns.tasks import clear_expired_sessions, send_deliveries
    from config.celery import app

    app.conf.task_always_eager = False  # published to Redis; no worker is running to take them
    for campaign_id in (1, 2, 3):
        send_deliveries.apply_async(args=[campaign_id])  # routed to sending
    clear_expired_sessions.apply_async(priority=6)  # housekeeping, through kombu's priority list

    figures = samples(client)
    assert value(figures, "curation_celery_queue_length", queue="sending") == 3
    assert value(figures, "curation_celery_queue_length", queue="housekeeping") == 1
    assert value(figures, "curation_celery_queue_length", queue="syncs") == 0
    assert value(figures, "curation_celery_queue_length", queue="receipts") == 0


# Nothing about a person, and no label that grows with the data.


@pytest.mark.usefixtures("working_hours")
def test_no_label_carries_personal_data_or_grows_with_campaigns(
    client, internal_curator, twilio_fake, django_capture_on_commit_callbacks
):
    placement = live_item(title="Giving feedback").placements.get()
    people = subscribed_employees(3)
    twilio_fake.fail_for(people[0].phone, status=400, code=21211, message="Invalid 'To' Phone Number")
    campaigns = [
        ready_campaign(placements=[placement], name=f"Week {n}", slug=f"week-{n}", media=MediaPreference.BOTH)
        for n in (1, 2)
    ]
    for campaign in campaigns:
        launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    link = campaigns[0].links.first()
    client.get(f"/l/{link.token}", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="203.0.113.7")
    tracking.click_buffer().send()

    text = scrape(client).content.decode()
    figures = samples(client)

    for person in people:
        assert person.phone not in text and person.phone[1:] not in text
        assert person.email not in text and person.display_name not in text
    assert link.token not in text and "http" not in text and "@" not in text
    assert "203.0.113.7" not in text and "iPhone" not in text
    for campaign in campaigns:
        assert campaign.slug not in text and f'"{campaign.pk}"' not in text
    label_names = {name for _, labels in figures for name, _ in labels}
    assert label_names <= KNOWN_LABELS
    codes = {dict(labels)["code"] for name, labels in figures if name == "curation_provider_errors_total"}
    assert codes == {"21211"} and all(re.fullmatch(r"[0-9]{1,6}|none", code) for code in codes)
    # Twice the campaigns, the same series: nothing is labelled per campaign.
    assert value(figures, "curation_messages_total", medium="sms", outcome="accepted") == 4
