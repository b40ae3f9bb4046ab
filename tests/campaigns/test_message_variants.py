"""A campaign's message in each reader's language, the default's words as the fallback, and a
preview that costs each language's text on its own encoding and readers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import compose, journey_schedule, journeys, sending
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    MediaPreference,
    MessageVariant,
)
from campaigns.preview import campaign_preview
from campaigns.sms.segments import count_segments
from tests.campaigns.journey_data import welcome_series
from tests.campaigns.test_feedback_worker import reply_by_text
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.fakes.twilio import AUTH_TOKEN
from tests.helpers import TUESDAY_MORNING
from tests.test_odd_input_property import encoded

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

FRENCH_TEXT = "Bonjour {first_name}, trois minutes pour apprendre à donner un avis : {links}"
FRENCH_SUBJECT = "Donner un avis, {first_name}"
FRENCH_BODY = "Bonjour {first_name},\n\nCette semaine : {links}\n"
ARABIC_TEXT = "مرحبا {first_name}، ثلاث دقائق عن تقديم الملاحظات: {links}"


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


def change_url(campaign: Campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


def campaign_form(campaign: Campaign, *variants: dict[str, str], initial: int = 0) -> dict[str, object]:
    """The change page's fields as the browser posts them: the campaign's, then the inline's."""
    data: dict[str, object] = {
        "name": campaign.name,
        "slug": campaign.slug,
        "purpose": campaign.purpose,
        "placements": [placement.pk for placement in campaign.placements.all()],
        "sms_text": campaign.sms_text,
        "email_subject": campaign.email_subject,
        "email_body": campaign.email_body,
        "ask_useful": "on" if campaign.ask_useful else "",
        "segments": [segment.pk for segment in campaign.segments.all()],
        "media": campaign.media,
        "send_at_0": "",
        "send_at_1": "",
        "repeat": campaign.repeat,
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(initial),
    }
    for index, variant in enumerate(variants):
        data.update({f"variants-{index}-{name}": value for name, value in variant.items()})
    return data


def launch(campaign: Campaign, user, capture) -> Campaign:
    with capture(execute=True):
        sending.launch(campaign=campaign, by=user)
    campaign.refresh_from_db()
    return campaign


def test_a_bilingual_campaign_sends_french_to_french_readers_and_the_default_to_the_others(
    placement, internal_curator, sms_outbox, smtp_server, django_capture_on_commit_callbacks
):
    english = subscribed_employees(2)
    french = subscribed_employees(2, language="fr")
    (arabic,) = subscribed_employees(1, language="ar")  # no Arabic words: the default reaches her
    campaign = ready_campaign(placements=[placement])
    MessageVariant.objects.create(
        campaign=campaign,
        language="fr",
        sms_text=FRENCH_TEXT,
        email_subject=FRENCH_SUBJECT,
        email_body=FRENCH_BODY,
    )

    assert (
        launch(campaign, internal_curator, django_capture_on_commit_callbacks).status == CampaignStatus.SENT
    )

    texts = {text.to: text.body for text in sms_outbox}
    emails = {received.envelope_to[0]: received.message for received in smtp_server.received}
    for person in french:
        first = person.display_name.split()[0]
        assert texts[person.phone].startswith(f"Bonjour {first}, trois minutes pour apprendre à donner")
        assert "/l/" in texts[person.phone]
        assert emails[person.email]["Subject"] == f"Donner un avis, {first}"
        assert emails[person.email].get_body(("plain",)).get_content().startswith(f"Bonjour {first},")
    for person in [*english, arabic]:
        first = person.display_name.split()[0]
        assert texts[person.phone].startswith(f"Hi {first}, 3 minutes on giving feedback")
        assert emails[person.email]["Subject"] == f"Giving feedback, {first}"
    assert len(texts) == len(emails) == 5


def test_a_variant_with_only_a_text_sends_the_default_email_whole(
    placement, internal_curator, sms_outbox, smtp_server, django_capture_on_commit_callbacks
):
    subscribed_employees(1, language="fr")
    campaign = ready_campaign(placements=[placement])
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    (text,) = sms_outbox
    (email,) = smtp_server.received
    assert text.body.startswith("Bonjour Sam")
    assert email.message["Subject"].startswith("Giving feedback, Sam")
    assert email.message.get_body(("plain",)).get_content().startswith("Hi Sam")


def test_the_reconciler_settles_a_french_text_from_twilios_log_by_its_french_words(
    placement, internal_curator, twilio_fake, settings, django_capture_on_commit_callbacks
):
    """A text whose answer came too late is matched in the provider's log by its exact words: the
    reader's language, not the default's, its STOP and "useful?" lines included, or it would be
    sent a second time. The reconciler runs with another language active, as a worker might."""
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    (person,) = subscribed_employees(1, language="fr")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)
    twilio_fake.stall_for(person.phone, 1.5)  # Twilio takes the text, but answers too late
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    assert Delivery.objects.get(subscriber=person).status == DeliveryStatus.UNKNOWN

    with translation.override("ar"):
        result = sending.reconcile(stale_after=timedelta(0))

    assert (result.found_sent, result.requeued) == (1, 0)
    (sent,) = twilio_fake.texts_to(person.phone)
    assert sent.params["Body"].startswith("Bonjour Sam")
    assert sent.params["Body"].endswith(
        "\nRépondez 1 si c'est utile, 2 si ce n'est pas pour vous\nRépondez STOP pour vous désabonner"
    )
    assert Delivery.objects.get(subscriber=person).status == DeliveryStatus.ACCEPTED


def test_the_preview_shows_the_arabic_text_as_ucs2_with_its_own_segments(internal_client, placement):
    subscribed_employees(2)
    subscribed_employees(3, language="ar")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="ar", sms_text=ARABIC_TEXT)

    (sms,) = campaign_preview(campaign).media
    default, arabic = sms.variants

    assert (default.language, default.segments.encoding, default.recipients) == ("en-gb", "GSM-7", 2)
    assert (arabic.language, arabic.segments.encoding, arabic.recipients) == ("ar", "UCS-2", 3)
    assert arabic.segments == count_segments(arabic.body)
    assert arabic.segments.segments == 3  # the same message in English fits one
    html = internal_client.get(change_url(campaign)).content.decode()
    assert "العربية" in html and "مرحبا Sam" in html
    assert arabic.outside_gsm7.split() == list("مرحبا،")  # the first few letters that made it UCS-2
    assert f"{arabic.segments}: UCS-2 because of “{arabic.outside_gsm7}”" in html
    assert "every segment holds 70 characters instead of 160" in html
    assert "3 people will get it." in html


def test_the_cost_is_summed_over_each_languages_readers_at_its_own_segments(placement, settings):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.05")
    subscribed_employees(3)
    subscribed_employees(2, language="ar")
    subscribed_employees(4, language="fr")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="ar", sms_text=ARABIC_TEXT)
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)

    (sms,) = campaign_preview(campaign).media
    segments = {variant.language: variant.segments.segments for variant in sms.variants}
    costs = {variant.language: variant.estimated_cost for variant in sms.variants}

    # French: longer words, still GSM-7 ("à" is in it); Arabic: UCS-2, 67 characters a segment.
    assert segments == {"en-gb": 1, "fr": 2, "ar": 3}
    assert costs == {"en-gb": Decimal("0.15"), "fr": Decimal("0.40"), "ar": Decimal("0.30")}
    assert sms.estimated_cost == Decimal("0.05") * (3 * 1 + 4 * 2 + 2 * 3) == Decimal("0.85")
    assert sms.to_send == 9


def test_readers_of_a_language_without_words_of_their_own_are_counted_with_the_default(
    internal_client, placement
):
    subscribed_employees(2)
    subscribed_employees(3, language="ar")
    subscribed_employees(1, language="fr")
    campaign = ready_campaign(placements=[placement])
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)

    sms, email = campaign_preview(campaign).media

    assert [(v.language, v.recipients, v.fallback_from) for v in sms.variants] == [
        ("en-gb", 5, [("العربية", 3)]),
        ("fr", 1, []),
    ]
    # The French variant has no email: French readers get the default email.
    assert [(v.language, v.recipients, v.fallback_from) for v in email.variants] == [
        ("en-gb", 6, [("Français", 1), ("العربية", 3)]),
    ]
    page = " ".join(internal_client.get(change_url(campaign)).content.decode().split())
    assert (
        "5 people will get it, including 3 reading العربية: no text of their own, so they get the default."
    ) in page


def test_a_variant_with_a_bad_placeholder_is_refused_with_a_clear_message(internal_client, placement):
    campaign = ready_campaign(placements=[placement])

    response = internal_client.post(
        change_url(campaign),
        campaign_form(campaign, {"language": "fr", "sms_text": "Bonjour {prenom} : {links}"}),
    )

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.errors == [
        {"sms_text": ["Unknown placeholder {prenom}: use only {first_name}, {links}."]}
    ]
    assert not MessageVariant.objects.exists()


def test_a_half_written_email_or_an_empty_language_is_refused(internal_client, placement):
    campaign = ready_campaign(placements=[placement])

    response = internal_client.post(
        change_url(campaign),
        campaign_form(
            campaign,
            {"language": "fr", "email_subject": FRENCH_SUBJECT},
            {"language": "ar"},
        ),
    )

    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.errors == [
        {
            "email_body": [
                "Write both the Français email's subject and its body, or neither: "
                "with neither, these readers get the default email."
            ]
        },
        {"__all__": ["Write the العربية text or email, or remove this language."]},
    ]
    assert not MessageVariant.objects.exists()


def test_the_default_language_and_a_language_twice_are_refused(internal_client, placement):
    campaign = ready_campaign(placements=[placement])

    default = internal_client.post(
        change_url(campaign), campaign_form(campaign, {"language": "en-gb", "sms_text": "Hi {links}"})
    )
    twice = internal_client.post(
        change_url(campaign),
        campaign_form(
            campaign,
            {"language": "fr", "sms_text": FRENCH_TEXT},
            {"language": "fr", "sms_text": FRENCH_TEXT},
        ),
    )

    (inline,) = default.context["inline_admin_formsets"]
    assert inline.formset.errors[0]["language"][0].startswith("Select a valid choice.")
    (inline,) = twice.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == ["Write the Français message once."]
    assert not MessageVariant.objects.exists()


def test_a_page_opened_before_someone_saved_the_same_language_gets_a_message_not_an_error(
    internal_client, placement
):
    campaign = ready_campaign(placements=[placement])
    stale = campaign_form(campaign, {"language": "fr", "sms_text": "Bonjour : {links}"})
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)  # meanwhile

    saved = internal_client.post(change_url(campaign), stale)
    previewed = internal_client.post(reverse("admin:campaigns_campaign_preview", args=[campaign.pk]), stale)

    meanwhile = "A Français message was saved meanwhile: reload the page to see it, then change that one."
    (inline,) = saved.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == [meanwhile]
    assert previewed.context["inline_errors"] == [meanwhile]
    assert MessageVariant.objects.get().sms_text == FRENCH_TEXT


def test_launch_refuses_a_variant_without_its_links(placement, internal_curator):
    campaign = ready_campaign(placements=[placement])
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text="Bonjour {first_name} !")

    with pytest.raises(sending.ValidationError) as refused:
        sending.launch(campaign=campaign, by=internal_curator)

    assert refused.value.messages == [
        "Put {links} in the Français text message: that is where the tracked links go."
    ]


def test_the_agency_curator_writes_a_drafts_french_message_but_cannot_launch_it(
    agency_client, internal_curator, placement, django_capture_on_commit_callbacks
):
    subscribed_employees(1, language="fr")
    campaign = ready_campaign(placements=[placement])

    saved = agency_client.post(
        change_url(campaign),
        campaign_form(
            campaign,
            {
                "language": "fr",
                "sms_text": FRENCH_TEXT,
                "email_subject": FRENCH_SUBJECT,
                "email_body": FRENCH_BODY,
            },
        ),
    )
    launch_url = reverse("admin:campaigns_campaign_launch", args=[campaign.pk])

    assert saved.status_code == 302
    assert MessageVariant.objects.get(campaign=campaign).sms_text == FRENCH_TEXT
    assert agency_client.get(launch_url).status_code == 403
    assert agency_client.post(launch_url).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    variant = MessageVariant.objects.get(campaign=campaign)
    page = agency_client.get(change_url(campaign)).content.decode()
    refused = agency_client.post(
        change_url(campaign),
        campaign_form(
            campaign, {"id": str(variant.pk), "language": "fr", "sms_text": "Changé : {links}"}, initial=1
        ),
    )
    assert 'name="variants-0-sms_text"' not in page
    assert refused.status_code == 403
    variant.refresh_from_db()
    assert variant.sms_text == FRENCH_TEXT


def test_a_sending_campaigns_variants_are_frozen_even_for_a_launcher(internal_client, placement):
    campaign = ready_campaign(placements=[placement])
    variant = MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)

    refused = internal_client.post(
        change_url(campaign),
        campaign_form(
            campaign, {"id": str(variant.pk), "language": "fr", "sms_text": "Changé : {links}"}, initial=1
        ),
    )

    assert refused.status_code == 403
    variant.refresh_from_db()
    assert variant.sms_text == FRENCH_TEXT


def test_preview_changes_shows_an_unsaved_variant_and_saves_nothing(internal_client, placement):
    subscribed_employees(1, language="ar")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)

    response = internal_client.post(
        reverse("admin:campaigns_campaign_preview", args=[campaign.pk]),
        campaign_form(campaign, {"language": "ar", "sms_text": ARABIC_TEXT}),
    )

    assert response.status_code == 200
    (sms,) = response.context["preview"].media
    assert [variant.language for variant in sms.variants] == ["en-gb", "ar"]
    assert "مرحبا Sam" in response.content.decode()
    assert not MessageVariant.objects.exists()


def test_preview_changes_lists_a_variants_errors(internal_client, placement):
    campaign = ready_campaign(placements=[placement])

    response = internal_client.post(
        reverse("admin:campaigns_campaign_preview", args=[campaign.pk]),
        campaign_form(campaign, {"language": "fr", "sms_text": "Bonjour {nom}"}),
    )

    assert response.context["preview"] is None
    assert response.context["inline_errors"] == [
        "Français: Unknown placeholder {nom}: use only {first_name}, {links}."
    ]
    assert "Save these changes" not in response.content.decode()


def test_a_journey_steps_check_is_asked_in_the_readers_language(internal_client, placement):
    journey = welcome_series(placement)
    check = journey.steps.get(position=2)
    MessageVariant.objects.create(
        campaign=check.message,
        language="fr",
        sms_text="Une question, {first_name} : {links}",
        question="Qu'est-ce qui calme d'abord un client en colère ?",
        choices=["Écouter", "Rembourser", "Appeler un responsable"],
    )

    french = compose.sms_body(check.message, name="Sam", links="", language="fr")
    english = compose.sms_body(check.message, name="Sam", links="", language="en-gb")

    assert "Qu'est-ce qui calme d'abord un client en colère ?\nA) Écouter\nB) Rembourser" in french
    assert "Which of these calms an angry customer first?" in english
    page = internal_client.get(change_url(check.message)).content.decode()
    assert 'name="variants-0-choices_0"' in page  # the check's answers are offered on a check's message


def test_a_step_variant_with_a_different_number_of_answers_is_not_ready(placement):
    journey = welcome_series(placement)
    check = journey.steps.get(position=2)
    MessageVariant.objects.create(
        campaign=check.message,
        language="fr",
        sms_text="Une question : {links}",
        question="Qu'est-ce qui calme un client ?",
        choices=["Écouter", "Rembourser"],
    )

    assert "Give the Français check as many answers as the step's own (3): the letters are the replies." in (
        sending.problems(check.message)
    )
    # Until fixed, French readers are asked the step's own check, whose letters their reply answers.
    assert "Which of these calms" in compose.sms_body(check.message, name="Sam", links="", language="fr")


def test_the_preview_asks_the_database_the_same_few_times_however_many_readers(
    placement, django_assert_max_num_queries
):
    campaign = ready_campaign(placements=[placement])
    MessageVariant.objects.create(
        campaign=campaign,
        language="fr",
        sms_text=FRENCH_TEXT,
        email_subject=FRENCH_SUBJECT,
        email_body=FRENCH_BODY,
    )
    MessageVariant.objects.create(campaign=campaign, language="ar", sms_text=ARABIC_TEXT)
    subscribed_employees(3)
    subscribed_employees(3, language="fr")
    subscribed_employees(3, language="ar")
    with django_assert_max_num_queries(40) as few:
        campaign_preview(Campaign.objects.get(pk=campaign.pk))
    subscribed_employees(60)
    subscribed_employees(60, language="fr")
    subscribed_employees(60, language="ar")

    with django_assert_max_num_queries(len(few.captured_queries)):
        preview = campaign_preview(Campaign.objects.get(pk=campaign.pk))

    assert [variant.recipients for variant in preview.media[0].variants] == [63, 63, 63]


odd_text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=()), max_size=60),  # NUL and lone surrogates too
    st.sampled_from(
        ["{", "}", "{}", "{{links}}", "{links", "{first_name.__class__}", "\x00", "\ud800", "é" * 400]
    ),
)
odd_language = st.one_of(
    st.sampled_from(["fr", "ar", "en-gb", "", "FR", "xx", "fr\x00"]), st.text(max_size=8)
)


def post_as_a_browser_might(client, url: str, data: dict[str, object]):
    """URL-encoded as a browser sends it, lone surrogates kept (broken UTF-8), a list field repeated."""
    pairs = [
        (name, str(item))
        for name, value in data.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    return client.post(url, encoded(pairs), content_type="application/x-www-form-urlencoded")


quick = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@quick
@given(
    language=odd_language,
    sms_text=odd_text,
    subject=odd_text,
    body=odd_text,
    question=odd_text,
    forms=st.sampled_from(["0", "1", "2", "-1", "x", "1000"]),
)
def test_odd_input_on_the_variant_form_gets_an_answer_never_a_server_error(
    internal_client, placement, language, sms_text, subject, body, question, forms
):
    with transaction.atomic():  # rolled back: each example starts from the same draft-less database
        campaign = ready_campaign(placements=[placement])
        data = campaign_form(
            campaign,
            {"language": language, "sms_text": sms_text, "email_subject": subject, "email_body": body},
        )
        data["variants-TOTAL_FORMS"] = forms
        data["variants-0-question"] = question
        response = post_as_a_browser_might(internal_client, change_url(campaign), data)
        preview = post_as_a_browser_might(
            internal_client, reverse("admin:campaigns_campaign_preview", args=[campaign.pk]), data
        )
        transaction.set_rollback(True)

    assert response.status_code in (200, 302)
    assert preview.status_code == 200


def test_a_french_reader_goes_through_a_journey_in_french_and_is_answered_in_its_words(
    placement, internal_curator, client, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://learn.example.org"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    journey = welcome_series(placement)
    welcome, check = journey.steps.select_related("message").order_by("position")
    MessageVariant.objects.create(
        campaign=welcome.message, language="fr", sms_text="Bienvenue, {first_name} ! Commencez ici : {links}"
    )
    MessageVariant.objects.create(
        campaign=check.message,
        language="fr",
        sms_text="Une question, {first_name} : {links}",
        question="Qu'est-ce qui calme d'abord un client en colère ? Répondez A, B ou C",
        choices=["Écouter", "Rembourser", "Appeler un responsable"],
    )
    with time_machine.travel(TUESDAY_MORNING - timedelta(days=30), tick=False):
        journeys.launch(journey=journey, by=internal_curator)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        (french,) = subscribed_employees(1, language="fr")
        (english,) = subscribed_employees(1)
        with django_capture_on_commit_callbacks(execute=True):
            journey_schedule.tick()
    with time_machine.travel(TUESDAY_MORNING + timedelta(days=2, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            journey_schedule.tick()
        wrong = reply_by_text(client, settings, french.phone, "B", "SM" + "7" * 32)

    to_french = [text.body for text in sms_outbox if text.to == french.phone]
    to_english = [text.body for text in sms_outbox if text.to == english.phone]
    assert to_french[0].startswith("Bienvenue, Sam")
    assert "Répondez A, B ou C\nA) Écouter\nB) Rembourser\nC) Appeler un responsable" in to_french[1]
    assert to_english[0].startswith("Hi Sam1, two minutes on feedback")
    assert "Which of these calms an angry customer first?" in to_english[1]
    assert "Pas tout à fait : la réponse est A) Écouter." in wrong  # in their language, words and all


def test_the_launch_confirmation_says_how_many_read_each_language_and_at_what_cost(
    internal_client, placement, settings
):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.05")
    subscribed_employees(3)
    subscribed_employees(2, language="ar")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="ar", sms_text=ARABIC_TEXT)

    page = internal_client.get(reverse("admin:campaigns_campaign_launch", args=[campaign.pk]))

    text = " ".join(page.content.decode().split())
    assert "<dt>SMS in</dt>" in text
    assert "English: 3 (GBP 0.15); العربية: 2 (GBP 0.30)." in text
    assert "GBP 0.45 for the texts" in text


@quick
@given(question=odd_text, answers=st.lists(odd_text, max_size=5), language=odd_language)
def test_odd_input_on_a_steps_variant_check_gets_an_answer_never_a_server_error(
    internal_client, placement, question, answers, language
):
    with transaction.atomic():  # rolled back: each example starts from a journey of its own
        check = welcome_series(placement).steps.get(position=2)
        data = campaign_form(
            check.message, {"language": language, "sms_text": "Une question : {links}", "question": question}
        )
        data.update({f"variants-0-choices_{index}": answer for index, answer in enumerate(answers)})
        response = post_as_a_browser_might(internal_client, change_url(check.message), data)
        transaction.set_rollback(True)

    assert response.status_code in (200, 302)
