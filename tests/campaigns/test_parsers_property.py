"""Whatever arrives from a form or a phone, the parsers answer or refuse; they never crash."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from campaigns.keywords import KEYWORDS, parse_keyword
from campaigns.phones import normalise_phone

phone_like = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789 +-()./", max_size=25),
    st.from_regex(r"\+?[0-9 ]{6,18}", fullmatch=True),
)


@given(phone_like)
def test_phone_parser_returns_e164_or_a_clear_refusal(raw):
    try:
        parsed = normalise_phone(raw)
    except ValidationError as refused:
        assert refused.messages[0].endswith(".")
    else:
        assert parsed.startswith("+") and parsed[1:].isdigit()
        assert normalise_phone(parsed) == parsed


@given(st.text(max_size=40))
def test_keyword_parser_never_raises_and_matches_only_whole_keywords(body):
    keyword = parse_keyword(body)

    assert keyword is None or body.strip().upper() in KEYWORDS


@given(st.sampled_from(sorted(KEYWORDS)), st.text(alphabet=" \t\n", max_size=3), st.booleans())
def test_every_keyword_matches_in_any_case_with_whitespace(word, padding, lower):
    assert parse_keyword(padding + (word.lower() if lower else word) + padding) == KEYWORDS[word]


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(body=st.text(max_size=40), sender=phone_like)
def test_inbound_webhook_never_answers_with_a_server_error(client, django_settings_for_webhook, body, sender):
    params = {"From": sender, "Body": body, "MessageSid": "SM1"}
    url = "https://learning.example.org/hooks/twilio/inbound/"
    signature = RequestValidator("prop-token").compute_signature(url, params)

    response = client.post("/hooks/twilio/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 200


@pytest.fixture
def django_settings_for_webhook(settings):
    settings.TWILIO_AUTH_TOKEN = "prop-token"
    settings.PUBLIC_BASE_URL = "https://learning.example.org"
