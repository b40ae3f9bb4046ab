""" "Sync now" in the channel list says what happened: where tasks run eagerly (the embedded
default) the run has finished before the page comes back, so its outcome is shown, not "queued"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analytics import services
from analytics.models import SyncRun, SyncStatus
from tests.factories import youtube_channel_with_videos

# Committed for real, as in the embedded default: the run starts when its row is committed.
pytestmark = pytest.mark.django_db(transaction=True)

VIDEO = "intro000001"


@pytest.fixture
def channel(youtube_fake):
    youtube_fake.add_video(VIDEO)
    return youtube_channel_with_videos([VIDEO], titles=["Intro video"])


def sync_now(client, channel) -> str:
    page = client.post(
        reverse("admin:channels_channel_changelist"),
        {"action": "sync_now", "_selected_action": [channel.pk]},
        follow=True,
    )
    return page.content.decode()


def test_sync_now_shows_how_many_rows_a_finished_sync_wrote(channel, internal_client):
    page = sync_now(internal_client, channel)

    run = SyncRun.objects.get()
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (
        f"Synced Acme Learns for {services.recent_period()}: {run.rows_read} rows read, "
        f"{run.rows_written} figures written, {run.rows_added} of them new."
    ) in page
    assert run.rows_written > 0
    assert "Queued a sync" not in page


def test_sync_now_shows_the_error_of_a_sync_that_failed(youtube_fake, channel, internal_client):
    youtube_fake.revoke_refresh_token()

    page = sync_now(internal_client, channel)

    run = SyncRun.objects.get()
    assert run.status == SyncStatus.FAILED
    assert "The sync of Acme Learns failed: " in page and "must grant access again" in page
    assert "Queued a sync" not in page


def test_the_run_names_the_curator_who_asked_for_it(channel, client, internal_curator):
    internal_curator.first_name, internal_curator.last_name = "Priya", "Shah"
    internal_curator.save()
    client.force_login(internal_curator)

    sync_now(client, channel)

    assert SyncRun.objects.get().requested_by == "Priya Shah"
