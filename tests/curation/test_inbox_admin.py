"""The inbox in the admin: either curator works it through plain forms, sees what each candidate is
and why it was suggested, and the counts show on the admin's home and the meeting's agenda."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from curation.inbox.decisions import dismiss_candidate
from curation.inbox.entries import Entry
from curation.inbox.services import record_candidates
from curation.models import (
    AgendaItem,
    AgendaKind,
    BriefStatus,
    Candidate,
    CandidateStatus,
    ContentBrief,
    ContentItem,
    Format,
    ReviewMeeting,
    Stage,
)
from tests.factories import CandidateFactory, CandidateSourceFactory, ChannelFactory, TopicFactory

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres")]

INBOX = "/admin/curation/candidate/inbox/"


@pytest.fixture
def service():
    return TopicFactory(name="Customer service", slug="customer-service")


@pytest.fixture
def blog():
    return ChannelFactory(name="Service blog", url="https://service.acme-learning.example/")


@pytest.fixture
def source(service, blog):
    return CandidateSourceFactory(name="Service news", topic=service)


def candidates(source, count: int, start: int = 0) -> list[Candidate]:
    return [
        CandidateFactory(
            source=source,
            url=f"https://service.acme-learning.example/posts/{n}",
            title=f"Calming an angry caller, part {n}",
            tags=("calls", "tone"),
            published_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        )
        for n in range(start, start + count)
    ]


def open_brief(topic, **fields) -> ContentBrief:
    return ContentBrief.objects.create(
        topic=topic, format=Format.VIDEO, stage=Stage.EMBEDDED, why="Calls escalate too often.", **fields
    )


def decide(client, candidate: Candidate, query: str = "", **data):
    return client.post(reverse("admin:curation_candidate_decide", args=[candidate.pk]) + query, data)


def test_the_inbox_shows_a_candidate_where_it_came_from_and_the_suggestion(agency_client, source, service):
    first, _ = candidates(source, 2)
    open_brief(TopicFactory(name="Sales", slug="sales"))
    fits = open_brief(service)

    page = agency_client.get(INBOX + f"?focus={first.pk}")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<h2 id="candidate-title">Calming an angry caller, part 0</h2>' in html
    assert "Service news (RSS or Atom feed)" in html
    assert "20 Nov 2026" in html
    assert "What a good one-to-one sounds like" in html
    assert "calls, tone" in html
    assert "Topic: Customer service, the source&#x27;s topic." in html
    assert page.context["accept_form"].initial["title"] == "Calming an angry caller, part 0"
    assert page.context["accept_form"].initial["topic"] == service.pk
    assert page.context["briefs"][0] == fits  # the brief on the candidate's topic first
    assert page.context["attach_form"].initial["brief"] == fits.pk
    assert 'aria-live="polite"' in html
    assert "js/inbox.js" in html


def test_accepting_through_the_form_brings_the_next_candidate_up(agency_client, agency_curator, source, blog):
    candidates(source, 3)
    focus_order = [c.pk for c in Candidate.objects.filter(status=CandidateStatus.NEW)]

    response = decide(
        agency_client,
        Candidate.objects.get(pk=focus_order[0]),
        decision="accept",
        title="Calming a caller",
        topic=source.topic.pk,
        format=Format.BLOG_POST,
        stage=Stage.EMBEDDED,
        sensitivity="public",
        channel="",
    )

    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?focus={focus_order[1]}"
    item = ContentItem.objects.get()
    assert item.title == "Calming a caller"
    assert item.placements.get().channel == blog
    page = agency_client.get(response["Location"])
    assert "Accepted “<a href=" in page.content.decode()
    assert "as an idea on Service blog." in page.content.decode()
    assert Candidate.objects.get(pk=focus_order[0]).decided_by == agency_curator


def test_a_quick_reason_dismisses_at_once_and_filters_are_kept(agency_client, source, service):
    first, _ = candidates(source, 2)
    query = f"?topic={service.pk}"

    response = decide(
        agency_client, first, query, decision="dismiss", reason="", quick_reason="Off topic for our programme"
    )

    assert response.status_code == 302
    assert response["Location"].startswith(f"{INBOX}?topic={service.pk}&focus=")
    first.refresh_from_db()
    assert (first.status, first.dismiss_reason) == (CandidateStatus.DISMISSED, "Off topic for our programme")


def test_dismissing_without_a_reason_shows_the_form_again_with_nothing_saved(agency_client, source):
    (first,) = candidates(source, 1)

    page = decide(agency_client, first, decision="dismiss", reason="  ")

    assert page.status_code == 400
    assert "Say why it is dismissed: the other curator reads it." in page.content.decode()
    first.refresh_from_db()
    assert first.status == CandidateStatus.NEW


def test_a_refused_call_shows_the_candidate_it_was_made_on_even_outside_the_filter(agency_client, source):
    """The errors and the form's next post belong to the candidate decided, never to another one
    the page's filter happens to put first."""
    (mine,) = candidates(source, 1)
    other_topic = TopicFactory(name="Coaching", slug="coaching")
    other_source = CandidateSourceFactory(name="Coaching news", topic=other_topic)
    (theirs,) = candidates(other_source, 1, start=1)

    page = decide(agency_client, mine, f"?topic={other_topic.pk}", decision="dismiss", reason="  ")

    assert page.status_code == 400
    text = page.content.decode()
    assert f'data-candidate="{mine.pk}"' in text
    assert reverse("admin:curation_candidate_decide", args=[theirs.pk]) not in text
    assert "Say why it is dismissed: the other curator reads it." in text


def test_the_accept_form_shows_the_compliance_guards_refusal(agency_client, source):
    (first,) = candidates(source, 1)

    page = decide(
        agency_client, first, decision="accept", title="Calming", format=Format.BLOG_POST,
        stage=Stage.EMBEDDED, sensitivity="business_sensitive",
    )  # fmt: skip

    assert page.status_code == 400
    assert "is business-sensitive content and cannot be placed on the public channel Service blog" in (
        page.content.decode()
    )
    assert ContentItem.objects.count() == 0


def test_attaching_to_a_brief_closed_meanwhile_is_refused_in_words(agency_client, source, service):
    (first,) = candidates(source, 1)
    closed = open_brief(service, status=BriefStatus.COMMISSIONED)

    page = decide(agency_client, first, decision="attach", brief=closed.pk)

    assert page.status_code == 400
    assert "is commissioned: attach the candidate to an open brief." in page.content.decode()


def test_attaching_through_the_form(agency_client, source, service):
    (first,) = candidates(source, 1)
    wanted = open_brief(service)

    response = decide(agency_client, first, decision="attach", brief=wanted.pk)

    assert response.status_code == 302
    assert response["Location"] == INBOX
    first.refresh_from_db()
    assert (first.status, first.brief) == (CandidateStatus.ATTACHED, wanted)


def test_the_second_curator_is_told_who_decided_first(agency_client, internal_curator, source):
    first, _ = candidates(source, 2)
    dismiss_candidate(first, by=internal_curator, reason="Duplicate")

    response = decide(agency_client, first, decision="dismiss", reason="Off topic")

    assert response.status_code == 302
    page = agency_client.get(response["Location"])
    assert "was already dismissed by priya: nothing more to decide." in page.content.decode()
    first.refresh_from_db()
    assert first.dismiss_reason == "Duplicate"


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "delete"},
        {},
        {"decision": "attach", "brief": "9" * 23},
        {"decision": "accept", "title": ""},
    ],
)
def test_odd_posts_get_a_page_or_a_refusal(agency_client, source, data):
    (first,) = candidates(source, 1)

    response = decide(agency_client, first, **data)

    assert response.status_code in (302, 400)
    first.refresh_from_db()
    assert first.status == CandidateStatus.NEW


@pytest.mark.parametrize(
    "query", ["?focus=abc", "?topic=x%00", "?source=" + "9" * 23, "?topic=none", "?focus=²"]
)
def test_odd_addresses_show_the_inbox(agency_client, source, query):
    candidates(source, 1)

    assert agency_client.get(INBOX + query).status_code in (200, 400)  # a NUL is refused before the page


def test_reading_a_decide_address_decides_nothing(agency_client, source):
    (first,) = candidates(source, 1)

    assert agency_client.get(reverse("admin:curation_candidate_decide", args=[first.pk])).status_code == 405


def test_both_curators_may_work_the_inbox(internal_client, source):
    candidates(source, 1)

    assert internal_client.get(INBOX).status_code == 200


def test_staff_without_the_permission_to_change_candidates_get_403(client, django_user_model, source):
    (first,) = candidates(source, 1)
    reader = django_user_model.objects.create_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_candidate"))
    client.force_login(reader)

    assert client.get(reverse("admin:curation_candidate_changelist")).status_code == 200
    assert client.get(INBOX).status_code == 403
    assert decide(client, first, decision="dismiss", reason="Off topic").status_code == 403
    assert "inbox-module" not in client.get(reverse("admin:index")).content.decode()
    first.refresh_from_db()
    assert first.status == CandidateStatus.NEW


def test_anonymous_visitors_are_sent_to_sign_in(client, source):
    (first,) = candidates(source, 1)

    for response in (client.get(INBOX), decide(client, first, decision="dismiss", reason="Off topic")):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_list_shows_new_candidates_unless_asked_for_others(agency_client, agency_curator, source):
    first, second = candidates(source, 2)
    dismiss_candidate(first, by=agency_curator, reason="Off topic")
    changelist = reverse("admin:curation_candidate_changelist")

    new = agency_client.get(changelist)
    everything = agency_client.get(changelist + "?status=all")
    dismissed = agency_client.get(changelist + "?status=dismissed")

    assert [c.pk for c in new.context["cl"].result_list] == [second.pk]
    assert {c.pk for c in everything.context["cl"].result_list} == {first.pk, second.pk}
    assert [c.pk for c in dismissed.context["cl"].result_list] == [first.pk]
    assert "Work the inbox" in new.content.decode()


def test_nobody_adds_edits_or_deletes_a_candidate(agency_client, source):
    (first,) = candidates(source, 1)

    assert agency_client.get(reverse("admin:curation_candidate_add")).status_code == 403
    assert agency_client.get(reverse("admin:curation_candidate_delete", args=[first.pk])).status_code == 403
    change = agency_client.get(reverse("admin:curation_candidate_change", args=[first.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()


def test_the_admin_home_counts_new_candidates_per_topic(agency_client, source, service):
    candidates(source, 3)
    record_candidates(
        source=CandidateSourceFactory(name="Elsewhere"),
        entries=[Entry(url="https://other.example.org/a", title="Untopical")],
    )

    html = agency_client.get(reverse("admin:index")).content.decode()

    assert "Curation inbox" in html
    assert f'<a href="{INBOX}" id="inbox-total">4 new candidates</a>' in html
    assert f'<a href="{INBOX}?topic={service.pk}">3 in Customer service</a>' in html
    assert f'<a href="{INBOX}?topic=none">1 with no topic suggested</a>' in html


def test_the_meeting_agenda_counts_new_candidates_per_topic(agency_client, source, service):
    candidates(source, 12)
    meeting = ReviewMeeting.objects.create(held_on=date(2026, 11, 23))
    AgendaItem.objects.create(
        meeting=meeting, position=1, kind=AgendaKind.OTHER, reason="Anything else", topic=service
    )

    card = agency_client.get(reverse("review:card", args=[meeting.pk, 1])).content.decode()
    minutes = agency_client.get(reverse("review:minutes", args=[meeting.pk])).content.decode()

    line = f'<a href="{INBOX}?topic={service.pk}">12 new candidates in Customer service</a>'
    assert line in card
    assert line in minutes


def test_the_inbox_and_list_cost_the_same_queries_for_3_candidates_or_30(
    agency_client, agency_curator, source, service, django_assert_max_num_queries
):
    candidates(source, 3)
    open_brief(service)
    changelist = reverse("admin:curation_candidate_changelist")
    agency_client.get(INBOX)  # the session and permissions, cached
    with django_assert_max_num_queries(100) as few_inbox:
        agency_client.get(INBOX)
    with django_assert_max_num_queries(100) as few_list:
        agency_client.get(changelist + "?status=all")

    candidates(source, 27, start=3)
    for extra in Candidate.objects.all()[:5]:
        dismiss_candidate(extra, by=agency_curator, reason="Off topic")
    for n in range(5):
        open_brief(TopicFactory(), audience=f"Team {n}")

    with django_assert_max_num_queries(len(few_inbox.captured_queries)):
        assert agency_client.get(INBOX).status_code == 200
    with django_assert_max_num_queries(len(few_list.captured_queries)):
        assert agency_client.get(changelist + "?status=all").status_code == 200


MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"
LINK = '<a href="javascript:alert(3)">x</a>'


def test_markup_from_a_feed_or_a_topic_name_is_shown_as_text_everywhere(agency_client, blog):
    topic = TopicFactory(name=f"Calls {MARKUP}", slug="calls")
    source = CandidateSourceFactory(name=f"News {MARKUP}", topic=topic)
    record_candidates(
        source=source,
        entries=[
            Entry(
                url="https://service.acme-learning.example/posts/markup?a=<b>&utm_source=x",
                title=f"Title {MARKUP}",
                summary=f"Summary {MARKUP}{LINK}\njavascript:alert(4)",
                tags=(MARKUP, LINK),
            )
        ],
    )
    candidate = Candidate.objects.get()
    meeting = ReviewMeeting.objects.create(held_on=date(2026, 11, 23))
    AgendaItem.objects.create(meeting=meeting, position=1, kind=AgendaKind.OTHER, reason="Else", topic=topic)
    pages = {
        "inbox": agency_client.get(INBOX),
        "list": agency_client.get(reverse("admin:curation_candidate_changelist")),
        "candidate": agency_client.get(reverse("admin:curation_candidate_change", args=[candidate.pk])),
        "home": agency_client.get(reverse("admin:index")),
        "card": agency_client.get(reverse("review:card", args=[meeting.pk, 1])),
        "refused": decide(agency_client, candidate, decision="dismiss", reason=" "),
    }

    for name, page in pages.items():
        html = page.content.decode()
        assert page.status_code in (200, 400), name
        assert "<script>alert" not in html and "<img src=x" not in html, name
        assert 'href="javascript:' not in html, name
        for href in re.findall(r'href="(https?:[^"]*)"', html):
            assert href.startswith("https://"), (name, href)
    inbox = pages["inbox"].content.decode()
    assert f'<a href="{candidate.canonical_url.replace("&", "&amp;")}" target="_blank"' in inbox
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inbox


def test_a_bad_post_on_a_candidate_already_decided_says_who_decided_it(
    agency_client, internal_curator, source
):
    internal_curator.first_name, internal_curator.last_name = "Priya", "Shah"
    internal_curator.save()
    first, _ = candidates(source, 2)
    dismiss_candidate(first, by=internal_curator, reason="Off topic")

    response = decide(agency_client, first, decision="dismiss", reason="  ")
    page = agency_client.get(response["Location"])

    said = [str(message) for message in page.context["messages"]]
    assert said == [f"“{first.title}” was already dismissed by Priya Shah: nothing more to decide."]
