"""Composing and launching campaigns in the admin: the agency drafts, the internal curator launches."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from campaigns import sending
from campaigns.models import Campaign, CampaignStatus, MediaPreference, Medium, Segment
from campaigns.preview import campaign_preview
from campaigns.sms.segments import count_segments
from channels.models import Visibility
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    live_item,
    ready_campaign,
    subscribed_employees,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


def change_url(campaign: Campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


def control_url(campaign: Campaign, action: str) -> str:
    return reverse(f"admin:campaigns_campaign_{action}", args=[campaign.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(placement, segment, **fields: object) -> dict[str, object]:
    return {
        "name": "Feedback week",
        "slug": "feedback-week",
        "purpose": "",
        "placements": [placement.pk],
        "sms_text": "Hi {first_name}, 3 minutes on giving feedback: {links}",
        "email_subject": "Giving feedback, {first_name}",
        "email_body": "Hi {first_name},\n\nThis week: {links}\n",
        "segments": [segment.pk],
        "media": MediaPreference.BOTH,
        "send_at_0": "",
        "send_at_1": "",
        "repeat": "once",
        # The inline of messages in other languages (campaigns.admin_variants): none here.
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        **fields,
    }


def test_campaign_pages_open(admin_client, placement):
    campaign = ready_campaign(placements=[placement])

    for url in (
        reverse("admin:campaigns_campaign_changelist"),
        reverse("admin:campaigns_campaign_add"),
        change_url(campaign),
        reverse("admin:campaigns_campaign_history", args=[campaign.pk]),
        reverse("admin:campaigns_campaign_report", args=[campaign.pk]),
        reverse("admin:campaigns_campaign_report_csv", args=[campaign.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_the_agency_curator_drafts_a_campaign_but_cannot_launch_it(agency_client, placement, sms_outbox):
    subscribed_employees(2)
    everyone = Segment.objects.create(name="Everyone")

    added = agency_client.post(reverse("admin:campaigns_campaign_add"), form_data(placement, everyone))
    assert added.status_code == 302
    campaign = Campaign.objects.get(slug="feedback-week")
    assert campaign.status == CampaignStatus.DRAFT
    assert list(campaign.placements.all()) == [placement]

    page = agency_client.get(change_url(campaign)).content.decode()
    assert control_url(campaign, "launch") not in page
    assert ">Launch<" not in page

    refused = agency_client.post(control_url(campaign, "launch"))
    assert refused.status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert sms_outbox == []


def test_the_internal_curator_launches_from_the_admin_and_the_texts_go_out(
    internal_client, placement, sms_outbox, django_capture_on_commit_callbacks
):
    people = subscribed_employees(2)
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    page = internal_client.get(change_url(campaign)).content.decode()
    assert control_url(campaign, "launch") in page
    assert control_url(campaign, "pause") not in page

    with django_capture_on_commit_callbacks(execute=True):
        launched = internal_client.post(control_url(campaign, "launch"))

    assert launched.status_code == 302
    assert messages_of(launched) == ["“Feedback week” is now sending."]
    assert sorted(text.to for text in sms_outbox) == sorted(person.phone for person in people)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    page = internal_client.get(change_url(campaign)).content.decode()
    assert control_url(campaign, "launch") not in page
    assert 'name="sms_text"' not in page  # frozen: every recipient got the same words
    assert 'name="_save"' not in page
    assert "2 of 2 sent · 0 failed" in page


def test_a_draft_may_be_deleted_but_a_campaign_that_has_sent_may_not(
    internal_client, internal_curator, placement
):
    draft = ready_campaign(placements=[placement], slug="draft")
    sent = ready_campaign(placements=[placement])
    sending.launch(campaign=sent, by=internal_curator)

    assert internal_client.get(reverse("admin:campaigns_campaign_delete", args=[draft.pk])).status_code == 200
    assert internal_client.get(reverse("admin:campaigns_campaign_delete", args=[sent.pk])).status_code == 403


def test_launch_first_shows_a_confirmation_and_launches_nothing(internal_client, placement):
    campaign = ready_campaign(placements=[placement])

    page = internal_client.get(control_url(campaign, "launch"))

    assert page.status_code == 200 and "Yes, launch" in page.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_the_confirmation_says_how_many_people_which_media_the_cost_and_who_waits(
    internal_client, placement, settings
):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.05")
    settings.SMS_PRICE_CURRENCY = "GBP"
    subscribed_employees(2)
    subscribed_employees(1, time_zone="Australia/Sydney")  # 21:00 there: waits for the morning
    campaign = ready_campaign(placements=[placement])

    page = internal_client.get(control_url(campaign, "launch")).content.decode()

    assert "Text and email" in page
    assert "3 people by text, 3 people by email: 6 messages in all." in page
    assert "GBP 0.15 for the texts" in page  # three one-segment texts at 0.05
    assert "2 messages wait for working hours" in page
    assert f'action="{control_url(campaign, "launch")}"' in page


def test_the_confirmation_of_a_campaign_not_ready_lists_its_problems_and_offers_no_launch(
    internal_client, placement
):
    campaign = ready_campaign(placements=[placement], email_subject="")

    page = internal_client.get(control_url(campaign, "launch")).content.decode()

    assert "Write the email&#x27;s subject." in page
    assert "Yes, launch" not in page


def test_the_agency_curator_gets_no_launch_confirmation(agency_client, placement):
    campaign = ready_campaign(placements=[placement])

    assert agency_client.get(control_url(campaign, "launch")).status_code == 403


def test_the_preview_follows_the_forms_unsaved_edits(internal_client, placement):
    subscribed_employees(2)
    everyone = Segment.objects.create(name="Everyone")
    campaign = ready_campaign(placements=[placement], segments=[everyone])
    history = campaign.history.count()
    change = internal_client.get(change_url(campaign)).content.decode()
    assert f'formaction="{control_url(campaign, "preview")}"' in change

    page = internal_client.post(
        control_url(campaign, "preview"),
        form_data(placement, everyone, sms_text="Hi {first_name}, new this week: {links}", _preview="1"),
    ).content.decode()

    assert "Not saved yet." in page
    assert "Hi Sam, new this week: http" in page
    assert "Audience after suppression: <strong>2</strong>" in page
    # "Save these changes" posts what was previewed; the campaign itself is untouched.
    assert 'name="sms_text" value="Hi {first_name}, new this week: {links}"' in page
    campaign.refresh_from_db()
    assert campaign.sms_text == "Hi {first_name}, 3 minutes on giving feedback: {links}"
    assert campaign.history.count() == history


def test_the_preview_of_unsaved_edits_follows_a_changed_audience(internal_client, placement):
    subscribed_employees(2)
    everyone = Segment.objects.create(name="Everyone")
    nobody = Segment.objects.create(name="Nowhere", locations=["Atlantis"])
    campaign = ready_campaign(placements=[placement], segments=[everyone])

    page = internal_client.post(
        control_url(campaign, "preview"), form_data(placement, nobody, _preview="1")
    ).content.decode()

    assert "Audience after suppression: <strong>0</strong>" in page
    assert list(campaign.segments.all()) == [everyone]


def test_a_preview_of_a_form_with_errors_says_what_to_fix(internal_client, placement):
    everyone = Segment.objects.create(name="Everyone")
    campaign = ready_campaign(placements=[placement], segments=[everyone])

    page = internal_client.post(
        control_url(campaign, "preview"), form_data(placement, everyone, sms_text="Hi {name}: {links}")
    ).content.decode()

    assert "Unknown placeholder {name}" in page
    assert "Save these changes" not in page


def test_the_placement_picker_offers_only_what_a_campaign_may_promote(internal_client, placement):
    intranet = ChannelFactory(name="Intranet", visibility=Visibility.PRIVATE)
    sensitive = live_item(
        title="Pricing playbook", sensitivity="business_sensitive", channel=intranet
    ).placements.get()
    unpublished = PlacementFactory(item=ContentItemFactory(title="Half written"))
    gone = live_item(title="Gone video").placements.get()
    gone.is_reachable = False
    gone.save()

    def offered(model_name: str, field_name: str, app_label: str = "campaigns") -> set[str]:
        answer = internal_client.get(
            reverse("admin:autocomplete"),
            {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
        )
        return {row["text"] for row in answer.json()["results"]}

    assert offered("campaign", "placements") == {str(placement)}
    # Other pickers of placements are not narrowed by the campaign's rule.
    assert str(sensitive) in offered("dailymetric", "placement", app_label="analytics")
    assert {str(unpublished), str(gone)} <= offered("dailymetric", "placement", app_label="analytics")


def test_the_campaign_shows_who_launched_it_by_name(
    internal_client, internal_curator, placement, django_capture_on_commit_callbacks
):
    internal_curator.first_name, internal_curator.last_name = "Priya", "Shah"
    internal_curator.save()
    campaign = ready_campaign(placements=[placement], send_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    sending.launch(campaign=campaign, by=internal_curator)

    page = internal_client.get(change_url(campaign)).content.decode()

    assert "Priya Shah" in page


def test_a_campaign_that_is_not_ready_says_each_problem_and_stays_a_draft(internal_client, placement):
    campaign = ready_campaign(placements=[placement], sms_text="Hi {first_name}", email_subject="")

    refused = internal_client.post(control_url(campaign, "launch"))

    assert messages_of(refused) == [
        "Write the email's subject.",
        "Put {links} in the text message: that is where the tracked links go.",
    ]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_pause_resume_and_cancel_are_offered_as_the_status_allows(
    internal_client, placement, django_capture_on_commit_callbacks
):
    subscribed_employees(1)
    campaign = ready_campaign(placements=[placement], send_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        internal_client.post(control_url(campaign, "launch"))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED

    page = internal_client.get(change_url(campaign)).content.decode()
    assert control_url(campaign, "pause") in page and control_url(campaign, "cancel") in page
    assert control_url(campaign, "resume") not in page

    paused = internal_client.post(control_url(campaign, "pause"))
    assert messages_of(paused) == ["“Feedback week” is now paused."]
    page = internal_client.get(change_url(campaign)).content.decode()
    assert control_url(campaign, "resume") in page and control_url(campaign, "pause") not in page

    internal_client.post(control_url(campaign, "cancel"), follow=True)  # its message shown and gone
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    again = internal_client.post(control_url(campaign, "cancel"))
    assert messages_of(again) == ["Only a scheduled, sending or paused campaign can be cancelled."]


def test_the_agency_curator_cannot_change_a_campaign_once_launched(
    agency_client, internal_curator, placement
):
    campaign = ready_campaign(placements=[placement], send_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    sending.launch(campaign=campaign, by=internal_curator)

    page = agency_client.get(change_url(campaign)).content.decode()

    assert 'name="sms_text"' not in page and 'name="_save"' not in page
    assert control_url(campaign, "pause") not in page
    assert agency_client.post(control_url(campaign, "cancel")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED


def test_the_form_refuses_an_unknown_placeholder(internal_client, placement):
    everyone = Segment.objects.create(name="Everyone")

    response = internal_client.post(
        reverse("admin:campaigns_campaign_add"),
        form_data(placement, everyone, sms_text="Hi {name}: {links}", email_subject="For {first_name.upper}"),
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["sms_text"] == ["Unknown placeholder {name}: use only {first_name}, {links}."]
    assert form.errors["email_subject"] == [
        "Unknown placeholder {first_name.upper}: use only {first_name}, {links}."
    ]
    assert not Campaign.objects.exists()


def test_the_form_refuses_a_placement_that_is_not_live(internal_client, placement):
    everyone = Segment.objects.create(name="Everyone")
    draft = PlacementFactory(item=ContentItemFactory(title="Half written"))

    response = internal_client.post(
        reverse("admin:campaigns_campaign_add"),
        form_data(placement, everyone, placements=[placement.pk, draft.pk]),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["placements"] == [
        f"“Half written” is not live on {draft.channel.name}: it cannot be promoted."
    ]


def test_the_preview_shows_segments_encoding_cost_and_who_is_held_back(
    internal_client, internal_curator, placement, settings, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_WEEKLY_CAP = 1
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.04")
    subscribed_employees(1)
    earlier = ready_campaign(placements=[placement], media=MediaPreference.SMS, slug="earlier")
    with django_capture_on_commit_callbacks(execute=True):
        sending.launch(campaign=earlier, by=internal_curator)
    subscribed_employees(2)
    # Without the "useful?" line (test_feedback_texts counts it): these segments are the emoji's.
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS, ask_useful=False)

    plain = internal_client.get(change_url(campaign)).content.decode()
    campaign.sms_text = "Hi {first_name} 👋 3 minutes on giving feedback: {links}"
    campaign.save()
    emoji = internal_client.get(change_url(campaign)).content.decode()

    assert "Audience after suppression: <strong>3</strong>" in plain
    assert "Held back by the weekly limit: <strong>1</strong>" in plain
    assert "1 segment (GSM-7" in plain and "GBP 0.08" in plain
    assert "2 segments (UCS-2" in emoji and "GBP 0.16" in emoji
    assert "Hi Sam 👋 3 minutes on giving feedback: http" in emoji


def test_the_cost_counts_each_employees_own_first_name(placement, settings):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.05")
    subscribed_employees(2)
    (zoe,) = subscribed_employees(1)
    zoe.display_name = "Zoë Long-Surname"  # ë is not GSM-7: her text goes as UCS-2
    zoe.save()
    # Without the "useful?" line (test_feedback_texts counts it): these segments are the name's.
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS, ask_useful=False)

    (sms,) = campaign_preview(campaign).media

    body = sms.body.replace("Sam", "Zoë")
    assert count_segments(body).segments == 2
    assert sms.segments.segments == 1
    assert sms.most_segments == 2
    assert sms.estimated_cost == Decimal("0.05") * (1 + 1 + 2)


def test_the_preview_counts_who_is_outside_working_hours_when_it_goes(placement):
    subscribed_employees(2)
    subscribed_employees(1, time_zone="Australia/Sydney")  # 21:00 there
    now = ready_campaign(placements=[placement], media=MediaPreference.EMAIL)
    tomorrow = ready_campaign(
        placements=[placement],
        media=MediaPreference.EMAIL,
        slug="tomorrow",
        send_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),  # 13:00 in Sydney, 02:00 in London
    )

    assert [(m.audience, m.outside_hours) for m in campaign_preview(now).media] == [(3, 1)]
    assert [(m.audience, m.outside_hours) for m in campaign_preview(tomorrow).media] == [(3, 2)]


def test_the_preview_names_nobody_and_uses_real_links_once_launched(
    agency_client, internal_curator, placement, django_capture_on_commit_callbacks
):
    (person,) = subscribed_employees(1)
    campaign = ready_campaign(placements=[placement])
    before = agency_client.get(change_url(campaign)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sending.launch(campaign=campaign, by=internal_curator)
    after = agency_client.get(change_url(campaign)).content.decode()

    first_name = person.display_name.split()[0]
    for page in (before, after):
        assert person.phone not in page and person.email not in page and first_name not in page
    assert "stand-ins of the same length" in before and "/l/xxxxxxxx" in before
    token = campaign.links.get(medium=Medium.SMS).token
    assert f"/l/{token}" in after and "stand-ins" not in after


def test_the_preview_costs_the_same_queries_for_one_placement_or_many(
    placement, django_assert_max_num_queries
):
    subscribed_employees(3)
    campaign = ready_campaign(placements=[placement])
    with django_assert_max_num_queries(20) as one:
        campaign_preview(campaign)

    subscribed_employees(30)
    campaign.placements.add(*(live_item().placements.get() for _ in range(4)))
    with django_assert_max_num_queries(len(one.captured_queries)):
        preview = campaign_preview(campaign)

    assert [medium.audience for medium in preview.media] == [33, 33]


def test_the_campaign_list_does_not_query_per_row(
    internal_client, internal_curator, placement, settings, django_assert_max_num_queries
):
    settings.CAMPAIGN_WEEKLY_CAP = 100
    subscribed_employees(2)
    for number in range(3):
        sending.launch(
            campaign=ready_campaign(placements=[placement], slug=f"tip-{number}"), by=internal_curator
        )
    with django_assert_max_num_queries(20) as few:
        internal_client.get(reverse("admin:campaigns_campaign_changelist"))

    for number in range(3, 12):
        sending.launch(
            campaign=ready_campaign(placements=[placement], slug=f"tip-{number}"), by=internal_curator
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = internal_client.get(reverse("admin:campaigns_campaign_changelist"))

    page = response.content.decode()
    assert page.count("0 of 4 sent · 0 failed") == 12  # queued, not yet sent: on_commit never ran
