"""The lines we add around the curator's words (the STOP line, "useful?", a check's letters, an
email's buttons and unsubscribe link, the greeting for a nameless reader) read in the language of
the words they end: a French text ends in French, an Arabic email in Arabic, the default's words
in English whoever reads them."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import translation

from campaigns import compose, sending
from campaigns.models import ConsentState, MediaPreference, MessageVariant, Subscriber
from campaigns.preview import campaign_preview
from campaigns.sms.segments import count_segments
from campaigns.whatsapp import templates as whatsapp_templates
from tests.campaigns.journey_data import welcome_series
from tests.factories import live_item, ready_campaign, subscribed_employees

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

FRENCH_TEXT = "Bonjour {first_name}, trois minutes pour apprendre à donner un avis : {links}"
ARABIC_TEXT = "مرحبا {first_name}، ثلاث دقائق عن تقديم الملاحظات: {links}"
ARABIC_SUBJECT = "تقديم الملاحظات، {first_name}"
ARABIC_BODY = "\n\n".join(["مرحبا {first_name}،", "هذا الأسبوع: {links}"])
ARABIC_UNSUBSCRIBE = "لإيقاف هذه الرسائل الإلكترونية:"

FRENCH_USEFUL = "Répondez 1 si c'est utile, 2 si ce n'est pas pour vous"
FRENCH_STOP = "Répondez STOP pour vous désabonner"
ARABIC_USEFUL = "أرسل 1 إن كان مفيدًا، أو 2 إن لم يكن لك"
ARABIC_STOP = "أرسل STOP للإيقاف"
ENGLISH_ENDING = "\nReply 1 if useful, 2 if not for you\nReply STOP to stop"


@pytest.fixture
def placement():
    return live_item(title="Giving feedback").placements.get()


def launch(campaign, user, capture):
    with capture(execute=True):
        sending.launch(campaign=campaign, by=user)


def test_each_readers_text_ends_with_the_stop_and_useful_lines_in_the_language_of_its_words(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    (english,) = subscribed_employees(1)
    (french,) = subscribed_employees(1, language="fr")
    (arabic,) = subscribed_employees(1, language="ar")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)
    MessageVariant.objects.create(campaign=campaign, language="ar", sms_text=ARABIC_TEXT)

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    texts = {text.to: text.body for text in sms_outbox}
    assert texts[french.phone].endswith(f"\n{FRENCH_USEFUL}\n{FRENCH_STOP}")
    assert texts[arabic.phone].endswith(f"\n{ARABIC_USEFUL}\n{ARABIC_STOP}")
    assert texts[english.phone].endswith(ENGLISH_ENDING)
    # Still GSM-7: the French lines hold no letter (ê, ç, a curly apostrophe) that would double
    # a text's price.
    assert count_segments(texts[french.phone]).encoding == "GSM-7"


def test_a_reader_whose_language_has_no_words_of_its_own_gets_the_default_text_in_english_whole(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    subscribed_employees(1, language="fr")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="ar", sms_text=ARABIC_TEXT)

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    (text,) = sms_outbox
    assert text.body.startswith("Hi Sam") and text.body.endswith(ENGLISH_ENDING)


def test_a_french_reader_without_a_name_is_greeted_in_french(
    placement, internal_curator, sms_outbox, django_capture_on_commit_callbacks
):
    (french,) = subscribed_employees(1, language="fr")
    (english,) = subscribed_employees(1)
    Subscriber.objects.update(display_name="")  # they gave none at sign-up
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=FRENCH_TEXT)

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    texts = {text.to: text.body for text in sms_outbox}
    assert texts[french.phone].startswith("Bonjour à vous, trois minutes")
    assert texts[english.phone].startswith("Hi there, 3 minutes")


def test_an_arabic_email_has_its_buttons_and_its_unsubscribe_link_in_arabic(
    placement, internal_curator, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://learning.example.org"
    (arabic,) = subscribed_employees(1, language="ar")
    (english,) = subscribed_employees(1)
    campaign = ready_campaign(placements=[placement], media=MediaPreference.EMAIL)
    MessageVariant.objects.create(
        campaign=campaign, language="ar", email_subject=ARABIC_SUBJECT, email_body=ARABIC_BODY
    )

    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    received = {mail.envelope_to[0]: mail.message for mail in smtp_server.received}
    arabic_email, english_email = received[arabic.email], received[english.email]
    arabic_text = arabic_email.get_body(("plain",)).get_content().replace("\r\n", "\n")
    english_text = english_email.get_body(("plain",)).get_content().replace("\r\n", "\n")
    header_link = arabic_email["List-Unsubscribe"].strip("<>")
    assert arabic_text.startswith("مرحبا Sam")
    assert "\nمفيد: https://learning.example.org/f/" in arabic_text
    assert "\nليس لي: https://learning.example.org/f/" in arabic_text
    assert arabic_text.rstrip().endswith(f"\n\n{ARABIC_UNSUBSCRIBE} {header_link}")
    assert "Useful:" not in arabic_text and "Not for me:" not in arabic_text
    assert "\nUseful: https://" in english_text and "\nNot for me: https://" in english_text
    assert english_text.rstrip().endswith(
        f"\n\nTo stop these emails: {english_email['List-Unsubscribe'].strip('<>')}"
    )
    # The written-out link is the person's own: it opens their unsubscribe page, in Arabic.
    page = Client().get(urlsplit(header_link).path)
    assert page.status_code == 200 and 'lang="ar"' in page.content.decode()
    assert Subscriber.objects.get(pk=arabic.pk).email_state == ConsentState.SUBSCRIBED  # a GET stops nothing


def test_the_preview_counts_the_french_texts_segments_with_its_french_lines(placement, settings):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.05")
    subscribed_employees(2, language="fr")
    # Fits one segment with the English lines; the French ones, longer, make it two.
    text = "Bonjour {first_name}, 3 minutes sur l'art de donner un avis : {links}"
    campaign = ready_campaign(placements=[placement], media=MediaPreference.SMS)
    MessageVariant.objects.create(campaign=campaign, language="fr", sms_text=text)

    (sms,) = campaign_preview(campaign).media
    _, french = sms.variants

    assert french.body.endswith(f"\n{FRENCH_USEFUL}\n{FRENCH_STOP}")
    assert french.segments == count_segments(french.body)
    with_english_lines = french.body.removesuffix(f"\n{FRENCH_USEFUL}\n{FRENCH_STOP}") + ENGLISH_ENDING
    assert (count_segments(with_english_lines).segments, french.segments.segments) == (1, 2)
    assert (french.segments.encoding, french.estimated_cost) == ("GSM-7", Decimal("0.20"))  # 2 people x 2


def test_the_preview_shows_the_arabic_email_with_its_arabic_buttons_and_unsubscribe_line(placement):
    subscribed_employees(1, language="ar")
    campaign = ready_campaign(placements=[placement], media=MediaPreference.EMAIL)
    MessageVariant.objects.create(
        campaign=campaign, language="ar", email_subject=ARABIC_SUBJECT, email_body=ARABIC_BODY
    )

    (email,) = campaign_preview(campaign).media
    default, arabic = email.variants

    assert "\nمفيد: " in arabic.body and "\nليس لي: " in arabic.body
    assert f"\n{ARABIC_UNSUBSCRIBE} " in arabic.body
    assert "\nUseful: " in default.body and "\nTo stop these emails: " in default.body


def test_a_checks_reply_line_is_in_the_language_of_its_question(placement):
    check = welcome_series(placement).steps.get(position=2)
    check.question = "Which of these calms an angry customer first?"  # says nothing of how to reply
    check.save()
    MessageVariant.objects.create(
        campaign=check.message,
        language="fr",
        sms_text="Une question, {first_name} : {links}",
        question="Qu'est-ce qui calme d'abord un client en colère ?",
        choices=["Écouter", "Rembourser", "Appeler un responsable"],
    )
    MessageVariant.objects.create(
        campaign=check.message,
        language="ar",
        sms_text="سؤال، {first_name}: {links}",
        question="ما الذي يهدئ العميل الغاضب أولًا؟ أجب بحرف",
        choices=["الإصغاء", "الاسترداد", "الاتصال بالمسؤول"],
    )

    english = compose.sms_body(check.message, name="Sam", links="", language="en-gb")
    french = compose.sms_body(check.message, name="Sam", links="", language="fr")
    arabic = compose.sms_body(check.message, name="Sam", links="", language="ar")

    assert "\nC) Appeler un responsable\nRépondez A, B ou C\nRépondez STOP pour vous désabonner" in french
    assert "\nC) " in english and english.endswith("\nReply A, B or C\nReply STOP to stop")
    # Its question says how to answer already ("أجب"): no second reply line.
    assert arabic.endswith("\nC) الاتصال بالمسؤول\nأرسل STOP للإيقاف")


def test_the_words_do_not_follow_whatever_language_the_sender_has_active(placement):
    """A send started inside an employee's request (a confirmation that starts a journey) runs
    with their page's language active: the texts still follow their words, and so does WhatsApp's
    free text, written here in the default language only, with its English lines."""
    campaign = ready_campaign(placements=[placement], whatsapp_text="Hi {first_name}, have a look: {links}")

    with translation.override("ar"):
        english = compose.sms_body(campaign, name="", links="", language="en-gb")
        whatsapp = whatsapp_templates.free_text(campaign, name=compose.first_name(None), links="")

    assert english.startswith("Hi there, 3 minutes") and english.endswith(ENGLISH_ENDING)
    assert whatsapp == "Hi there, have a look:\nReply 1 if useful, 2 if not for you\nReply STOP to stop"
