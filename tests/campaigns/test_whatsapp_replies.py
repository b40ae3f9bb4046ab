"""WhatsApp replies and languages, through the real twilio client to the loopback fake.

A reply "1"/"2" or a check's letter by WhatsApp counts exactly as a text reply does (once per
person, within the window, answered in their language), but only to free text: a template is
WhatsApp-approved words without our "useful?" line or check. Outside the window each reader gets
the approved template of the campaign's template's name in their own language, if there is one.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from campaigns import journey_schedule, journeys, sending
from campaigns.models import (
    CheckAnswerCount,
    Delivery,
    DeliveryStatus,
    FeedbackCount,
    Journey,
    MediaPreference,
    Medium,
    MessageVariant,
    WhatsAppTemplate,
)
from campaigns.preview import campaign_preview
from campaigns.whatsapp import templates
from tests.campaigns.conftest import NUDGE
from tests.campaigns.test_whatsapp import (
    INBOUND_PATH,
    launch,
    whatsapp_campaign,
    whatsapp_from,
    whatsapp_people,
)
from tests.campaigns.voting import answer_in, votes
from tests.factories import live_item
from tests.helpers import TUESDAY_MORNING

pytestmark = pytest.mark.django_db

LINE = "Reply 1 if useful, 2 if not for you"
NUDGE_FR = "Bonjour {{1}}, quelques minutes bien employées : {{2}}"
AFTER = TUESDAY_MORNING + timedelta(hours=1)


def wrote_lately(client, settings, twilio_fake, person) -> None:
    """The person wrote to us on WhatsApp three hours before the send: free text may go."""
    with time_machine.travel(TUESDAY_MORNING - timedelta(hours=3), tick=False):
        assert whatsapp_from(client, settings, person.phone, "hello", sid="SM" + "0" * 32).status_code == 200
    twilio_fake.open_windows.add(f"whatsapp:{person.phone}")


def free_text_and_template(client, settings, twilio_fake, nudge, curator, capture) -> tuple:
    """One campaign with free text, launched: the free text to one who wrote lately, the template
    to one who did not."""
    wrote, silent = whatsapp_people(2)
    wrote_lately(client, settings, twilio_fake, wrote)
    launch(whatsapp_campaign(nudge, whatsapp_text="Hi {first_name}: {links}"), curator, capture)
    return wrote, silent


def french_template(twilio_fake, body: str = NUDGE_FR, language: str = "fr") -> WhatsAppTemplate:
    made = twilio_fake.add_template("learning_nudge", body, language=language)
    templates.refresh_templates()
    return WhatsAppTemplate.objects.get(content_sid=made.sid)


# Replies.


def test_a_whatsapp_1_to_an_asking_free_text_counts_once_and_is_answered_in_french(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    (reader,) = whatsapp_people(1)
    reader.language = "fr"
    reader.save()
    wrote_lately(client, settings, twilio_fake, reader)
    launch(
        whatsapp_campaign(nudge, whatsapp_text="Pour vous, {first_name} : {links}"),
        internal_curator,
        django_capture_on_commit_callbacks,
    )
    (free,) = twilio_fake.whatsapp_to(reader.phone)
    assert free.params["Body"].endswith(f"\n{LINE}\nReply STOP to stop")

    with time_machine.travel(AFTER, tick=False):
        first = whatsapp_from(client, settings, reader.phone, "1", sid="SM" + "1" * 32)
        redelivered = whatsapp_from(client, settings, reader.phone, "1", sid="SM" + "1" * 32)
        changed_mind = whatsapp_from(client, settings, reader.phone, "2", sid="SM" + "2" * 32)

    assert answer_in(first) == "Merci, c'est compté."
    assert (
        answer_in(redelivered)
        == answer_in(changed_mind)
        == "Merci, vous nous avez déjà répondu pour celui-ci."
    )
    assert votes(Medium.WHATSAPP) == {("Giving feedback", "Useful"): 1}
    assert votes(Medium.SMS) == {}


def test_a_whatsapp_1_after_the_template_counts_nothing_the_template_never_asked(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    """The same campaign: free text to the one who wrote lately, the template to the other."""
    wrote, silent = free_text_and_template(
        client, settings, twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
    )
    assert "ContentSid" in twilio_fake.whatsapp_to(silent.phone)[0].params
    assert "Body" in twilio_fake.whatsapp_to(wrote.phone)[0].params

    with time_machine.travel(AFTER, tick=False):
        after_template = whatsapp_from(client, settings, silent.phone, "1", sid="SM" + "1" * 32)
        after_free_text = whatsapp_from(client, settings, wrote.phone, "2", sid="SM" + "2" * 32)

    assert after_template.status_code == 200 and answer_in(after_template) is None
    assert answer_in(after_free_text) == "Thanks, counted."
    assert votes(Medium.WHATSAPP) == {("Giving feedback", "Not for me"): 1}


def test_a_whatsapp_1_a_week_past_the_feedback_window_counts_nothing(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    reader, _ = free_text_and_template(
        client, settings, twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
    )

    late = TUESDAY_MORNING + timedelta(days=settings.FEEDBACK_WINDOW_DAYS, hours=1)
    with time_machine.travel(late, tick=False):
        response = whatsapp_from(client, settings, reader.phone, "1", sid="SM" + "1" * 32)

    assert answer_in(response) is None and not FeedbackCount.objects.exists()


def test_a_forged_whatsapp_vote_is_refused_and_counts_nothing(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    reader, _ = free_text_and_template(
        client, settings, twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
    )

    params = {"From": f"whatsapp:{reader.phone}", "Body": "1", "MessageSid": "SM" + "1" * 32}
    with time_machine.travel(AFTER, tick=False):
        forged = client.post(INBOUND_PATH, params, HTTP_X_TWILIO_SIGNATURE="forged")
        unsigned = client.post(INBOUND_PATH, params)

    assert (forged.status_code, unsigned.status_code) == (403, 403)
    assert not FeedbackCount.objects.exists()


def test_a_checks_letter_by_whatsapp_is_counted_once_and_answered_with_the_whatsapp_link(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    placement = live_item(title="Calming an angry customer").placements.get()
    with time_machine.travel(TUESDAY_MORNING - timedelta(days=30), tick=False):
        journey = Journey.objects.create(name="Welcome")
        step = journeys.create_step(
            journey=journey,
            question="Which calms an angry customer first?",
            choices=["Listen first", "Offer a refund", "Call a manager"],
            correct="A",
        )
        message = step.message
        # A check is asked by text (journeys.step_problems): WhatsApp's free text asks it too.
        message.media = MediaPreference.ALL
        message.sms_text = message.whatsapp_text = "Hi {first_name}, two minutes: {links}"
        message.email_subject, message.email_body = "Two minutes", "Hi {first_name}: {links}"
        message.whatsapp_template = nudge
        message.whatsapp_variables = {"1": "first_name", "2": "links"}
        message.save()
        message.placements.set([placement])
        assert journeys.step_problems(step) == []
        journeys.launch(journey=journey, by=internal_curator)
    with time_machine.travel(TUESDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        (person,) = whatsapp_people(1)
    wrote_lately(client, settings, twilio_fake, person)
    with time_machine.travel(TUESDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        journey_schedule.tick()

    (sent,) = twilio_fake.whatsapp_to(person.phone)
    assert "A) Listen first" in sent.params["Body"] and "Reply A, B or C" in sent.params["Body"]
    assert LINE not in sent.params["Body"]  # a check asks only for its letters
    with time_machine.travel(AFTER, tick=False):
        vote = whatsapp_from(client, settings, person.phone, "1", sid="SM" + "1" * 32)
        right = whatsapp_from(client, settings, person.phone, "a", sid="SM" + "2" * 32)
        again = whatsapp_from(client, settings, person.phone, "B", sid="SM" + "3" * 32)

    assert answer_in(vote) is None and not FeedbackCount.objects.exists()
    link = message.links.get(medium=Medium.WHATSAPP)
    assert answer_in(right) == (f"Right: A) Listen first. More: {settings.PUBLIC_BASE_URL}/l/{link.token}")
    assert answer_in(again) == "You've answered that one already, thanks."
    assert dict(CheckAnswerCount.objects.values_list("letter", "count")) == {"A": 1}


# Each reader's language.


def test_a_french_reader_gets_the_french_template_and_an_english_one_the_campaigns(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    french = french_template(twilio_fake)
    english_reader, french_reader = whatsapp_people(2)
    french_reader.language = "fr"
    french_reader.save()

    launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)

    (to_french,) = twilio_fake.whatsapp_to(french_reader.phone)
    (to_english,) = twilio_fake.whatsapp_to(english_reader.phone)
    assert to_french.params["ContentSid"] == french.content_sid
    assert to_english.params["ContentSid"] == nudge.content_sid
    variables = json.loads(to_french.params["ContentVariables"])
    assert variables["1"] == french_reader.display_name.split()[0] and variables["2"].startswith("http")
    (logged,) = [m for m in twilio_fake.messages if m["to"] == f"whatsapp:{french_reader.phone}"]
    assert logged["body"].startswith(f"Bonjour {variables['1']}, quelques minutes")


def test_without_an_approved_french_template_of_the_same_shape_a_french_reader_gets_the_campaigns(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
):
    twilio_fake.add_template("learning_nudge", NUDGE_FR, language="fr", status="pending")
    twilio_fake.add_template("learning_nudge", "Bonjour {{1}} !", language="fr_FR")  # no {{2}}
    twilio_fake.add_template("other_nudge", NUDGE_FR, language="fr")
    templates.refresh_templates()
    (reader,) = whatsapp_people(1)
    reader.language = "fr"
    reader.save()

    launch(whatsapp_campaign(nudge), internal_curator, django_capture_on_commit_callbacks)

    (sent,) = twilio_fake.whatsapp_to(reader.phone)
    assert sent.params["ContentSid"] == nudge.content_sid


def test_whatsapps_region_codes_and_ours_name_one_language(
    twilio_fake, internal_curator, django_capture_on_commit_callbacks, settings
):
    """The campaign's template is French; a reader of "en-gb" gets the "en_GB" one."""
    french = french_template(twilio_fake)
    english = twilio_fake.add_template("learning_nudge", NUDGE, language="en_GB")
    templates.refresh_templates()
    (reader,) = whatsapp_people(1)
    assert reader.language == settings.LANGUAGE_CODE == "en-gb"

    launch(whatsapp_campaign(french), internal_curator, django_capture_on_commit_callbacks)

    (sent,) = twilio_fake.whatsapp_to(reader.phone)
    assert sent.params["ContentSid"] == english.sid


def test_a_french_reader_inside_the_window_gets_the_french_free_text_asking_useful(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    (reader,) = whatsapp_people(1)
    reader.language = "fr"
    reader.save()
    wrote_lately(client, settings, twilio_fake, reader)
    campaign = whatsapp_campaign(nudge, whatsapp_text="For you, {first_name}: {links}")
    MessageVariant.objects.create(
        campaign=campaign, language="fr", whatsapp_text="Pour vous, {first_name} : {links}"
    )

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    (sent,) = twilio_fake.whatsapp_to(reader.phone)
    assert sent.params["Body"].startswith("Pour vous, Sam")
    # The lines we add follow the words' language, as a text's do.
    assert (
        "\nRépondez 1 si c'est utile, 2 si ce n'est pas pour vous\nRépondez STOP pour vous désabonner"
        in (sent.params["Body"])
    )


def test_the_preview_lists_each_languages_template_with_its_readers(twilio_fake, nudge):
    french_template(twilio_fake)
    whatsapp_people(3)
    for person in whatsapp_people(2):
        person.language = "fr"
        person.save()
    for person in whatsapp_people(1):
        person.language = "ar"
        person.save()
    campaign = whatsapp_campaign(nudge, whatsapp_text="Hello {first_name}: {links}")

    (preview,) = campaign_preview(campaign, now=TUESDAY_MORNING).media

    english, french = preview.variants
    assert (english.label, english.recipients, english.fallback_from) == ("English", 4, [("العربية", 1)])
    assert english.template.startswith("learning_nudge") and english.body.startswith("Hi Sam")
    assert english.free_text.startswith("Hello Sam: http") and LINE in english.free_text
    assert (french.label, french.recipients) == ("Français", 2)
    assert french.template.endswith("in “fr”") and french.body.startswith("Bonjour Sam, quelques minutes")
    assert french.free_text.startswith("Hello Sam")  # no French free text: the campaign's


def test_the_campaign_page_shows_each_languages_template_to_the_agency_without_a_number(
    twilio_fake, nudge, agency_curator, client
):
    french_template(twilio_fake)
    readers = whatsapp_people(2)
    readers[1].language = "fr"
    readers[1].save()
    campaign = whatsapp_campaign(nudge)
    client.force_login(agency_curator)

    page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    assert "Bonjour Sam, quelques minutes bien employées" in page
    assert "learning_nudge (approved) in “fr”" in page
    assert not any(person.phone in page for person in readers)


def test_a_languages_whatsapp_free_text_without_the_campaigns_own_is_refused_at_launch(twilio_fake, nudge):
    campaign = whatsapp_campaign(nudge)
    MessageVariant.objects.create(campaign=campaign, language="fr", whatsapp_text="Pour vous : {links}")

    assert (
        "Write the default WhatsApp free text too, or clear the Français one: without it everyone gets "
        "the template." in sending.problems(campaign)
    )


def test_the_reconciler_records_whether_a_lost_outcome_went_as_free_text(
    twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks, client, settings
):
    wrote, silent = free_text_and_template(
        client, settings, twilio_fake, nudge, internal_curator, django_capture_on_commit_callbacks
    )
    assert dict(Delivery.objects.values_list("subscriber", "free_text")) == {wrote.pk: True, silent.pk: False}
    # As if the worker died after Twilio took both, before recording either outcome.
    Delivery.objects.update(
        status=DeliveryStatus.CLAIMED,
        claimed_at=timezone.now() - timedelta(minutes=10),
        provider_id="",
        free_text=False,
    )
    for message in twilio_fake.messages:
        message["date_sent"] = message["date_created"]

    assert sending.reconcile().found_sent == 2
    assert dict(Delivery.objects.values_list("subscriber", "free_text")) == {wrote.pk: True, silent.pk: False}
