"""Everything a campaign and a sign-up write to the logs, at DEBUG, from every logger: no one in it.

A whole campaign is launched from the admin and sent by text through the real Twilio client to
its loopback fake and by email over SMTP to a loopback server, with a number the provider calls
invalid, a provider error, a text whose answer never comes and an address the mail server
refuses; employees then open the link in their text and their account page, and the reconciler
settles the unanswered text from Twilio's log (a query by the person's number). A whole sign-up
goes through the web pages: the code by text, the link by email, and a number the provider
refuses. Each step runs as in production: the request commits, its tasks run (eagerly, inside
it), every logger at DEBUG writes through the production handler (filters and JSON formatter).

The log must hold none of the phone numbers, email addresses, names, client addresses, user
agents, tokens, link keys or codes used, and must hold the ids that make it useful: the
request's, the task's and the campaign's, so that a log that wrote nothing would fail too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client

from campaigns.links import account_url
from campaigns.models import (
    ConsentState,
    Delivery,
    DeliveryStatus,
    MediaPreference,
    Medium,
    Subscriber,
)
from campaigns.tasks import reconcile_deliveries
from tests.factories import SubscriberFactory, live_item, ready_campaign
from tests.helpers import TUESDAY_MORNING, path_of
from tests.logs import production_log_lines
from tests.smtp import RecordingHandler, serving

pytestmark = [pytest.mark.requires("postgres", "redis"), pytest.mark.django_db(transaction=True)]

CLIENT_ADDRESS = "198.51.100.23"
FORWARDED_FOR = "203.0.113.99"
AGENT = "LeakProbe/9.9 (campaign-log-probe)"
INVITATION_CODE = "QUILL-7731"


@dataclass
class Employee:
    phone: str
    email: str
    name: str


EMPLOYEES = [
    Employee("+447400946161", "zebulon.quirke@acme-learning.example", "Zebulon Quirke"),
    Employee("+447400946162", "philippa.vantongeren@acme-learning.example", "Philippa Vantongeren"),
    Employee("+447400946163", "ottoline.brackenbury@acme-learning.example", "Ottoline Brackenbury"),
    Employee("+447400946164", "fenwick.oyelaran@acme-learning.example", "Fenwick Oyelaran"),
    Employee("+447400946165", "araminta.szczepanik@acme-learning.example", "Araminta Szczepanik"),
]
BAD_NUMBER, PROVIDER_ERROR, NO_ANSWER = EMPLOYEES[1].phone, EMPLOYEES[2].phone, EMPLOYEES[4].phone
REFUSED_EMAIL = EMPLOYEES[3].email


def distinctive_forms(employee: Employee) -> list[str]:
    """Each value, and the parts that would give it away written some other way."""
    local = employee.email.split("@")[0]
    national = employee.phone.removeprefix("+44")
    return [
        value for value in (employee.phone, national, employee.email, local, *employee.name.split()) if value
    ]


@dataclass
class RefusingHandler(RecordingHandler):
    """The loopback SMTP server, refusing the addresses it is told have no mailbox."""

    refused: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def mail_server(settings):
    with serving(RefusingHandler(refused={REFUSED_EMAIL}), settings) as handler:
        yield handler


@pytest.fixture
def logs():
    """Every line written at DEBUG through production's handler, as JSON, each parsed."""
    with production_log_lines(quiet=["mail.log"]) as lines:  # aiosmtpd's log stands for the provider's
        yield lines


def visitor() -> Client:
    return Client(REMOTE_ADDR=CLIENT_ADDRESS, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=FORWARDED_FOR)


def assert_nothing_personal(lines: list[dict[str, object]], secrets: list[str]) -> None:
    text = "\n".join(json.dumps(line) for line in lines)
    for secret in secrets:
        assert secret not in text, f"{secret!r} is in the log:\n{text}"


def test_a_whole_campaign_is_logged_with_its_ids_and_without_anyone_in_it(
    logs, twilio_fake, mail_server, internal_curator, settings
):
    settings.PUBLIC_BASE_URL = "https://learn.acme-learning.example"
    people = [
        SubscriberFactory(
            phone=employee.phone,
            email=employee.email,
            display_name=employee.name,
            sms=ConsentState.SUBSCRIBED,
            email_consent=ConsentState.SUBSCRIBED,
        )
        for employee in EMPLOYEES
    ]
    twilio_fake.fail_for(
        BAD_NUMBER, code=21211, message=f"The 'To' number {BAD_NUMBER} is not a valid phone number."
    )
    twilio_fake.fail_for(
        PROVIDER_ERROR, status=500, code=20500, message=f"Internal error texting {PROVIDER_ERROR}"
    )
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    twilio_fake.stall_for(NO_ANSWER, 1.5)  # taken, but answered too late: the outcome is unknown
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement], media=MediaPreference.BOTH)
    curator = visitor()
    curator.force_login(internal_curator)

    with time_machine.travel(TUESDAY_MORNING, tick=True):
        launched = curator.post(f"/admin/campaigns/campaign/{campaign.pk}/launch/")
        launch_request = launched["X-Request-ID"]
        # An employee opens the link in their text and their account page; someone guesses a token.
        (text,) = [r for r in twilio_fake.texts_to(EMPLOYEES[0].phone)]
        link = re.search(r"https://\S+/l/\S+", text.params["Body"]).group()
        reader = visitor()
        assert reader.get(path_of(link)).status_code == 302
        assert reader.get(path_of(account_url(people[0]))).status_code == 200
        assert reader.get("/me/bm90LWEtcmVhbC10b2tlbg/").status_code == 404
    with time_machine.travel(TUESDAY_MORNING + timedelta(minutes=5), tick=True):
        reconcile_deliveries.delay()

    sent = Delivery.objects.filter(campaign=campaign)
    assert sent.get(subscriber=people[0], medium=Medium.SMS).status == DeliveryStatus.ACCEPTED
    assert sent.get(subscriber=people[1], medium=Medium.SMS).status == DeliveryStatus.FAILED
    assert sent.get(subscriber=people[3], medium=Medium.EMAIL).status == DeliveryStatus.FAILED
    assert sent.get(subscriber=people[4], medium=Medium.SMS).status == DeliveryStatus.ACCEPTED  # from the log
    assert any(r.method == "GET" and r.params.get("To") == NO_ANSWER for r in twilio_fake.requests)
    assert {r.envelope_to[0] for r in mail_server.received} == {e.email for e in EMPLOYEES} - {REFUSED_EMAIL}

    lines = logs()
    people = Subscriber.objects.filter(pk__in=[p.pk for p in people])
    assert_nothing_personal(
        lines,
        [
            *(form for employee in EMPLOYEES for form in distinctive_forms(employee)),
            *(person.link_key for person in people),
            urlsplit(link).path.rsplit("/", 1)[1],
            path_of(account_url(people.get(phone=EMPLOYEES[0].phone))).split("/")[2],
            "bm90LWEtcmVhbC10b2tlbg",
            CLIENT_ADDRESS,
            FORWARDED_FOR,
            "LeakProbe",
        ],
    )
    # The ids that make the log worth reading: the texts went out in a send task the launch queued.
    sending = [
        line
        for line in lines
        if line.get("campaign_id") == campaign.pk
        and line.get("task_name") == "campaigns.tasks.send_deliveries"
        and line.get("request_id") == launch_request
    ]
    assert sending, "no line of the send carries its campaign, its task and the launch's request"
    assert len({line["task_id"] for line in sending}) == 1
    reconciling = [
        line
        for line in lines
        if line.get("campaign_id") == campaign.pk
        and line.get("task_name") == "campaigns.tasks.reconcile_deliveries"
    ]
    assert reconciling, "no line of the reconciler's query to Twilio carries the campaign"
    assert any(line["message"] == "Not Found: /me/<redacted>/" and line.get("request_id") for line in lines)


SIGNING_UP = Employee("+447400946171", "wilhelmina.ashdown@acme-learning.example", "")
REFUSED_SIGN_UP = Employee("+447400946172", "", "")
FORGED_TOKEN = "d2lsaGVsbWluYS1mb3JnZWQ"


@pytest.fixture
def open_signup(settings):
    settings.PROGRAMME_NAME = "Learn Socially"
    settings.PUBLIC_BASE_URL = "https://learn.acme-learning.example"
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = ["acme-learning.example"]
    settings.SIGNUP_INVITATION_CODE = INVITATION_CODE
    settings.SIGNUP_ALLOWED_REGIONS = ["GB"]
    settings.PHONE_DEFAULT_REGION = "GB"


def test_a_whole_sign_up_is_logged_without_the_number_address_code_or_link(
    logs, twilio_fake, mail_server, open_signup
):
    twilio_fake.fail_for(
        REFUSED_SIGN_UP.phone,
        code=21610,
        message=f"Attempt to send to unsubscribed recipient {REFUSED_SIGN_UP.phone}",
    )
    employee, stranger = visitor(), visitor()

    with time_machine.travel(TUESDAY_MORNING, tick=True):
        assert employee.get("/join/").status_code == 200
        # Typed as people type them: the national number with spaces, the address in capitals.
        started = employee.post(
            "/join/",
            {
                "phone": "07400 946171",
                "email": SIGNING_UP.email.upper(),
                "preferred_media": "both",
                "time_zone": "Europe/London",
                "invitation_code": INVITATION_CODE,
            },
        )
        assert started.status_code == 302
        (text,) = twilio_fake.texts_to(SIGNING_UP.phone)
        code = re.search(r"code is (\d{6})", text.params["Body"]).group(1)
        assert (
            employee.post("/join/confirm/", {"code": f"{(int(code) + 1) % 1_000_000:06d}"}).status_code == 200
        )
        assert employee.post("/join/confirm/", {"code": code}).status_code in (200, 302)
        (email,) = mail_server.received
        body = email.message.get_body(("plain",)).get_content()
        link = urlsplit(re.search(r"https://\S+/join/email/\S+/", body).group()).path
        assert employee.get(link).status_code == 200
        assert employee.post(link).status_code == 200
        assert stranger.get(f"/join/email/{FORGED_TOKEN}/").status_code == 404
        # A number the provider will not text: the page looks the same, the log says why.
        refused = stranger.post(
            "/join/",
            {
                "phone": REFUSED_SIGN_UP.phone,
                "preferred_media": "sms",
                "time_zone": "Europe/London",
                "invitation_code": INVITATION_CODE,
            },
        )
        assert refused.status_code == 302

    person = Subscriber.objects.get(phone=SIGNING_UP.phone)
    assert (person.sms_state, person.email_state) == (ConsentState.SUBSCRIBED, ConsentState.SUBSCRIBED)
    lines = logs()
    assert_nothing_personal(
        lines,
        [
            *distinctive_forms(SIGNING_UP),
            "07400 946171",
            *distinctive_forms(REFUSED_SIGN_UP),
            code,
            INVITATION_CODE,
            FORGED_TOKEN,
            link.split("/")[3],
            *Subscriber.objects.values_list("link_key", flat=True),
            CLIENT_ADDRESS,
            FORWARDED_FOR,
            "LeakProbe",
        ],
    )
    # The code's text was sent by the task the form queued, in the form's request.
    texting = [
        line
        for line in lines
        if line.get("task_name") == "campaigns.tasks.start_signup"
        and line.get("request_id") == started["X-Request-ID"]
    ]
    assert texting, "no line of the code's sending carries its task and the form's request"
    refusal = Subscriber.objects.get(phone=REFUSED_SIGN_UP.phone)
    assert any(
        line["message"] == f"Sign-up code for subscriber #{refusal.pk} not sent: suppress (code 21610)"
        and line.get("request_id") == refused["X-Request-ID"]
        for line in lines
    ), "the refused code is not logged, or not with its request"
    assert any(line["message"] == "Not Found: /join/email/<redacted>/" for line in lines)
