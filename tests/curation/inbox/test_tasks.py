"""Beat's poll of the candidate sources: due sources only, a site's sources a delay apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings

from config.queues import CELERY_TASK_ROUTES, SYNCS
from curation.inbox import polling
from curation.inbox.models import Candidate, CandidateSource, SourceKind
from curation.tasks import poll_candidate_source, poll_candidate_sources
from tests.factories import ChannelFactory
from tests.fakes.feeds import Item, rss
from tests.helpers import TUESDAY_MORNING as NOW

pytestmark = pytest.mark.django_db


def test_beat_polls_every_due_source_through_the_syncs_queue(feeds):
    one = CandidateSource.objects.create(
        name="One", url=feeds.serve("/one.xml", rss([Item("A", "https://a.example.org/a")]))
    )
    two = CandidateSource.objects.create(
        name="Two", url=feeds.serve("/two.xml", rss([Item("B", "https://a.example.org/b")]))
    )

    assert poll_candidate_sources.delay().get() == 2

    assert Candidate.objects.count() == 2
    for source in (one, two):
        source.refresh_from_db()
        assert source.last_success_at is not None
    assert CELERY_TASK_ROUTES["curation.tasks.poll_candidate_sources"] == {"queue": SYNCS}
    assert CELERY_TASK_ROUTES["curation.tasks.poll_candidate_source"] == {"queue": SYNCS}
    schedule = django_settings.CELERY_BEAT_SCHEDULE["poll-candidate-sources"]
    assert schedule == {"task": "curation.tasks.poll_candidate_sources", "schedule": 3600.0}


def test_a_source_deleted_before_its_poll_is_passed_over(feeds):
    assert poll_candidate_source.delay(123456).get() == "gone"


def test_only_active_polled_sources_not_polled_lately_are_due(settings):
    settings.INBOX_POLL_MINUTES = 60
    with time_machine.travel(NOW, tick=False):
        never = CandidateSource.objects.create(name="Never", url="https://a.example.org/feed")
        CandidateSource.objects.create(name="Off", url="https://b.example.org/feed", is_active=False)
        CandidateSource.objects.create(name="Owned", kind=SourceKind.OWNED_CHANNEL, channel=ChannelFactory())
        last_round = CandidateSource.objects.create(
            name="Last round", url="https://c.example.org/feed", last_polled_at=NOW - timedelta(minutes=60)
        )
        CandidateSource.objects.create(
            name="By hand", url="https://d.example.org/feed", last_polled_at=NOW - timedelta(minutes=20)
        )

        assert polling.due_sources() == [never, last_round]


def test_a_sites_sources_are_spaced_by_the_delay(settings):
    settings.INBOX_HOST_DELAY_SECONDS = 2
    settings.YOUTUBE_FEEDS_BASE_URL = "https://www.youtube.com/feeds/videos.xml"
    videos = [
        CandidateSource.objects.create(name=f"YT {n}", kind=SourceKind.YOUTUBE_CHANNEL, youtube_id=f"UC{n}")
        for n in range(3)
    ]
    blog = CandidateSource.objects.create(name="Blog", url="https://blog.example.org/feed")

    plan = dict(polling.plan_due_polls())

    assert [plan[source.pk] for source in videos] == [0, 2, 4]
    assert plan[blog.pk] == 0
