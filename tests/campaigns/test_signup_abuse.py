"""Hostile use of the public sign-up pages: none of it may be turned against an employee.

Each test is a case hostile testers found (issue 13): a stranger rewriting an invitee's details,
mail-bombing an address, telling known numbers from unknown ones, texting landlines, locking an
employee out, typed details outliving the sign-up or an erasure, and absurd values causing a 500.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns import consent, sms
from campaigns.models import ConsentState, Subscriber
from config.celery import app as celery_app
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

PHONE = "+447700100001"
ATTACKER_IP = "198.51.100.66"
OWNER_IP = "203.0.113.10"
TOO_MANY = "Too many attempts from here. Try again in an hour."


@pytest.fixture(autouse=True)
def signup_settings(open_signup):
    settings = open_signup
    settings.SIGNUP_RATE_PER_IP = settings.SIGNUP_RATE_PER_PREFIX = "100/h"
    settings.SIGNUP_RATE_PER_NUMBER = "3/h"
    settings.SIGNUP_RATE_PER_NUMBER_CEILING = "6/h"
    settings.SIGNUP_SMS_DAILY_CAP = 100
    settings.SIGNUP_EMAIL_RATE_PER_IP = settings.SIGNUP_EMAIL_RATE_PER_DOMAIN = "100/h"
    settings.SIGNUP_EMAIL_RATE_PER_ADDRESS = "3/h"
    settings.SIGNUP_EMAIL_RATE_PER_ADDRESS_CEILING = "6/h"
    settings.SIGNUP_EMAIL_DAILY_CAP = 100
    return settings


def ask_for_code(client: Client, phone: str = PHONE, ip: str = ATTACKER_IP, **fields: object):
    data = {
        "phone": phone,
        "preferred_media": "sms",
        "time_zone": "Europe/London",
        "invitation_code": "LEARN-2026",
        **fields,
    }
    return client.post("/join/", data, REMOTE_ADDR=ip)


def ask_for_link(client: Client, email: str, ip: str = ATTACKER_IP, **fields: object):
    data = {"email": email, "preferred_media": "email", "time_zone": "Europe/London", **fields}
    return client.post("/join/", data, REMOTE_ADDR=ip)


def texted_code(to: str = PHONE) -> str:
    body = [text.body for text in sms.outbox if text.to == to][-1]
    return re.search(r"code is (\d{6})", body).group(1)


def enter_code(client: Client, code: str, ip: str = OWNER_IP):
    return client.post("/join/confirm/", {"code": code}, REMOTE_ADDR=ip)


def decoded_sessions() -> str:
    return " ".join(str(session.get_decoded()) for session in Session.objects.all())


# 1. A stranger cannot rewrite an invitee's details by typing their number


def test_a_stranger_typing_an_invitees_number_changes_nothing_about_them():
    topic = TopicFactory()
    invitee = SubscriberFactory(
        phone=PHONE,
        display_name="Dev Patel",
        department="Finance",
        location="Dublin",
        time_zone="Europe/Dublin",
    )

    ask_for_code(
        Client(),
        display_name="Mallory",
        department="Fired",
        location="Nowhere",
        time_zone="Pacific/Auckland",
        preferred_media="sms",
        topics=[topic.pk],
    )

    invitee.refresh_from_db()
    assert (invitee.display_name, invitee.department, invitee.location, invitee.time_zone) == (
        "Dev Patel",
        "Finance",
        "Dublin",
        "Europe/Dublin",
    )
    assert invitee.preferred_media == "both"
    assert list(invitee.topics.all()) == []


def test_the_invitees_own_choices_apply_once_they_enter_the_code():
    invitee = SubscriberFactory(phone=PHONE, department="Finance")
    client = Client()
    ask_for_code(client, ip=OWNER_IP, department="Payroll", time_zone="Europe/Dublin")

    enter_code(client, texted_code())

    invitee.refresh_from_db()
    assert (invitee.department, invitee.time_zone, invitee.sms_state) == (
        "Payroll",
        "Europe/Dublin",
        ConsentState.SUBSCRIBED,
    )


# 2. Email sign-ups are rate-limited like the texts


def test_one_ip_cannot_mail_bomb_an_address(mailoutbox):
    responses = [ask_for_link(Client(), "victim@acme-learning.example") for _ in range(30)]

    assert [r.status_code for r in responses[:4]] == [302, 302, 302, 429]
    assert len(mailoutbox) == 3
    assert responses[-1].status_code == 429
    assert TOO_MANY in responses[-1].content.decode()


@pytest.mark.parametrize(
    ("limit", "rate", "ip_for"),
    [
        ("SIGNUP_EMAIL_RATE_PER_IP", "2/h", lambda n: ATTACKER_IP),
        ("SIGNUP_EMAIL_RATE_PER_DOMAIN", "2/h", lambda n: f"192.0.2.{n}"),
        ("SIGNUP_EMAIL_DAILY_CAP", 2, lambda n: f"192.0.2.{n}"),
    ],
)
def test_email_links_stop_at_the_per_ip_per_domain_and_daily_limits(
    settings, mailoutbox, limit, rate, ip_for
):
    setattr(settings, limit, rate)

    responses = [ask_for_link(Client(), f"p{n}@acme-learning.example", ip=ip_for(n)) for n in range(3)]

    assert [r.status_code for r in responses] == [302, 302, 429]
    assert TOO_MANY in responses[-1].content.decode()
    assert len(mailoutbox) == 2


# 3. Known and unknown addresses cost the request the same work


@pytest.fixture
def queued_not_run():
    """As in production: the request only queues the work (on Redis); nothing runs in it."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    celery_app.conf.task_always_eager = True


def cookie_shapes(response) -> dict[str, dict[str, object]]:
    return {
        name: {k: v for k, v in morsel.items() if k != "expires"} for name, morsel in response.cookies.items()
    }


@pytest.mark.requires("redis")
@pytest.mark.parametrize(
    ("form", "known"),
    [
        ({"phone": "+447700100002", "preferred_media": "sms", "invitation_code": "LEARN-2026"}, "invitee"),
        ({"phone": "+447700100002", "preferred_media": "sms", "invitation_code": "LEARN-2026"}, "subscribed"),
        ({"phone": "+447700100002", "preferred_media": "sms", "invitation_code": "LEARN-2026"}, "opted out"),
        ({"email": "known@acme-learning.example", "preferred_media": "email"}, "invitee"),
        ({"email": "known@acme-learning.example", "preferred_media": "email"}, "subscribed"),
    ],
)
def test_a_known_address_costs_the_request_the_same_queries_and_answer_as_an_unknown_one(
    queued_not_run, form, known
):
    state = {
        "invitee": ConsentState.NONE,
        "subscribed": ConsentState.SUBSCRIBED,
        "opted out": ConsentState.OPTED_OUT,
    }[known]
    SubscriberFactory(
        phone="+447700100002",
        email="known@acme-learning.example",
        sms=state,
        email_consent=state,
    )
    unknown_form = {
        **form,
        **({"phone": "+447700100003"} if "phone" in form else {"email": "new@acme-learning.example"}),
    }
    answers = []
    for data in (form, unknown_form):
        with CaptureQueriesContext(connection) as queries:
            response = Client().post("/join/", {"time_zone": "Europe/London", **data}, REMOTE_ADDR=OWNER_IP)
        shapes = [re.sub(r"'[^']*'|\d+", "?", query["sql"]) for query in queries.captured_queries]
        answers.append(
            (response.status_code, response["Location"], response.content, cookie_shapes(response), shapes)
        )

    assert answers[0] == answers[1]
    # Nothing was written or sent during either request.
    assert Subscriber.objects.count() == 1
    assert sms.outbox == []


# 4. Only numbers that can receive texts


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("+44 20 7946 0000", "That looks like a landline. Enter a mobile number that can receive texts."),
        ("0800 356 9377", "That looks like a landline. Enter a mobile number that can receive texts."),
        ("0800-FLOWERS", "Enter the number in digits only, without letters."),
        ("07700 FLOWER", "Enter the number in digits only, without letters."),
    ],
)
def test_a_landline_or_a_number_with_letters_is_refused_before_any_text(typed, message):
    response = ask_for_code(Client(), phone=typed)

    assert f'<ul class="errorlist" id="id_phone_error"><li>{message}</li></ul>' in response.content.decode()
    assert sms.outbox == []
    assert not Subscriber.objects.exists()


def test_an_irish_mobile_is_accepted():
    assert ask_for_code(Client(), phone="+353 85 123 4567").status_code == 302
    assert [text.to for text in sms.outbox] == ["+353851234567"]


# 5. One visitor cannot lock an employee out


def test_an_attacker_cannot_lock_the_owner_out_nor_pump_texts_past_the_ceiling():
    attacker = [ask_for_code(Client(), ip=ATTACKER_IP) for _ in range(5)]
    assert [r.status_code for r in attacker] == [302, 302, 302, 429, 429]

    owner = Client()
    assert ask_for_code(owner, ip=OWNER_IP).status_code == 302
    owners_code = texted_code()
    # More attackers from other addresses neither kill the owner's code nor text past the ceiling.
    for n in range(20):
        ask_for_code(Client(), ip=f"192.0.2.{n}")
    page = enter_code(owner, owners_code).content.decode()

    assert "You are signed up" in page
    assert Subscriber.objects.get(phone=PHONE).sms_state == ConsentState.SUBSCRIBED
    assert len([text for text in sms.outbox if text.to == PHONE]) == 6


def test_an_attacker_cannot_lock_the_owner_out_of_email_sign_up(mailoutbox):
    for _ in range(5):
        ask_for_link(Client(), "victim@acme-learning.example", ip=ATTACKER_IP)

    owner = ask_for_link(Client(), "victim@acme-learning.example", ip=OWNER_IP)
    for n in range(20):
        ask_for_link(Client(), "victim@acme-learning.example", ip=f"192.0.2.{n}")

    assert owner.status_code == 302
    assert len(mailoutbox) == 6


# 6. Typed details live only as long as the sign-up needs them


def test_the_sign_up_session_lasts_only_as_long_as_the_code():
    response = ask_for_code(Client(), display_name="Dev Patel")

    assert response.cookies["sessionid"]["max-age"] == 600


def test_after_the_code_is_entered_nothing_typed_is_left_in_the_session_store():
    client = Client()
    ask_for_code(client, ip=OWNER_IP, display_name="Dev Patel", department="Payroll", location="Cork")

    assert "Dev Patel" in decoded_sessions()
    assert "You are signed up" in enter_code(client, texted_code()).content.decode()

    stored = decoded_sessions()
    for typed in ("Dev Patel", "Payroll", "Cork"):
        assert typed not in stored


def test_after_the_codes_lifetime_the_pending_details_are_gone():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client()
        ask_for_code(client, ip=OWNER_IP, display_name="Dev Patel", department="Payroll")
        code = texted_code()
        traveller.shift(timedelta(minutes=10))

        page = enter_code(client, code).content.decode()
        from campaigns.tasks import clear_expired_sessions

        clear_expired_sessions.delay()

        assert "Nothing to confirm" in page
        assert "Dev Patel" not in decoded_sessions()
        assert "Payroll" not in decoded_sessions()
    assert Subscriber.objects.get().display_name == ""


def test_erasing_a_subscriber_leaves_no_copy_of_their_details_in_any_session(mailoutbox):
    client = Client()
    ask_for_code(
        client,
        ip=OWNER_IP,
        display_name="Dev Patel",
        department="Payroll",
        email="dev@acme-learning.example",
        preferred_media="both",
    )
    other = Client()
    ask_for_link(other, "someone@acme-learning.example", ip=OWNER_IP, display_name="Sam Other")
    assert "Dev Patel" in decoded_sessions()

    consent.erase_subscriber(subscriber=Subscriber.objects.get(phone=PHONE))

    stored = decoded_sessions()
    for detail in ("Dev Patel", "Payroll", PHONE, "dev@acme-learning.example"):
        assert detail not in stored
    # Someone else's sign-up is untouched.
    assert "Sam Other" in stored


# 7. Absurd values are form errors, never a 500

ABSURD = ["9" * 40, "-1", "abc", "1" * 5000, "\x00", "x\x00y", "", "   "]
JOIN_FIELDS = [
    "phone",
    "email",
    "preferred_media",
    "topics",
    "time_zone",
    "display_name",
    "department",
    "location",
    "invitation_code",
]


@pytest.mark.parametrize("field", JOIN_FIELDS)
@pytest.mark.parametrize(
    "value",
    ABSURD,
    ids=["40 digits", "negative", "letters", "very long", "nul", "nul inside", "empty", "spaces"],
)
def test_an_absurd_value_in_any_join_field_is_a_form_error_not_a_500(field, value):
    TopicFactory()
    data = {
        "phone": PHONE,
        "preferred_media": "sms",
        "time_zone": "Europe/London",
        "invitation_code": "LEARN-2026",
        field: value,
    }
    client = Client(raise_request_exception=False)

    response = client.post("/join/", data, REMOTE_ADDR=OWNER_IP)

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert 'class="errorlist"' in response.content.decode()


@pytest.mark.parametrize("value", [*ABSURD, ["1", "2"], "9" * 400])
def test_an_absurd_code_is_a_form_error_not_a_500(value):
    client = Client(raise_request_exception=False)
    ask_for_code(client, ip=OWNER_IP)

    response = client.post("/join/confirm/", {"code": value}, REMOTE_ADDR=OWNER_IP)

    assert response.status_code == 200
    assert "Enter the six-digit code from the text." in response.content.decode()
