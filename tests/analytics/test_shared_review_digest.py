"""The stakeholders' digest under attack: an address typed twice in another case, an address too
long to record, a mail server that drops the connection mid-list, and two workers at once, all over
real SMTP on loopback (tests/smtp.py)."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection as db_connection
from django.urls import reverse

from analytics.digest import send_review_digests
from analytics.models import ReviewDigest, ReviewDigestSent
from tests.analytics.test_shared_review import ALL, MEETING_MORNING, WEEK, small_and_large_items
from tests.smtp import RecordingHandler, serving

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def the_week_after():
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


def a_digest(addresses: str) -> ReviewDigest:
    return ReviewDigest.objects.create(label="Stakeholders", addresses=addresses, sections=ALL)


def post_digest(client, addresses: str):
    return client.post(
        reverse("admin:analytics_reviewdigest_add"),
        {
            "label": "Board",
            "addresses": addresses,
            "sections": ["glance"],
            "is_active": "on",
            "sent-TOTAL_FORMS": "0",
            "sent-INITIAL_FORMS": "0",
        },
    )


def test_an_address_typed_twice_in_another_case_is_kept_once(internal_client):
    response = post_digest(
        internal_client, "CFO@Example.org\ncfo@example.org\nhr@example.org\nHR@EXAMPLE.ORG"
    )

    assert response.status_code == 302
    assert ReviewDigest.objects.get().address_list == ["CFO@Example.org", "hr@example.org"]


def test_one_mailbox_gets_one_digest_whatever_the_case_it_is_listed_in(settings):
    small_and_large_items()
    a_digest("CFO@Example.org\ncfo@example.org")  # saved round the form (a shell, an old row)

    with serving(RecordingHandler(), settings) as server:
        run = send_review_digests()

    assert run.sent == 1 and len(server.received) == 1


def test_an_address_longer_than_a_mailbox_may_be_is_refused_in_the_admin(internal_client):
    too_long = f"{'a' * 64}.{'b' * 64}.{'c' * 64}.{'d' * 50}@example.org"  # 258 characters
    assert len(too_long) > 254

    response = post_digest(internal_client, f"cfo@example.org\n{too_long}")

    assert response.status_code == 200
    assert "Line 2" in response.content.decode() and "too long" in response.content.decode()
    assert not ReviewDigest.objects.exists()


def test_an_address_too_long_to_record_does_not_stop_the_others(settings):
    small_and_large_items()
    too_long = f"{'a' * 64}.{'b' * 64}.{'c' * 64}.{'d' * 50}@example.org"
    a_digest(f"{too_long}\ncfo@example.org")  # saved round the form

    with serving(RecordingHandler(), settings) as server:
        run = send_review_digests()

    assert [r.envelope_to for r in server.received] == [["cfo@example.org"]]
    assert run.sent == 1


class DropsTheLine(RecordingHandler):
    """Answers 421 (service closing) to one recipient, as a provider's rate limit does: the client
    closes the connection, and the rest of the list needs a new one."""

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address == "second@example.org":
            return "421 4.7.0 Too many messages, closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_connection_dropped_mid_list_fails_one_address_and_the_rest_still_go(settings):
    small_and_large_items()
    a_digest("first@example.org\nsecond@example.org\nthird@example.org\nfourth@example.org")

    with serving(DropsTheLine(), settings) as server:
        run = send_review_digests()

    delivered = sorted(r.envelope_to[0] for r in server.received)
    assert delivered == ["first@example.org", "fourth@example.org", "third@example.org"]
    assert (run.sent, run.failed) == (3, 1)
    failed = ReviewDigestSent.objects.get(sent_at=None)
    assert failed.address == "second@example.org" and "421" in failed.error


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_address_once(settings):
    small_and_large_items()
    a_digest("\n".join(f"person{n}@example.org" for n in range(12)))
    runs, errors = [], []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            runs.append(send_review_digests())
        except Exception as error:
            errors.append(error)
        finally:
            db_connection.close()

    with serving(RecordingHandler(), settings) as server:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert errors == []
    assert sorted(r.envelope_to[0] for r in server.received) == sorted(
        f"person{n}@example.org" for n in range(12)
    )
    assert sum(run.sent for run in runs) == 12
    assert ReviewDigestSent.objects.filter(week=WEEK).count() == 12


def test_the_digest_says_what_is_incomplete_as_the_page_does_and_keeps_the_sync_log_to_the_team(
    settings, client
):
    from django.utils import timezone

    from analytics import sharing
    from analytics.models import Source, SyncRun, SyncStatus
    from tests.analytics.test_dashboard import figures, live_placement
    from tests.factories import GA4BlogFactory

    blog = GA4BlogFactory(name="Acme blog")
    late = live_placement(title="Late figures", channel=blog)
    figures(late, WEEK, active_users=10, sessions=10, engaged_sessions=10, views=10)  # Monday only
    SyncRun.objects.create(
        source=Source.GA4,
        channel=blog,
        period_start=WEEK,
        period_end=WEEK,
        status=SyncStatus.FAILED,
        finished_at=timezone.now(),
    )
    a_digest("cfo@example.org")
    _share, token = sharing.create_share(
        label="Board", sections=ALL, expires_on=MEETING_MORNING.date(), created_by=None
    )

    with serving(RecordingHandler(), settings) as server:
        send_review_digests()
    page = client.get(reverse("shared-review", args=[token])).content.decode()

    message = server.received[0].message
    for part in (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content(), page):
        assert "Acme blog" in part and "1 of" in part and "incomplete" in part
        assert "sync" not in part.lower() and "filters" not in part


def test_the_email_carries_the_pages_figures_for_its_sections_and_no_link_at_all(settings, client):
    import re

    from analytics import sharing
    from analytics.models import ReviewSection

    small_and_large_items()
    chosen = [ReviewSection.GLANCE, ReviewSection.SUGGESTIONS]
    ReviewDigest.objects.create(label="Board", addresses="cfo@example.org", sections=chosen)
    _share, token = sharing.create_share(
        label="Board", sections=chosen, expires_on=MEETING_MORNING.date(), created_by=None
    )

    with serving(RecordingHandler(), settings) as server:
        send_review_digests()
    page = client.get(reverse("shared-review", args=[token])).content.decode()
    message = server.received[0].message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()

    section = page[page.index('id="headlines"') : page.index("</section>", page.index('id="headlines"'))]
    shown = re.findall(r'class="headline-value[^"]*">([^<]*)<', section)
    headlines = re.findall(r"^- [^:]+: (.*?) \(", text, re.M)
    assert shown and headlines[: len(shown)] == shown
    for part in (text, html):
        assert "http" not in part and "/admin/" not in part and "href" not in part
        assert "trends" not in part.lower() and "past decisions" not in part.lower()  # not chosen
