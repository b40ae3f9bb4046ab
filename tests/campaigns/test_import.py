"""Importing employees from HR's file: preview, then confirm; clear row errors; invitees, not consent."""

from __future__ import annotations

import html
import io
import re
import time

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import consent
from campaigns.imports import COLUMNS, SubscriberResource
from campaigns.models import (
    ConsentAction,
    ConsentSource,
    ConsentState,
    ContactAccessAction,
    ContactAccessLog,
    Medium,
    Subscriber,
)
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
CSV, XLSX = "0", "1"


def csv_file(*rows: str, bom: bool = False) -> SimpleUploadedFile:
    text = "\n".join([HEADER, *rows]) + "\n"
    return SimpleUploadedFile("employees.csv", (b"\xef\xbb\xbf" if bom else b"") + text.encode())


def preview(client, upload: SimpleUploadedFile, fmt: str = CSV, evidence: str = ""):
    return client.post(
        reverse("admin:campaigns_subscriber_import"),
        {"import_file": upload, "format": fmt, "consent_evidence": evidence},
    )


def confirm(client, previewed):
    """Press "Confirm import" on the preview page, as the curator would; returns the page they land on."""
    page = previewed.content.decode()
    hidden = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    fields = ("import_file_name", "original_file_name", "format", "resource", "consent_evidence")
    response = client.post(
        reverse("admin:campaigns_subscriber_process_import"),
        {k: hidden.get(k, "") for k in fields},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302
    return response


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_nothing_is_saved_until_the_curator_confirms(internal_client):
    previewed = preview(
        internal_client, csv_file("07400 123456,amira@acme-learning.example,Amira,Sales,Leeds,,,")
    )

    text = page_text(previewed)
    assert "Preview: nothing is saved until you confirm" in text
    assert "1 row read: 1 new, 0 updated, 0 skipped (0 on the suppression list), 0 with errors." in text
    assert not Subscriber.objects.exists()

    finished = confirm(internal_client, previewed)

    assert (
        "Import finished. 1 row read: 1 new, 0 updated, 0 skipped (0 on the suppression list), 0 with errors."
        in (page_text(finished))
    )

    imported = Subscriber.objects.get()
    assert (imported.phone, imported.email, imported.department) == (
        "+447400123456",
        "amira@acme-learning.example",
        "Sales",
    )
    assert (imported.sms_state, imported.email_state) == (ConsentState.NONE, ConsentState.NONE)


def test_a_confirmed_import_is_logged_as_contact_data_taken_in(internal_client, internal_curator):
    previewed = preview(internal_client, csv_file("07400 123456,,,,,,,", ",ola@acme-learning.example,,,,,,"))

    assert not ContactAccessLog.objects.filter(action=ContactAccessAction.IMPORTED).exists()
    confirm(internal_client, previewed)

    assert list(
        ContactAccessLog.objects.filter(action=ContactAccessAction.IMPORTED).values_list(
            "user", "subscriber_count", "detail"
        )
    ) == [(internal_curator.pk, 2, "Subscriber import")]


def test_a_file_with_a_byte_order_mark_imports(internal_client):
    TopicFactory(name="Wellbeing", slug="wellbeing")

    confirm(
        internal_client, preview(internal_client, csv_file("+447400123456,,,,,,Wellbeing;,sms", bom=True))
    )

    assert list(Subscriber.objects.get().topics.values_list("name", flat=True)) == ["Wellbeing"]


def test_an_xlsx_file_imports(internal_client):
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS))
    book.active.append(
        ["07400 123456", "ben@acme-learning.example", "Ben", "Finance", "Dublin", "Europe/Dublin"]
    )
    content = io.BytesIO()
    book.save(content)

    confirm(
        internal_client, preview(internal_client, SimpleUploadedFile("hr.xlsx", content.getvalue()), XLSX)
    )

    assert Subscriber.objects.get().time_zone == "Europe/Dublin"


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "call me,,,,,,,",
            "Row 3, phone: That does not look like a phone number. Try the full number, e.g. 07400 123456.",
        ),
        (
            "+15005550006,,,,,,,",
            "Row 3, phone: We can only text numbers in the countries where we employ people (GB, IE).",
        ),
        ("+447400,,,,,,,", "Row 3, phone: That number is not valid. Check the digits and the country code."),
        (
            "07400 123456,,,,,Mars/Olympus,,",
            "Row 3, time_zone: “Mars/Olympus” is not a time zone name such as Europe/London.",
        ),
        (
            "07400 123456,,,,,,Knitting,",
            "Row 3, topics: Unknown topic: Knitting. Use the names in the topics list.",
        ),
        ("07400 123456,,,,,,,pigeon", "Row 3, preferred_media: Value 'pigeon' is not a valid choice."),
        (",not-an-address,,,,,,", "Row 3, email: Enter a valid email address."),
        (",,,,,,,", "Row 3, phone: Give a phone number or an email address."),
    ],
)
def test_each_bad_row_names_its_row_and_field(internal_client, row, error):
    response = preview(internal_client, csv_file("07400 654321,ok@acme-learning.example,,,,,,", row))

    text = page_text(response)
    assert "Nothing was imported: some rows need correcting" in text
    assert "2 rows read: 1 new, 0 updated, 0 skipped (0 on the suppression list), 1 with errors." in text
    assert error in text
    assert "Confirm import" not in text
    assert not Subscriber.objects.exists()


def test_every_bad_field_of_a_row_is_named_at_once(internal_client):
    response = preview(internal_client, csv_file("call me,,,,,Mars/Olympus,Knitting,"))

    assert re.findall(r"<li>(Row [^<]+)</li>", response.content.decode()) == [
        "Row 2, phone: That does not look like a phone number. Try the full number, e.g. 07400 123456.",
        "Row 2, topics: Unknown topic: Knitting. Use the names in the topics list.",
        "Row 2, time_zone: “Mars/Olympus” is not a time zone name such as Europe/London.",
    ]


def test_a_person_repeated_in_the_file_is_refused_whatever_the_format_or_case(internal_client):
    response = preview(
        internal_client,
        csv_file(
            "07400 123456,a@acme-learning.example,,,,,,",
            "+447400123456,,,,,,,",
            ",A@Acme-Learning.example,,,,,,",
        ),
    )

    text = page_text(response)
    assert "Row 3, phone: Already in row 2 of this file." in text
    assert "Row 4, email: Already in row 2 of this file." in text


def test_a_row_joining_two_existing_employees_is_refused(internal_client):
    SubscriberFactory(phone="+447400123456", email="")
    SubscriberFactory(phone="", email="b@acme-learning.example")

    response = preview(internal_client, csv_file("07400 123456,B@acme-learning.example,,,,,,"))

    assert "Row 2, email: Another employee already has this email address." in page_text(response)


def test_an_existing_employee_is_updated_not_duplicated_whatever_the_email_case(internal_client):
    existing = SubscriberFactory(phone="", email="Chloe@Acme-Learning.example", department="Sales")

    previewed = preview(internal_client, csv_file(",CHLOE@acme-learning.example,,People,,,,"))
    confirm(internal_client, previewed)

    assert "0 new, 1 updated" in page_text(previewed)
    assert "Update: changes department" in page_text(previewed)
    existing.refresh_from_db()
    assert Subscriber.objects.count() == 1
    assert existing.department == "People"


def test_a_blank_cell_keeps_what_we_hold_and_an_unchanged_row_is_skipped(internal_client):
    wellbeing = TopicFactory(name="Wellbeing", slug="wellbeing")
    existing = SubscriberFactory(
        phone="+447400123456", email="dara@acme-learning.example", department="Sales", location="Leeds"
    )
    existing.topics.add(wellbeing)

    changed = preview(internal_client, csv_file("07400 123456,,,,Dublin,,,"))
    confirm(internal_client, changed)
    assert "Update: changes location" in page_text(changed)
    unchanged = preview(internal_client, csv_file("+447400123456,DARA@acme-learning.example,,Sales,,,,"))

    existing.refresh_from_db()
    assert (existing.email, existing.department, existing.location) == (
        "dara@acme-learning.example",
        "Sales",
        "Dublin",
    )
    assert list(existing.topics.all()) == [wellbeing]
    assert "0 new, 0 updated, 1 skipped (0 on the suppression list)" in page_text(unchanged)
    assert "Skipped: Already held, nothing changed." in page_text(unchanged)


def test_suppressed_and_erased_employees_stay_out(internal_client):
    opted_out = SubscriberFactory(phone="+447400111111", sms=ConsentState.OPTED_OUT)
    erased = SubscriberFactory(phone="+447400222222", email="gone@acme-learning.example")
    consent.erase_subscriber(subscriber=erased)

    previewed = preview(
        internal_client,
        csv_file("07400 111111,,,,,,,", "07400 222222,,,,,,,", ",GONE@acme-learning.example,,,,,,"),
    )
    finished = confirm(internal_client, previewed)

    text = page_text(previewed)
    assert "3 rows read: 0 new, 0 updated, 3 skipped (3 on the suppression list), 0 with errors." in text
    assert text.count("Skipped: On the suppression list (opted out, unreachable or erased): left out.") == 3
    assert "3 skipped (3 on the suppression list)" in page_text(finished)
    assert list(Subscriber.objects.all()) == [opted_out]
    opted_out.refresh_from_db()
    assert opted_out.sms_state == ConsentState.OPTED_OUT


def test_consent_held_elsewhere_is_recorded_with_its_evidence(internal_client):
    evidence = "HR onboarding form, signed 2026"
    confirm(
        internal_client,
        preview(internal_client, csv_file("07400 123456,dev@acme-learning.example,,,,,,"), evidence=evidence),
    )

    imported = Subscriber.objects.get()
    assert (imported.sms_state, imported.email_state) == (ConsentState.SUBSCRIBED, ConsentState.SUBSCRIBED)
    event = imported.consent_events.get(medium=Medium.SMS)
    assert (event.action, event.source, event.evidence) == (
        ConsentAction.OPTED_IN,
        ConsentSource.IMPORT,
        f"Consent held elsewhere: {evidence}",
    )


def test_consent_held_elsewhere_never_overrides_an_opt_out(internal_client):
    said_no = SubscriberFactory(
        phone="+447400123456", email="eve@acme-learning.example", email_consent=ConsentState.OPTED_OUT
    )

    previewed = preview(internal_client, csv_file("07400 123456,,,Finance,,,,"), evidence="HR form")
    confirm(internal_client, previewed)

    said_no.refresh_from_db()
    assert (said_no.department, said_no.email_state) == ("Sales", ConsentState.OPTED_OUT)
    assert "1 skipped (1 on the suppression list)" in page_text(previewed)


def test_without_evidence_imported_people_are_invitees_with_an_empty_ledger(internal_client):
    confirm(
        internal_client, preview(internal_client, csv_file("07400 123456,fay@acme-learning.example,,,,,,"))
    )

    imported = Subscriber.objects.get()
    assert (imported.sms_state, imported.email_state) == (ConsentState.NONE, ConsentState.NONE)
    assert not imported.consent_events.exists()


def test_ten_thousand_rows_import(capsys):
    rows = [
        (f"+4474{n:08d}", f"employee{n}@acme-learning.example", "", "Sales", "Leeds", "", "", "", "")
        for n in range(10_000)
    ]
    dataset = tablib.Dataset(*rows, headers=list(COLUMNS))

    started = time.perf_counter()
    result = SubscriberResource().import_data(dataset, dry_run=False)
    seconds = time.perf_counter() - started

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 10_000
    assert Subscriber.objects.count() == 10_000
    with capsys.disabled():
        print(f"\n10,000-row import: {seconds:.1f} s")


def test_the_import_page_says_an_import_is_not_consent_and_asks_for_evidence(internal_client):
    page = page_text(internal_client.get(reverse("admin:campaigns_subscriber_import")))

    assert "An import is not consent: new people become invitees" in page
    assert "Consent already held elsewhere" in page
