"""WhatsApp beside texts and emails: through the real twilio client to the loopback fake.

Templates come from the Content API with WhatsApp's approval; outside the 24-hour window only a
template goes (by ContentSid, no Body); STOP by WhatsApp opts out of WhatsApp only; the ledger's
guarantees hold as for texts.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from campaigns import consent, journey_schedule, journeys, sending, whatsapp
from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import (
    Campaign,
    CampaignStatus,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Delivery,
    DeliveryStatus,
    Journey,
    MediaPreference,
    Medium,
    ReadCount,
    Segment,
    Subscriber,
    TemplateApproval,
    WhatsAppTemplate,
)
from campaigns.preview import campaign_preview
from campaigns.tokens import Purpose, make_token
from campaigns.whatsapp import templates
from campaigns.whatsapp.base import WhatsAppMessage
from campaigns.whatsapp.twilio import TwilioWhatsAppBackend
from tests.campaigns.conftest import NUDGE
from tests.factories import SubscriberFactory, live_item, ready_campaign, subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN
from tests.helpers import TUESDAY_MORNING

pytestmark = pytest.mark.django_db

INBOUND_PATH = "/hooks/twilio/inbound/"
STATUS_PATH = "/hooks/twilio/status/"


def whatsapp_campaign(template: WhatsAppTemplate | None, **fields: object) -> Campaign:
    placement = live_item(title="Giving feedback").placements.get()
    values = {  # "Texts and emails", the default segment's medium, does not take WhatsApp
        "segments": [
            Segment.objects.get_or_create(name="Everyone, any medium", medium=MediaPreference.ALL)[0]
        ],
        "media": MediaPreference.WHATSAPP,
        "whatsapp_template": template,
        "whatsapp_variables": {"1": "first_name", "2": "links"},
        **fields,
    }
    return ready_campaign(placements=[placement], **values)


def whatsapp_people(count: int) -> list[Subscriber]:
    """Employees subscribed on WhatsApp alone, who chose it."""
    return subscribed_employees(count, media=(Medium.WHATSAPP,), preferred_media=MediaPreference.WHATSAPP)


def launch(campaign, by, capture) -> Campaign:
    with time_machine.travel(TUESDAY_MORNING, tick=True), capture(execute=True):
        return sending.launch(campaign=campaign, by=by)


def signed_post(client, settings, path: str, params: dict[str, str], **headers: str):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    url = settings.PUBLIC_BASE_URL + path
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature, **headers)


def whatsapp_from(client, settings, phone: str, body: str, sid: str = "SM" + "7" * 32):
    return signed_post(
        client, settings, INBOUND_PATH, {"From": f"whatsapp:{phone}", "Body": body, "MessageSid": sid}
    )


# Templates from the Content API.


def test_refreshing_reads_each_template_its_words_its_price_category_and_whatsapps_approval(twilio_fake):
    twilio_fake.add_template("learning_nudge", NUDGE, category="MARKETING")
    twilio_fake.add_template(
        "course_reminder", "Your course starts {{1}}", category="UTILITY", status="pending"
    )
    twilio_fake.add_template(
        "hot_deal", "Buy now {{1}}", status="rejected", rejection_reason="Promotional content not allowed"
    )

    refreshed = templates.refresh_templates()

    assert (refreshed.added, refreshed.updated) == (3, 0)
    by_name = {t.name: t for t in WhatsAppTemplate.objects.all()}
    assert by_name["learning_nudge"].body == NUDGE
    assert by_name["learning_nudge"].is_approved and by_name["learning_nudge"].category == "marketing"
    assert by_name["course_reminder"].approval == TemplateApproval.PENDING
    assert by_name["course_reminder"].category == "utility"
    assert by_name["hot_deal"].rejection_reason == "Promotional content not allowed"
    assert any(r.path == "/v1/ContentAndApprovals" for r in twilio_fake.requests)


def test_refreshing_one_template_asks_its_approval_request_again(twilio_fake, nudge):
    twilio_fake.templates[nudge.content_sid].status = "paused"

    templates.refresh_template(nudge)

    nudge.refresh_from_db()
    assert nudge.approval == TemplateApproval.PAUSED
    assert any(r.path == f"/v1/Content/{nudge.content_sid}/ApprovalRequests" for r in twilio_fake.requests)


def test_a_template_gone_from_twilio_is_refused_in_plain_words(twilio_fake, nudge):
    twilio_fake.templates.clear()
    with pytest.raises(Exception, match="Could not refresh “learning_nudge” from Twilio"):
        templates.refresh_template(nudge)


def test_refreshing_with_bad_credentials_says_so_and_changes_nothing(twilio_fake, nudge, settings):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(Exception, match="Could not read the templates from Twilio: Twilio did not accept"):
        templates.refresh_templates()
    assert WhatsAppTemplate.objects.get().is_approved


# Sending: template outside the window, free text inside it.


def test_a_launch_sends_the_template_by_content_sid_with_its_variables_and_no_body(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, settings
):
    person = whatsapp_people(1)[0]
    campaign = launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)

    (request,) = twilio_fake.whatsapp_to(person.phone)
    assert request.params["From"] == "whatsapp:+447700900123"
    assert request.params["ContentSid"] == nudge.content_sid
    assert "Body" not in request.params
    variables = json.loads(request.params["ContentVariables"])
    assert variables["1"] == person.display_name.split()[0]
    link = campaign.links.get(medium=Medium.WHATSAPP)
    assert variables["2"] == f"{settings.PUBLIC_BASE_URL}/l/{link.token}"
    delivery = Delivery.objects.get()
    assert (delivery.medium, delivery.status) == (Medium.WHATSAPP, DeliveryStatus.ACCEPTED)
    # Twilio's log shows the template as the person reads it.
    assert (
        twilio_fake.messages[0]["body"] == f"Hi {variables['1']}, a few minutes well spent: {variables['2']}"
    )


def test_free_text_goes_only_to_those_who_wrote_in_the_last_24_hours(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    wrote, silent = subscribed_employees(
        2, media=(Medium.WHATSAPP,), preferred_media=MediaPreference.WHATSAPP
    )
    with time_machine.travel(TUESDAY_MORNING - timedelta(hours=3)):
        assert whatsapp_from(client, settings, wrote.phone, "thanks!").status_code == 200
    twilio_fake.open_windows.add(f"whatsapp:{wrote.phone}")
    campaign = whatsapp_campaign(nudge, whatsapp_text="Since you asked, {first_name}: {links}")

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    (free,) = twilio_fake.whatsapp_to(wrote.phone)
    assert free.params["Body"].startswith(f"Since you asked, {wrote.display_name.split()[0]}: http")
    assert free.params["Body"].endswith("Reply STOP to stop") and "ContentSid" not in free.params
    (template,) = twilio_fake.whatsapp_to(silent.phone)
    assert template.params["ContentSid"] == nudge.content_sid and "Body" not in template.params
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}


def test_the_window_is_judged_short_so_free_text_never_arrives_after_it_closed(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    person = whatsapp_people(1)[0]
    Subscriber.objects.filter(pk=person.pk).update(
        whatsapp_inbound_at=TUESDAY_MORNING - timedelta(hours=23, minutes=50)
    )
    launch(
        whatsapp_campaign(nudge, whatsapp_text="Hello {first_name}: {links}"),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    (request,) = twilio_fake.whatsapp_to(person.phone)
    assert "ContentSid" in request.params


def test_free_text_outside_the_window_is_refused_with_63016_in_plain_words(twilio_fake):
    with pytest.raises(DeliveryError) as refused:
        TwilioWhatsAppBackend().send(WhatsAppMessage(to="+447400000001", body="Hello"))
    assert refused.value.code == 63016
    assert refused.value.outcome is DeliveryOutcome.FAILED
    assert refused.value.message.startswith("WhatsApp refused free text: the person has not written to us")


def test_a_template_without_an_approved_template_cannot_be_launched(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    twilio_fake.templates[nudge.content_sid].status = "rejected"
    nudge = templates.refresh_template(nudge)
    campaign = whatsapp_campaign(nudge, whatsapp_variables={"1": "first_name"})

    found = sending.problems(campaign)

    assert (
        "The WhatsApp template “learning_nudge” is rejected, not approved: refresh it from Twilio, "
        "or choose an approved one."
    ) in found
    assert "Say what fills the template's {{2}}." in found
    assert "Put links in one of the template's variables: that is where the tracked links go." in found
    assert sending.problems(whatsapp_campaign(None, slug="no-template"))[0].startswith(
        "Choose an approved WhatsApp template"
    )
    texts_only = whatsapp_campaign(
        nudge, slug="texts-segment", segments=[Segment.objects.create(name="By text")]
    )
    assert texts_only.segments.get().medium == MediaPreference.BOTH
    assert any(
        problem.startswith("None of the chosen segments takes WhatsApp")
        for problem in sending.problems(texts_only)
    )


def test_a_template_paused_by_whatsapp_after_launch_fails_in_words_without_calling_twilio(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    whatsapp_people(1)
    campaign = whatsapp_campaign(nudge, send_at=TUESDAY_MORNING + timedelta(days=1))
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    WhatsAppTemplate.objects.filter(pk=nudge.pk).update(approval=TemplateApproval.PAUSED)

    with time_machine.travel(TUESDAY_MORNING + timedelta(days=1, minutes=1), tick=True):
        sending.release_due_campaigns()
        sending.send_due(campaign_id=campaign.pk)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "The WhatsApp template “learning_nudge” is paused by whatsapp, not approved."
    assert twilio_fake.whatsapp_to(delivery.subscriber.phone) == []


# Consent: opt-in by the person only, STOP by WhatsApp, checked at send time.


def test_choosing_whatsapp_on_their_own_page_is_an_opt_in_recorded_in_the_ledger(client):
    person = subscribed_employees(1)[0]
    url = reverse("campaigns:account", args=[make_token(person, Purpose.ACCOUNT)])

    response = client.post(
        url,
        {"action": "save", "preferred_media": MediaPreference.WHATSAPP_EMAIL, "time_zone": "Europe/London"},
    )

    assert "Saved." in response.content.decode()
    person.refresh_from_db()
    assert person.whatsapp_state == ConsentState.SUBSCRIBED
    assert person.sms_state == ConsentState.SUBSCRIBED  # texts keep their own consent
    event = person.consent_events.get(medium=Medium.WHATSAPP)
    assert event.source == ConsentSource.SELF_SERVICE
    assert event.evidence == "Chose “WhatsApp and emails” on their own page"
    page = client.get(url).content.decode()
    assert "you get our WhatsApp messages" in page and "Stop WhatsApp messages" in page


def test_stopping_whatsapp_on_their_own_page_leaves_texts_alone(client):
    person = subscribed_employees(1, media=(Medium.SMS, Medium.WHATSAPP))[0]
    url = reverse("campaigns:account", args=[make_token(person, Purpose.ACCOUNT)])

    response = client.post(url, {"action": "stop_whatsapp"})

    assert "Done: we will not send you WhatsApp messages any more." in response.content.decode()
    person.refresh_from_db()
    assert (person.whatsapp_state, person.sms_state) == (ConsentState.OPTED_OUT, ConsentState.SUBSCRIBED)


def test_an_import_or_a_curator_can_never_opt_anyone_into_whatsapp():
    person = subscribed_employees(1)[0]
    for source in (ConsentSource.IMPORT, ConsentSource.CURATOR):
        with pytest.raises(Exception, match="Only the employee can opt in to WhatsApp"):
            consent.record_consent(
                subscriber=person, medium=Medium.WHATSAPP, action="opted_in", source=source, evidence="x"
            )
    assert not person.consent_events.filter(medium=Medium.WHATSAPP).exists()


def test_stop_by_whatsapp_opts_out_of_whatsapp_only_and_is_confirmed(client, settings):
    person = subscribed_employees(1, media=(Medium.SMS, Medium.WHATSAPP))[0]

    response = whatsapp_from(client, settings, person.phone, "STOP")

    assert response.status_code == 200
    assert "You will get no more WhatsApp messages from us" in response.content.decode()
    person.refresh_from_db()
    assert (person.whatsapp_state, person.sms_state) == (ConsentState.OPTED_OUT, ConsentState.SUBSCRIBED)
    assert consent.is_suppressed(Medium.WHATSAPP, person.phone)
    assert not consent.is_suppressed(Medium.SMS, person.phone)
    event = person.consent_events.get(medium=Medium.WHATSAPP, action="opted_out")
    assert event.source == ConsentSource.WHATSAPP_KEYWORD
    # Twilio redelivers the same STOP: not acted on twice.
    whatsapp_from(client, settings, person.phone, "STOP")
    assert person.consent_events.filter(medium=Medium.WHATSAPP, action="opted_out").count() == 1


def test_start_by_whatsapp_opts_back_in_and_any_message_opens_the_window_without_keeping_its_words(
    client, settings
):
    person = subscribed_employees(1, media=(Medium.SMS,))[0]
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        whatsapp_from(
            client, settings, person.phone, "Is there a course on negotiation?", sid="SM" + "1" * 32
        )
        whatsapp_from(client, settings, person.phone, "START", sid="SM" + "2" * 32)

    person.refresh_from_db()
    assert person.whatsapp_state == ConsentState.SUBSCRIBED
    assert person.whatsapp_inbound_at == TUESDAY_MORNING
    evidence = " ".join(ConsentEvent.objects.values_list("evidence", flat=True))
    assert "negotiation" not in evidence


def test_a_stop_by_whatsapp_after_launch_skips_them_at_send_time(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    quitter, stays = subscribed_employees(
        2, media=(Medium.WHATSAPP,), preferred_media=MediaPreference.WHATSAPP
    )
    campaign = whatsapp_campaign(nudge, send_at=TUESDAY_MORNING + timedelta(days=1))
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=1, minutes=1), tick=True):
        sending.release_due_campaigns()  # the ledger is written: both are on it
        whatsapp_from(client, settings, quitter.phone, "STOP")
        sending.send_due(campaign_id=campaign.pk)

    assert twilio_fake.whatsapp_to(quitter.phone) == []
    assert len(twilio_fake.whatsapp_to(stays.phone)) == 1
    assert Delivery.objects.get(subscriber=quitter).status == DeliveryStatus.SKIPPED


def test_a_forged_whatsapp_stop_or_receipt_is_refused_and_changes_nothing(client, settings):
    person = subscribed_employees(1, media=(Medium.WHATSAPP,))[0]
    params = {"From": f"whatsapp:{person.phone}", "Body": "STOP", "MessageSid": "SM" + "9" * 32}

    forged = client.post(INBOUND_PATH, params, HTTP_X_TWILIO_SIGNATURE="forged")
    unsigned = client.post(STATUS_PATH, {"MessageSid": "SM1", "MessageStatus": "read"})

    assert (forged.status_code, unsigned.status_code) == (403, 403)
    person.refresh_from_db()
    assert person.whatsapp_state == ConsentState.SUBSCRIBED
    assert not ReadCount.objects.exists()


# The pipeline's guarantees.


def test_a_send_task_run_twice_sends_each_whatsapp_message_once(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    people = whatsapp_people(5)
    campaign = launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        sending.start_occurrence(campaign_id=campaign.pk)
        sending.send_due(campaign_id=campaign.pk)
        sending.send_due(campaign_id=campaign.pk)

    assert twilio_fake.calls_per_number() == {f"whatsapp:{p.phone}": 1 for p in people}
    assert Delivery.objects.count() == 5


def test_the_reconciler_finds_a_lost_outcome_in_twilios_log_by_whatsapp_address(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    went, never = whatsapp_people(2)
    launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)
    # As if the worker died after Twilio took the first message, before recording either outcome.
    claimed_at = timezone.now() - timedelta(minutes=10)
    Delivery.objects.filter(subscriber=never).update(status=DeliveryStatus.CLAIMED, claimed_at=claimed_at)
    Delivery.objects.filter(subscriber=went).update(
        status=DeliveryStatus.CLAIMED, claimed_at=claimed_at, provider_id=""
    )
    twilio_fake.messages[:] = [m for m in twilio_fake.messages if m["to"] == f"whatsapp:{went.phone}"]
    for message in twilio_fake.messages:
        message["date_sent"] = message["date_created"]

    settled = sending.reconcile()

    assert (settled.found_sent, settled.requeued) == (1, 1)
    assert Delivery.objects.get(subscriber=went).provider_id == twilio_fake.messages[0]["sid"]
    assert Delivery.objects.get(subscriber=never).status == DeliveryStatus.PENDING
    assert any(
        r.method == "GET" and r.params.get("To") == f"whatsapp:{went.phone}" for r in twilio_fake.requests
    )


def test_the_weekly_cap_counts_whatsapp_beside_texts_and_emails(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, settings
):
    settings.CAMPAIGN_WEEKLY_CAP = 1
    person = subscribed_employees(
        1, media=(Medium.SMS, Medium.WHATSAPP), preferred_media=MediaPreference.ALL
    )[0]
    placement = live_item(title="Earlier").placements.get()
    texted = ready_campaign(placements=[placement], media=MediaPreference.SMS, slug="earlier")
    launch(texted, internal_curator, django_capture_on_commit_callbacks)

    launch(whatsapp_campaign(nudge, slug="later"), internal_curator, django_capture_on_commit_callbacks)

    held = Delivery.objects.get(subscriber=person, medium=Medium.WHATSAPP)
    assert held.status == DeliveryStatus.CAPPED
    assert twilio_fake.whatsapp_to(person.phone) == []


# Receipts: delivered moves the row on; read is counted per campaign, never kept per person.


def test_a_read_is_counted_for_the_campaign_once_and_the_row_only_says_delivered(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    whatsapp_people(1)
    campaign = launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()

    def receipt(status: str, token: str):
        params = {"MessageSid": delivery.provider_id, "MessageStatus": status, "To": "whatsapp:+440"}
        return signed_post(client, settings, STATUS_PATH, params, HTTP_I_TWILIO_IDEMPOTENCY_TOKEN=token)

    assert receipt("delivered", "t1").status_code == 204
    receipt("read", "t2")
    receipt("read", "t2")  # Twilio's retry of the same callback

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert ReadCount.objects.get(campaign=campaign).reads == 1


def test_the_report_shows_whatsapp_delivered_and_reads_only_as_a_withheld_or_rounded_total(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    whatsapp_people(2)
    campaign = launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)
    for delivery in Delivery.objects.all():
        params = {"MessageSid": delivery.provider_id, "MessageStatus": "read", "To": "whatsapp:+440"}
        signed_post(client, settings, STATUS_PATH, params)
    client.force_login(internal_curator)

    page = client.get(reverse("admin:campaigns_campaign_report", args=[campaign.pk])).content.decode()

    assert '<th scope="row">WhatsApp</th>' in page
    assert "read: fewer than 5" in page  # two people read it: too few to publish


# What curators see.


def test_the_preview_shows_the_template_as_it_will_read_and_its_price_category(twilio_fake, nudge):
    whatsapp_people(3)
    campaign = whatsapp_campaign(nudge, whatsapp_text="Hello {first_name}: {links}")

    (preview,) = campaign_preview(campaign, now=TUESDAY_MORNING).media

    assert preview.label == "WhatsApp" and preview.audience == 3
    assert preview.body.startswith("Hi Sam, a few minutes well spent: http")
    assert preview.price_category == "marketing"
    assert preview.free_text.startswith("Hello Sam: http")


def test_the_template_list_and_its_refresh_for_each_curator_role(
    twilio_fake, nudge, internal_curator, agency_curator, client
):
    changelist = reverse("admin:campaigns_whatsapptemplate_changelist")
    refresh = reverse("admin:campaigns_whatsapptemplate_refresh")
    twilio_fake.templates[nudge.content_sid].status = "paused"

    client.force_login(agency_curator)
    page = client.get(changelist)
    assert page.status_code == 200 and "learning_nudge" in page.content.decode()
    assert "Refresh all from Twilio" not in page.content.decode()
    assert client.post(refresh).status_code == 403

    client.force_login(internal_curator)
    assert "Refresh all from Twilio" in client.get(changelist).content.decode()
    response = client.post(refresh, follow=True)
    assert "Read 1 template(s) from Twilio, 0 new." in response.content.decode()
    nudge.refresh_from_db()
    assert nudge.approval == TemplateApproval.PAUSED


def test_the_campaign_form_offers_only_approved_templates(twilio_fake, nudge, internal_curator, client):
    twilio_fake.add_template("draft_one", "Hi {{1}}", status="pending")
    templates.refresh_templates()
    campaign = whatsapp_campaign(nudge)
    client.force_login(internal_curator)

    page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    assert "learning_nudge (approved)" in page and "draft_one" not in page
    assert "WhatsApp charges it as <strong>marketing</strong>" in page
    assert campaign.status == CampaignStatus.DRAFT


def test_whatsapp_messages_in_tests_go_to_the_outbox_on_the_locmem_backend(internal_curator):
    templates.refresh_templates()  # the locmem backend's one demo template
    (template,) = WhatsAppTemplate.objects.all()
    whatsapp_people(1)
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        sending.launch(campaign=whatsapp_campaign(template), by=internal_curator)
        sending.send_due(campaign_id=Campaign.objects.get().pk)
    (message,) = whatsapp.outbox
    assert message.content_sid == template.content_sid and message.content_variables["1"].startswith("Sam")


def test_a_journey_step_sends_its_template_to_those_who_chose_whatsapp(
    internal_curator, django_capture_on_commit_callbacks
):
    templates.refresh_templates()  # the locmem backend's one demo template
    template = WhatsAppTemplate.objects.get()
    placement = live_item(title="Calming an angry customer").placements.get()
    with time_machine.travel(TUESDAY_MORNING - timedelta(days=30), tick=False):
        journey = Journey.objects.create(name="Welcome")
        step = journeys.create_step(journey=journey)
        message = step.message
        message.media = MediaPreference.WHATSAPP
        message.whatsapp_template = template
        message.whatsapp_variables = {"1": "first_name", "2": "links"}
        message.save()
        message.placements.set([placement])
        assert journeys.step_problems(step) == []  # a step has no segments: its audience is enrolled
        journeys.launch(journey=journey, by=internal_curator)

    with time_machine.travel(TUESDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        (person,) = whatsapp_people(1)
        journey_schedule.tick()

    (sent,) = whatsapp.outbox
    assert (sent.to, sent.content_sid) == (person.phone, template.content_sid)
    assert sent.content_variables["2"].startswith("http")
    assert Delivery.objects.get(campaign=message).medium == Medium.WHATSAPP


def test_a_63016_reported_later_by_the_status_callback_reads_in_plain_words(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    whatsapp_people(1)
    launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()

    params = {"MessageSid": delivery.provider_id, "MessageStatus": "failed", "ErrorCode": "63016"}
    signed_post(client, settings, STATUS_PATH, params)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == (
        "WhatsApp refused free text outside the 24-hour window; only a template may be sent (63016)."
    )


def test_the_campaign_form_refuses_variables_that_are_not_words_by_number(
    twilio_fake, nudge, internal_curator, client
):
    campaign = whatsapp_campaign(nudge)
    client.force_login(internal_curator)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data |= {
        "placements": [p.pk for p in campaign.placements.all()],
        "segments": [s.pk for s in campaign.segments.all()],
        "whatsapp_template": nudge.pk,
        "whatsapp_variables": '["first_name", "links"]',
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert (
        "Give each variable as words, e.g. {&quot;1&quot;: &quot;first_name&quot;"
        in response.content.decode()
    )
    campaign.refresh_from_db()
    assert campaign.whatsapp_variables == {"1": "first_name", "2": "links"}


def test_someone_without_a_number_is_told_whatsapp_needs_one_and_nothing_changes(client):
    person = SubscriberFactory(
        phone="", email="desk@acme-learning.example", email_consent=ConsentState.SUBSCRIBED
    )
    url = reverse("campaigns:account", args=[make_token(person, Purpose.ACCOUNT)])

    response = client.post(
        url, {"action": "save", "preferred_media": MediaPreference.WHATSAPP, "time_zone": "Europe/London"}
    )

    assert "WhatsApp needs your mobile number: sign up with it first." in response.content.decode()
    person.refresh_from_db()
    assert (person.preferred_media, person.whatsapp_state) == (MediaPreference.BOTH, ConsentState.NONE)
