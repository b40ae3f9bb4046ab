"""Importing employees from HR's file: preview, then confirm; clear row errors; invitees, not consent."""

from __future__ import annotations

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
from campaigns.models import ConsentSource, ConsentState, Medium, Subscriber
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


def confirm(client, previewed) -> None:
    page = previewed.content.decode()
    hidden = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    fields = ("import_file_name", "original_file_name", "format", "resource", "consent_evidence")
    response = client.post(
        reverse("admin:campaigns_subscriber_process_import"), {k: hidden.get(k, "") for k in fields}
    )
    assert response.status_code == 302


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_nothing_is_saved_until_the_curator_confirms(internal_client):
    previewed = preview(
        internal_client, csv_file("07400 123456,amira@acme-learning.example,Amira,Sales,Leeds,,,")
    )

    assert "Below is a preview of data to be imported" in page_text(previewed)
    assert not Subscriber.objects.exists()

    confirm(internal_client, previewed)

    imported = Subscriber.objects.get()
    assert (imported.phone, imported.email, imported.department) == (
        "+447400123456",
        "amira@acme-learning.example",
        "Sales",
    )
    assert (imported.sms_state, imported.email_state) == (ConsentState.NONE, ConsentState.NONE)


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
            "phone That does not look like a phone number. Try the full number, e.g. 07400 123456.",
        ),
        (
            "+15005550006,,,,,,,",
            "phone We can only text numbers in the countries where we employ people (GB, IE).",
        ),
        ("+447400,,,,,,,", "phone That number is not valid. Check the digits and the country code."),
        (
            "07400 123456,,,,,Mars/Olympus,,",
            "time_zone “Mars/Olympus” is not a time zone name such as Europe/London.",
        ),
        ("07400 123456,,,,,,Knitting,", "topics Unknown topic: Knitting. Use the names in the topics list."),
        (",,,,,,,", "phone Give a phone number or an email address."),
    ],
)
def test_each_bad_row_names_its_row_and_field(internal_client, row, error):
    response = preview(internal_client, csv_file("07400 654321,ok@acme-learning.example,,,,,,", row))

    text = page_text(response)
    assert "Some rows failed to validate" in text
    assert f"2 1 {error}" in text
    assert not Subscriber.objects.exists()


def test_a_row_repeated_in_the_file_is_refused(internal_client):
    response = preview(
        internal_client, csv_file("07400 123456,a@acme-learning.example,,,,,,", "+447400123456,,,,,,,")
    )

    assert "2 1 phone Already in row 1 of this file." in page_text(response)


def test_an_existing_employee_is_updated_not_duplicated_whatever_the_email_case(internal_client):
    existing = SubscriberFactory(phone="", email="Chloe@Acme-Learning.example", department="Sales")

    confirm(internal_client, preview(internal_client, csv_file(",CHLOE@acme-learning.example,,People,,,,")))

    existing.refresh_from_db()
    assert Subscriber.objects.count() == 1
    assert existing.department == "People"


def test_suppressed_and_erased_employees_stay_out(internal_client):
    opted_out = SubscriberFactory(phone="+447400111111", sms=ConsentState.OPTED_OUT)
    erased = SubscriberFactory(phone="+447400222222", email="gone@acme-learning.example")
    consent.erase_subscriber(subscriber=erased)

    previewed = preview(
        internal_client,
        csv_file("07400 111111,,,,,,,", "07400 222222,,,,,,,", ",GONE@acme-learning.example,,,,,,"),
    )
    confirm(internal_client, previewed)

    assert page_text(previewed).count("Skipped") == 3
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
    assert (event.source, event.evidence) == (ConsentSource.IMPORT, f"Consent held elsewhere: {evidence}")


def test_ten_thousand_rows_import(capsys):
    rows = [
        (f"+4474{n:08d}", f"employee{n}@acme-learning.example", "", "Sales", "Leeds", "", "", "")
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
