"""Issue 16's new pages attacked by role and by size: the agency curator sees no phone number or
email on the WhatsApp templates, the campaign's report (bounces, complaints, WhatsApp failures, team
posts), the review's email health, the variant inline; it cannot refresh templates, send test
posts or open team channels even by posting to the URLs directly; a team channel's secret is on no
page, history or log; and the new changelists and the report ask the database as often for many
rows as for few."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    EmailFeedback,
    MediaPreference,
    Medium,
    MessageVariant,
    TeamChannel,
    TeamChannelKind,
    TeamPost,
    TeamPostStatus,
    WhatsAppTemplate,
)
from campaigns.team_channels import services as team_posting
from campaigns.whatsapp import templates
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.fakes import slack, teams

pytestmark = pytest.mark.django_db


def contacts_of(people) -> list[str]:
    found = []
    for person in people:
        found += [person.email, person.phone, person.phone.removeprefix("+"), person.phone[-10:]]
    return [value for value in found if value]


def teams_channel(name: str = "Sales on Teams") -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name=name, kind=TeamChannelKind.TEAMS), new_secret=teams.WORKFLOW_URL
    )


def slack_channel(name: str = "Sales on Slack") -> TeamChannel:
    return team_posting.save_channel(
        channel=TeamChannel(name=name, kind=TeamChannelKind.SLACK, slack_channel_id=slack.CHANNEL_ID),
        new_secret=slack.BOT_TOKEN,
    )


def campaign_with_everything(people, channels):
    """A sent campaign with the rows a provider's words could leak through: bounces quoting the
    address, WhatsApp failures quoting the number, complaints, team posts (one failed)."""
    placement = live_item(title="Giving feedback").placements.get()
    slug = f"feedback-{Campaign.objects.count()}"
    campaign = ready_campaign(placements=[placement], media=MediaPreference.ALL, slug=slug)
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text="Bonjour {first_name} {links}")
    now = timezone.now()
    for index, person in enumerate(people):
        Delivery.objects.create(
            campaign=campaign,
            subscriber=person,
            medium=Medium.EMAIL,
            status=DeliveryStatus.UNDELIVERED if index % 2 else DeliveryStatus.DELIVERED,
            feedback=EmailFeedback.HARD_BOUNCE if index % 2 else EmailFeedback.COMPLAINED,
            error=f"Hard bounce: smtp; 550 5.1.1 <{person.email}>... User unknown" if index % 2 else "",
            not_before=now,
            sent_at=now,
            provider_id=f"<{index}@mail.example>",
        )
        Delivery.objects.create(
            campaign=campaign,
            subscriber=person,
            medium=Medium.WHATSAPP,
            status=DeliveryStatus.FAILED,
            error=f"Twilio: whatsapp:{person.phone} is not a WhatsApp user (63003).",
            error_code=63003,
            not_before=now,
            sent_at=now,
            provider_id=f"SM{index:032d}",
        )
    for index, channel in enumerate(channels):
        TeamPost.objects.create(
            campaign=campaign,
            channel=channel,
            occurrence=1,
            status=TeamPostStatus.FAILED if index % 2 else TeamPostStatus.POSTED,
            not_before=now,
            posted_at=now,
            error="Slack refused the post: the app is not in the channel." if index % 2 else "",
        )
    campaign.team_channels.set(channels)
    return campaign


# The agency curator.


def test_the_agency_sees_no_contact_data_on_the_report_the_review_or_the_campaign(agency_client):
    people = subscribed_employees(6, media=(Medium.SMS, Medium.EMAIL, Medium.WHATSAPP))
    campaign = campaign_with_everything(people, [teams_channel(), slack_channel()])
    pages = [
        reverse("admin:campaigns_campaign_report", args=[campaign.pk]),
        reverse("admin:campaigns_campaign_report_csv", args=[campaign.pk]),
        reverse("admin:campaigns_campaign_change", args=[campaign.pk]),
        reverse("review:week", args=["2026-W48"]),
        reverse("review:csv", args=["email_health"]) + "?week=2026-W48",
    ]

    answers = [agency_client.get(url) for url in pages]

    assert [answer.status_code for answer in answers] == [200] * len(pages)
    text = "".join(answer.content.decode() for answer in answers)
    leaked = [value for value in contacts_of(people) if value in text]
    assert leaked == []
    assert teams.SIGNATURE not in text and slack.BOT_TOKEN not in text


def test_the_agency_reads_whatsapp_templates_but_cannot_refresh_them_even_posting_directly(
    agency_client, twilio_fake
):
    twilio_fake.add_template("learning_nudge", "Hi {{1}}: {{2}}", category="MARKETING")
    templates.refresh_templates()
    template = WhatsAppTemplate.objects.get()
    asked = len(twilio_fake.requests)
    changelist = reverse("admin:campaigns_whatsapptemplate_changelist")

    page = agency_client.get(changelist)
    refresh = agency_client.post(reverse("admin:campaigns_whatsapptemplate_refresh"))
    action = agency_client.post(changelist, {"action": "refresh_selected", "_selected_action": [template.pk]})
    change = agency_client.post(
        reverse("admin:campaigns_whatsapptemplate_change", args=[template.pk]), {"name": "hijacked"}
    )

    assert page.status_code == 200 and "learning_nudge" in page.content.decode()
    assert "Refresh from Twilio" not in page.content.decode()
    assert refresh.status_code == 403
    assert action.status_code in (200, 302, 403)
    assert change.status_code == 403
    assert len(twilio_fake.requests) == asked  # Twilio was never asked on the agency's behalf
    template.refresh_from_db()
    assert template.name == "learning_nudge"


def test_the_agency_cannot_open_test_or_change_team_channels_even_posting_directly(agency_client, teams_fake):
    channel = teams_channel()
    changelist = reverse("admin:campaigns_teamchannel_changelist")
    change = reverse("admin:campaigns_teamchannel_change", args=[channel.pk])

    answers = [
        agency_client.get(changelist),
        agency_client.post(changelist, {"action": "send_test_post", "_selected_action": [channel.pk]}),
        agency_client.get(change),
        agency_client.post(change, {"name": "x", "kind": "slack", "new_secret": slack.BOT_TOKEN}),
        agency_client.get(reverse("admin:campaigns_teamchannel_history", args=[channel.pk])),
        agency_client.get(reverse("admin:campaigns_teamchannel_delete", args=[channel.pk])),
        agency_client.post(reverse("admin:campaigns_teamchannel_delete", args=[channel.pk]), {"post": "yes"}),
        agency_client.get(reverse("admin:campaigns_teampost_changelist")),
    ]

    assert [answer.status_code for answer in answers] == [403] * len(answers)
    assert teams_fake.requests == 0
    channel.refresh_from_db()
    assert (channel.name, channel.kind) == ("Sales on Teams", TeamChannelKind.TEAMS)


def test_a_team_channels_secret_is_on_no_history_page_and_in_no_log_of_a_failed_test_post(
    internal_client, teams_fake, caplog
):
    teams_fake.status = 500
    channel = teams_channel()
    change = reverse("admin:campaigns_teamchannel_change", args=[channel.pk])
    internal_client.post(
        change,
        {
            "name": "Sales team on Teams",
            "kind": "teams",
            "slack_channel_id": "",
            "new_secret": teams.WORKFLOW_URL,
            "secret_env_var": "",
            "is_active": "on",
        },
    )

    with caplog.at_level(logging.INFO):
        tested = internal_client.post(
            reverse("admin:campaigns_teamchannel_changelist"),
            {"action": "send_test_post", "_selected_action": [channel.pk]},
            follow=True,
        )
    history = internal_client.get(reverse("admin:campaigns_teamchannel_history", args=[channel.pk]))
    channel.refresh_from_db()

    shown = tested.content.decode() + history.content.decode() + channel.last_test_result
    assert teams_fake.requests >= 1
    assert teams.SIGNATURE not in shown and "sig=" not in shown
    assert teams.SIGNATURE not in caplog.text


# Asking the database as often for many rows as for few.


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_new_changelists_ask_the_database_as_often_for_many_rows_as_for_few(internal_client, twilio_fake):
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            twilio_fake.add_template(f"nudge_{n}", "Hi {{1}}", category="MARKETING")
        templates.refresh_templates()
        channels = [teams_channel(f"Teams {n}") for n in range(start, start + count)]
        campaign_with_everything(subscribed_employees(2), channels)

    urls = [
        reverse("admin:campaigns_whatsapptemplate_changelist"),
        reverse("admin:campaigns_teamchannel_changelist"),
        reverse("admin:campaigns_teampost_changelist"),
    ]
    add(2, 0)
    few = [queries_for(internal_client, url) for url in urls]
    add(10, 2)
    many = [queries_for(internal_client, url) for url in urls]

    assert many == few


def test_the_report_asks_the_database_as_often_for_many_people_and_channels_as_for_few(internal_client):
    small = campaign_with_everything(subscribed_employees(2), [teams_channel("A"), slack_channel("B")])
    big = campaign_with_everything(
        subscribed_employees(20), [teams_channel(f"T{n}") for n in range(8)] + [slack_channel("S")]
    )

    few = queries_for(internal_client, reverse("admin:campaigns_campaign_report", args=[small.pk]))
    many = queries_for(internal_client, reverse("admin:campaigns_campaign_report", args=[big.pk]))

    assert many == few


def test_the_campaign_page_and_the_review_ask_as_often_for_many_channels_and_campaigns_as_for_few(
    internal_client,
):
    small = campaign_with_everything(subscribed_employees(2), [teams_channel("A")])
    MessageVariant.objects.create(campaign=small, language="ar", sms_text="مرحبا {links}")
    review = reverse("review:week", args=["2026-W48"])
    few = [queries_for(internal_client, reverse("admin:campaigns_campaign_change", args=[small.pk]))]
    few.append(queries_for(internal_client, review))

    big = campaign_with_everything(subscribed_employees(6), [teams_channel(f"T{n}") for n in range(10)])
    MessageVariant.objects.create(campaign=big, language="ar", sms_text="مرحبا {links}")
    for _ in range(6):
        campaign_with_everything(subscribed_employees(1), [])
    many = [queries_for(internal_client, reverse("admin:campaigns_campaign_change", args=[big.pk]))]
    many.append(queries_for(internal_client, review))

    # (The first page of a session asks one more, for what later pages find cached.)
    assert all(more <= fewer for more, fewer in zip(many, few, strict=True)), (many, few)
