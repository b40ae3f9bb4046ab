"""The weekly review shared read-only: links (expiry, password, revocation, counting, the token kept
only as a digest), the page's privacy against the admin dashboard's figures, who may make a link,
and the stakeholders' weekly digest over real SMTP on loopback."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from analytics import reviews, sharing
from analytics.digest import send_review_digests
from analytics.models import ReviewDigest, ReviewDigestSent, ReviewSection, ReviewShare
from analytics.tasks import prepare_weekly_review
from config.redaction import redact
from curation.models import DecisionAction, IntendedEffect
from tests.analytics.test_dashboard import figures, live_placement
from tests.factories import GA4BlogFactory, subscribed_employees
from tests.smtp import RecordingHandler, serving

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # Monday of 2026-W47
MEETING_MORNING = datetime(2026, 11, 24, 9, tzinfo=UTC)  # the Tuesday after: W47 is the last complete week
ALL = ReviewSection.values


@pytest.fixture(autouse=True)
def the_week_after():
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


def share(*, sections=ALL, days: int = 30, password: str = "", by=None) -> tuple[ReviewShare, str]:
    return sharing.create_share(
        label="Board",
        sections=sections,
        expires_on=date(2026, 11, 24) + timedelta(days=days),
        password=password,
        created_by=by,
    )


def address(token: str) -> str:
    return reverse("shared-review", args=[token])


def small_and_large_items() -> None:
    """One item seen by four people (withheld) and one by five (shown, rounded to ten)."""
    for title, people in (("Four people came", 4), ("Five people came", 5)):
        placement = live_placement(title=title)
        figures(
            placement,
            WEEK,
            active_users=people,
            sessions=people,
            engaged_sessions=people,
            views=people,
            average_duration_seconds=40.0,
        )


# The links.


def test_only_a_digest_of_the_token_is_stored():
    made, token = share()

    stored = ReviewShare.objects.filter(pk=made.pk).values().get()
    assert token not in repr(stored)
    assert made.token_digest == sharing.digest_of(token) != token
    assert sharing.share_url(token).endswith(f"/review/shared/{token}/")


def test_a_link_expires_at_the_end_of_its_last_day(client):
    _made, token = share(days=3)  # through Friday 27 November

    with time_machine.travel(datetime(2026, 11, 27, 22, tzinfo=UTC), tick=False):
        assert sharing.open_share(token=token).outcome is sharing.Outcome.OPEN
    with time_machine.travel(datetime(2026, 11, 28, 1, tzinfo=UTC), tick=False):
        assert sharing.open_share(token=token).outcome is sharing.Outcome.NOT_AVAILABLE
        assert client.get(address(token)).status_code == 404


def test_an_expiry_past_ninety_days_or_in_the_past_is_refused_in_plain_words():
    with pytest.raises(ValidationError, match="90 days at most"):
        share(days=91)
    with pytest.raises(ValidationError, match="today or later"):
        share(days=-1)
    with pytest.raises(ValidationError, match="at least one section"):
        share(sections=[])
    with pytest.raises(ValidationError, match="not a section"):
        share(sections=["contacts"])
    assert not ReviewShare.objects.exists()


def test_a_revoked_link_opens_nothing_and_unknown_expired_and_revoked_look_the_same(client):
    revoked, revoked_token = share()
    _expired, expired_token = share(days=0)
    sharing.revoke_share(share=revoked)
    first = revoked.revoked_at
    sharing.revoke_share(share=revoked)
    assert revoked.revoked_at == first  # revoking twice keeps the first time

    with time_machine.travel(datetime(2026, 11, 26, tzinfo=UTC), tick=False):
        tokens = (revoked_token, expired_token, "x" * 43, "short")
        pages = {token: client.get(address(token)) for token in tokens}

    assert {page.status_code for page in pages.values()} == {404}
    bodies = {
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode()).replace(token, "")
        for token, page in pages.items()
    }
    assert len(bodies) == 1
    assert "This link is not available" in bodies.pop()


def test_a_password_is_asked_once_a_wrong_one_refused_and_the_right_one_remembered(client):
    _made, token = share(password="correct horse")

    asked = client.get(address(token))
    assert asked.status_code == 200 and 'type="password"' in asked.content.decode()
    assert "This week at a glance" not in asked.content.decode()

    wrong = client.post(address(token), {"password": "wrong"})
    assert wrong.status_code == 403 and "not the password" in wrong.content.decode()

    right = client.post(address(token), {"password": "correct horse"})
    assert right.status_code == 302
    page = client.get(address(token))
    assert "This week at a glance" in page.content.decode()
    assert client.get(address(token)).status_code == 200  # remembered for this browser's session


def test_a_burst_of_wrong_passwords_is_refused_even_with_the_right_one_last(client, settings):
    settings.REVIEW_SHARE_PASSWORD_RATE = "3/15m"
    _made, token = share(password="correct horse")

    answers = [client.post(address(token), {"password": f"guess {n}"}).status_code for n in range(3)]
    refused = client.post(address(token), {"password": "correct horse"})

    assert answers == [403, 403, 403]
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.content.decode()
    assert client.get(address(token)).status_code == 200  # still the password form, not the review
    assert "This week at a glance" not in client.get(address(token)).content.decode()


def test_another_links_password_does_not_open_this_one(client):
    _one, one_token = share(password="first")
    _two, two_token = share(password="second")

    client.post(address(one_token), {"password": "first"})

    assert "This week at a glance" in client.get(address(one_token)).content.decode()
    assert "This week at a glance" not in client.get(address(two_token)).content.decode()


def test_each_opening_is_counted_once_per_browser_with_a_day_and_nothing_else(client, django_user_model):
    made, token = share()
    other = type(client)()

    for _ in range(3):
        client.get(address(token))
    other.get(address(token))

    made.refresh_from_db()
    assert made.openings == 2
    assert made.last_opened_on == date(2026, 11, 24)
    stored = {field.name for field in ReviewShare._meta.fields}
    assert not stored & {"ip", "ip_address", "user_agent", "last_opened_at"}


def test_the_token_never_reaches_a_log_line():
    _made, token = share()
    line = f'"GET /review/shared/{token}/ HTTP/1.1" 200'

    assert token not in redact(line)
    assert "/review/shared/<redacted>/" in redact(line)


# The page's privacy.


def test_the_page_shows_the_admin_dashboards_figures_and_withholds_what_it_withholds(client, internal_client):
    small_and_large_items()
    _made, token = share(sections=[ReviewSection.GLANCE, ReviewSection.SUGGESTIONS])

    admin_page = internal_client.get(reverse("review:week", args=["2026-W47"])).content.decode()
    shared_page = client.get(address(token)).content.decode()

    def glance(html: str) -> list[str]:
        section = html[html.index('id="headlines"') : html.index("</section>", html.index('id="headlines"'))]
        return re.findall(r'class="headline-value[^"]*">([^<]*)<', section)

    assert glance(shared_page) == glance(admin_page) != []
    assert "fewer than 5" in admin_page  # the small item is withheld on the dashboard...
    shared_table = shared_page[shared_page.index('id="table-headlines"') :]
    admin_table = admin_page[admin_page.index('id="table-headlines"') :]
    strip = re.compile(r"<a [^>]*>.*?</a>", re.S)
    assert strip.sub("", shared_table.split("</table>")[0]) == strip.sub("", admin_table.split("</table>")[0])


def test_the_page_shows_only_the_chosen_sections(client):
    small_and_large_items()
    _made, token = share(sections=[ReviewSection.SUGGESTIONS])

    page = client.get(address(token)).content.decode()

    assert "Suggestions the data supports" in page
    assert "This week at a glance" not in page and 'id="trends"' not in page
    assert 'id="review-charts"' not in page  # no chart figures of sections not chosen, even hidden


def test_no_contact_data_no_admin_links_and_no_forms_but_the_week(client, internal_curator):
    people = subscribed_employees(6)
    small_and_large_items()
    internal_curator.email = "curator.private@acme-learning.example"
    internal_curator.save()
    _made, token = share(by=internal_curator)

    response = client.get(address(token))
    page = response.content.decode()

    for person in people:
        assert person.email not in page and person.phone not in page and person.display_name not in page
    assert internal_curator.email not in page and internal_curator.username not in page
    assert "/admin/" not in page and "/csv/" not in page and " download" not in page
    assert re.findall(r"<form[^>]*>", page) == [
        f'<form class="language-switcher" action="{reverse("set_language")}" method="post">',
        '<form class="shared-review-weeks" method="get" aria-label="Week">',
    ]
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_every_answer_is_kept_out_of_caches_and_search_engines(client):
    _made, token = share(password="secret")
    _open, open_token = share()

    answers = {
        "review": client.get(address(open_token)),
        "password": client.get(address(token)),
        "wrong password": client.post(address(token), {"password": "nope"}),
        "not available": client.get(address("z" * 43)),
    }
    for response in answers.values():
        assert "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Each page posts back to us (password, language), which needs an Origin ("null" under
    # no-referrer): the address goes to our own server only, never to another site.
    assert {response["Referrer-Policy"] for response in answers.values()} == {"same-origin"}


def test_a_week_outside_the_twelve_shown_falls_back_to_the_last_complete_week(client):
    _made, token = share(sections=[ReviewSection.GLANCE])

    older = client.get(address(token), {"week": "2026-W40"}).content.decode()
    outside = client.get(address(token), {"week": "2020-W01"}).content.decode()

    assert "Week 40, 2026" in older
    assert "Week 47, 2026" in outside and "is not one of the weeks this link shows" in outside


# Who may make a link.


def test_an_internal_curator_makes_a_link_and_sees_it_once(internal_client):
    response = internal_client.post(
        reverse("admin:analytics_reviewshare_add"),
        {"label": "Board", "sections": ["glance", "trends"], "expires_on": "2026-12-24", "password": ""},
        follow=True,
    )

    made = ReviewShare.objects.get()
    shown = re.search(r"/review/shared/([A-Za-z0-9_-]{43})/", response.content.decode())
    assert shown and sharing.digest_of(shown[1]) == made.token_digest
    assert made.sections == ["glance", "trends"]
    listing = internal_client.get(reverse("admin:analytics_reviewshare_changelist")).content.decode()
    assert shown[1] not in listing
    change = internal_client.get(reverse("admin:analytics_reviewshare_change", args=[made.pk]))
    assert shown[1] not in change.content.decode()


def test_a_link_past_ninety_days_is_a_clear_admin_error(internal_client):
    response = internal_client.post(
        reverse("admin:analytics_reviewshare_add"),
        {"label": "Board", "sections": ["glance"], "expires_on": "2027-06-01"},
    )

    assert "90 days at most" in response.content.decode()
    assert not ReviewShare.objects.exists()


def test_an_internal_curator_revokes_from_the_list(internal_client, client):
    made, token = share()

    internal_client.post(
        reverse("admin:analytics_reviewshare_changelist"), {"action": "revoke", "_selected_action": [made.pk]}
    )

    made.refresh_from_db()
    assert made.revoked_at is not None
    assert client.get(address(token)).status_code == 404


def test_an_agency_curator_can_neither_make_nor_see_links_or_digests(agency_client):
    share()
    pages = ("analytics_reviewshare_add", "analytics_reviewshare_changelist", "analytics_reviewdigest_add")
    for name in pages:
        assert agency_client.get(reverse(f"admin:{name}")).status_code == 403
    made = agency_client.post(
        reverse("admin:analytics_reviewshare_add"),
        {"label": "Mine", "sections": ["glance"], "expires_on": "2026-12-01"},
    )
    assert made.status_code == 403 and ReviewShare.objects.count() == 1


# The digest.


def a_digest(**fields: object) -> ReviewDigest:
    values = {"label": "Stakeholders", "addresses": "cfo@example.org\nhr@example.org", "sections": ALL}
    return ReviewDigest.objects.create(**(values | fields))


def test_the_digest_goes_once_to_each_address_over_smtp_and_a_second_run_sends_nothing(settings):
    small_and_large_items()
    a_digest()

    with serving(RecordingHandler(), settings) as server:
        first = send_review_digests()
        second = send_review_digests()
        prepare_weekly_review()  # the sync's own path: still nothing more

    assert (first.sent, second.sent) == (2, 0)
    assert sorted(r.envelope_to[0] for r in server.received) == ["cfo@example.org", "hr@example.org"]
    message = server.received[0].message
    assert message["To"] in ("cfo@example.org", "hr@example.org") and "," not in message["To"]
    assert "weekly review" in message["Subject"] and "Week 47, 2026" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "THIS WEEK AT A GLANCE" in text and "This week at a glance" in html
    assert "fewer than 5" in text and "fewer than 5" in html
    assert set(ReviewDigestSent.objects.values_list("week", flat=True)) == {WEEK}
    assert ReviewDigestSent.objects.filter(sent_at=None).count() == 0


def test_the_digest_waits_for_a_whole_week_but_not_for_ever(settings):
    late = live_placement(title="Late figures", channel=GA4BlogFactory())
    figures(late, WEEK, active_users=10, sessions=10, engaged_sessions=10, views=10)  # Monday only
    a_digest(addresses="cfo@example.org")

    with serving(RecordingHandler(), settings) as server:
        with time_machine.travel(datetime(2026, 11, 23, 9, tzinfo=UTC), tick=False):  # Monday
            waited = send_review_digests()
        with time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=UTC), tick=False):  # Tuesday
            sent = send_review_digests()

    assert (waited.ready, waited.sent) == (False, 0)
    assert (sent.ready, sent.sent) == (True, 1)
    assert "incomplete" in server.received[0].message.get_body(("plain",)).get_content()


def test_a_bad_address_is_a_clear_admin_error_and_nothing_is_saved(internal_client):
    response = internal_client.post(
        reverse("admin:analytics_reviewdigest_add"),
        {
            "label": "Board",
            "addresses": "cfo@example.org\nnot an address",
            "sections": ["glance"],
            "is_active": "on",
            "sent-TOTAL_FORMS": "0",
            "sent-INITIAL_FORMS": "0",
        },
    )

    assert "Line 2, “not an address”, is not an email address." in response.content.decode()
    assert not ReviewDigest.objects.exists()


def test_a_send_that_fails_is_recorded_and_not_sent_again_blindly(settings, caplog):
    a_digest(addresses="cfo@example.org")

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 No such mailbox"

    with caplog.at_level(logging.WARNING), serving(Refusing(), settings):
        first = send_review_digests()
        second = send_review_digests()

    claim = ReviewDigestSent.objects.get()
    assert (first.failed, second.failed, second.sent) == (1, 0, 0)
    assert claim.sent_at is None and "550" in claim.error


def test_the_demo_makes_one_open_link_and_revokes_the_one_before(client):
    from analytics.share_demo import load_shared_link

    first = load_shared_link()
    second = load_shared_link()

    assert client.get(second.removeprefix(settings_base())).status_code == 200
    assert client.get(first.removeprefix(settings_base())).status_code == 404
    assert ReviewShare.objects.filter(revoked_at=None).count() == 1


def settings_base() -> str:
    from django.conf import settings

    return settings.PUBLIC_BASE_URL


def test_production_logs_name_neither_the_token_nor_a_stakeholder(client):
    from tests.logs import production_log_lines

    _made, token = share(password="secret")
    with production_log_lines() as lines:
        client.get(address(token))
        client.post(address(token), {"password": "wrong"})
        client.get(address("q" * 43))

    written = json.dumps(lines())
    assert "/review/shared/<redacted>/" in written  # the 403 and 404 were logged...
    assert token not in written and "q" * 43 not in written  # ...without their tokens


def decisions_by(curator, count: int) -> None:
    """`count` decisions at a meeting the curator attended, each with a reason naming someone."""
    meeting = reviews.start_meeting(held_on=date(2026, 11, 24), attendees=[curator], suggestions=[])
    for n in range(count):
        placement = live_placement(title=f"Decided item {n}")
        reviews.decide(
            meeting=meeting,
            item=placement.item,
            action=DecisionAction.PROMOTE,
            reason=f"Pat Private (pat.private@acme-learning.example) asked for it ({n})",
            intended_effect=IntendedEffect.MORE_CLICKS,
            owner=curator,
        )


@pytest.mark.parametrize("decisions", [1, 15])
def test_the_page_costs_the_same_queries_whatever_the_number_of_decisions_shown(
    client, internal_curator, decisions, django_assert_max_num_queries
):
    small_and_large_items()
    decisions_by(internal_curator, decisions)
    _made, token = share()
    client.get(address(token))  # the review is computed and kept; the opening counted

    with django_assert_max_num_queries(8):
        page = client.get(address(token)).content.decode()
    assert page.count("Decided item") == decisions


def test_decisions_show_their_outcome_but_not_their_reason_or_owner(client, internal_curator):
    internal_curator.email = "curator.private@acme-learning.example"
    internal_curator.save()
    decisions_by(internal_curator, 1)
    _made, token = share(sections=[ReviewSection.DECISIONS])

    page = client.get(address(token)).content.decode()

    assert "Decided item 0" in page and "Not applied yet" in page
    assert "Pat Private" not in page and "pat.private" not in page
    assert internal_curator.email not in page and internal_curator.username not in page


def test_the_digest_and_share_admin_pages_open_for_an_internal_curator(internal_client):
    made, _token = share()
    digest = a_digest()
    ReviewDigestSent.objects.create(digest=digest, week=WEEK, address="cfo@example.org")

    for page in (
        reverse("admin:analytics_reviewshare_changelist"),
        reverse("admin:analytics_reviewshare_add"),
        reverse("admin:analytics_reviewshare_change", args=[made.pk]),
        reverse("admin:analytics_reviewdigest_changelist"),
        reverse("admin:analytics_reviewdigest_add"),
        reverse("admin:analytics_reviewdigest_change", args=[digest.pk]),
    ):
        assert internal_client.get(page).status_code == 200, page
