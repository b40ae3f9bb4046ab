"""A link's state is read at every request, the POST included: revoked or expired while a
stakeholder's session is unlocked, it opens nothing more; openings are counted only when the
review is shown; a password unlocks its own link only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from analytics import sharing
from analytics.models import ReviewSection
from tests.analytics.test_shared_review import MEETING_MORNING

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def the_week_after():
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


def link(password: str = "", days_from_today: int = 2):
    share, token = sharing.create_share(
        label="Board",
        sections=ReviewSection.values,
        expires_on=MEETING_MORNING.date().replace(day=MEETING_MORNING.day + days_from_today),
        password=password,
        created_by=None,
    )
    return share, reverse("shared-review", args=[token])


def test_a_link_revoked_while_unlocked_opens_nothing_more_not_even_by_its_password(client):
    share, path = link(password="correct horse")
    client.post(path, {"password": "correct horse"})
    assert "This week at a glance" in client.get(path).content.decode()

    sharing.revoke_share(share=share)

    assert client.get(path).status_code == 404
    assert client.post(path, {"password": "correct horse"}).status_code == 404


def test_a_link_that_expires_while_unlocked_opens_nothing_more(client):
    _share, path = link(password="correct horse", days_from_today=0)
    client.post(path, {"password": "correct horse"})
    assert client.get(path).status_code == 200

    with time_machine.travel(datetime(2026, 11, 25, 0, 30, tzinfo=UTC), tick=False):
        assert client.get(path).status_code == 404
        assert client.post(path, {"password": "correct horse"}).status_code == 404


def test_openings_are_counted_only_when_the_review_is_shown(client):
    share, path = link(password="correct horse")

    client.get(path)  # the password form
    client.post(path, {"password": "wrong"})
    client.get(path.replace(path.split("/")[-2], "x" * 43))  # a 404
    share.refresh_from_db()
    assert share.openings == 0

    client.post(path, {"password": "correct horse"})
    client.get(path)
    client.get(path, {"week": "2026-W40"})
    share.refresh_from_db()
    assert share.openings == 1


def test_unlocking_gives_the_browser_a_new_session_and_unlocks_that_link_only(client):
    _one, one = link(password="same words")
    _two, two = link(password="same words")  # the same password, another link
    client.get(one)
    before = client.session.session_key

    client.post(one, {"password": "same words"})

    assert client.session.session_key != before
    assert "This week at a glance" in client.get(one).content.decode()
    assert "This week at a glance" not in client.get(two).content.decode()


def test_the_page_links_to_no_other_site_and_tells_none_its_address(client, internal_curator):
    import re

    from tests.analytics.test_shared_review import decisions_by, small_and_large_items

    small_and_large_items()
    decisions_by(internal_curator, 2)
    _share, path = link()

    response = client.get(path)

    page = response.content.decode()
    assert re.findall(r'(?:href|src|action)="(?:https?:)?//[^"]*"', page) == []
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
