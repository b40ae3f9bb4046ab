"""Launching a campaign: the ledger first, then texts and emails that obey consent, hours and caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import consent, sending
from campaigns.models import (
    CampaignStatus,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    MediaPreference,
    Medium,
    Repeat,
    TrackedLink,
)
from channels.models import Visibility
from curation import services
from curation.models import Sensitivity
from tests.factories import (
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    SubscriberFactory,
    live_item,
    ready_campaign,
    subscribed_employees,
)
from tests.helpers import TUESDAY_MORNING

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


def launch(campaign, user, capture):
    with capture(execute=True):
        sending.launch(campaign=campaign, by=user)
    campaign.refresh_from_db()
    return campaign


def statuses(campaign) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Delivery.objects.filter(campaign=campaign).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_launch_texts_and_emails_each_subscriber_once_with_tracked_links(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    people = subscribed_employees(3)
    campaign = launch(
        ready_campaign(placements=[placement]), internal_curator, django_capture_on_commit_callbacks
    )

    assert campaign.status == CampaignStatus.SENT
    assert sorted(text.to for text in sms_outbox) == sorted(person.phone for person in people)
    sms_link = TrackedLink.objects.get(campaign=campaign, medium=Medium.SMS)
    text = next(text for text in sms_outbox if text.to == people[0].phone)
    assert text.body.startswith("Hi Sam")
    assert f"/l/{sms_link.token}" in text.body
    assert text.body.endswith("Reply STOP to stop")
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    email_link = TrackedLink.objects.get(campaign=campaign, medium=Medium.EMAIL)
    assert f"/l/{email_link.token}" in mail.outbox[0].body
    assert "Giving feedback" in mail.outbox[0].body
    assert statuses(campaign) == {DeliveryStatus.ACCEPTED: 6}


def test_starting_an_occurrence_twice_sends_nobody_twice(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    subscribed_employees(4)
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    campaign = launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    assert sending.start_occurrence(campaign_id=campaign.pk) == 0
    sending.send_due(campaign_id=campaign.pk)
    sending.reconcile()
    assert len(sms_outbox) == 4
    assert Delivery.objects.filter(campaign=campaign).count() == 4


def test_the_agency_curator_can_draft_but_not_launch(placement, agency_curator):
    campaign = ready_campaign(placements=[placement])
    with pytest.raises(PermissionDenied, match="Only an internal curator"):
        sending.launch(campaign=campaign, by=agency_curator)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sms_text": "Hi {first_name}, have a look"}, "Put {links} in the text message"),
        ({"sms_text": "Hi {name}: {links}"}, "Unknown placeholder {name}: use only {first_name}, {links}."),
        ({"email_subject": ""}, "Write the email's subject."),
    ],
)
def test_a_campaign_that_is_not_ready_says_why_and_stays_a_draft(
    placement, internal_curator, fields, message
):
    campaign = ready_campaign(placements=[placement], **fields)
    with pytest.raises(ValidationError) as refused:
        sending.launch(campaign=campaign, by=internal_curator)
    assert any(message in text for text in refused.value.messages)
    assert Delivery.objects.count() == 0


def test_business_sensitive_items_are_never_promoted(placement, internal_curator):
    campaign = ready_campaign(placements=[placement])
    internal = ChannelFactory(name="Viva Engage", visibility=Visibility.PRIVATE)
    item = ContentItemFactory(title="Pay review", sensitivity=Sensitivity.BUSINESS_SENSITIVE)
    restricted = PlacementFactory(item=item, channel=internal)
    services.mark_live(item=item)
    campaign.placements.add(restricted)
    with pytest.raises(ValidationError) as refused:
        sending.launch(campaign=campaign, by=internal_curator)
    assert "“Pay review” is business-sensitive: campaigns never promote it." in refused.value.messages


def test_an_opt_out_after_launch_is_obeyed_at_send_time(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    stays, leaves = subscribed_employees(2)
    campaign = ready_campaign(
        placements=[placement], media=MediaPreference.SMS, send_at=TUESDAY_MORNING + timedelta(hours=1)
    )
    campaign = launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    assert campaign.status == CampaignStatus.SCHEDULED

    consent.opt_out(subscriber=leaves, media=[Medium.SMS], source=ConsentSource.SMS_KEYWORD, evidence="STOP")
    with (
        time_machine.travel(TUESDAY_MORNING + timedelta(hours=1, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sending.release_due_campaigns() == 1

    assert [text.to for text in sms_outbox] == [stays.phone]


def test_each_employee_gets_at_most_the_weekly_number_of_campaigns(
    placement, internal_curator, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_WEEKLY_CAP = 2
    subscribed_employees(2)
    for number in range(3):
        campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS, slug=f"tip-{number}")
        launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    assert len(sms_outbox) == 4
    assert statuses(campaign) == {DeliveryStatus.CAPPED: 2}
    errors = set(Delivery.objects.filter(campaign=campaign).values_list("error", flat=True))
    assert errors == {"Already had 2 campaign(s) this week."}


def test_recipients_outside_working_hours_wait_for_their_own_morning(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    (london,) = subscribed_employees(1)
    (sydney,) = subscribed_employees(1, time_zone="Australia/Sydney")  # 21:00 there
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    assert [text.to for text in sms_outbox] == [london.phone]
    waiting = Delivery.objects.get(subscriber=sydney)
    assert waiting.status == DeliveryStatus.PENDING
    assert waiting.not_before == datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # Wednesday 08:00 AEDT

    with (
        time_machine.travel(datetime(2026, 11, 24, 21, 0, 30, tzinfo=UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sending.reconcile()
    assert [text.to for text in sms_outbox] == [london.phone, sydney.phone]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_weekly_campaign_comes_back_at_the_same_local_time_after_the_clocks_change(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    subscribed_employees(1)
    monday_nine = datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # 09:00 BST
    campaign = ready_campaign(
        placements=[placement], media=MediaPreference.SMS, send_at=monday_nine, repeat=Repeat.WEEKLY
    )
    # Frozen, not ticking: launched a moment after nine, the first send would be that moment.
    with time_machine.travel(monday_nine, tick=False):
        launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.next_send_at == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # 09:00 GMT

    with (
        time_machine.travel(datetime(2026, 10, 26, 9, 0, 20, tzinfo=UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sending.release_due_campaigns()
    assert len(sms_outbox) == 2
    assert set(Delivery.objects.values_list("occurrence", flat=True)) == {1, 2}


def test_subscribers_text_only_get_no_email(placement, internal_curator, django_capture_on_commit_callbacks):
    person = SubscriberFactory(
        preferred_media=MediaPreference.SMS, sms="subscribed", email_consent="subscribed"
    )
    launch(ready_campaign(placements=[placement]), internal_curator, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Delivery.objects.get().subscriber == person


@pytest.mark.parametrize("recipients", [5, 60])
def test_sending_takes_the_same_few_queries_however_many_recipients(
    placement,
    internal_curator,
    recipients,
    settings,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    # Batches are a second of sending each: with a slow limit more recipients rightly take more
    # batches. What must not grow is the work per recipient within one. (Each part locks the
    # batch's own rows once, so its claim cannot be taken mid-send: one query per part.)
    settings.EMAIL_RATE_PER_SECOND = settings.SMS_RATE_PER_SECOND = 1000
    subscribed_employees(recipients)
    campaign = ready_campaign(placements=[placement])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        sending.launch(campaign=campaign, by=internal_curator)
    with django_assert_max_num_queries(32):
        for task in queued:
            task()
    assert statuses(campaign) == {DeliveryStatus.ACCEPTED: recipients * 2}
