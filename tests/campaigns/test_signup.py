"""Signing up from a phone: who may, the code, the email link, the invitation, and what is never revealed."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaigns import consent, sms
from campaigns.links import email_confirmation_url, invitation_url
from campaigns.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Medium,
    PhoneChallenge,
    Subscriber,
)
from campaigns.services import create_subscriber
from campaigns.sms.segments import count_segments
from campaigns.tokens import Purpose, subscriber_from_token
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

PHONE = "+447700100001"
CODE_TEXT = re.compile(
    r"^Your Learn Socially code is (\d{6})\. It expires in 10 minutes\. "
    r"If you did not ask for it, ignore this text\.$"
)


@pytest.fixture(autouse=True)
def signup_settings(open_signup):
    settings = open_signup
    settings.PUBLIC_BASE_URL = "https://learn.acme-learning.example"
    # Generous: these tests are about sign-up, test_signup_rate_limits.py about the limits.
    settings.SIGNUP_RATE_PER_IP = settings.SIGNUP_RATE_PER_NUMBER = settings.SIGNUP_RATE_PER_PREFIX = "100/h"
    settings.SIGNUP_RATE_PER_NUMBER_CEILING = "100/h"
    settings.SIGNUP_EMAIL_RATE_PER_IP = settings.SIGNUP_EMAIL_RATE_PER_ADDRESS = "100/h"
    settings.SIGNUP_EMAIL_RATE_PER_ADDRESS_CEILING = "100/h"
    return settings


def sign_up(client: Client, path: str = "/join/", **fields: object):
    data = {"preferred_media": "both", "time_zone": "Europe/London", **fields}
    return client.post(path, data)


def sign_up_by_phone(client: Client, phone: str = PHONE, **fields: object):
    fields = {"preferred_media": "sms", "invitation_code": "LEARN-2026", **fields}
    return sign_up(client, phone=phone, **fields)


def texted_code() -> str:
    match = CODE_TEXT.match(sms.outbox[-1].body)
    assert match, sms.outbox[-1].body
    return match.group(1)


def enter_code(client: Client, code: str):
    return client.post("/join/confirm/", {"code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def ledger(subscriber: Subscriber, medium: str) -> list[tuple[str, str]]:
    events = ConsentEvent.objects.filter(subscriber=subscriber, medium=medium)
    return list(events.values_list("action", "source"))


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# The form and who may use it


def test_join_page_asks_for_contact_choices_and_says_what_people_agree_to(client):
    TopicFactory(name="Wellbeing", slug="wellbeing")

    page = " ".join(client.get("/join/").content.decode().split())

    for label in ["Mobile number", "Work email", "Wellbeing", "Your time zone", "Invitation code"]:
        assert label in page
    assert '<option value="Europe/London" selected>Europe/London</option>' in page
    assert "What you are agreeing to" in page
    assert "A few messages a week at most, and only during working hours in your time zone." in page
    assert "reply STOP to any text, or use the unsubscribe link in every email" in page
    assert "never shared with our content agency" in page


def test_sign_up_is_closed_without_an_email_domain_or_an_invitation_code(client, settings):
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = []
    settings.SIGNUP_INVITATION_CODE = ""

    response = sign_up(client, phone=PHONE, email="dev@acme-learning.example")

    assert "Sign-up is closed" in response.content.decode()
    assert "Sign-up is closed" in client.get("/join/").content.decode()
    assert not Subscriber.objects.exists()
    assert sms.outbox == []


def test_an_email_outside_the_allowed_domains_needs_the_invitation_code(client):
    response = sign_up(client, phone="07700 100001", email="dev@gmail.example")

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        '<ul class="errorlist" id="id_email_error"><li>Use your work email address '
        "(ending @acme-learning.example), or enter your invitation code.</li></ul>"
    ) in page
    # What was typed is still there to correct.
    assert 'value="07700 100001"' in page
    assert 'value="dev@gmail.example"' in page
    assert not Subscriber.objects.exists()
    assert sms.outbox == []


def test_without_an_email_the_invitation_code_is_asked_for(client):
    response = sign_up(client, phone=PHONE, preferred_media="sms")

    assert (
        '<ul class="errorlist" id="id_invitation_code_error"><li>Use your work email address '
        "(ending @acme-learning.example), or enter your invitation code.</li></ul>"
    ) in response.content.decode()


def test_a_wrong_invitation_code_is_refused(client):
    response = sign_up(client, phone=PHONE, preferred_media="sms", invitation_code="LEARN-2025")

    assert "That invitation code is not right. Check it and try again." in response.content.decode()
    assert sms.outbox == []


def test_the_invitation_code_works_whatever_its_case_and_spaces(client):
    response = sign_up_by_phone(client, invitation_code="  learn-2026 ")

    assert response.status_code == 302
    assert len(sms.outbox) == 1


def test_with_only_email_domains_configured_no_code_is_asked_for(client, settings):
    settings.SIGNUP_INVITATION_CODE = ""

    response = sign_up(client, phone=PHONE, email="dev@gmail.example")

    page = response.content.decode()
    assert "Invitation code" not in page
    assert "Use your work email address (ending @acme-learning.example).</li>" in page


def test_a_work_email_from_an_allowed_domain_is_enough(client):
    response = sign_up(client, phone=PHONE, email="Dev.Patel@ACME-Learning.example")

    assert response.status_code == 302
    assert Subscriber.objects.get().email == "dev.patel@acme-learning.example"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("call me", "Enter the number in digits only, without letters."),
        ("++", "That does not look like a phone number. Try the full number, e.g. 07400 123456."),
        ("07700 1000", "That number is not valid. Check the digits and the country code."),
        (
            "+1 202 555 0123",
            "We can only text numbers in the countries where we employ people (GB, IE).",
        ),
    ],
)
def test_a_bad_or_foreign_number_is_refused_beside_its_field_before_any_text(client, typed, message):
    response = sign_up_by_phone(client, phone=typed)

    page = response.content.decode()
    assert f'<ul class="errorlist" id="id_phone_error"><li>{message}</li></ul>' in page
    assert f'<li><a href="#id_phone">{message}</a></li>' in page  # the summary at the top
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in page
    assert f'value="{typed}"' in page
    assert sms.outbox == []
    assert not Subscriber.objects.exists()


def test_texts_need_a_number_and_emails_need_an_address(client):
    texts = sign_up(client, preferred_media="sms", email="dev@acme-learning.example")
    emails = sign_up(client, preferred_media="both", phone=PHONE, invitation_code="LEARN-2026")

    assert "Enter your mobile number, or choose emails only." in texts.content.decode()
    assert "Enter your work email address, or choose texts only." in emails.content.decode()
    assert sms.outbox == []


# The code by SMS


def test_phone_sign_up_records_the_request_and_texts_a_code(client):
    response = sign_up_by_phone(client, phone="07700 100001")

    assert response.status_code == 302
    assert response["Location"] == "/join/confirm/"
    subscriber = Subscriber.objects.get()
    assert subscriber.phone == PHONE
    assert subscriber.sms_state == ConsentState.PENDING
    event = subscriber.consent_events.get()
    assert (event.medium, event.action, event.source) == (
        Medium.SMS,
        ConsentAction.REQUESTED,
        ConsentSource.SIGNUP_PAGE,
    )
    assert event.evidence == "Sign-up form, consent text 2026-01"
    [text] = sms.outbox
    assert text.to == PHONE
    code = texted_code()
    assert count_segments(text.body).segments == 1
    # Only a keyed hash of the code is kept.
    challenge = PhoneChallenge.objects.get()
    assert code not in challenge.code_hash
    assert challenge.expires_at == pytest.approx(
        timezone.now() + timedelta(minutes=10), abs=timedelta(seconds=5)
    )
    assert "Check your phone" in client.get("/join/confirm/").content.decode()


def test_the_right_code_subscribes_the_phone_and_applies_the_choices(client):
    wellbeing = TopicFactory(name="Wellbeing", slug="wellbeing")
    sign_up_by_phone(
        client, topics=[wellbeing.pk], time_zone="Europe/Dublin", department="Finance", display_name="Dev"
    )

    response = enter_code(client, texted_code())

    page = response.content.decode()
    assert "You are signed up" in page
    assert "Your mobile number is confirmed" in page
    subscriber = Subscriber.objects.get()
    assert subscriber.sms_state == ConsentState.SUBSCRIBED
    assert ledger(subscriber, Medium.SMS) == [
        (ConsentAction.REQUESTED, ConsentSource.SIGNUP_PAGE),
        (ConsentAction.CONFIRMED, ConsentSource.SIGNUP_PAGE),
    ]
    assert list(subscriber.topics.all()) == [wellbeing]
    assert (subscriber.time_zone, subscriber.department, subscriber.display_name) == (
        "Europe/Dublin",
        "Finance",
        "Dev",
    )
    assert consent.may_message(subscriber, Medium.SMS)
    # The done page links to the employee's own page.
    token = re.search(r'href="https://learn\.acme-learning\.example/me/([^/"]+)/"', page).group(1)
    assert subscriber_from_token(token, Purpose.ACCOUNT)[0] == subscriber
    # The code is spent: the session no longer holds a sign-up.
    assert "Nothing to confirm" in client.get("/join/confirm/").content.decode()


def test_nothing_but_the_confirmations_is_sent_until_the_employee_confirms(client, mailoutbox):
    sign_up(client, phone=PHONE, email="dev@acme-learning.example")

    subscriber = Subscriber.objects.get()
    assert (subscriber.sms_state, subscriber.email_state) == (ConsentState.PENDING, ConsentState.PENDING)
    assert not consent.may_message(subscriber, Medium.SMS)
    assert not consent.may_message(subscriber, Medium.EMAIL)
    assert [CODE_TEXT.match(text.body) is not None for text in sms.outbox] == [True]
    assert [message.subject for message in mailoutbox] == ["Confirm your email for Learn Socially"]


def test_a_wrong_code_says_how_many_tries_are_left(client):
    sign_up_by_phone(client)
    code = texted_code()

    first = enter_code(client, wrong(code)).content.decode()
    for _ in range(2):
        enter_code(client, wrong(code))
    fourth = enter_code(client, wrong(code)).content.decode()

    assert "That code is not right. You have 4 more tries." in first
    assert "That code is not right. You have 1 more try." in fourth
    assert Subscriber.objects.get().sms_state == ConsentState.PENDING


def test_after_five_wrong_codes_even_the_right_one_is_refused(client):
    sign_up_by_phone(client)
    code = texted_code()
    for _ in range(4):
        enter_code(client, wrong(code))

    fifth = enter_code(client, wrong(code)).content.decode()
    right_too_late = enter_code(client, code).content.decode()

    assert "That code is not right, and that was the last try. Start again to get a new one." in fifth
    assert "Too many wrong codes. Start again to get a new one." in right_too_late
    assert PhoneChallenge.objects.get().attempts == 5
    assert Subscriber.objects.get().sms_state == ConsentState.PENDING


def test_something_that_is_not_six_digits_does_not_use_up_a_try(client):
    sign_up_by_phone(client)

    page = enter_code(client, "12 34").content.decode()

    assert (
        '<ul class="errorlist" id="id_code_error"><li>Enter the six-digit code from the text.</li></ul>'
        in page
    )
    assert PhoneChallenge.objects.get().attempts == 0


def test_a_code_typed_with_spaces_is_accepted(client):
    sign_up_by_phone(client)
    code = texted_code()

    page = enter_code(client, f" {code[:3]} {code[3:]} ").content.decode()

    assert "You are signed up" in page


def test_a_code_expires_after_ten_minutes(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_up_by_phone(client)
        code = texted_code()
        traveller.shift(timedelta(minutes=10))

        page = enter_code(client, code).content.decode()

    # The sign-up session ends with its code, and what was typed with it.
    assert "run out of time (a code works for 10 minutes)" in page
    assert Subscriber.objects.get().sms_state == ConsentState.PENDING


def test_a_code_still_works_just_before_ten_minutes(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_up_by_phone(client)
        code = texted_code()
        traveller.shift(timedelta(minutes=9, seconds=59))

        page = enter_code(client, code).content.decode()

    assert "You are signed up" in page


def test_asking_again_makes_the_earlier_code_useless(client):
    sign_up_by_phone(client)
    first_code = texted_code()
    sign_up_by_phone(client)

    page = enter_code(client, first_code).content.decode()

    assert len(sms.outbox) == 2
    assert "That code is not right. You have 4 more tries." in page
    assert PhoneChallenge.objects.filter(expires_at__gt=timezone.now()).count() == 1


def test_someone_else_asking_for_the_number_leaves_the_owners_code_working(client):
    sign_up_by_phone(client)
    owners_code = texted_code()
    sign_up_by_phone(Client())

    page = enter_code(client, owners_code).content.decode()

    assert len(sms.outbox) == 2
    assert "You are signed up" in page


def test_the_confirm_page_without_a_sign_up_says_there_is_nothing_to_confirm(client):
    page = client.get("/join/confirm/").content.decode()

    assert "Nothing to confirm" in page
    assert enter_code(client, "123456").status_code == 200
    assert not PhoneChallenge.objects.exists()


# Re-submitting, suppression and enumeration


def test_resubmitting_never_downgrades_a_confirmed_subscriber(client):
    old_topic, new_topic = TopicFactory(), TopicFactory()
    subscriber = SubscriberFactory(phone=PHONE, sms=ConsentState.SUBSCRIBED, department="Sales")
    subscriber.topics.set([old_topic])
    rows_before = ledger(subscriber, Medium.SMS)

    sign_up_by_phone(client, topics=[new_topic.pk], department="Finance", time_zone="Europe/Dublin")

    subscriber.refresh_from_db()
    assert ledger(subscriber, Medium.SMS) == rows_before
    assert subscriber.sms_state == ConsentState.SUBSCRIBED
    assert (subscriber.department, subscriber.time_zone) == ("Sales", "Europe/London")
    assert list(subscriber.topics.all()) == [old_topic]
    assert len(sms.outbox) == 1  # a fresh code, whose confirmation applies the new choices

    enter_code(client, texted_code())

    subscriber.refresh_from_db()
    assert (subscriber.department, subscriber.time_zone) == ("Finance", "Europe/Dublin")
    assert list(subscriber.topics.all()) == [new_topic]
    assert ledger(subscriber, Medium.SMS) == rows_before


def test_a_blank_optional_field_keeps_what_the_import_knew(client):
    invitee = SubscriberFactory(phone=PHONE, department="Finance", location="Dublin")

    sign_up_by_phone(client, department="", location="Cork")
    enter_code(client, texted_code())

    invitee.refresh_from_db()
    assert (invitee.department, invitee.location) == ("Finance", "Cork")


def test_a_suppressed_number_confirmed_by_code_is_subscribed_again(client):
    subscriber = SubscriberFactory(phone=PHONE, sms=ConsentState.OPTED_OUT)
    assert consent.is_suppressed(Medium.SMS, PHONE)

    sign_up_by_phone(client)
    enter_code(client, texted_code())

    subscriber.refresh_from_db()
    assert subscriber.sms_state == ConsentState.SUBSCRIBED
    assert not consent.is_suppressed(Medium.SMS, PHONE)


def test_an_erased_employee_can_sign_up_again_by_proving_the_number(client):
    consent.erase_subscriber(subscriber=SubscriberFactory(phone=PHONE, sms=ConsentState.SUBSCRIBED))

    sign_up_by_phone(client)
    assert not consent.may_message(Subscriber.objects.get(), Medium.SMS)
    enter_code(client, texted_code())

    assert consent.may_message(Subscriber.objects.get(), Medium.SMS)


@pytest.mark.requires("postgres")
@pytest.mark.django_db(transaction=True)
def test_two_taps_on_the_button_at_once_both_get_the_code_page(client):
    first_tap_inserted = threading.Event()

    def first_tap() -> None:
        # Holds its new record uncommitted while the second tap arrives, as a slower request would.
        with transaction.atomic():
            create_subscriber(phone=PHONE)
            first_tap_inserted.set()
            time.sleep(0.5)
        connection.close()

    thread = threading.Thread(target=first_tap)
    thread.start()
    first_tap_inserted.wait(timeout=5)
    response = sign_up_by_phone(client)
    thread.join()

    assert response.status_code == 302
    assert Subscriber.objects.get().sms_state == ConsentState.PENDING
    assert [text.to for text in sms.outbox] == [PHONE]


def test_known_unknown_and_suppressed_numbers_get_the_same_pages():
    SubscriberFactory(phone="+447700100002", sms=ConsentState.SUBSCRIBED)
    SubscriberFactory(phone="+447700100003", sms=ConsentState.OPTED_OUT)
    answers = []

    for phone in ["+447700100001", "+447700100002", "+447700100003"]:
        client = Client()
        posted = sign_up_by_phone(client, phone=phone)
        confirm_page = client.get("/join/confirm/")
        answers.append(
            (
                posted.status_code,
                posted["Location"],
                posted.content,
                without_csrf(confirm_page.content.decode()),
            )
        )

    assert answers[0] == answers[1] == answers[2]
    assert [text.to for text in sms.outbox] == ["+447700100001", "+447700100002", "+447700100003"]


def test_known_unknown_and_suppressed_emails_get_the_same_pages(mailoutbox):
    SubscriberFactory(phone="", email="known@acme-learning.example", email_consent=ConsentState.SUBSCRIBED)
    SubscriberFactory(phone="", email="gone@acme-learning.example", email_consent=ConsentState.OPTED_OUT)
    answers = []

    for email in ["new@acme-learning.example", "known@acme-learning.example", "gone@acme-learning.example"]:
        client = Client()
        posted = sign_up(client, email=email, preferred_media="email")
        confirm_page = client.get("/join/confirm/")
        answers.append((posted.status_code, posted["Location"], without_csrf(confirm_page.content.decode())))

    assert answers[0] == answers[1] == answers[2]
    assert len(mailoutbox) == 3


def test_a_phone_and_an_email_held_by_two_employees_each_get_their_own_confirmation(client, mailoutbox):
    by_phone = SubscriberFactory(phone=PHONE, email="")
    by_email = SubscriberFactory(phone="", email="dev@acme-learning.example")

    response = sign_up(client, phone=PHONE, email="dev@acme-learning.example")

    assert response.status_code == 302
    assert Subscriber.objects.count() == 2
    assert [text.to for text in sms.outbox] == [PHONE]
    assert [message.to for message in mailoutbox] == [["dev@acme-learning.example"]]
    by_phone.refresh_from_db()
    by_email.refresh_from_db()
    assert (by_phone.email, by_phone.sms_state) == ("", ConsentState.PENDING)
    assert (by_email.phone, by_email.email_state) == ("", ConsentState.PENDING)


def test_an_address_is_never_added_to_someone_elses_record(client):
    holder = SubscriberFactory(phone=PHONE, email="")

    sign_up(client, phone=PHONE, email="stranger@acme-learning.example")

    holder.refresh_from_db()
    assert holder.email == ""
    assert Subscriber.objects.get(email="stranger@acme-learning.example").phone == ""


# The email link


def test_email_sign_up_sends_a_confirmation_over_smtp_whose_link_confirms_on_post(client, smtp_server):
    response = sign_up(client, email="dev@acme-learning.example", preferred_media="email")

    assert response["Location"] == "/join/confirm/"
    assert "Check your email" in client.get("/join/confirm/").content.decode()
    [received] = smtp_server.received
    message = received.message
    assert received.envelope_to == ["dev@acme-learning.example"]
    assert message["Subject"] == "Confirm your email for Learn Socially"
    assert message["List-Unsubscribe"].strip().startswith("<https://learn.acme-learning.example/u/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https://learn\.acme-learning\.example/join/email/\S+/", body).group(0)
    subscriber = Subscriber.objects.get()
    assert subscriber.email_state == ConsentState.PENDING

    # A mail scanner following the link confirms nothing.
    shown = client.get(urlsplit(link).path)
    subscriber.refresh_from_db()
    assert "Confirm my email address" in shown.content.decode()
    assert subscriber.email_state == ConsentState.PENDING

    done = client.post(urlsplit(link).path)

    subscriber.refresh_from_db()
    assert "Your email address is confirmed" in done.content.decode()
    assert subscriber.email_state == ConsentState.SUBSCRIBED
    assert ledger(subscriber, Medium.EMAIL) == [
        (ConsentAction.REQUESTED, ConsentSource.SIGNUP_PAGE),
        (ConsentAction.CONFIRMED, ConsentSource.EMAIL_LINK),
    ]
    assert len(smtp_server.received) == 1
    # Pressing the button twice changes nothing more.
    client.post(urlsplit(link).path)
    assert len(ledger(subscriber, Medium.EMAIL)) == 2


def emailed_link_path(message) -> str:
    return urlsplit(re.search(r"https://\S+/join/email/\S+/", message.body).group(0)).path


def test_phone_and_email_are_confirmed_one_after_the_other(client, mailoutbox):
    sign_up(client, phone=PHONE, email="dev@acme-learning.example")

    after_code = enter_code(client, texted_code()).content.decode()
    after_link = client.post(emailed_link_path(mailoutbox[0])).content.decode()

    assert "To get emails too, open the link we emailed you." in after_code
    assert "Your email address is confirmed" in after_link
    subscriber = Subscriber.objects.get()
    assert (subscriber.sms_state, subscriber.email_state) == (
        ConsentState.SUBSCRIBED,
        ConsentState.SUBSCRIBED,
    )
    assert "Nothing to confirm" in client.get("/join/confirm/").content.decode()


def test_a_subscribed_email_gets_new_choices_only_through_its_link(client, mailoutbox):
    new_topic = TopicFactory()
    subscriber = SubscriberFactory(phone="", email_consent=ConsentState.SUBSCRIBED, department="Sales")
    rows_before = ledger(subscriber, Medium.EMAIL)

    sign_up(
        client, email=subscriber.email, preferred_media="email", topics=[new_topic.pk], department="Finance"
    )
    subscriber.refresh_from_db()
    assert (subscriber.department, list(subscriber.topics.all())) == ("Sales", [])

    client.post(emailed_link_path(mailoutbox[0]))

    subscriber.refresh_from_db()
    assert (subscriber.department, list(subscriber.topics.all())) == ("Finance", [new_topic])
    assert ledger(subscriber, Medium.EMAIL) == rows_before


def test_the_confirmation_email_repeats_nothing_the_form_was_given(client, mailoutbox):
    sign_up(
        client, email="dev@acme-learning.example", preferred_media="email", display_name="Buy now at spam"
    )

    assert "spam" not in mailoutbox[0].body


def link_path(subscriber: Subscriber) -> str:
    return urlsplit(email_confirmation_url(subscriber)).path


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_confirmation_link_shows_a_clear_page_and_changes_nothing(client, method):
    subscriber = SubscriberFactory(email_consent=ConsentState.PENDING)
    forged = link_path(subscriber)[:-3] + "xx/"

    response = getattr(client, method)(forged)

    assert response.status_code == 404
    assert "This confirmation link has expired or is not valid" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.PENDING


def test_a_confirmation_link_expires_after_seven_days(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        subscriber = SubscriberFactory(email_consent=ConsentState.PENDING)
        path = link_path(subscriber)
        traveller.shift(timedelta(days=7, minutes=1))

        response = client.post(path)

    assert response.status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.email_state == ConsentState.PENDING


def test_a_confirmation_link_stops_working_once_the_email_changes(client):
    subscriber = SubscriberFactory(email_consent=ConsentState.PENDING)
    path = link_path(subscriber)
    subscriber.email = "someone.else@acme-learning.example"
    subscriber.save()

    response = client.post(path)

    assert response.status_code == 404
    assert ledger(subscriber, Medium.EMAIL) == [(ConsentAction.REQUESTED, ConsentSource.SIGNUP_PAGE)]


def test_an_invitation_link_does_not_confirm_an_email(client):
    subscriber = SubscriberFactory(email_consent=ConsentState.PENDING)
    token = urlsplit(invitation_url(subscriber)).path.split("/")[-2]

    assert client.post(f"/join/email/{token}/").status_code == 404


# The invited sign-up


def invited_path(subscriber: Subscriber) -> str:
    return urlsplit(invitation_url(subscriber)).path


def test_an_invitation_prefills_what_the_import_knew_and_asks_no_code(client):
    invitee = SubscriberFactory(
        phone=PHONE, email="dev@acme-learning.example", department="Finance", location="Dublin"
    )

    page = client.get(invited_path(invitee)).content.decode()

    assert "Your invitation to Learn Socially" in page
    for value in [PHONE, "dev@acme-learning.example", "Finance", "Dublin"]:
        assert f'value="{value}"' in page
    assert "Invitation code" not in page


def test_an_invitee_signs_up_without_a_code_even_with_sign_up_closed(client, settings, mailoutbox):
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = []
    settings.SIGNUP_INVITATION_CODE = ""
    invitee = SubscriberFactory(phone=PHONE, email="dev@personal.example")

    response = sign_up(client, invited_path(invitee), phone=PHONE, email="dev@personal.example")
    enter_code(client, texted_code())

    assert response["Location"] == "/join/confirm/"
    invitee.refresh_from_db()
    assert (invitee.sms_state, invitee.email_state) == (ConsentState.SUBSCRIBED, ConsentState.PENDING)
    assert len(mailoutbox) == 1


def test_start_again_leads_back_to_the_invitation(client):
    path = invited_path(SubscriberFactory(phone=PHONE))
    sign_up(client, path, phone=PHONE, preferred_media="sms")

    page = client.get("/join/confirm/").content.decode()

    assert f'<a href="{path}">Start again</a>' in page


def test_a_bad_invitation_link_shows_a_clear_page(client):
    response = client.get("/join/invited/not-a-real-token/")

    assert response.status_code == 404
    assert "This invitation link has expired or is not valid" in response.content.decode()


def test_an_expired_invitation_link_shows_the_same_page(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        path = invited_path(SubscriberFactory(phone=PHONE))
        traveller.shift(timedelta(days=31))

        response = client.get(path)

    assert response.status_code == 404
    assert "This invitation link has expired or is not valid" in response.content.decode()


def test_an_empty_form_says_what_is_missing(client):
    page = client.post("/join/", {}).content.decode()

    assert "Choose texts, emails or both." in page
    assert "Choose your time zone." in page
    assert (
        "Use your work email address (ending @acme-learning.example), or enter your invitation code." in page
    )


typed_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(phone=typed_text, email=typed_text, name=typed_text)
def test_nothing_typed_into_the_sign_up_form_causes_a_server_error(client, phone, email, name):
    response = sign_up(client, phone=phone, email=email, display_name=name, invitation_code="LEARN-2026")

    assert response.status_code in (200, 302)


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=typed_text)
def test_nothing_typed_as_the_code_causes_a_server_error(client, code):
    sign_up_by_phone(client)

    page = enter_code(client, code).content.decode()

    assert "Check your phone" in page or "You are signed up" in page


def test_a_number_twilio_cannot_text_is_suppressed_and_the_page_looks_the_same(client, twilio_fake):
    twilio_fake.fail_for(PHONE, code=21614, message="'To' number is not a valid mobile number")

    response = sign_up_by_phone(client)

    assert response.status_code == 302
    assert response["Location"] == "/join/confirm/"
    assert consent.is_suppressed(Medium.SMS, PHONE)
