"""Team channels in the admin: an internal curator registers them; a secret, once saved, is on no
page; the agency curator can neither read nor change one; a test post reports in plain words."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from campaigns.delivery_errors import DeliveryError
from campaigns.models import TeamChannel, TeamChannelKind, TrackedLink
from campaigns.team_channels import secrets
from campaigns.team_channels import services as team_posting
from campaigns.tracking import flush_clicks
from tests.factories import live_item, ready_campaign
from tests.fakes import slack, teams

pytestmark = pytest.mark.django_db

ADD = reverse("admin:campaigns_teamchannel_add")
CHANGELIST = reverse("admin:campaigns_teamchannel_changelist")
# Stored as a browser serialises it: https's own port (:443, in Power Automate's copy) left out.
AS_BROWSERS_WRITE_IT = teams.WORKFLOW_URL.replace(":443/", "/")


def form(**fields: str) -> dict[str, str]:
    return {
        "name": "Sales on Teams",
        "kind": "teams",
        "slack_channel_id": "",
        "new_secret": "",
        "secret_env_var": "",
        "is_active": "on",
        **fields,
    }


def pages_of(client, channel: TeamChannel) -> str:
    """Every admin page that shows the channel, and the campaign page that picks it, as one text."""
    campaign = ready_campaign(placements=[live_item().placements.get()])
    campaign.team_channels.set([channel])
    urls = [
        CHANGELIST,
        reverse("admin:campaigns_teamchannel_change", args=[channel.pk]),
        reverse("admin:campaigns_campaign_change", args=[campaign.pk]),
        reverse("admin:campaigns_teampost_changelist"),
    ]
    pages = [client.get(url) for url in urls]
    assert [page.status_code for page in pages] == [200] * len(urls)
    return "".join(page.content.decode() for page in pages)


def test_a_teams_address_saved_in_the_admin_is_encrypted_and_on_no_page(internal_client):
    response = internal_client.post(ADD, form(new_secret=teams.WORKFLOW_URL))
    assert response.status_code == 302

    channel = TeamChannel.objects.get(name="Sales on Teams")
    assert teams.SIGNATURE not in channel.secret_encrypted
    assert secrets.reveal(channel) == AS_BROWSERS_WRITE_IT
    html = pages_of(internal_client, channel)
    assert teams.SIGNATURE not in html and "logic.azure.com" not in html
    assert "Set (stored encrypted)" in html


def test_a_slack_token_saved_in_the_admin_is_on_no_page_and_kept_when_the_field_is_left_empty(
    internal_client,
):
    internal_client.post(
        ADD,
        form(
            name="Sales on Slack", kind="slack", slack_channel_id=slack.CHANNEL_ID, new_secret=slack.BOT_TOKEN
        ),
    )
    channel = TeamChannel.objects.get(name="Sales on Slack")
    change = reverse("admin:campaigns_teamchannel_change", args=[channel.pk])
    response = internal_client.post(
        change, form(name="Sales team on Slack", kind="slack", slack_channel_id=slack.CHANNEL_ID)
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Sales team on Slack"
    assert secrets.reveal(channel) == slack.BOT_TOKEN
    assert slack.BOT_TOKEN not in pages_of(internal_client, channel)


def test_a_refused_form_does_not_show_the_secret_typed_back(internal_client):
    page = internal_client.post(
        ADD, form(kind="slack", slack_channel_id="#sales", new_secret=slack.BOT_TOKEN)
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "Give the channel&#x27;s ID (like C0123456789" in html
    assert slack.BOT_TOKEN not in html
    assert not TeamChannel.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"new_secret": "https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456"},
            "This is an Office 365 connector&#x27;s address: connectors are retired",
        ),
        ({"new_secret": "https://evil.example/workflows/1?sig=x"}, "This address is not on Power Automate"),
        ({"new_secret": "http://prod-07.westeurope.logic.azure.com/workflows/1"}, "Use the https:// address"),
        (
            {
                "kind": "slack",
                "slack_channel_id": slack.CHANNEL_ID,
                "new_secret": "xoxp-1234567890-abcdefghij",
            },
            "This is a person&#x27;s token (xoxp-…)",
        ),
        ({"secret_env_var": "DATABASE_URL"}, "Name an environment variable starting TEAM_CHANNEL_"),
        (
            {"secret_env_var": "TEAM_CHANNEL_SECRET_KEY"},
            "Name an environment variable starting TEAM_CHANNEL_",
        ),
        ({}, "Enter the secret, or name an environment variable holding it."),
    ],
)
def test_a_wrong_secret_gets_a_message_saying_what_to_do(internal_client, fields, message):
    page = internal_client.post(ADD, form(**fields))

    assert page.status_code == 200
    assert message in page.content.decode()
    assert not TeamChannel.objects.exists()


def test_a_secret_can_come_from_a_team_channel_environment_variable(slack_fake, monkeypatch):
    monkeypatch.setenv("TEAM_CHANNEL_SALES_SLACK", slack.BOT_TOKEN)
    channel = team_posting.save_channel(
        channel=TeamChannel(
            name="Sales",
            kind=TeamChannelKind.SLACK,
            slack_channel_id=slack.CHANNEL_ID,
            secret_env_var="TEAM_CHANNEL_SALES_SLACK",
        )
    )

    assert team_posting.send_test_post(channel=channel).ok
    assert channel.secret_encrypted == ""
    monkeypatch.delenv("TEAM_CHANNEL_SALES_SLACK")
    result = team_posting.send_test_post(channel=channel)
    assert result.message.endswith(
        "The environment variable TEAM_CHANNEL_SALES_SLACK is not set on this server."
    )


def test_the_agency_curator_can_neither_read_nor_change_team_channels(agency_client):
    channel = team_posting.save_channel(
        channel=TeamChannel(name="Sales on Teams", kind=TeamChannelKind.TEAMS), new_secret=teams.WORKFLOW_URL
    )
    change = reverse("admin:campaigns_teamchannel_change", args=[channel.pk])

    assert agency_client.get(CHANGELIST).status_code == 403
    assert agency_client.get(ADD).status_code == 403
    assert agency_client.get(change).status_code == 403
    assert (
        agency_client.post(change, form(new_secret="https://prod-1.logic.azure.com/workflows/2")).status_code
        == 403
    )
    assert agency_client.get(reverse("admin:campaigns_teampost_changelist")).status_code == 403
    assert secrets.reveal(channel) == AS_BROWSERS_WRITE_IT
    assert "Team channels" not in agency_client.get(reverse("admin:index")).content.decode()
    draft = ready_campaign(placements=[live_item().placements.get()])
    draft.team_channels.set([channel])
    page = agency_client.get(reverse("admin:campaigns_campaign_change", args=[draft.pk]))
    assert page.status_code == 200 and "Sales on Teams" in page.content.decode()
    assert teams.SIGNATURE not in page.content.decode() and "logic.azure.com" not in page.content.decode()


def test_the_test_post_action_reports_success_and_failure_in_plain_words(
    internal_client, teams_fake, slack_fake
):
    slack_fake.not_joined = {slack.CHANNEL_ID}
    on_teams = team_posting.save_channel(
        channel=TeamChannel(name="Sales on Teams", kind=TeamChannelKind.TEAMS), new_secret=teams.WORKFLOW_URL
    )
    on_slack = team_posting.save_channel(
        channel=TeamChannel(
            name="Sales on Slack", kind=TeamChannelKind.SLACK, slack_channel_id=slack.CHANNEL_ID
        ),
        new_secret=slack.BOT_TOKEN,
    )

    response = internal_client.post(
        CHANGELIST, {"action": "send_test_post", "_selected_action": [on_teams.pk, on_slack.pk]}, follow=True
    )

    said = [str(message) for message in get_messages(response.wsgi_request)] or [
        str(message) for message in response.context["messages"]
    ]
    assert "“Sales on Teams”: the test post went." in said
    assert (
        "“Sales on Slack”: the test post failed. The Slack app is not in the channel (not_in_channel): "
        "invite it there with /invite @your-app, then try again." in said
    )
    assert teams_fake.cards()[0]["body"][0]["text"].startswith("Test post from")
    on_slack.refresh_from_db()
    assert "not_in_channel" in on_slack.last_test_result


def test_the_launch_confirmation_and_the_report_show_the_team_posts(
    internal_client, slack_fake, django_capture_on_commit_callbacks, working_hours
):
    slack_fake.not_joined = {slack.CHANNEL_ID}
    channel = team_posting.save_channel(
        channel=TeamChannel(
            name="Sales on Slack", kind=TeamChannelKind.SLACK, slack_channel_id=slack.CHANNEL_ID
        ),
        new_secret=slack.BOT_TOKEN,
    )
    campaign = ready_campaign(placements=[live_item().placements.get()], team_post_text="This week's pick")
    campaign.team_channels.set([channel])

    confirmation = internal_client.get(reverse("admin:campaigns_campaign_launch", args=[campaign.pk]))
    assert (
        "One post to each of Sales on Slack (Slack): the same words for everyone"
        in confirmation.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        internal_client.post(reverse("admin:campaigns_campaign_launch", args=[campaign.pk]))
    link = TrackedLink.objects.get(campaign=campaign, medium="slack")
    internal_client.get(f"/l/{link.token}", HTTP_USER_AGENT="Mozilla/5.0 (Macintosh) Safari/605.1.15")
    flush_clicks()
    report = internal_client.get(reverse("admin:campaigns_campaign_report", args=[campaign.pk]))
    report = report.content.decode()

    assert "Team channel posts" in report
    assert "<td>Sales on Slack (Slack)</td>" in report and "<td>Failed</td>" in report
    assert "The Slack app is not in the channel (not_in_channel)" in report
    assert "Slack: 1 human click, 0 bot hits." in report


def test_secrets_survive_a_change_of_key_and_are_rotated_to_the_new_one(settings):
    settings.TEAM_CHANNEL_SECRET_KEY = "the-old-key-" + "o" * 40
    channel = team_posting.save_channel(
        channel=TeamChannel(name="Sales on Teams", kind=TeamChannelKind.TEAMS), new_secret=teams.WORKFLOW_URL
    )
    settings.TEAM_CHANNEL_SECRET_KEY = "the-new-key-" + "n" * 40
    with pytest.raises(DeliveryError, match="cannot be read with this server's TEAM_CHANNEL_SECRET_KEY"):
        secrets.reveal(channel)

    settings.TEAM_CHANNEL_SECRET_KEY_FALLBACKS = ["the-old-key-" + "o" * 40]
    assert secrets.reveal(channel) == AS_BROWSERS_WRITE_IT
    output = io.StringIO()
    call_command("rotate_team_channel_secrets", stdout=output)
    assert "1 channel secret(s) now encrypted with the current key." in output.getvalue()

    settings.TEAM_CHANNEL_SECRET_KEY_FALLBACKS = []
    channel.refresh_from_db()
    assert secrets.reveal(channel) == AS_BROWSERS_WRITE_IT
