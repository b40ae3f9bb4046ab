"""Issue 16's team posts attacked: a heading or text that smuggles a link of its own (Slack's
<url|text> and mentions, a Markdown link an Adaptive Card would render, a bare address either client
turns into a link), and a placement address that browsers read differently from Python. A post
carries only our tracked links, as buttons."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from campaigns import sending
from campaigns.models import TeamChannel, TeamChannelKind
from campaigns.team_channels import services as team_posting
from campaigns.team_channels.base import ChannelPost
from campaigns.team_channels.payloads import slack_message, teams_message
from curation.models import Placement
from tests.factories import live_item, ready_campaign
from tests.fakes import slack, teams
from tests.helpers import path_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

SMUGGLED = [
    "Read this: [our guide](http://evil.example/steal)",
    "Read this: <http://evil.example|our guide>",
    "See https://evil.example/login today",
    "See www.evil.example today",
    "Write to mailto:someone@evil.example",
    "[click](javascript:alert(1))",
]


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


def teams_channel() -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name="Sales on Teams", kind=TeamChannelKind.TEAMS), new_secret=teams.WORKFLOW_URL
    )


def slack_channel() -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(
            name="Sales on Slack", kind=TeamChannelKind.SLACK, slack_channel_id=slack.CHANNEL_ID
        ),
        new_secret=slack.BOT_TOKEN,
    )


def posting_campaign(placement, channel, **words):
    campaign = ready_campaign(
        placements=[placement],
        team_post_title=words.get("title", "Feedback week"),
        team_post_text=words.get("text", "Three minutes on giving feedback."),
    )
    campaign.team_channels.set([channel])
    return campaign


@pytest.mark.parametrize("text", SMUGGLED)
@pytest.mark.parametrize("field", ["title", "text"])
@pytest.mark.parametrize("make_channel", [teams_channel, slack_channel])
def test_launch_refuses_a_team_post_whose_words_carry_a_link_of_their_own(
    placement, internal_curator, make_channel, field, text
):
    campaign = posting_campaign(placement, make_channel(), **{field: text})

    assert any("tracked links" in problem for problem in sending.problems(campaign))
    with pytest.raises(ValidationError):
        sending.launch(campaign=campaign, by=internal_curator)


@pytest.mark.parametrize(
    "text",
    [
        "Three minutes on giving feedback (for everyone in sales).",
        "Q&A at 3pm: bring [your questions] (and coffee).",
        "Version 2.0 of the guide, for managers & leads.",
    ],
)
def test_ordinary_words_with_brackets_dots_and_ampersands_are_not_refused(placement, text):
    campaign = posting_campaign(placement, teams_channel(), text=text)
    assert not any("tracked links" in problem for problem in sending.problems(campaign))


def test_slack_is_told_not_to_turn_words_into_links_or_mentions():
    """Should anything slip past the launch check (a post built by other code), Slack reads the
    section's words verbatim: no auto-linked addresses, no linked channel names."""
    message = slack_message(ChannelPost(title="Feedback", text="See example.org and #general <!here>"))

    section = message["blocks"][1]["text"]
    assert section["type"] == "mrkdwn" and section["verbatim"] is True
    assert "<!here>" not in section["text"] and "<!here>" not in message["text"]


def test_a_cards_only_actions_are_the_links_it_was_given():
    card = teams_message(ChannelPost(title="[x](http://evil.example)", text="hello"))["attachments"][0][
        "content"
    ]
    assert "actions" not in card


def test_a_placement_address_browsers_read_as_another_host_never_reaches_a_post(
    placement, internal_curator, teams_fake, django_capture_on_commit_callbacks
):
    """Python's urlsplit reads the host after the '@'; a browser reads the backslash as a slash
    and goes to evil.example. Stored past the form (an old row, a script), it is refused when
    the link is made, and no card carries it."""
    Placement.objects.filter(pk=placement.pk).update(url="https://evil.example\\@www.youtube.com/watch?v=abc")
    placement.refresh_from_db()
    campaign = posting_campaign(placement, teams_channel())

    try:
        with django_capture_on_commit_callbacks(execute=True):
            sending.launch(campaign=campaign, by=internal_curator)
    except ValidationError:
        pass

    for card in teams_fake.cards():
        for action in card.get("actions", []):
            assert action["url"].startswith(django_settings.PUBLIC_BASE_URL + "/l/")
    assert "evil.example" not in str(teams_fake.posts)


def test_every_button_in_a_sent_card_leads_through_our_tracked_redirect(
    client, placement, internal_curator, teams_fake, django_capture_on_commit_callbacks
):
    campaign = posting_campaign(placement, teams_channel())
    with django_capture_on_commit_callbacks(execute=True):
        sending.launch(campaign=campaign, by=internal_curator)

    [card] = teams_fake.cards()
    [action] = card["actions"]
    assert action["url"].startswith(django_settings.PUBLIC_BASE_URL + "/l/")
    response = client.get(path_of(action["url"]), HTTP_USER_AGENT="Mozilla/5.0 Teams/1.7")
    assert response.status_code == 302 and response["Location"].startswith(placement.url)


@pytest.mark.parametrize(
    "address",
    [
        "https://evil.example\\@prod-07.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke",
        "https://prod-07.westeurope.logic.azure.com@127.0.0.1/workflows/x/triggers/manual/paths/invoke",
        "https://prod-07.westeurope.logic.azure.com.evil.example/workflows/x",
        "https://evil.example/logic.azure.com/workflows/x",
        "https://evil.example#@prod-07.westeurope.logic.azure.com/workflows/x",
        "https://127.0.0.1/?host=logic.azure.com",
        "http://prod-07.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke",
        "https://xn--logic-azure-com.example/workflows/x",
        "https://prod-07.westeurope.logic.azure.com\t.evil.example/workflows/x",
        "file:///etc/passwd#logic.azure.com",
    ],
)
def test_a_teams_address_that_leads_anywhere_but_microsoft_is_refused_when_saved(address):
    """The secret is where a test post and every send go: read as browsers and requests read it."""
    with pytest.raises(ValidationError):
        team_posting.check_secret(TeamChannelKind.TEAMS, address)
