"""A campaign that only posts to team channels: no segments, no texts or emails, no Delivery rows.
It launches now, later or weekly, posts once per channel per send, and ends as other campaigns do."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns import sending, tasks
from campaigns.models import (
    TEAM_CHANNELS_ONLY,
    Campaign,
    CampaignStatus,
    Delivery,
    MediaPreference,
    Repeat,
    Segment,
    TeamChannel,
    TeamChannelKind,
    TeamPost,
    TeamPostStatus,
    TrackedLink,
)
from campaigns.reports import CSV_HEADER, report_csv
from campaigns.team_channels import services as team_posting
from campaigns.tracking import flush_clicks
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.fakes import slack, teams
from tests.helpers import path_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture
def placements():
    return [live_item(title=title).placements.get() for title in ("Giving feedback", "Running a 1:1")]


def teams_channel(name: str = "Sales on Teams") -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name=name, kind=TeamChannelKind.TEAMS), new_secret=teams.WORKFLOW_URL
    )


def slack_channel(name: str = "Sales on Slack") -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name=name, kind=TeamChannelKind.SLACK, slack_channel_id=slack.CHANNEL_ID),
        new_secret=slack.BOT_TOKEN,
    )


def team_only(placements, *channels, **fields) -> Campaign:
    """A draft that posts to `channels` and messages nobody: no segments, media "team channels only"."""
    campaign = ready_campaign(
        placements=placements,
        media=TEAM_CHANNELS_ONLY,
        team_post_title="Feedback week",
        team_post_text="Three minutes on giving feedback.",
        **fields,
    )
    campaign.segments.clear()
    campaign.team_channels.set(channels)
    return campaign


def launched(campaign, curator, capture) -> Campaign:
    with capture(execute=True):
        sending.launch(campaign=campaign, by=curator)
    campaign.refresh_from_db()
    return campaign


def change_page(client, campaign: Campaign) -> str:
    return client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()


def later(seconds: float):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def test_a_team_only_campaign_launched_now_posts_once_to_each_channel_and_is_sent(
    teams_fake, slack_fake, placements, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    subscribed_employees(3)  # people who could be messaged, and are not
    campaign = launched(
        team_only(placements, teams_channel(), slack_channel()),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    tasks.post_team_posts(campaign.pk)  # a task run twice posts nothing more
    tasks.post_due_team_posts()

    assert campaign.status == CampaignStatus.SENT
    assert len(teams_fake.posts) == 1 and len(slack_fake.messages) == 1
    assert teams_fake.cards()[0]["body"][0]["text"] == "Feedback week"
    assert slack_fake.messages[0]["channel"] == slack.CHANNEL_ID
    assert not Delivery.objects.filter(campaign=campaign).exists()
    assert sms_outbox == [] and mail.outbox == []
    assert set(TrackedLink.objects.filter(campaign=campaign).values_list("medium", flat=True)) == {
        "teams",
        "slack",
    }
    assert TeamPost.objects.filter(campaign=campaign, status=TeamPostStatus.POSTED).count() == 2


def test_a_weekly_team_only_campaign_posts_once_each_week_and_stays_scheduled(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = launched(
        team_only(placements, teams_channel(), repeat=Repeat.WEEKLY),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    first_send = campaign.launched_at
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.next_send_at == first_send + timedelta(days=7)

    with later(6 * 24 * 3600), django_capture_on_commit_callbacks(execute=True):
        assert sending.release_due_campaigns() == 0  # not yet a week
    with later(7 * 24 * 3600 + 60), django_capture_on_commit_callbacks(execute=True):
        sending.release_due_campaigns()
        sending.release_due_campaigns()  # beat ticking twice in the same minute
        tasks.post_due_team_posts()

    campaign.refresh_from_db()
    assert len(teams_fake.posts) == 2
    assert sorted(TeamPost.objects.filter(campaign=campaign).values_list("occurrence", flat=True)) == [1, 2]
    assert (campaign.status, campaign.occurrence) == (CampaignStatus.SCHEDULED, 2)
    assert campaign.next_send_at == first_send + timedelta(days=14)
    assert not Delivery.objects.filter(campaign=campaign).exists()


def test_a_team_only_campaign_scheduled_for_later_posts_at_its_time(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = team_only(placements, teams_channel(), send_at=timezone.now() + timedelta(hours=2))
    campaign = launched(campaign, internal_curator, django_capture_on_commit_callbacks)
    assert campaign.status == CampaignStatus.SCHEDULED and teams_fake.requests == 0

    with later(2 * 3600 + 60), django_capture_on_commit_callbacks(execute=True):
        sending.release_due_campaigns()

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and len(teams_fake.posts) == 1


def test_launch_refuses_a_campaign_with_nothing_to_send_in_plain_words(
    placements, internal_curator, internal_client
):
    campaign = team_only(placements)

    with pytest.raises(ValidationError) as refused:
        sending.launch(campaign=campaign, by=internal_curator)

    assert refused.value.messages == [
        "This campaign has nothing to send: it is set to team channels only, but no team channel is "
        "chosen. Choose the Teams or Slack channels to post to, or texts or emails to send."
    ]
    response = internal_client.post(reverse("admin:campaigns_campaign_launch", args=[campaign.pk]))
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == refused.value.messages
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not TeamPost.objects.exists()


def test_launch_refuses_a_team_only_campaign_with_segments_it_would_not_message(placements, internal_curator):
    campaign = team_only(placements, teams_channel())
    campaign.segments.set([Segment.objects.create(name="Sales")])

    assert sending.problems(campaign) == [
        "A campaign for team channels only messages nobody personally: remove its segments, or choose "
        "texts or emails to send them."
    ]


def test_a_personal_campaign_still_needs_a_segment_though_it_posts_to_channels(placements):
    campaign = ready_campaign(placements=placements, team_post_title="Feedback week")
    campaign.segments.clear()
    campaign.team_channels.set([teams_channel()])

    assert sending.problems(campaign) == [sending.NO_SEGMENT]


def test_a_team_only_campaign_whose_post_waits_to_be_retried_can_be_paused_and_resumed(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks, settings
):
    teams_fake.status = 503
    campaign = launched(
        team_only(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    assert campaign.status == CampaignStatus.SENDING  # its post is still to go
    sending.pause(campaign=campaign, by=internal_curator)
    teams_fake.status = 200
    with later(settings.TEAM_POST_RETRY_SECONDS + 1):
        tasks.post_due_team_posts()
        assert teams_fake.posts == []  # paused: it waits

        with django_capture_on_commit_callbacks(execute=True):
            sending.resume(campaign=campaign, by=internal_curator)

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert len(teams_fake.posts) == 1


def test_a_paused_team_only_campaign_resumes_sending_its_posts_not_waiting_for_a_schedule(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = team_only(placements, teams_channel())
    with django_capture_on_commit_callbacks(execute=False):  # launched; its post task not yet run
        sending.launch(campaign=campaign, by=internal_curator)
    sending.pause(campaign=campaign, by=internal_curator)

    with django_capture_on_commit_callbacks(execute=True):
        sending.resume(campaign=campaign, by=internal_curator)

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and len(teams_fake.posts) == 1


def test_a_team_only_campaign_cancelled_before_its_post_went_posts_nothing(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks, settings
):
    teams_fake.status = 503
    campaign = launched(
        team_only(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )
    sending.cancel(campaign=campaign, by=internal_curator)
    teams_fake.status = 200
    with later(settings.TEAM_POST_RETRY_SECONDS + 1):
        tasks.post_due_team_posts()

    campaign.refresh_from_db()
    post = TeamPost.objects.get(campaign=campaign)
    assert campaign.status == CampaignStatus.CANCELLED
    assert (post.status, post.error) == (
        TeamPostStatus.FAILED,
        "The campaign was cancelled before it was posted.",
    )
    assert teams_fake.posts == [] and teams_fake.requests == 1


def test_the_csv_has_the_posts_and_their_clicks_per_kind_of_channel_and_nothing_personal(
    client,
    internal_client,
    teams_fake,
    slack_fake,
    placements,
    internal_curator,
    django_capture_on_commit_callbacks,
):
    employees = subscribed_employees(2)
    slack_fake.not_joined = {slack.CHANNEL_ID}
    campaign = launched(
        team_only(placements, teams_channel(), slack_channel()),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    button = teams_fake.cards()[0]["actions"][0]["url"]
    client.get(path_of(button), HTTP_USER_AGENT=HUMAN, REMOTE_ADDR="203.0.113.7")
    client.get(path_of(button), HTTP_USER_AGENT=HUMAN, REMOTE_ADDR="198.51.100.9")
    flush_clicks()

    response = internal_client.get(reverse("admin:campaigns_campaign_report_csv", args=[campaign.pk]))
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))

    assert list(rows[0]) == CSV_HEADER
    shown = [
        (row["Medium"], row["Placement"], row["Team channel"], row["Send"], row["Post status"])
        for row in rows
    ]
    assert shown == [
        ("Microsoft Teams", "All placements", "All channels", "", ""),
        ("Microsoft Teams", str(placements[0]), "", "", ""),
        ("Microsoft Teams", str(placements[1]), "", "", ""),
        ("Microsoft Teams", "", "Sales on Teams", "1", "Posted"),
        ("Slack", "All placements", "All channels", "", ""),
        ("Slack", str(placements[0]), "", "", ""),
        ("Slack", str(placements[1]), "", "", ""),
        ("Slack", "", "Sales on Slack", "1", "Failed"),
    ]
    teams_total, teams_first = rows[0], rows[1]
    assert (teams_total["Sent"], teams_total["Failed or not delivered"]) == ("1", "0")
    assert (teams_total["Human clicks"], teams_total["Unique clicks"]) == ("2", "2")
    assert teams_first["Human clicks"] == "2" and rows[2]["Human clicks"] == "0"
    assert rows[0]["Audience"] == "" and rows[0]["Click-through rate"] == ""
    assert rows[3]["Posted at (UTC)"].startswith(f"{timezone.now():%Y-%m-%d}")
    assert rows[4]["Failed or not delivered"] == "1"
    assert rows[4]["Reasons"].startswith("The Slack app is not in the channel (not_in_channel)")
    assert rows[7]["Reasons"] == rows[4]["Reasons"].removesuffix(" (1)")
    for employee in employees:
        assert employee.phone not in text and employee.email not in text
    assert "203.0.113.7" not in text
    assert teams.SIGNATURE not in text and slack.BOT_TOKEN not in text


def test_the_csv_of_a_campaign_without_team_channels_has_no_team_rows(placements):
    rows = list(csv.DictReader(io.StringIO(report_csv(ready_campaign(placements=placements)))))

    assert {row["Medium"] for row in rows} == {"SMS", "Email"}
    assert {row["Team channel"] for row in rows} == {""}


def agency_draft(**fields: object) -> dict[str, object]:
    return {
        "name": "Feedback week",
        "slug": "feedback-week",
        "purpose": "",
        "media": TEAM_CHANNELS_ONLY,
        "sms_text": "",
        "email_subject": "",
        "email_body": "",
        "send_at_0": "",
        "send_at_1": "",
        "repeat": "once",
        "team_post_title": "Feedback week",
        "team_post_text": "Three minutes on giving feedback.",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        **fields,
    }


def test_the_agency_curator_drafts_a_team_only_campaign_but_sees_no_secret_and_cannot_launch_it(
    agency_client, placements
):
    on_teams, on_slack = teams_channel(), slack_channel()

    added = agency_client.post(
        reverse("admin:campaigns_campaign_add"),
        agency_draft(placements=[placements[0].pk], team_channels=[on_teams.pk, on_slack.pk]),
    )

    assert added.status_code == 302
    campaign = Campaign.objects.get(slug="feedback-week")
    assert campaign.is_team_only and campaign.status == CampaignStatus.DRAFT
    assert not campaign.segments.exists()
    page = change_page(agency_client, campaign)
    assert "Team channels only" in page
    assert "Microsoft Teams post" in page and "One post to each of Sales on Teams" in page
    assert "Ready to launch." in page
    assert teams.SIGNATURE not in page and "logic.azure.com" not in page
    assert slack.BOT_TOKEN not in page and "xoxb-" not in page
    launch = agency_client.post(reverse("admin:campaigns_campaign_launch", args=[campaign.pk]))
    assert launch.status_code == 403
    assert not TeamPost.objects.exists()


def test_the_preview_and_the_confirmation_say_nobody_is_messaged_and_show_the_post(
    internal_client, placements
):
    subscribed_employees(2)
    campaign = team_only(placements, teams_channel(), slack_channel())

    page = change_page(internal_client, campaign)
    confirmation = internal_client.get(
        reverse("admin:campaigns_campaign_launch", args=[campaign.pk])
    ).content.decode()

    assert "No texts, WhatsApp or emails: nobody is messaged personally" in page
    assert "Microsoft Teams post" in page and "Slack post" in page
    assert "Giving feedback: " in page and "Running a 1:1: " in page
    assert "The links are stand-ins of the same length" in page
    assert "Audience after suppression" not in page
    assert "<dd>Team channels only</dd>" in confirmation
    assert "Nobody personally: only the team channels get a post." in confirmation
    assert "None: team posts only" in confirmation
    assert "One post to each of Sales on Slack (Slack), Sales on Teams (Microsoft Teams)" in confirmation


def test_the_preview_of_a_campaign_with_texts_shows_its_team_post_too(placements, internal_client):
    campaign = ready_campaign(placements=placements, media=MediaPreference.SMS, team_post_title="This week")
    campaign.team_channels.set([teams_channel()])

    page = change_page(internal_client, campaign)

    assert "Audience after suppression" in page and "Microsoft Teams post" in page
    assert "No texts, WhatsApp or emails" not in page


# Query counts on the pages that list posts and channels.


def posts_for(campaign: Campaign, channels: list[TeamChannel], sends: int) -> None:
    now = timezone.now()
    TeamPost.objects.bulk_create(
        TeamPost(
            campaign=campaign,
            channel=channel,
            occurrence=send,
            status=TeamPostStatus.POSTED,
            not_before=now,
            posted_at=now,
        )
        for send in range(1, sends + 1)
        for channel in channels
    )


def links_to(campaign: Campaign, placements, *, kinds: list[str]) -> None:
    for placement in placements:
        for kind in kinds:
            TrackedLink.objects.get_or_create(
                campaign=campaign,
                medium=kind,
                placement=placement,
                defaults={"token": f"t{placement.pk}{kind}", "destination": placement.url},
            )


def test_the_team_channel_and_team_post_lists_cost_the_same_queries_for_few_rows_or_many(
    internal_client, placements, django_assert_max_num_queries
):
    campaign = team_only(placements)
    channels = [teams_channel(f"Team {n}") for n in range(2)]
    posts_for(campaign, channels, sends=1)
    pages = [
        reverse("admin:campaigns_teamchannel_changelist"),
        reverse("admin:campaigns_teampost_changelist"),
    ]
    few = []
    for url in pages:
        with django_assert_max_num_queries(15) as counted:
            assert internal_client.get(url).status_code == 200
        few.append(len(counted.captured_queries))

    more = channels + [slack_channel(f"Slack {n}") for n in range(10)]
    TeamPost.objects.all().delete()
    posts_for(campaign, more, sends=3)
    for url, queries in zip(pages, few, strict=True):
        with django_assert_max_num_queries(queries):
            response = internal_client.get(url)
        assert response.status_code == 200
    assert "Slack 9" in internal_client.get(pages[0]).content.decode()


def test_the_report_costs_the_same_queries_for_two_posts_or_forty(
    internal_client, placements, django_assert_max_num_queries
):
    campaign = team_only(placements)
    channels = [teams_channel(f"Team {n}") for n in range(2)]
    channels += [slack_channel(f"Slack {n}") for n in range(8)]
    posts_for(campaign, channels[:2], sends=1)
    links_to(campaign, placements, kinds=["teams"])
    report = reverse("admin:campaigns_campaign_report", args=[campaign.pk])
    csv_url = reverse("admin:campaigns_campaign_report_csv", args=[campaign.pk])
    counts = []
    for url in (report, csv_url):
        with django_assert_max_num_queries(15) as counted:
            internal_client.get(url)
        counts.append(len(counted.captured_queries))

    TeamPost.objects.all().delete()
    posts_for(campaign, channels, sends=4)
    more = [live_item().placements.get() for _ in range(4)]
    campaign.placements.add(*more)
    links_to(campaign, [*placements, *more], kinds=["teams", "slack"])
    for url, queries in zip((report, csv_url), counts, strict=True):
        with django_assert_max_num_queries(queries):
            response = internal_client.get(url)
    # Per kind: its totals, a row per placement's clicks, a row per post.
    assert len(list(csv.reader(io.StringIO(response.content.decode())))) == 1 + 2 * (1 + 6) + 40


def test_the_demo_has_a_team_only_draft_ready_to_launch(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True  # load_demo refuses otherwise: its logins have a published password
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())

    campaign = Campaign.objects.get(slug="sales-friday-pick")
    assert campaign.is_team_only and campaign.repeat == Repeat.WEEKLY
    assert [channel.name for channel in campaign.team_channels.all()] == ["Sales on Teams"]
    assert sending.problems(campaign) == []


def test_the_report_of_a_team_only_campaign_shows_its_posts_and_no_personal_table(
    internal_client, teams_fake, placements, internal_curator, django_capture_on_commit_callbacks
):
    campaign = launched(
        team_only(placements, teams_channel()), internal_curator, django_capture_on_commit_callbacks
    )

    page = internal_client.get(reverse("admin:campaigns_campaign_report", args=[campaign.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "No texts, WhatsApp or emails: this campaign only posts to team channels." in text
    assert "Click-through rate is unique clicks per text delivered" not in text
    assert "<td>Sales on Teams (Microsoft Teams)</td>" in text and "<td>Posted</td>" in text


def test_a_team_only_campaign_whose_poster_vanished_ends_with_its_post_unknown_not_reposted(
    teams_fake, placements, internal_curator, django_capture_on_commit_callbacks, settings
):
    campaign = team_only(placements, teams_channel())
    with django_capture_on_commit_callbacks(execute=False):  # launched; its post task never ran
        sending.launch(campaign=campaign, by=internal_curator)
    # A worker claimed the post and died before recording what happened.
    TeamPost.objects.filter(campaign=campaign).update(
        status=TeamPostStatus.POSTING, claimed_at=timezone.now(), attempts=1
    )
    with later(settings.TEAM_POST_CLAIM_SECONDS + 1):
        tasks.post_due_team_posts()
        tasks.reconcile_deliveries()

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert TeamPost.objects.get(campaign=campaign).status == TeamPostStatus.UNKNOWN
    assert teams_fake.requests == 0
