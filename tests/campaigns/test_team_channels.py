"""Team channels: a send posts once per channel, an Adaptive Card to Teams and Block Kit to Slack,
through the real clients to loopback fakes, with links tracked per channel kind; failures in words."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from campaigns import sending, tasks
from campaigns.models import (
    CampaignStatus,
    Repeat,
    TeamChannel,
    TeamChannelKind,
    TeamPost,
    TeamPostStatus,
    TrackedLink,
)
from campaigns.team_channels import services as team_posting
from tests.factories import live_item, ready_campaign
from tests.fakes import slack, teams
from tests.helpers import path_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def placements():
    return [live_item(title=title).placements.get() for title in ("Giving feedback", "Running a 1:1")]


def teams_channel(name: str = "Sales on Teams", secret: str = teams.WORKFLOW_URL) -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name=name, kind=TeamChannelKind.TEAMS), new_secret=secret
    )


def slack_channel(name: str = "#sales on Slack", channel_id: str = slack.CHANNEL_ID) -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name=name, kind=TeamChannelKind.SLACK, slack_channel_id=channel_id),
        new_secret=slack.BOT_TOKEN,
    )


def campaign_posting_to(placements, *channels, **fields):
    words = {
        "team_post_title": "Feedback week",
        "team_post_text": "Three minutes on giving feedback, for everyone in sales.",
    }
    campaign = ready_campaign(placements=placements, **{**words, **fields})
    campaign.team_channels.set(channels)
    return campaign


def later(seconds: float):
    """The clock moved on by `seconds`, still ticking."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def launch(campaign, curator, capture):
    with capture(execute=True):
        sending.launch(campaign=campaign, by=curator)
    campaign.refresh_from_db()
    return campaign


def followed(client, url: str) -> tuple[str, dict[str, list[str]]]:
    """Where a tracked link in a post leads: the address without its query, and the query."""
    response = client.get(path_of(url), HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Teams/1.7")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return f"{location.scheme}://{location.netloc}{location.path}", parse_qs(location.query)


def test_a_send_posts_one_adaptive_card_to_its_teams_channel_with_links_tracked_for_teams(
    client, teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = launch(
        campaign_posting_to(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )

    assert teams_fake.rejected == []
    [card] = teams_fake.cards()
    assert card["version"] == "1.4"
    assert [block["text"] for block in card["body"]] == [
        "Feedback week",
        "Three minutes on giving feedback, for everyone in sales.",
    ]
    assert [action["title"] for action in card["actions"]] == ["Giving feedback", "Running a 1:1"]
    for action, placement in zip(card["actions"], placements, strict=True):
        link = TrackedLink.objects.get(campaign=campaign, medium="teams", placement=placement)
        assert action["url"].endswith(f"/l/{link.token}")
        destination, query = followed(client, action["url"])
        assert destination == placement.url
        assert query["utm_source"] == ["teams"] and query["utm_campaign"] == ["feedback-week"]
    post = TeamPost.objects.get(campaign=campaign)
    assert (post.status, post.occurrence, post.error) == (TeamPostStatus.POSTED, 1, "")


def test_a_send_posts_blocks_and_a_text_fallback_to_slack_with_links_tracked_for_slack(
    client, slack_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = launch(
        campaign_posting_to(placements, slack_channel()), internal_curator, django_capture_on_commit_callbacks
    )

    assert slack_fake.rejected == []
    [message] = slack_fake.messages
    assert message["channel"] == slack.CHANNEL_ID
    assert message["text"].startswith("Feedback week\nThree minutes on giving feedback")
    assert [block["type"] for block in message["blocks"]] == ["header", "section", "actions"]
    buttons = message["blocks"][2]["elements"]
    assert [button["text"]["text"] for button in buttons] == ["Giving feedback", "Running a 1:1"]
    for button, placement in zip(buttons, placements, strict=True):
        destination, query = followed(client, button["url"])
        assert destination == placement.url
        assert query["utm_source"] == ["slack"]
    post = TeamPost.objects.get(campaign=campaign)
    assert post.status == TeamPostStatus.POSTED and post.provider_id.endswith(".000100")


def test_the_post_names_nobody_and_escapes_slack_markup(
    slack_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = campaign_posting_to(placements, slack_channel(), team_post_text="Q&A <!channel> today")
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    [message] = slack_fake.messages
    assert message["blocks"][1]["text"]["text"] == "Q&amp;A &lt;!channel&gt; today"
    assert "<!channel>" not in message["text"]


def test_a_task_run_twice_and_a_send_started_twice_post_once_per_channel(
    teams_fake, slack_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = launch(
        campaign_posting_to(placements, teams_channel(), slack_channel()),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    tasks.post_team_posts(campaign.pk)
    tasks.post_due_team_posts()
    assert sending.start_occurrence(campaign_id=campaign.pk) == 0

    assert len(teams_fake.posts) == 1 and len(slack_fake.messages) == 1
    assert TeamPost.objects.filter(campaign=campaign, status=TeamPostStatus.POSTED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_holding_the_same_due_post_post_it_once(teams_fake, placements, internal_curator):
    """Two workers (threads, each with its own database connection) both read the post as due
    before either claims it: the claim lets one post, and the other finds it taken."""
    teams_fake.stall = 0.3  # the first is still posting when the second tries
    campaign = campaign_posting_to(placements, teams_channel())
    campaign.status = CampaignStatus.SENDING
    campaign.occurrence = 1
    campaign.save()
    team_posting.plan_posts(campaign, now=campaign.created_at)
    seen_due = [
        TeamPost.objects.select_related("campaign", "channel").get(campaign=campaign) for _ in range(2)
    ]

    def work(row: TeamPost) -> None:
        try:
            team_posting.post_one(row, team_posting.PostRun())
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(row,)) for row in seen_due]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(teams_fake.posts) == 1
    post = TeamPost.objects.get(campaign=campaign)
    assert (post.status, post.attempts) == (TeamPostStatus.POSTED, 1)


def test_each_weekly_send_posts_again_once(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = launch(
        campaign_posting_to(placements, teams_channel(), repeat=Repeat.WEEKLY),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    with later(7 * 24 * 3600), django_capture_on_commit_callbacks(execute=True):
        sending.release_due_campaigns()
        sending.release_due_campaigns()

    assert len(teams_fake.posts) == 2
    assert sorted(TeamPost.objects.filter(campaign=campaign).values_list("occurrence", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            {"not_joined": {slack.CHANNEL_ID}},
            "The Slack app is not in the channel (not_in_channel): invite it there with /invite @your-app",
        ),
        ({"channels": set()}, "Slack cannot find the channel (channel_not_found): check its ID"),
    ],
)
def test_slack_refusals_are_recorded_in_plain_words_and_not_retried(
    slack_fake, placements, internal_curator, django_capture_on_commit_callbacks, script, message
):
    for name, value in script.items():
        setattr(slack_fake, name, value)
    campaign = launch(
        campaign_posting_to(placements, slack_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    tasks.post_due_team_posts()

    post = TeamPost.objects.get(campaign=campaign)
    assert post.status == TeamPostStatus.FAILED
    assert post.error.startswith(message)
    assert post.attempts == 1


def test_a_bad_slack_token_is_recorded_as_such(
    slack_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    channel = slack_channel()
    team_posting.save_channel(channel=channel, new_secret="xoxb-1234567890-revoked-0000000000")
    launch(campaign_posting_to(placements, channel), internal_curator, django_capture_on_commit_callbacks)

    post = TeamPost.objects.get(channel=channel)
    assert post.status == TeamPostStatus.FAILED
    assert post.error.startswith("Slack refused the bot token (invalid_auth)")
    assert "xoxb" not in post.error.replace("(xoxb-…)", "")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (
            teams.WORKFLOW_URL.replace(teams.SIGNATURE, "reset"),
            "Teams refused the workflow's address (HTTP 401)",
        ),
        (
            teams.WORKFLOW_URL.replace("/workflows/5f", "/workflows/00"),
            "Teams has no workflow at this address",
        ),
    ],
)
def test_teams_refusals_are_recorded_in_plain_words_without_the_address(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks, secret, message
):
    campaign = launch(
        campaign_posting_to(placements, teams_channel(secret=secret)),
        internal_curator,
        django_capture_on_commit_callbacks,
    )

    post = TeamPost.objects.get(campaign=campaign)
    assert post.status == TeamPostStatus.FAILED
    assert post.error.startswith(message)
    assert teams.SIGNATURE not in post.error and "logic.azure.com" not in post.error


def test_a_teams_server_error_is_tried_again_later_then_given_up(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks, settings
):
    settings.TEAM_POST_MAX_ATTEMPTS = 2
    teams_fake.status = 503
    campaign = launch(
        campaign_posting_to(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    post = TeamPost.objects.get(campaign=campaign)
    assert post.status == TeamPostStatus.PENDING
    assert post.error == "Teams had a server error (HTTP 503); it will be tried again."

    tasks.post_due_team_posts()  # not yet due: the retry waits its turn
    assert teams_fake.requests == 1
    with later(settings.TEAM_POST_RETRY_SECONDS + 1):
        tasks.post_due_team_posts()

    post.refresh_from_db()
    assert post.status == TeamPostStatus.FAILED
    assert post.error.endswith("Gave up after 2 tries.")


def test_a_post_that_timed_out_is_not_posted_again(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    teams_fake.stall = 1.5  # longer than the 1 s timeout: Teams has it, we never hear
    campaign = launch(
        campaign_posting_to(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    with later(3600):
        tasks.post_due_team_posts()

    post = TeamPost.objects.get(campaign=campaign)
    assert post.status == TeamPostStatus.UNKNOWN
    assert post.error.startswith("Teams did not answer in time; the post may have gone")
    assert len(teams_fake.posts) == 1


def test_a_claim_whose_worker_vanished_becomes_unknown_and_is_not_posted_again(
    teams_fake, placements, settings
):
    campaign = campaign_posting_to(placements, teams_channel())
    post = TeamPost.objects.create(
        campaign=campaign,
        channel=campaign.team_channels.get(),
        occurrence=1,
        status=TeamPostStatus.POSTING,
        claimed_at=campaign.created_at,
        not_before=campaign.created_at,
    )
    with later(settings.TEAM_POST_CLAIM_SECONDS + 1):
        tasks.post_due_team_posts()

    post.refresh_from_db()
    assert post.status == TeamPostStatus.UNKNOWN
    assert post.error == "The poster stopped before recording the outcome; not posted again in case it went."
    assert teams_fake.requests == 0


def test_a_paused_campaign_posts_nothing_until_resumed(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = campaign_posting_to(placements, teams_channel())
    with django_capture_on_commit_callbacks(execute=False):  # launched; its task not yet run
        sending.launch(campaign=campaign, by=internal_curator)
    campaign.refresh_from_db()
    sending.pause(campaign=campaign, by=internal_curator)
    tasks.post_due_team_posts()
    assert teams_fake.requests == 0

    sending.resume(campaign=campaign, by=internal_curator)
    tasks.post_due_team_posts()
    assert len(teams_fake.posts) == 1


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"team_post_title": "", "team_post_text": ""}, "Write the team post: its heading or its text."),
        (
            {"team_post_text": "Hi {first_name}!"},
            "A team post goes to a whole channel: it has no placeholders",
        ),
    ],
)
def test_launch_refuses_a_team_post_that_is_empty_or_names_someone(
    placements, internal_curator, fields, problem
):
    campaign = campaign_posting_to(placements, teams_channel())
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()

    assert any(found.startswith(problem) for found in sending.problems(campaign))


def test_the_demo_prints_a_teams_post_from_the_console_backend(
    capsys, settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True  # load_demo refuses otherwise: its logins have a published password
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())

    printed = capsys.readouterr().out
    post = TeamPost.objects.get(campaign__slug="sales-huddle")
    assert post.status == TeamPostStatus.POSTED and post.channel.name == "Sales on Teams"
    assert "Microsoft Teams post to Sales on Teams\nFor Thursday's huddle\n" in printed
    link = TrackedLink.objects.filter(campaign=post.campaign, medium="teams").first()
    assert f"/l/{link.token}" in printed


def test_a_rate_limited_slack_post_waits_and_is_tried_again(
    slack_fake, placements, internal_curator, django_capture_on_commit_callbacks, settings
):
    slack_fake.rate_limited = True
    campaign = launch(
        campaign_posting_to(placements, slack_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    post = TeamPost.objects.get(campaign=campaign)
    assert (post.status, post.error) == (
        TeamPostStatus.PENDING,
        "Slack is limiting posts for now (ratelimited); it will be tried again.",
    )

    slack_fake.rate_limited = False
    with later(settings.TEAM_POST_RETRY_SECONDS + 1):
        tasks.post_due_team_posts()
    post.refresh_from_db()
    assert post.status == TeamPostStatus.POSTED and len(slack_fake.messages) == 1


def test_a_connection_dropped_mid_post_is_not_posted_again(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    teams_fake.drop = True
    campaign = launch(
        campaign_posting_to(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    tasks.post_due_team_posts()

    assert TeamPost.objects.get(campaign=campaign).status == TeamPostStatus.UNKNOWN
    assert teams_fake.requests == 1
