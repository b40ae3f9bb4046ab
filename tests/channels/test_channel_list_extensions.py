"""Channels administers its own model; analytics adds its columns and "Sync now" through
channels.admin.extend_channel_list, never by unregistering the channel admin."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from analytics.models import Source, SyncRun, SyncStatus
from channels.admin import ChannelAdmin
from channels.models import Channel
from tests.factories import YouTubeChannelFactory

pytestmark = pytest.mark.django_db

CHANNELS = Path(__file__).resolve().parents[2] / "channels"


def test_the_channel_admin_registered_is_channels_own():
    assert type(admin.site._registry[Channel]) is ChannelAdmin


def test_channels_imports_nothing_of_analytics():
    imported = set()
    for module in CHANNELS.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "analytics" not in imported and "campaigns" not in imported


def finished_run(channel: Channel, status: str, days_ago: int, error: str = "") -> SyncRun:
    now = timezone.now() - timedelta(days=days_ago)
    run = SyncRun.objects.create(
        source=Source.YOUTUBE,
        channel=channel,
        period_start=now.date() - timedelta(days=3),
        period_end=now.date() - timedelta(days=1),
        status=status,
        error=error,
    )
    SyncRun.objects.filter(pk=run.pk).update(queued_at=now, finished_at=now)
    return run


def test_the_channel_list_shows_figures_last_synced_with_a_stale_badge_and_the_latest_sync(
    internal_client,
):
    channel = YouTubeChannelFactory(name="Acme Learns")
    finished_run(channel, SyncStatus.SUCCEEDED, days_ago=5)
    finished_run(channel, SyncStatus.FAILED, days_ago=1, error="YouTube said no")

    page = internal_client.get(reverse("admin:channels_channel_changelist")).content.decode()

    assert "Figures last synced" in page and "Latest sync" in page
    # timesince keeps a number and its unit together with a no-break space.
    assert '<strong class="stale-badge">5\xa0days ago (stale)</strong>' in page
    assert "✗ Failed, 1\xa0day ago" in page
    assert '<option value="sync_now">' in page


def test_sorting_by_figures_last_synced_works(internal_client):
    YouTubeChannelFactory(name="Acme Learns")

    columns = ChannelAdmin(Channel, admin.site).get_list_display(None)
    column = next(
        i for i, c in enumerate(columns) if getattr(c, "short_description", "") == "Figures last synced"
    )
    page = internal_client.get(reverse("admin:channels_channel_changelist"), {"o": str(column + 1)})

    assert page.status_code == 200 and "Acme Learns" in page.content.decode()
