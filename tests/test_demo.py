"""The README's first two commands stay true: `make demo` serves the embedded default where it
says, prints the logins and invitation code the README gives, and every link follows its port."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns import journey_report, journeys, sending
from campaigns.links import account_url, email_confirmation_url, unsubscribe_url
from campaigns.models import Campaign, ConsentState, Journey, JourneyStatus, MediaPreference
from campaigns.preview import campaign_preview
from config.public_address import public_base_url
from curation.demo import DEMO_PASSWORD, DEMO_USERS
from tests.analytics.test_quiz import all_answers, form_data
from tests.factories import SubscriberFactory
from tests.processes import PROJECT_ROOT, run_python

README = (PROJECT_ROOT / "README.md").read_text()

READ_ADDRESS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps([settings.PUBLIC_BASE_URL, settings.SIGNUP_INVITATION_CODE, settings.EMBEDDED_SCHEDULE]))
"""


def embedded_settings(**env: str) -> list:
    """The embedded default's settings in a fresh process, with only `env` set of the demo's own."""
    result = run_python(READ_ADDRESS, {"PUBLIC_BASE_URL": "", "DEMO_HOST": "", "DEMO_PORT": "", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_readmes_first_two_commands_are_make_demo_and_make_test():
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]

    assert commands == ["make demo", "make test"]
    assert "http://127.0.0.1:8000" in first_block.splitlines()[0]


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_demo_serves_where_its_links_point(tmp_path):
    """`make -n` prints the recipe without running it."""

    def recipe(*args: str) -> str:
        return subprocess.run(
            [shutil.which("make"), "-n", "-C", str(PROJECT_ROOT), "demo", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    served = "DEMO_HOST=127.0.0.1 DEMO_PORT=8000 .venv/bin/python manage.py runserver 127.0.0.1:8000"
    assert served in recipe()
    moved = recipe("PORT=18801")
    assert "DEMO_HOST=127.0.0.1 DEMO_PORT=18801 .venv/bin/python manage.py load_demo" in moved
    assert "DEMO_HOST=127.0.0.1 DEMO_PORT=18801 .venv/bin/python manage.py runserver 127.0.0.1:18801" in moved


def test_the_public_address_follows_host_and_port_unless_set():
    assert embedded_settings() == ["http://127.0.0.1:8000", "LEARN-2026", True]
    assert embedded_settings(DEMO_PORT="18801")[0] == "http://127.0.0.1:18801"
    assert embedded_settings(DEMO_HOST="0.0.0.0", DEMO_PORT="18801")[0] == "http://127.0.0.1:18801"  # noqa: S104
    assert embedded_settings(DEMO_HOST="::1", DEMO_PORT="18801")[0] == "http://[::1]:18801"
    set_explicitly = embedded_settings(PUBLIC_BASE_URL="https://learn.acme.example/", DEMO_PORT="18801")
    assert set_explicitly[0] == "https://learn.acme.example"
    # A shell's or platform's own HOST and PORT are not the demo's address.
    assert embedded_settings(HOST="build-7", PORT="5000")[0] == "http://127.0.0.1:8000"


@pytest.mark.django_db
def test_links_in_pages_and_messages_point_at_the_demos_port(client, settings):
    settings.PUBLIC_BASE_URL = public_base_url({"DEMO_HOST": "127.0.0.1", "DEMO_PORT": "18801"})
    employee = SubscriberFactory(
        email="sam@acme-learning.example", email_consent=ConsentState.SUBSCRIBED, sms=ConsentState.SUBSCRIBED
    )

    quiz_result = client.post("/quiz/", form_data(all_answers("d"))).content.decode()

    for link in (account_url(employee), unsubscribe_url(employee), email_confirmation_url(employee)):
        assert link.startswith("http://127.0.0.1:18801/"), link
    assert 'href="http://127.0.0.1:18801/quiz/result/' in quiz_result
    assert "127.0.0.1:8000" not in quiz_result


@pytest.mark.django_db
def test_load_demo_prints_the_readmes_logins_and_invitation_code_at_the_demos_address(settings):
    settings.DEBUG = True
    settings.SIGNUP_INVITATION_CODE = "LEARN-2026"  # the embedded default's, as shown above
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = ["acme-learning.example"]
    settings.PUBLIC_BASE_URL = public_base_url({"DEMO_PORT": "18801"})
    output = io.StringIO()

    call_command("load_demo", stdout=output)

    printed = output.getvalue()
    assert "Curator logins (http://127.0.0.1:18801/admin/):" in printed
    assert "Employees sign up at http://127.0.0.1:18801/join/ with the invitation code LEARN-2026" in printed
    assert "127.0.0.1:8000" not in printed
    for username, *_ in DEMO_USERS:
        assert f"username {username!r}, password {DEMO_PASSWORD!r}" in printed
        # The README gives the same login.
        assert f"username `{username}`, password `{DEMO_PASSWORD}`" in README
    assert "invitation code `LEARN-2026`" in README


@pytest.mark.django_db
def test_the_demo_ships_a_live_welcome_series_with_a_check_whose_report_has_figures(settings, admin_client):
    settings.DEBUG = True
    settings.PROGRAMME_NAME = "Learn Socially"
    output = io.StringIO()

    call_command("load_demo", stdout=output)
    call_command("load_demo", stdout=io.StringIO())  # safe to run again

    journey = Journey.objects.get(name="Welcome to Learn Socially")
    assert journey.status == JourneyStatus.LIVE
    welcome, check, nudge = journey.steps.order_by("position")
    assert (welcome.wait_days, check.wait_days, nudge.wait_days) == (0, 2, 7)
    assert welcome.message.media == MediaPreference.BOTH
    assert check.question == "Which of these calms an angry customer first? Reply A, B or C"
    assert len(check.choices) == 3 and check.correct == "A"
    assert check.message.media == MediaPreference.SMS
    assert check.message.placements.get().item.title == "Three questions that calm an angry customer"
    assert journeys.problems(journey) == []
    assert "Welcome series: live, 3 steps" in output.getvalue()

    report = journey_report.journey_report(journey)
    first, second, third = report.steps
    for figure in (first.entered, first.sent, first.delivered, first.human_clicks, first.useful):
        assert not figure.withheld and figure.value >= 10
    assert not second.answered.withheld and second.right.percent is not None
    assert not third.entered.withheld and not report.finished.withheld
    page = admin_client.get(reverse("admin:campaigns_journey_report", args=[journey.pk])).content.decode()
    assert "Which of these calms an angry customer first?" in page
    # The campaign list stays the demo's three campaigns; the steps are under "Journey steps".
    campaigns = admin_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "Feedback week" in campaigns and "step 1" not in campaigns


@pytest.mark.django_db
def test_the_demo_ships_a_bilingual_draft_whose_preview_costs_each_language(settings, admin_client):
    settings.DEBUG = True
    output = io.StringIO()

    call_command("load_demo", stdout=output)
    call_command("load_demo", stdout=io.StringIO())  # safe to run again

    campaign = Campaign.objects.get(slug="customer-care-week")
    sms, email = campaign_preview(campaign).media
    assert [(v.language, v.segments.encoding) for v in sms.variants] == [
        ("en-gb", "GSM-7"),
        ("fr", "GSM-7"),
        ("ar", "UCS-2"),
    ]
    assert all(variant.recipients > 0 for variant in sms.variants)
    assert [variant.language for variant in email.variants] == ["en-gb", "fr"]
    assert sending.problems(campaign) == []
    assert "Bilingual campaign: 1 draft in English, French and Arabic" in output.getvalue()
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "Bonjour Sam, cinq minutes" in page and "UCS-2 because of" in page
