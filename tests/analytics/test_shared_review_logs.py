"""A whole opening of a shared review, as production logs it: the token appears in no line, even
when the link reaches us mangled (a doubled slash, another case) and answers 404."""

from __future__ import annotations

import json

import pytest
import time_machine

from analytics import sharing
from analytics.models import ReviewSection
from tests.analytics.test_shared_review import MEETING_MORNING
from tests.logs import production_log_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def the_week_after():
    with time_machine.travel(MEETING_MORNING, tick=True):
        yield


def test_a_whole_opening_and_its_mangled_copies_leave_no_token_in_the_logs(client, settings):
    settings.REVIEW_SHARE_PASSWORD_RATE = "2/15m"
    share, token = sharing.create_share(
        label="Board",
        sections=ReviewSection.values,
        expires_on=MEETING_MORNING.date(),
        password="correct horse",
        created_by=None,
    )
    other = type(client)()

    with production_log_lines() as lines:
        client.get(f"/review/shared/{token}/")
        client.post(f"/review/shared/{token}/", {"password": "wrong"})
        client.post(f"/review/shared/{token}/", {"password": "correct horse"})
        client.get(f"/review/shared/{token}/?week=2026-W40")
        other.post(f"/review/shared/{token}/", {"password": "wrong again"})  # 429 now
        client.get(f"/review/shared/{token}")  # no trailing slash: redirected
        for mangled in (
            f"/review/shared//{token}/",
            f"/review//shared/{token}/",
            f"/Review/Shared/{token}/",
            f"/REVIEW/SHARED/{token}/",
        ):
            assert client.get(mangled).status_code == 404, mangled
        sharing.revoke_share(share=share)
        client.get(f"/review/shared/{token}/")

    written = json.dumps(lines())
    assert "Not Found" in written and "Too Many Requests" in written  # the 404s and the 429 were logged
    assert token not in written
