"""The attacker of tests/analytics/test_disclosure_attack.py, given a shared link and the digest: the
cohorts at the edges of the privacy rule, and every table the shared page publishes, for each of
the weeks it offers, is the admin dashboard's unfiltered table cell for cell, and the digest's
figures are the page's. So whatever the attacker solves from the dashboard, its CSVs and every
filter variant, the shared page and the email add no equation and no figure to it."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from analytics import sharing
from analytics.digest import send_review_digests
from analytics.models import ReviewDigest, ReviewSection
from tests.analytics.test_disclosure_attack import AT_THE_EDGES, REVIEWED_ON, build_cohorts
from tests.smtp import RecordingHandler, serving

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r"fewer than 5|\b\d+(?:[.,]\d+)*%?")
LINKS = re.compile(r"<a [^>]*>.*?</a>", re.S)
TABLE = re.compile(r'<div class="review-table" id="table-([a-z_]+)">(.*?</table>)', re.S)


def tables(html: str) -> dict[str, str]:
    return {name: LINKS.sub("", body) for name, body in TABLE.findall(html)}


def test_the_shared_page_and_the_digest_publish_only_the_dashboards_unfiltered_figures(
    internal_client, settings
):
    build_cohorts(AT_THE_EDGES)
    stakeholder = Client()
    with time_machine.travel(REVIEWED_ON, tick=False):
        _share, token = sharing.create_share(
            label="Board", sections=ReviewSection.values, expires_on=REVIEWED_ON.date(), created_by=None
        )
        ReviewDigest.objects.create(label="Board", addresses="cfo@example.org", sections=ReviewSection.values)
        compared = 0
        for week in ("2026-W47", "2026-W46", "2026-W36"):
            shared = stakeholder.get(reverse("shared-review", args=[token]), {"week": week}).content.decode()
            dashboard = internal_client.get(reverse("review:week", args=[week])).content.decode()
            shared_tables, dashboard_tables = tables(shared), tables(dashboard)
            assert shared_tables, week
            for name, body in shared_tables.items():
                assert body == dashboard_tables[name], (week, name)
                compared += 1
        with serving(RecordingHandler(), settings) as server:
            send_review_digests()
        page = stakeholder.get(reverse("shared-review", args=[token])).content.decode()

    assert compared >= 3 * 8
    text = server.received[0].message.get_body(("plain",)).get_content()
    figures_in_page = set(FIGURE.findall(LINKS.sub("", page)))
    for figure in FIGURE.findall(text.split("Privacy:")[0]):
        assert figure in figures_in_page, figure
