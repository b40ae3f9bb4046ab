"""Our own channels bring their own candidates: a new upload on the owned YouTube channel, or a new
page under the owned GA4 prefix, that the catalogue lacks lands in the curation inbox by itself,
read through the real Google clients from the loopback fakes; what Google refuses is written on
the source in plain words and changes nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError

from analytics import discovery, tasks
from analytics.clock import today
from channels.models import Channel
from curation import services as curation
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus, SourceKind
from curation.models import Format
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    GA4BlogFactory,
    TopicFactory,
    YouTubeChannelFactory,
)
from tests.fakes.ga4 import CLIENT_EMAIL, DAILY_QUOTA_MESSAGE, PROPERTY_ID, FakeGA4
from tests.fakes.loopback import refuse_leaving_loopback
from tests.fakes.youtube import CHANNEL_ID, PLAYLIST_ITEMS_PATH, FakeYouTube

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # forward of the real clock: safe for gRPC deadlines too
SITE = "https://www.acme-learning.example"
BOTH_TRANSPORTS = pytest.mark.parametrize("ga4_transport", ["grpc", "rest"])


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    refuse_leaving_loopback(monkeypatch)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


def owned_source(channel: Channel, **fields: object) -> CandidateSource:
    source = CandidateSource(
        name=f"{channel.name}: new content", kind=SourceKind.OWNED_CHANNEL, channel=channel
    )
    for name, value in fields.items():
        setattr(source, name, value)
    source.full_clean()
    source.save()
    return source


@pytest.fixture
def youtube_source(youtube_fake: FakeYouTube, clock) -> CandidateSource:
    channel = YouTubeChannelFactory(name="Acme Learns", youtube_channel_id=CHANNEL_ID)
    return owned_source(channel)


@pytest.fixture
def blog_source(ga4_fake: FakeGA4) -> CandidateSource:
    return owned_source(GA4BlogFactory())


def discover(source: CandidateSource) -> discovery.Discovered:
    found = discovery.discover(source=source)
    source.refresh_from_db()
    return found


def inbox() -> dict[str, Candidate]:
    return {candidate.url: candidate for candidate in Candidate.objects.all()}


def watch(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


# YouTube ------------------------------------------------------------------------------------------


def test_a_new_upload_becomes_a_candidate_with_its_title_date_and_the_video_format(
    youtube_fake, youtube_source
):
    published = NOW - timedelta(days=2)
    youtube_fake.add_upload(
        "newupload01",
        title="Handling the price objection, part 2",
        description="Three answers that keep the deal moving.",
        published_at=published,
    )

    found = discover(youtube_source)

    assert found.error is None and found.recorded.added == 1
    candidate = inbox()[watch("newupload01")]
    assert candidate.title == "Handling the price objection, part 2"
    assert candidate.summary == "Three answers that keep the deal moving."
    assert candidate.published_at == published
    assert candidate.external_id == "newupload01"
    assert candidate.source == youtube_source
    assert candidate.status == CandidateStatus.NEW
    assert candidate.suggested_format == Format.VIDEO
    assert "Format: video, a YouTube address." in candidate.suggestion_reasons
    assert youtube_source.last_error == ""
    assert youtube_source.last_polled_at == youtube_source.last_success_at
    assert youtube_source.last_success_at >= NOW


def test_the_sources_topic_is_suggested_for_an_owned_upload(youtube_fake, youtube_source):
    youtube_source.topic = TopicFactory(name="Selling with confidence", slug="selling")
    youtube_source.save()
    youtube_fake.add_upload("newupload01", title="Opening a call", published_at=NOW - timedelta(days=1))

    discover(youtube_source)

    assert inbox()[watch("newupload01")].suggested_topic.name == "Selling with confidence"


def test_an_upload_already_placed_on_the_channel_is_not_a_candidate(youtube_fake, youtube_source):
    for video in ("placed00001", "placedbyurl", "brandnew001"):
        youtube_fake.add_upload(video, title=f"Video {video}", published_at=NOW - timedelta(days=3))
    curation.place_item(
        item=ContentItemFactory(title="Placed by id"),
        channel=youtube_source.channel,
        url="https://youtu.be/placed00001",
        external_id="placed00001",
    )
    # Placed on another channel (an unlisted playlist, say) under its watch address: still known.
    curation.place_item(
        item=ContentItemFactory(title="Placed by address"),
        channel=YouTubeChannelFactory(name="Leadership circle"),
        url=watch("placedbyurl"),
    )

    found = discover(youtube_source)

    assert list(inbox()) == [watch("brandnew001")]
    assert found.recorded.added == 1 and found.recorded.already_known == 1


def test_old_and_private_uploads_are_not_candidates(youtube_fake, youtube_source, settings):
    settings.OWNED_CANDIDATES_DAYS = 28
    youtube_fake.add_upload("recent00001", title="Recent", published_at=NOW - timedelta(days=27))
    youtube_fake.add_upload(
        "unlisted001", title="Unlisted", published_at=NOW - timedelta(days=5), privacy="unlisted"
    )
    youtube_fake.add_upload("tooold00001", title="Too old", published_at=NOW - timedelta(days=29))
    youtube_fake.add_upload(
        "draft000001", title="Draft", published_at=NOW - timedelta(days=1), privacy="private"
    )

    discover(youtube_source)

    assert sorted(inbox()) == [watch("recent00001"), watch("unlisted001")]


def test_uploads_are_read_page_by_page_until_a_page_is_all_older_than_the_window(
    youtube_fake, youtube_source
):
    for day in range(60):  # one upload a day for the last 60 days: two pages of 50 and 10 in the window
        published = NOW - timedelta(days=day, hours=1)
        youtube_fake.add_upload(f"daily{day:06d}", title=f"Day {day}", published_at=published)
    for week in range(200):  # years of older uploads behind them
        published = NOW - timedelta(days=400 + 7 * week)
        youtube_fake.add_upload(f"older{week:06d}", title=f"Week {week}", published_at=published)

    discover(youtube_source)

    assert Candidate.objects.count() == settings.OWNED_CANDIDATES_DAYS
    pages = youtube_fake.calls(PLAYLIST_ITEMS_PATH)
    assert len(pages) == 2  # the second page is wholly older: the 200 weeks behind it are never read
    assert [r.params.get("pageToken") for r in pages] == [None, "page-50"]
    assert all(r.params["maxResults"] == "50" for r in pages)


def test_running_twice_adds_nothing_the_second_time(youtube_fake, youtube_source):
    youtube_fake.add_upload("newupload01", title="New", published_at=NOW - timedelta(days=1))
    discover(youtube_source)
    first = list(Candidate.objects.values_list("pk", "title", "found_at"))

    found = discover(youtube_source)

    assert found.recorded.added == 0 and found.recorded.already_known == 1
    assert list(Candidate.objects.values_list("pk", "title", "found_at")) == first


def test_a_dismissed_upload_does_not_come_back(youtube_fake, youtube_source):
    youtube_fake.add_upload("newupload01", title="New", published_at=NOW - timedelta(days=1))
    discover(youtube_source)
    Candidate.objects.update(status=CandidateStatus.DISMISSED, dismiss_reason="Off topic.")

    discover(youtube_source)

    assert list(Candidate.objects.values_list("status", flat=True)) == [CandidateStatus.DISMISSED]


def test_a_spent_youtube_quota_is_written_plainly_and_loses_or_adds_nothing(youtube_fake, youtube_source):
    youtube_fake.add_upload("newupload01", title="Kept", published_at=NOW - timedelta(days=2))
    discover(youtube_source)
    succeeded_at = youtube_source.last_success_at
    youtube_fake.add_upload("newupload02", title="Not yet", published_at=NOW - timedelta(days=1))
    youtube_fake.quota_exceeded(path=PLAYLIST_ITEMS_PATH)

    found = discover(youtube_source)

    assert found.error is not None and not found.retry_soon
    assert youtube_source.last_error == "YouTube's daily quota is spent; the sync runs again after it resets."
    assert youtube_source.last_success_at == succeeded_at
    assert youtube_source.last_polled_at > succeeded_at
    assert list(inbox()) == [watch("newupload01")]


def test_a_revoked_sign_in_tells_a_channel_owner_to_grant_access_again(youtube_fake, youtube_source):
    youtube_fake.revoke_refresh_token()

    found = discover(youtube_source)

    assert found.error is not None
    assert youtube_source.last_error.startswith(
        "YouTube refused the channel's sign-in: the access was revoked or has expired. "
        "A channel owner must grant access again."
    )
    assert not Candidate.objects.exists()


def test_a_channel_id_youtube_does_not_know_is_named(youtube_fake, clock):
    source = owned_source(YouTubeChannelFactory(name="Typo", youtube_channel_id="UCnotourchannel000000000"))

    discover(source)

    assert source.last_error == (
        "YouTube has no channel UCnotourchannel000000000: check the YouTube channel id on the channel "
        "(it starts with UC)."
    )
    assert source.last_success_at is None


def test_a_success_after_an_error_clears_it(youtube_fake, youtube_source):
    youtube_fake.fail(503, path=PLAYLIST_ITEMS_PATH, times=1)
    discover(youtube_source)
    assert "YouTube is unavailable at the moment (HTTP 503)" in youtube_source.last_error

    discover(youtube_source)

    assert youtube_source.last_error == "" and youtube_source.last_success_at is not None


# GA4 ----------------------------------------------------------------------------------------------


@BOTH_TRANSPORTS
def test_a_new_page_under_the_prefix_becomes_a_candidate_and_others_do_not(ga4_fake, blog_source):
    day = today() - timedelta(days=3)
    ga4_fake.add_page("/learning/sleep-and-focus", day, views=30, title="Sleep, focus and the afternoon dip")
    ga4_fake.add_page("/learning/feedback/", day, views=12, title="Feedback that lands")
    ga4_fake.add_page("/careers/open-roles", day, views=90, title="Open roles")
    curation.place_item(
        item=ContentItemFactory(title="Feedback that lands"),
        channel=blog_source.channel,
        url=f"{SITE}/learning/feedback/",
    )

    found = discover(blog_source)

    assert found.error is None, blog_source.last_error
    assert list(inbox()) == [f"{SITE}/learning/sleep-and-focus"]
    candidate = inbox()[f"{SITE}/learning/sleep-and-focus"]
    assert candidate.title == "Sleep, focus and the afternoon dip"
    assert candidate.external_id == "/learning/sleep-and-focus"
    assert blog_source.last_error == "" and blog_source.last_success_at is not None
    (report,) = ga4_fake.reports
    assert report.dimensions == ["pagePath", "pageTitle"]
    assert report.body["dimensionFilter"]["filter"]["stringFilter"]["value"] == "/learning/"
    assert report.body["dateRanges"] == [
        {
            "startDate": (today() - timedelta(days=settings.OWNED_CANDIDATES_DAYS - 1)).isoformat(),
            "endDate": today().isoformat(),
        }
    ]


@BOTH_TRANSPORTS
def test_a_page_placed_by_its_platform_id_alone_is_not_a_candidate(ga4_fake, blog_source):
    ga4_fake.add_page("/learning/renewals", today(), views=4, title="Renewals")
    curation.place_item(
        item=ContentItemFactory(title="Renewals"),
        channel=blog_source.channel,
        url=f"{SITE}/learning/renewals?from=newsletter",
        external_id="/learning/renewals",
    )

    discover(blog_source)

    assert not Candidate.objects.exists()


def test_a_page_whose_title_changed_is_named_by_its_most_viewed_title(ga4_fake, blog_source):
    ga4_fake.add_page("/learning/ai-prompts", today() - timedelta(days=9), views=5, title="Draft: prompts")
    ga4_fake.add_page(
        "/learning/ai-prompts", today() - timedelta(days=2), views=40, title="Writing AI prompts"
    )
    ga4_fake.add_page(
        "/learning/ai-prompts", today() - timedelta(days=1), views=30, title="Writing AI prompts"
    )
    ga4_fake.add_page("/learning/untitled", today(), views=1)

    discover(blog_source)

    assert {c.external_id: c.title for c in Candidate.objects.all()} == {
        "/learning/ai-prompts": "Writing AI prompts",
        "/learning/untitled": "/learning/untitled",  # GA4 had no title: the path names it
    }


@BOTH_TRANSPORTS
def test_running_ga4_discovery_twice_adds_nothing_the_second_time(ga4_fake, blog_source):
    ga4_fake.add_page("/learning/new-page", today(), views=3, title="New page")
    discover(blog_source)

    found = discover(blog_source)

    assert found.recorded.added == 0 and found.recorded.already_known == 1
    assert Candidate.objects.count() == 1
    assert len(ga4_fake.reports) == 2


@BOTH_TRANSPORTS
def test_ga4_refusing_the_service_account_is_written_plainly_and_changes_nothing(ga4_fake, blog_source):
    ga4_fake.add_page("/learning/kept", today(), views=3, title="Kept")
    discover(blog_source)
    succeeded_at = blog_source.last_success_at
    ga4_fake.add_page("/learning/not-yet", today(), views=3, title="Not yet")
    ga4_fake.fail_every_request(403)

    found = discover(blog_source)

    assert found.error is not None and not found.retry_soon
    assert blog_source.last_error == (
        f"GA4 refused the service account: give {CLIENT_EMAIL} Viewer access on property {PROPERTY_ID} "
        "(GA4 Admin > Property access management)."
    )
    assert blog_source.last_success_at == succeeded_at
    assert [c.external_id for c in Candidate.objects.all()] == ["/learning/kept"]


@BOTH_TRANSPORTS
def test_a_spent_ga4_daily_quota_waits_for_tomorrow_in_plain_words(ga4_fake, blog_source):
    ga4_fake.add_page("/learning/new-page", today(), views=3, title="New page")
    ga4_fake.fail_every_request(429, DAILY_QUOTA_MESSAGE)

    found = discover(blog_source)

    assert not found.retry_soon
    assert blog_source.last_error.startswith(
        f"GA4's daily quota for property {PROPERTY_ID} is used up; the sync tries again tomorrow"
    )
    assert not Candidate.objects.exists()


def test_a_channel_measured_by_neither_google_source_is_explained_and_nothing_is_asked(
    ga4_fake, youtube_fake
):
    source = owned_source(ChannelFactory(name="Acme on Pinterest"))

    found = discover(source)

    assert found.error is not None
    assert source.last_error.startswith(
        "Acme on Pinterest is measured by Tracked-link clicks only: only a YouTube channel measured by "
        "YouTube Analytics, or a site measured by GA4, can bring its new content to the inbox."
    )
    assert ga4_fake.requests == [] and youtube_fake.requests == []


# The daily task -----------------------------------------------------------------------------------


def test_the_daily_task_reads_every_active_owned_source_and_no_other(ga4_fake, youtube_fake, youtube_source):
    youtube_fake.add_upload("newupload01", title="New video", published_at=NOW - timedelta(days=1))
    ga4_fake.add_page("/learning/new-page", today(), views=3, title="New page")
    blog = owned_source(GA4BlogFactory())
    paused = owned_source(GA4BlogFactory(name="Old blog", ga4_path_prefix="/old/"), is_active=False)
    CandidateSource.objects.create(name="A feed", kind=SourceKind.FEED, url="https://feeds.example/rss")

    added = tasks.discover_owned_candidates.apply().get()

    assert added == 2
    assert sorted(Candidate.objects.values_list("source__name", flat=True)) == sorted(
        [youtube_source.name, blog.name]
    )
    paused.refresh_from_db()
    assert paused.last_polled_at is None
    assert len(ga4_fake.reports) == 1


def test_a_source_youtube_turned_away_for_now_is_tried_again_by_the_task(youtube_fake, youtube_source):
    youtube_fake.add_upload("newupload01", title="New video", published_at=NOW - timedelta(days=1))
    youtube_fake.fail(503, path=PLAYLIST_ITEMS_PATH, times=1)

    tasks.discover_owned_candidates.apply(throw=False)  # as a worker: the retry is queued, not raised

    youtube_source.refresh_from_db()
    assert youtube_source.last_error == ""
    assert list(inbox()) == [watch("newupload01")]
    assert len(youtube_fake.calls(PLAYLIST_ITEMS_PATH)) == 2


def test_the_task_is_on_beat_daily_and_runs_with_the_syncs():
    entry = settings.CELERY_BEAT_SCHEDULE["discover-owned-candidates"]
    assert entry["task"] == "analytics.tasks.discover_owned_candidates"
    assert settings.CELERY_TASK_ROUTES["analytics.tasks.discover_owned_candidates"] == {"queue": "syncs"}


def test_an_owned_source_without_a_channel_is_refused():
    source = CandidateSource(name="Nothing watched", kind=SourceKind.OWNED_CHANNEL)

    with pytest.raises(ValidationError, match=r"An owned-channel source needs the channel it watches\."):
        source.full_clean()


def test_many_new_uploads_are_recorded_in_a_fixed_number_of_queries(
    youtube_fake, youtube_source, django_assert_max_num_queries
):
    for n in range(40):
        youtube_fake.add_upload(f"bulk{n:07d}", title=f"Bulk {n}", published_at=NOW - timedelta(hours=n + 1))
        curation.place_item(
            item=ContentItemFactory(title=f"Placed {n}"),
            channel=youtube_source.channel,
            url=watch(f"plac{n:07d}"),
        )

    with django_assert_max_num_queries(12):
        found = discovery.discover(source=youtube_source)

    assert found.recorded.added == 40
