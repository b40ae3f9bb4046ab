"""Every admin page the curators use fits a laptop: at 1366 x 768 in headless Chromium, over the
demo programme with the long names and errors real ones have, no page scrolls sideways, so no
column that matters (sync state, stale badges, reachability, errors) is off screen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from analytics.models import Source, SyncRun, SyncStatus
from campaigns.models import Campaign
from channels.models import Channel, MetricSource, Platform
from channels.services import register_channel
from curation import services
from curation.demo import DEMO_USERS
from curation.models import ContentItem, Placement
from tests.browser import watched_page
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
LONG_ERROR = (
    "Google said no (400 invalid_grant): Token has been expired or revoked. Sign in again at "
    "https://accounts.google.com/o/oauth2/v2/auth?client_id=1234567890-abcdefghijklmnopqrstuvwxyz"
    "0123456789.apps.googleusercontent.com&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyt-analytics"
    ".readonly&access_type=offline&prompt=consent then press Sync now on the channel."
)
# The page, and any list or form box in it that scrolls its content sideways (a list's table
# clipped in its scrolling box hides its last columns as surely as a page wider than the window).
SCROLLING_SIDEWAYS = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth)
    wide.push(`page ${document.documentElement.scrollWidth}px`);
  for (const box of document.querySelectorAll("#changelist *, #content-main form *")) {
    const overflow = getComputedStyle(box).overflowX;
    if ((overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1)
      wide.push(`${box.id || box.className || box.tagName} ${box.scrollWidth}px in ${box.clientWidth}px`);
  }
  return wide;
}"""
# A campaign report's placement names: once squeezed to a word a line beside the medium's counts.
NARROWEST_PLACEMENT_NAME = """() => Math.min(
  ...Array.from(document.querySelectorAll("td.placement-row"), cell => cell.getBoundingClientRect().width)
)"""
# The change pages worth opening: the models curators edit or read one by one.
MAIN_MODELS = [ContentItem, Placement, Channel, Campaign, SyncRun]


def realistic_extras() -> None:
    """What the demo lacks and real programmes have: long names, a long address, a long error."""
    channel = register_channel(
        name="Acme Learning & Development: customer conversations video library (UK and Ireland)",
        platform=Platform.YOUTUBE,
        url="https://www.youtube.com/@acme-learning-and-development-customer-conversations",
        metric_source=MetricSource.YOUTUBE,
        youtube_channel_id="UCacme000000000000000042",
    )
    item = services.create_item(
        title="Handling a complaint from a long-standing customer when the delivery is late again",
        summary="A worked example.",
        format="video",
        stage="digital_blended",
    )
    services.place_item(
        item=item,
        channel=channel,
        url="https://www.youtube.com/watch?v=abcdefghijk&list=PLacmeLearningCustomerConversations2026",
        external_id="abcdefghijk",
    )
    services.mark_live(item=item)
    day = timezone.localdate() - timedelta(days=9)
    SyncRun.objects.create(
        source=Source.YOUTUBE,
        channel=channel,
        period_start=day,
        period_end=day + timedelta(days=2),
        status=SyncStatus.FAILED,
        error=LONG_ERROR,
        requested_by="Priya Shah",
        finished_at=timezone.now() - timedelta(days=8),
    )


def curator_pages(curator) -> list[str]:
    """Each list the curator may open, the change page of a first row of the main models, the
    add pages, each campaign's report, and the weekly review."""
    urls = ["/admin/", "/admin/review/"]
    request = RequestFactory().get("/admin/")
    request.user = curator
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        if not model_admin.has_view_or_change_permission(request):
            continue
        urls.append(reverse(f"{name}_changelist"))
        if model in MAIN_MODELS:
            if model_admin.has_add_permission(request):
                urls.append(reverse(f"{name}_add"))
            urls += [reverse(f"{name}_change", args=[obj.pk]) for obj in model.objects.order_by("-pk")[:2]]
    reports = Campaign.objects.exclude(launched_at=None)
    return urls + [reverse("admin:campaigns_campaign_report", args=[campaign.pk]) for campaign in reports]


@pytest.fixture
def curator_context(browser, live_server):
    call_command("load_demo", force=True, stdout=io.StringIO())
    realistic_extras()
    curator = get_user_model().objects.get(username=DEMO_USERS[0][0])
    enrol_totp(curator)  # contact data shown: the widest subscriber list
    signed_in = Client()
    signed_in.force_login(curator)
    context = browser.new_context(**LAPTOP, base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context, curator


def test_no_admin_page_a_curator_uses_scrolls_sideways_at_1366_px(curator_context):
    context, curator = curator_context
    too_wide = {}
    with watched_page(context) as page:
        for url in curator_pages(curator):
            response = page.goto(url)
            assert response.status == 200, url
            wide = page.evaluate(SCROLLING_SIDEWAYS)
            if "/report/" in url and page.evaluate(NARROWEST_PLACEMENT_NAME) < 300:
                wide.append("placement names squeezed")
            if wide:
                too_wide[url] = wide

    assert too_wide == {}, "\n".join(f"{url}: {wide}" for url, wide in too_wide.items())
