"""Only an internal curator, signed in to the admin as staff, sees, makes or revokes a shared link or
a digest: the agency's curator is refused every page and every POST (403, not merely a hidden
button), and a member of the internal group who is not staff, or no longer active, gets no page."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from analytics import sharing
from analytics.models import ReviewDigest, ReviewDigestSent, ReviewSection, ReviewShare
from curation.roles import INTERNAL_CURATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def made():
    share, _token = sharing.create_share(
        label="Board",
        sections=ReviewSection.values,
        expires_on=date.today(),
        created_by=None,
    )
    digest = ReviewDigest.objects.create(label="Board", addresses="cfo@example.org", sections=["glance"])
    ReviewDigestSent.objects.create(digest=digest, week=date(2026, 11, 16), address="cfo@example.org")
    return share, digest


def pages(share, digest) -> list[str]:
    return [
        reverse("admin:analytics_reviewshare_changelist"),
        reverse("admin:analytics_reviewshare_add"),
        reverse("admin:analytics_reviewshare_change", args=[share.pk]),
        reverse("admin:analytics_reviewshare_delete", args=[share.pk]),
        reverse("admin:analytics_reviewshare_history", args=[share.pk]),
        reverse("admin:analytics_reviewdigest_changelist"),
        reverse("admin:analytics_reviewdigest_add"),
        reverse("admin:analytics_reviewdigest_change", args=[digest.pk]),
        reverse("admin:analytics_reviewdigest_delete", args=[digest.pk]),
        reverse("admin:analytics_reviewdigest_history", args=[digest.pk]),
    ]


def test_the_agency_is_refused_every_page_and_every_post(agency_client, made):
    share, digest = made
    for page in pages(share, digest):
        assert agency_client.get(page).status_code == 403, page
        assert agency_client.post(page, {"post": "yes", "label": "Mine"}).status_code == 403, page
    revoke = agency_client.post(
        reverse("admin:analytics_reviewshare_changelist"),
        {"action": "revoke", "_selected_action": [share.pk]},
    )
    delete = agency_client.post(
        reverse("admin:analytics_reviewdigest_changelist"),
        {"action": "delete_selected", "_selected_action": [digest.pk], "post": "yes"},
    )

    assert (revoke.status_code, delete.status_code) == (403, 403)
    share.refresh_from_db()
    assert share.revoked_at is None and ReviewDigest.objects.filter(pk=digest.pk).exists()
    digest.refresh_from_db()
    assert digest.addresses == "cfo@example.org" and ReviewShare.objects.count() == 1
    index = agency_client.get(reverse("admin:index")).content.decode()
    assert "reviewshare" not in index and "reviewdigest" not in index


@pytest.mark.parametrize("lacks", ["is_staff", "is_active"])
def test_an_internal_curator_who_is_not_staff_or_not_active_gets_no_page(django_user_model, made, lacks):
    user = django_user_model.objects.create_user(username="sam", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=INTERNAL_CURATOR))
    user.is_staff, user.is_active = lacks != "is_staff", lacks != "is_active"
    user.save()
    browser = Client()
    browser.force_login(user)

    for page in pages(*made):
        response = browser.get(page)
        assert response.status_code in (302, 403), page
        assert "cfo@example.org" not in response.content.decode()


def test_only_a_get_that_shows_the_review_counts_an_opening(client):
    """A link checker's HEAD, or an OPTIONS, shows nobody the review: neither is an opening, and
    a method the page has no use for is refused."""
    share, token = sharing.create_share(
        label="Board", sections=ReviewSection.values, expires_on=date.today(), created_by=None
    )
    path = reverse("shared-review", args=[token])

    head = client.head(path)
    options = client.options(path)
    share.refresh_from_db()
    assert head.status_code == 200 and "no-store" in head["Cache-Control"]
    assert options.status_code == 405 and "no-store" in options["Cache-Control"]
    assert share.openings == 0

    client.get(path)
    share.refresh_from_db()
    assert share.openings == 1
