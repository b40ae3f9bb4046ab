"""The link-rot monitor, against a loopback site standing in for the blog, YouTube and Instagram.

Placements keep their real https addresses; LINKCHECK_RESOLVE sends those hosts to the fake,
which sees the original Host header, so it can answer and time each site apart.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from channels.models import Platform, Visibility
from curation import linkcheck, services
from curation.linkcheck import Verdict
from curation.models import Lifecycle, Placement
from curation.tasks import check_links
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory, YouTubeChannelFactory
from tests.fakes.loopback import LoopbackServer
from tests.helpers import TUESDAY_MORNING as NOW

pytestmark = pytest.mark.django_db

BLOG = "blog.acme-learning.example"
NEWS = "news.acme-learning.example"
HOSTS = (BLOG, NEWS, "www.youtube.com", "www.instagram.com", "www.yammer.com")


@dataclass
class Answer:
    status: int = 200
    head_status: int | None = None  # When HEAD is answered differently from GET.
    location: str = ""
    body: bytes = b"<html><body>A page</body></html>"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    method: str
    host: str
    path: str
    user_agent: str
    at: float  # time.monotonic() when the fake read the request


@dataclass
class FakeSite(LoopbackServer):
    """Answers by path, 200 unless told otherwise; records every request with its Host and time."""

    answers: dict[str, Answer] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        host = handler.headers.get("Host", "").split(":")[0]
        self.hits.append(
            Hit(method, host, handler.path, handler.headers.get("User-Agent", ""), time.monotonic())
        )
        answer = self.answers.get(handler.path, Answer())
        time.sleep(answer.delay)
        status = answer.head_status if method == "HEAD" and answer.head_status else answer.status
        try:
            handler.send_response(status)
            if answer.location:
                handler.send_header("Location", answer.location)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            if method != "HEAD":
                handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The checker stopped waiting, as it should.

    def paths(self, host: str = BLOG) -> list[str]:
        return [hit.path for hit in self.hits if hit.host == host]


@pytest.fixture
def site(settings):
    fake = FakeSite().start()
    settings.LINKCHECK_RESOLVE = dict.fromkeys(HOSTS, fake.url)
    settings.LINKCHECK_HOST_DELAY_SECONDS = 0
    settings.LINKCHECK_TIMEOUT_SECONDS = 2
    yield fake
    fake.stop()


@pytest.fixture
def blog():
    return ChannelFactory(name="Team blog", url=f"https://{BLOG}/")


def placed(
    channel, path: str, *, host: str = BLOG, lifecycle: str = Lifecycle.LIVE, title: str = ""
) -> Placement:
    """A placement at https://host/path, its item brought to `lifecycle` as a curator would."""
    item = ContentItemFactory(**({"title": title} if title else {}))
    placement = PlacementFactory(item=item, channel=channel, url=f"https://{host}{path}")
    if lifecycle == Lifecycle.IN_PRODUCTION:
        services.start_production(item=item)
    elif lifecycle in (Lifecycle.LIVE, Lifecycle.RETIRED):
        services.mark_live(item=item)
    if lifecycle == Lifecycle.RETIRED:
        services.retire_item(item=item, reason="Replaced by a shorter video")
    return placement


def youtube_page(playability: str) -> bytes:
    return (
        '<html><script>var ytInitialPlayerResponse = {"responseContext":{},'
        f'"playabilityStatus":{playability},"videoDetails":{{}}}};</script></html>'
    ).encode()


@pytest.mark.parametrize(
    ("answers", "verdict", "detail"),
    [
        ({"/post/": Answer(200)}, Verdict.REACHABLE, "200 OK"),
        ({"/post/": Answer(404)}, Verdict.GONE, "404 Not Found"),
        ({"/post/": Answer(410)}, Verdict.GONE, "410 Gone"),
        ({"/post/": Answer(403)}, Verdict.PRIVATE, "403 Forbidden"),
        ({"/post/": Answer(401)}, Verdict.PRIVATE, "401 Unauthorized"),
        ({"/post/": Answer(200, head_status=405)}, Verdict.REACHABLE, "200 OK"),
        ({"/post/": Answer(301, location="/moved/"), "/moved/": Answer(200)}, Verdict.REACHABLE, "200 OK"),
        (
            {
                "/post/": Answer(302, location="/members/"),
                "/members/": Answer(302, location=f"https://{BLOG}/wp-login.php?redirect_to=%2Fpost%2F"),
            },
            Verdict.PRIVATE,
            "redirects to a login page",
        ),
        ({"/post/": Answer(403, headers={"cf-mitigated": "challenge"})}, Verdict.UNKNOWN, "bot challenge"),
        ({"/post/": Answer(503)}, Verdict.UNKNOWN, "503"),
        ({"/post/": Answer(429)}, Verdict.UNKNOWN, "429"),
    ],
)
def test_each_answer_gets_its_verdict(site, blog, answers, verdict, detail):
    site.answers.update(answers)
    placement = placed(blog, "/post/")

    result = linkcheck.check_placement(placement)

    assert result.verdict == verdict
    assert detail in result.detail


def test_a_gone_page_is_marked_unreachable_with_the_time_and_a_history_reason(site, blog):
    site.answers["/post/"] = Answer(404)
    placement = placed(blog, "/post/")

    report = linkcheck.check_placements(now=NOW)

    placement.refresh_from_db()
    assert (placement.is_reachable, placement.reachability_checked_at) == (False, NOW)
    assert placement.history.first().history_change_reason == "Link check: gone (404 Not Found)"
    assert report.summary() == "Checked 1 placement: 0 reachable, 1 gone, 0 private, 0 unknown this time."


def test_a_page_that_is_back_is_marked_reachable_again(site, blog):
    placement = placed(blog, "/post/")
    Placement.objects.filter(pk=placement.pk).update(is_reachable=False, reachability_checked_at=NOW)

    report = linkcheck.check_placements(now=NOW + timedelta(hours=1))

    placement.refresh_from_db()
    assert placement.is_reachable
    assert [row.changed for row in report.checked] == [True]


def test_a_check_that_changes_nothing_writes_the_time_but_no_history_row(site, blog):
    placement = placed(blog, "/post/")
    rows = placement.history.count()

    linkcheck.check_placements(now=NOW)

    placement.refresh_from_db()
    assert placement.reachability_checked_at == NOW
    assert placement.history.count() == rows


def test_head_refused_is_retried_with_get(site, blog):
    site.answers["/post/"] = Answer(200, head_status=405)

    linkcheck.check_placement(placed(blog, "/post/"))

    assert [(hit.method, hit.path) for hit in site.hits] == [("HEAD", "/post/"), ("GET", "/post/")]


def test_a_gone_answer_to_head_is_confirmed_by_get_before_the_page_is_called_gone(site, blog):
    site.answers["/post/"] = Answer(200, head_status=404)

    assert linkcheck.check_placement(placed(blog, "/post/")).verdict == Verdict.REACHABLE


def test_requests_name_the_programme_in_the_user_agent(site, blog):
    linkcheck.check_placement(placed(blog, "/post/"))

    assert django_settings.PROGRAMME_NAME in site.hits[0].user_agent
    assert "LinkChecker" in site.hits[0].user_agent


@pytest.mark.parametrize(
    ("playability", "verdict", "detail"),
    [
        ('{"status":"OK"}', Verdict.REACHABLE, "200 OK"),
        ('{"status":"ERROR","reason":"Video unavailable"}', Verdict.GONE, "YouTube: Video unavailable"),
        (
            '{"status":"LOGIN_REQUIRED","reason":"This video is private","messages":["Sign in"]}',
            Verdict.PRIVATE,
            "YouTube: This video is private",
        ),
        (
            '{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm you\\u2019re not a bot"}',
            Verdict.UNKNOWN,
            "not a bot",
        ),
        ('{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm your age"}', Verdict.REACHABLE, "age"),
    ],
)
def test_youtube_pages_are_read_for_removed_and_private_videos(site, playability, verdict, detail):
    channel = YouTubeChannelFactory(url="https://www.youtube.com/@acme")
    site.answers["/watch?v=AAAAAAAAAAA"] = Answer(200, body=youtube_page(playability))
    placement = placed(channel, "/watch?v=AAAAAAAAAAA", host="www.youtube.com")

    result = linkcheck.check_placement(placement)

    assert (result.verdict, result.status) == (verdict, 200)
    assert detail in result.detail
    assert [hit.method for hit in site.hits] == ["GET"]  # YouTube answers HEAD 200 for anything.


def test_instagram_login_wall_is_private(site):
    channel = ChannelFactory(
        name="Instagram", platform=Platform.INSTAGRAM, url="https://www.instagram.com/acme/"
    )
    site.answers["/p/Cx1/"] = Answer(
        302, location="https://www.instagram.com/accounts/login/?next=%2Fp%2FCx1%2F"
    )
    placement = placed(channel, "/p/Cx1/", host="www.instagram.com")

    result = linkcheck.check_placement(placement)

    assert (result.verdict, result.detail) == (Verdict.PRIVATE, "redirects to a login page")
    assert site.paths("www.instagram.com") == ["/p/Cx1/"]  # The login page itself is never asked for.


def test_a_login_wall_on_a_private_channel_is_expected_and_changes_nothing(site):
    channel = ChannelFactory(
        name="Engage community",
        platform=Platform.YAMMER,
        visibility=Visibility.PRIVATE,
        url="https://www.yammer.com/acme/",
    )
    site.answers["/acme/threads/1"] = Answer(302, location="https://login.microsoftonline.com/common/oauth2")
    placement = placed(channel, "/acme/threads/1", host="www.yammer.com")

    report = linkcheck.check_placements(now=NOW)

    assert report.checked[0].result.verdict == Verdict.UNKNOWN
    assert "as expected on a private channel" in report.checked[0].result.detail
    placement.refresh_from_db()
    assert (placement.is_reachable, placement.reachability_checked_at) == (True, None)


def test_a_redirect_to_another_scheme_or_a_private_address_is_not_followed(site, blog):
    site.answers["/app/"] = Answer(302, location="intent://open/post#Intent;scheme=acme;end")
    site.answers["/inside/"] = Answer(302, location="http://10.0.0.7/admin/")

    app = linkcheck.check_placement(placed(blog, "/app/"))
    inside = linkcheck.check_placement(placed(blog, "/inside/"))

    assert (app.verdict, app.detail) == (Verdict.UNKNOWN, "not a web address (http or https)")
    assert (inside.verdict, inside.detail) == (Verdict.UNKNOWN, "redirects to a private network address")


def test_redirects_are_followed_five_times_at_most(site, blog):
    for n in range(10):
        site.answers[f"/hop{n}/"] = Answer(302, location=f"/hop{n + 1}/")

    result = linkcheck.check_placement(placed(blog, "/hop0/"))

    assert (result.verdict, result.detail) == (Verdict.UNKNOWN, "more than 5 redirects")
    assert site.paths()[:6] == [f"/hop{n}/" for n in range(6)]
    assert "/hop6/" not in site.paths()


def test_transient_errors_leave_the_placement_as_it_was(site, blog):
    site.answers["/down/"] = Answer(503)
    site.answers["/busy/"] = Answer(429)
    gone = placed(blog, "/down/")
    fine = placed(ChannelFactory(name="News", url=f"https://{NEWS}/"), "/busy/", host=NEWS)
    earlier = NOW - timedelta(days=1)
    Placement.objects.filter(pk=gone.pk).update(is_reachable=False, reachability_checked_at=earlier)
    Placement.objects.filter(pk=fine.pk).update(reachability_checked_at=earlier)

    report = linkcheck.check_placements(now=NOW)

    assert [row.result.verdict for row in report.checked] == [Verdict.UNKNOWN, Verdict.UNKNOWN]
    gone.refresh_from_db()
    fine.refresh_from_db()
    assert (gone.is_reachable, gone.reachability_checked_at) == (False, earlier)
    assert (fine.is_reachable, fine.reachability_checked_at) == (True, earlier)


def test_a_transient_failure_waits_before_the_scheduled_run_tries_it_again(site, blog, settings):
    settings.LINKCHECK_RETRY_AFTER_SECONDS = 6 * 3600
    site.answers["/down/"] = Answer(503)
    placement = placed(blog, "/down/")

    linkcheck.check_placements(now=NOW)
    an_hour_later = linkcheck.check_placements(now=NOW + timedelta(hours=1))
    asked_by_a_curator = linkcheck.check_placements(placements=[placement], now=NOW + timedelta(hours=1))
    next_day = linkcheck.check_placements(now=NOW + timedelta(hours=7))

    assert an_hour_later.checked == []
    assert [row.placement for row in asked_by_a_curator.checked] == [placement]
    assert [row.placement for row in next_day.checked] == [placement]


def test_the_timeout_is_respected(site, blog, settings):
    settings.LINKCHECK_TIMEOUT_SECONDS = 0.3
    site.answers["/slow/"] = Answer(200, delay=2)
    placement = placed(blog, "/slow/")

    started = time.monotonic()
    result = linkcheck.check_placement(placement)

    assert time.monotonic() - started < 1.5
    assert (result.verdict, result.detail) == (Verdict.UNKNOWN, "no answer within 0.3 s")
    assert [hit.method for hit in site.hits] == ["HEAD"]  # No GET after a HEAD that timed out.


def test_a_host_that_keeps_timing_out_is_left_alone_for_the_rest_of_the_run(site, blog, settings):
    settings.LINKCHECK_TIMEOUT_SECONDS = 0.2
    for n in range(5):
        site.answers[f"/slow{n}/"] = Answer(200, delay=1)
        placed(blog, f"/slow{n}/")
    news = placed(ChannelFactory(name="News", url=f"https://{NEWS}/"), "/fine/", host=NEWS)

    report = linkcheck.check_placements(now=NOW)

    assert len(site.paths(BLOG)) == 3
    assert [row.result.detail for row in report.checked[3:5]] == [
        f"not tried: {BLOG} did not answer within 0.2 s 3 times in a row"
    ] * 2
    news.refresh_from_db()
    assert news.reachability_checked_at == NOW


def test_a_host_that_asks_us_to_slow_down_gets_no_more_requests_this_run(site, blog):
    site.answers["/one/"] = Answer(429)
    placed(blog, "/one/")
    placed(blog, "/two/")

    report = linkcheck.check_placements(now=NOW)

    assert site.paths() == ["/one/"]
    assert report.checked[1].result.detail == f"not tried: {BLOG} asked us to slow down (429)"


def test_requests_to_one_host_are_spaced_by_the_polite_delay(site, blog, settings):
    settings.LINKCHECK_HOST_DELAY_SECONDS = 0.3
    site.answers["/b/"] = Answer(200, head_status=405)  # HEAD then GET: two requests to space.
    for path in ("/a/", "/b/", "/c/"):
        placed(blog, path)
    placed(ChannelFactory(name="News", url=f"https://{NEWS}/"), "/n/", host=NEWS)

    linkcheck.check_placements(now=NOW)

    blog_times = [hit.at for hit in site.hits if hit.host == BLOG]
    assert len(blog_times) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(blog_times)]
    assert min(gaps) >= 0.3 - 0.03, gaps
    news_hit = next(hit for hit in site.hits if hit.host == NEWS)
    assert news_hit.at - blog_times[-1] < 0.3  # Another host does not wait for the blog's turn.


def test_each_run_checks_a_capped_number_oldest_checked_first(site, blog, settings):
    settings.LINKCHECK_MAX_PER_RUN = 2
    ages = {"/three-days/": 3, "/never/": None, "/one-day/": 1, "/five-days/": 5}
    for path, days in ages.items():
        placement = placed(blog, path)
        checked_at = NOW - timedelta(days=days) if days is not None else None
        Placement.objects.filter(pk=placement.pk).update(reachability_checked_at=checked_at)

    linkcheck.check_placements(now=NOW)
    first_run = [hit.path for hit in site.hits]
    linkcheck.check_placements(now=NOW + timedelta(hours=1))

    assert first_run == ["/never/", "/five-days/"]
    assert [hit.path for hit in site.hits][2:] == ["/three-days/", "/one-day/"]


def test_only_items_that_are_live_or_in_production_are_checked(site, blog):
    live = placed(blog, "/live/")
    in_production = placed(blog, "/in-production/", lifecycle=Lifecycle.IN_PRODUCTION)
    retired = placed(blog, "/retired/", lifecycle=Lifecycle.RETIRED)
    idea = placed(blog, "/idea/", lifecycle=Lifecycle.IDEA)

    scheduled = linkcheck.check_placements(now=NOW)
    chosen = linkcheck.check_placements(placements=[live, in_production, retired, idea], now=NOW)

    assert sorted(site.paths()) == sorted(["/live/", "/in-production/"] * 2)
    assert {row.placement for row in scheduled.checked} == {live, in_production}
    assert chosen.not_checked == 2
    assert "Left out 2 whose items are retired or still ideas." in chosen.summary()


def test_a_live_item_whose_last_placement_goes_is_reported_not_retired(site, blog, caplog):
    site.answers["/post/"] = Answer(410)
    placement = placed(blog, "/post/", title="Desk stretches")

    with caplog.at_level(logging.WARNING, logger="curation.linkcheck"):
        report = linkcheck.check_placements(now=NOW)

    placement.item.refresh_from_db()
    assert placement.item.lifecycle == Lifecycle.LIVE
    assert [item.title for item in report.stranded] == ["Desk stretches"]
    assert "has no reachable placement left" in caplog.text


def test_an_item_with_another_reachable_placement_is_not_reported(site, blog):
    site.answers["/post/"] = Answer(404)
    placement = placed(blog, "/post/")
    PlacementFactory(item=placement.item, channel=blog, url=f"https://{BLOG}/mirror/")

    assert linkcheck.check_placements(now=NOW).stranded == []


def test_the_task_runs_a_scheduled_check(site, blog):
    site.answers["/post/"] = Answer(404)
    placement = placed(blog, "/post/")

    check_links.delay()

    placement.refresh_from_db()
    assert not placement.is_reachable
    assert placement.reachability_checked_at is not None


def test_the_command_prints_what_changed_and_a_summary(site, blog, settings):
    settings.LINKCHECK_MAX_PER_RUN = 1
    site.answers["/gone/"] = Answer(404)
    site.answers["/down/"] = Answer(503)
    placed(blog, "/gone/", title="Old post")
    placed(blog, "/down/", title="Busy post")
    out = StringIO()

    call_command("check_links", "--all", stdout=out)

    printed = out.getvalue()
    assert f"Gone: Old post on Team blog https://{BLOG}/gone/ (404 Not Found)" in printed
    assert f"Unknown this time: https://{BLOG}/down/ (503 Service Unavailable)" in printed
    assert "“Old post” is live with no reachable placement left" in printed
    assert "Checked 2 placements: 0 reachable, 1 gone, 0 private, 1 unknown this time." in printed


def test_admin_filters_placements_by_reachability(admin_client, blog):
    reachable = placed(blog, "/reachable/")
    gone = placed(blog, "/gone/")
    never = placed(blog, "/never/")
    Placement.objects.filter(pk=reachable.pk).update(reachability_checked_at=NOW)
    Placement.objects.filter(pk=gone.pk).update(is_reachable=False, reachability_checked_at=NOW)
    url = reverse("admin:curation_placement_changelist")

    def listed(choice: str) -> set[Placement]:
        return set(admin_client.get(url, {"reachability": choice}).context["cl"].result_list)

    assert listed("reachable") == {reachable}
    assert listed("unreachable") == {gone}
    assert listed("never") == {never}
    page = admin_client.get(url).content.decode()
    assert "By reachability" in page
    assert "Gone or private" in page
    assert "Last checked" in page
    # The filter's own "Never checked" would satisfy a bare "Never": look in the column itself.
    assert '<td class="field-last_checked">24 Nov 2026, 10:00</td>' in page
    assert '<td class="field-last_checked">Never</td>' in page


def test_admin_action_checks_the_selected_placements_and_reports_verdicts(site, admin_client, blog):
    site.answers["/gone/"] = Answer(404)
    gone = placed(blog, "/gone/", title="Old post")
    fine = placed(blog, "/fine/")
    placed(blog, "/not-selected/")

    response = admin_client.post(
        reverse("admin:curation_placement_changelist"),
        {"action": "check_links_now", "_selected_action": [gone.pk, fine.pk]},
        follow=True,
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        "Checked 2 placements: 1 reachable, 1 gone, 0 private, 0 unknown this time.",
        "Gone: Old post on Team blog (404 Not Found)",
        "“Old post” is live with no reachable placement left: the review meeting decides.",
    ]
    assert "/not-selected/" not in site.paths()
    gone.refresh_from_db()
    assert not gone.is_reachable


def test_admin_action_refuses_more_than_twenty_at_once(site, admin_client, blog):
    item = ContentItemFactory()
    selected = [PlacementFactory(item=item, channel=blog, url=f"https://{BLOG}/p{n}/").pk for n in range(21)]
    services.mark_live(item=item)

    response = admin_client.post(
        reverse("admin:curation_placement_changelist"),
        {"action": "check_links_now", "_selected_action": selected},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "Select at most 20 placements to check now; the hourly check covers the rest."
    ]
    assert site.hits == []
