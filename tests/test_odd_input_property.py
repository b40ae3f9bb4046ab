"""Whatever a visitor or a curator types into an address or a form, the pages answer without a 5xx.

Generated values for every query parameter and form field of the public pages (/, the feed, /join/
and its confirmation, /me/, /u/, /l/, the quiz, the Twilio webhooks) and of the weekly review (as an
internal curator): numbers past bigint, negatives, blanks, NUL and lone surrogates, very long text,
ISO weeks and dates at the calendar's ends, and parameters given twice. PostgreSQL is where most of
these fail (bigint, NUL), so the test client runs against it.

Reproducible: derandomize=True, no example database; every request is rolled back so one example
cannot change the next one's data.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote_from_bytes

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from analytics import quiz
from campaigns.links import account_url, email_confirmation_url, invitation_url, unsubscribe_url
from campaigns.models import Campaign, ConsentState, Medium
from campaigns.tracking import tracked_link_for
from curation import services
from curation.models import Stage
from tests.factories import ContentItemFactory, SubscriberFactory, TopicFactory, YouTubeChannelFactory
from tests.helpers import path_of

pytestmark = pytest.mark.django_db

BASE = "https://learn.acme-learning.example"
TWILIO_TOKEN = "odd-input-token"

# One run of each property, on this 2-core machine: well under 90 seconds for the module.
quick = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

huge_numbers = st.integers(min_value=10**19, max_value=10**40 - 1).flatmap(
    lambda n: st.sampled_from([str(n), f"-{n}", f"+{n}"])
)
negatives = st.integers(max_value=-1).map(str)
blanks = st.sampled_from(["", " ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u200b"])
odd_characters = st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfff", "²", "٣", "1.5", "1e9", "0x1f", "½"])
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=30)  # NUL and surrogates too
long_text = st.integers(min_value=1_000, max_value=20_000).flatmap(
    lambda n: st.sampled_from(["9" * n, "é" * n, "a " * (n // 2), "\x00" * n])
)
iso_weeks = st.sampled_from(
    [
        "0001-W01",
        "0001-W02",
        "1899-W52",
        "1900-W01",
        "2020-W53",
        "2026-W53",
        "2026-W00",
        "2026-W99",
        "9998-W52",
        "9998-W53",
        "9999-W51",
        "9999-W52",
        "2026-w47",
        "+2026-W47",
        " 2026-W47",
    ]
) | st.from_regex(r"[0-9]{4}-W[0-9]{2}", fullmatch=True)
iso_dates = st.dates().map(date.isoformat) | st.sampled_from(
    ["0001-01-01", "9999-12-31", "1900-01-01", "9998-12-31", "2026-02-30", "2026-W47-1", "20261116"]
)
odd_values = st.one_of(
    huge_numbers, negatives, blanks, odd_characters, any_text, long_text, iso_weeks, iso_dates
)


def values_for(good: list[str]) -> st.SearchStrategy[str]:
    """Odd values, and now and then a good one, so a request also gets past its first check."""
    return st.one_of(odd_values, st.sampled_from(good)) if good else odd_values


def parameters(fields: dict[str, list[str]]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Name/value pairs: each field zero, one or more times (repeated), plus a stray odd name now and then."""
    pair = st.one_of(
        *(st.tuples(st.just(name), values_for(good)) for name, good in fields.items()),
        st.tuples(odd_values, odd_values),
    )
    return st.lists(pair, max_size=8)


def encoded(pairs: list[tuple[str, str]]) -> str:
    """Form encoding that keeps lone surrogates (as broken UTF-8 from a browser) instead of failing."""

    def quoted(text: str) -> str:
        return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{quoted(name)}={quoted(value)}" for name, value in pairs)


def path_part(text: str) -> str:
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def undone(send):
    """One request whose writes are rolled back afterwards; a 500's broken transaction goes with them."""
    with transaction.atomic():
        response = send()
        transaction.set_rollback(True)
    return response


def assert_no_server_error(response, described: str) -> None:
    error = getattr(response, "exc_info", None)
    assert response.status_code < 500, f"{described} -> {response.status_code} {error and error[1]!r}"


def get(client, path: str, pairs: list[tuple[str, str]]) -> None:
    query = encoded(pairs)
    address = f"{path}?{query}" if query else path
    assert_no_server_error(undone(lambda: client.get(address)), f"GET {address[:300]}")


def post(client, path: str, pairs: list[tuple[str, str]], **headers: str) -> None:
    body = encoded(pairs)
    response = undone(
        lambda: client.post(path, body, content_type="application/x-www-form-urlencoded", **headers)
    )
    assert_no_server_error(response, f"POST {path[:200]} {body[:300]}")


@pytest.fixture(autouse=True)
def public_settings(settings):
    settings.PUBLIC_BASE_URL = BASE
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = ["acme-learning.example"]
    settings.SIGNUP_INVITATION_CODE = "LEARN-2026"
    settings.SIGNUP_ALLOWED_REGIONS = ["GB", "IE"]
    settings.PHONE_DEFAULT_REGION = "GB"
    # The limits have tests of their own; here every example should reach the form.
    for limit in (
        "SIGNUP_RATE_PER_IP",
        "SIGNUP_RATE_PER_NUMBER",
        "SIGNUP_RATE_PER_NUMBER_CEILING",
        "SIGNUP_RATE_PER_PREFIX",
        "SIGNUP_EMAIL_RATE_PER_IP",
        "SIGNUP_EMAIL_RATE_PER_ADDRESS",
        "SIGNUP_EMAIL_RATE_PER_ADDRESS_CEILING",
        "SIGNUP_EMAIL_RATE_PER_DOMAIN",
    ):
        setattr(settings, limit, "10000/h")
    settings.SIGNUP_SMS_DAILY_CAP = settings.SIGNUP_EMAIL_DAILY_CAP = 10_000
    return settings


@pytest.fixture
def visitor(client):
    client.raise_request_exception = False
    return client


@pytest.fixture
def curator(internal_client):
    internal_client.raise_request_exception = False
    return internal_client


@pytest.fixture
def amira():
    subscriber = SubscriberFactory(
        phone="+447400123456",
        email="amira@acme-learning.example",
        sms=ConsentState.SUBSCRIBED,
        email_consent=ConsentState.PENDING,
    )
    subscriber.topics.set([TopicFactory(name="Wellbeing", slug="wellbeing")])
    return subscriber


@pytest.fixture
def tracked_link():
    placement = services.place_item(
        item=ContentItemFactory(title="Giving feedback"),
        channel=YouTubeChannelFactory(name="Acme Learns"),
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    services.mark_live(item=placement.item)
    campaign = Campaign.objects.create(name="Feedback week", slug="feedback-week")
    return tracked_link_for(campaign=campaign, medium=Medium.SMS, placement=placement)


TOPIC_IDS = ["1", "2", "3"]
TIME_ZONES = ["Europe/London", "UTC", "America/New_York"]
MEDIA = ["sms", "email", "both"]


@quick
@given(query=parameters({"page": ["1"], "q": ["x"], "topic": TOPIC_IDS, "stage": list(Stage.values)}))
def test_the_front_door_and_the_feed_answer_any_query(visitor, query):
    get(visitor, "/", query)
    get(visitor, "/feed.xml", query)


@quick
@given(
    stage=st.one_of(
        st.sampled_from(list(Stage.values)), st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True)
    ),
    answers=parameters(
        {"attempt": ["a" * 22], **{q.code: [a.code for a in q.answers] for q in quiz.QUESTIONS}}
    ),
)
def test_the_quiz_answers_any_answers(visitor, stage, answers):
    get(visitor, "/quiz/", answers)
    post(visitor, "/quiz/", answers)
    get(visitor, f"/quiz/result/{stage}/", answers)


@quick
@given(
    token=st.one_of(any_text, long_text, huge_numbers),
    action=parameters(
        {
            "action": ["save", "stop_sms", "stop_email", "erase"],
            "topics": TOPIC_IDS,
            "preferred_media": MEDIA,
            "time_zone": TIME_ZONES,
            "List-Unsubscribe": ["One-Click"],
        }
    ),
)
def test_the_account_unsubscribe_and_link_pages_answer_any_token_and_any_form(
    visitor, amira, tracked_link, token, action
):
    # Erasing would leave every later example a 404: the account page's other actions are what vary.
    action = [(name, value) for name, value in action if value != "erase_confirmed"]
    for path in [
        path_of(account_url(amira)),
        path_of(unsubscribe_url(amira, Medium.SMS)),
        f"/me/{path_part(token)}/",
        f"/u/{path_part(token)}/",
        path_of(email_confirmation_url(amira)),
        f"/join/email/{path_part(token)}/",
    ]:
        get(visitor, path, action)
        post(visitor, path, action)
    get(visitor, f"/l/{tracked_link.token}", action)
    get(visitor, f"/l/{path_part(token)}", action)


@quick
@given(code=parameters({"code": ["123456", "123 456", "000000"]}))
def test_the_phone_confirmation_step_answers_any_code(visitor, code):
    signed_up = visitor.post(
        "/join/",
        {
            "phone": "+447700100001",
            "preferred_media": "sms",
            "time_zone": "Europe/London",
            "invitation_code": "LEARN-2026",
        },
    )
    assert signed_up.status_code == 302, signed_up.content.decode()[:500]

    get(visitor, "/join/confirm/", code)
    post(visitor, "/join/confirm/", code)


SIGNUP_FIELDS = {
    "phone": ["+447700100002", "07700 100003"],
    "email": ["lee@acme-learning.example"],
    "preferred_media": MEDIA,
    "topics": TOPIC_IDS,
    "time_zone": TIME_ZONES,
    "display_name": ["Lee"],
    "department": ["Sales"],
    "location": ["Leeds"],
    "invitation_code": ["LEARN-2026"],
}


@quick
@given(form=parameters(SIGNUP_FIELDS), token=st.one_of(any_text, huge_numbers))
def test_the_sign_up_forms_answer_anything_posted(visitor, amira, form, token):
    # campaigns/forms/signup.py belongs to the sign-up work of issue 13 (40-digit topic ids there).
    for path in ["/join/", path_of(invitation_url(amira)), f"/join/invited/{path_part(token)}/"]:
        get(visitor, path, form)
        post(visitor, path, form)


printable_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
webhook_values = st.one_of(
    huge_numbers,
    negatives,
    blanks,
    printable_text,
    st.sampled_from(["\x00", "²", "STOP", "+447400123456", "30003"]),
)


@quick
@given(
    inbound=st.fixed_dictionaries(
        {"From": webhook_values, "Body": webhook_values, "MessageSid": webhook_values}
    ),
    status=st.fixed_dictionaries(
        {"MessageSid": webhook_values, "MessageStatus": webhook_values, "ErrorCode": webhook_values}
    ),
)
def test_the_twilio_webhooks_answer_anything_twilio_signs(visitor, amira, inbound, status):
    for path, params in [("/hooks/twilio/inbound/", inbound), ("/hooks/twilio/status/", status)]:
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE + path, params)
        post(visitor, path, list(params.items()), HTTP_X_TWILIO_SIGNATURE=signature)


REVIEW_FIELDS = {
    "week": ["2026-W47"],
    "channel": ["1"],
    "topic": ["1"],
    "stage": list(Stage.values),
    "from": ["2026-01-01"],
    "to": ["2026-11-22"],
}
REVIEW_TABLES = ["headlines", "traffic", "dropout", "series", "suggestions", "freshness", "salaries"]


@quick
@given(
    week=iso_weeks,
    table=st.one_of(st.sampled_from(REVIEW_TABLES), st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True)),
    query=parameters(REVIEW_FIELDS),
)
def test_the_weekly_review_and_its_csv_answer_any_week_and_filters(curator, week, table, query):
    get(curator, "/admin/review/", query)
    if re.fullmatch(r"\d{4}-[Ww]\d{2}", week, re.ASCII):
        get(curator, f"/admin/review/{week}/", query)
    get(curator, f"/admin/review/csv/{table}/", query)
