"""The inbox's tests fetch from a loopback feed server: loopback feeds allowed, short limits."""

from __future__ import annotations

import pytest

from tests.fakes.feeds import FakeFeeds


@pytest.fixture
def feeds(settings):
    settings.INBOX_LOOPBACK_FEEDS = True
    settings.INBOX_FETCH_SECONDS = 2
    settings.INBOX_HOST_DELAY_SECONDS = 0  # The per-site delay has its own tests.
    fake = FakeFeeds().start()
    settings.YOUTUBE_FEEDS_BASE_URL = f"{fake.url}/feeds/videos.xml"
    yield fake
    fake.stop()
