"""Each person's language (issue 16): pages follow the visitor, a person's own pages and every
system text follow the language they chose; the curators' admin stays English."""

from __future__ import annotations

import re

import pytest
import tablib
from django.core import mail
from django.urls import reverse

from campaigns import sms
from campaigns.imports import COLUMNS, SubscriberResource
from campaigns.invitations import invite
from campaigns.links import account_url, email_confirmation_url, invitation_url, unsubscribe_url
from campaigns.models import ConsentState, MediaPreference, Medium, Subscriber
from campaigns.sms.segments import count_segments
from campaigns.tokens import make_vote_token
from channels.models import Platform
from curation.models import Format
from tests.campaigns.test_twilio_inbound import BASE, TOKEN, inbound, post_signed
from tests.campaigns.voting import answer_in, launch, reply, use_twilio_settings
from tests.factories import ChannelFactory, SubscriberFactory, live_item, ready_campaign, subscribed_employees
from tests.helpers import path_of

pytestmark = pytest.mark.django_db

PHONE = "+447700100001"
AMEL = "amel@acme-learning.example"
ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(autouse=True)
def signup_settings(open_signup):
    open_signup.PUBLIC_BASE_URL = BASE
    open_signup.TWILIO_AUTH_TOKEN = TOKEN  # the inbound webhook's signatures
    return open_signup


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group()


def sign_up_by_phone(client, accept_language: str = "", **fields: object):
    data = {"preferred_media": "sms", "time_zone": "Europe/London", "invitation_code": "LEARN-2026"}
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    return client.post("/join/", {**data, "phone": "07700 100001", **fields}, **headers)


def texted_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].body).group()


# Pages for visitors follow the browser, or the switcher.


def test_the_sign_up_page_is_english_without_a_preference(client):
    page = client.get("/join/").content.decode()

    assert html_tag(page) == '<html lang="en-gb" dir="ltr">'
    assert "<h1>Sign up for Learn Socially</h1>" in page


def test_the_sign_up_page_speaks_french_to_a_french_browser(client):
    response = client.get("/join/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    page = response.content.decode()

    assert html_tag(page) == '<html lang="fr" dir="ltr">'
    assert "<h1>Inscrivez-vous à Learn Socially</h1>" in page
    assert "Numéro de mobile" in page
    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]
    # The language question starts at the page's language.
    assert '<option value="fr" lang="fr" selected>Français</option>' in page


def test_the_sign_up_page_is_arabic_and_right_to_left_for_an_arabic_browser(client):
    page = client.get("/join/", HTTP_ACCEPT_LANGUAGE="ar-SA,ar;q=0.9").content.decode()

    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "<h1>اشترك في Learn Socially</h1>" in page
    assert "ما توافق عليه" in page  # the consent text too


def test_a_browser_language_we_do_not_have_gets_english(client):
    page = client.get("/join/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()

    assert html_tag(page) == '<html lang="en-gb" dir="ltr">'


def test_the_switcher_chooses_a_language_without_javascript(client):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/join/"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 302
    assert response["Location"] == "/join/"
    page = client.get("/join/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert html_tag(page) == '<html lang="ar" dir="rtl">'


def test_the_switchers_cookie_is_kept_from_scripts(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/join/"})

    cookie = response.cookies["django_language"]
    assert (cookie.value, cookie["httponly"], cookie["samesite"]) == ("fr", True, "Lax")


def test_the_switcher_never_sends_a_visitor_elsewhere(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_form_errors_are_in_the_visitors_language(client):
    page = sign_up_by_phone(client, phone="0800 FLOWERS", accept_language="fr").content.decode()

    assert "Il y a un problème" in page
    assert "Saisissez le numéro en chiffres uniquement, sans lettres." in page


def test_the_front_door_speaks_french(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<h2 id="join-heading">Comment s\'inscrire</h2>' in page


def test_the_front_doors_channels_and_items_read_in_arabic(client):
    channel = ChannelFactory(
        name="Acme Learns", platform=Platform.YOUTUBE, url="https://www.youtube.com/@acmelearns"
    )
    live_item(channel=channel, title="Giving feedback", format=Format.HOW_TO, days_ago=1)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert '<a href="https://www.youtube.com/@acmelearns">تابِع Acme Learns</a>' in page
    assert "نزّل تطبيق YouTube من App Store (iPhone)" in page
    assert '<strong class="tag">مجاني</strong>' in page
    assert "دليل عملي على Acme Learns" in page


def test_the_curators_admin_stays_english_for_a_french_browser(internal_client):
    response = internal_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()

    assert '<html lang="en-gb"' in page
    assert "Log out" in page
    assert "Déconnexion" not in page


# Sign-up: the language asked, and the code and link written in it.


def test_an_arabic_sign_up_gets_its_code_in_arabic_and_keeps_the_language(client):
    sign_up_by_phone(client, language="ar", accept_language="en")

    (text,) = sms.outbox
    assert text.body.startswith("رمزك في Learn Socially هو ")
    assert ARABIC_LETTERS.search(text.body)
    # Arabic is UCS-2 (70 characters a segment): the code still fits in two.
    assert count_segments(text.body).encoding == "UCS-2"
    assert count_segments(text.body).segments <= 2
    client.post("/join/confirm/", {"code": texted_code()})
    assert Subscriber.objects.get(phone=PHONE).language == "ar"


def test_the_ledger_names_the_language_the_consent_text_was_read_in(client):
    sign_up_by_phone(client, language="ar")

    event = Subscriber.objects.get(phone=PHONE).consent_events.get()
    assert event.evidence == "Sign-up form, consent text 2026-01 (ar)"


def test_a_french_code_stays_in_one_cheap_segment(client):
    sign_up_by_phone(client, language="fr")

    (text,) = sms.outbox
    assert text.body.startswith("Votre code Learn Socially est ")
    assert count_segments(text.body).encoding == "GSM-7"
    assert count_segments(text.body).segments == 1


def test_the_language_defaults_to_the_browsers(client):
    sign_up_by_phone(client, accept_language="fr-CA,fr;q=0.8")

    assert sms.outbox[-1].body.startswith("Votre code")
    client.post("/join/confirm/", {"code": texted_code()})
    assert Subscriber.objects.get(phone=PHONE).language == "fr"


def test_a_language_we_do_not_offer_is_refused(client):
    page = sign_up_by_phone(client, language="de").content.decode()

    assert "Choose a language from the list." in page
    assert sms.outbox == []


def test_typing_a_known_number_in_another_language_changes_nothing_until_the_code(client):
    known = SubscriberFactory(phone=PHONE, sms=ConsentState.SUBSCRIBED, language="fr")

    sign_up_by_phone(client, language="ar")

    # The code goes in the asker's language; the record keeps its own until the code proves the phone.
    assert sms.outbox[-1].body.startswith("رمزك")
    known.refresh_from_db()
    assert known.language == "fr"


def test_the_confirmation_email_is_in_the_chosen_language(client):
    client.post(
        "/join/",
        {"preferred_media": "email", "time_zone": "Europe/Paris", "email": AMEL, "language": "fr"},
    )

    (email,) = mail.outbox
    assert email.subject == "Confirmez votre e-mail pour Learn Socially"
    assert email.body.startswith("Bonjour,")
    subscriber = Subscriber.objects.get(email=AMEL)
    assert path_of(email_confirmation_url(subscriber)).split("/")[3] in email.body


def test_a_wrong_code_is_told_in_the_pages_language_with_arabic_plurals(client):
    sign_up_by_phone(client, language="ar", accept_language="ar")
    wrong = "000000" if texted_code() != "000000" else "111111"

    page = client.post("/join/confirm/", {"code": wrong}, HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    # Four tries left: Arabic's "few" form (3 to 10).
    assert "هذا الرمز غير صحيح. بقيت لديك 4 محاولات." in page


# A person's own pages: their stored language wins over the browser.


def test_the_own_page_is_in_the_stored_language_whatever_the_browser(client):
    amel = SubscriberFactory(phone=PHONE, sms=ConsentState.SUBSCRIBED, language="ar")

    page = client.get(path_of(account_url(amel)), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "ما نحتفظ به عنك" in page
    assert 'class="language-switcher"' not in page  # changed here, in the choices, instead


def test_the_own_page_changes_the_language_and_answers_in_the_new_one(client):
    amel = SubscriberFactory(phone=PHONE, sms=ConsentState.SUBSCRIBED)
    path = path_of(account_url(amel))

    page = client.post(
        path, {"action": "save", "preferred_media": "sms", "time_zone": "Europe/Paris", "language": "fr"}
    ).content.decode()

    amel.refresh_from_db()
    assert amel.language == "fr"
    assert "Enregistré. Vos choix s&#x27;appliquent dès notre prochain message." in page
    assert html_tag(page) == '<html lang="fr" dir="ltr">'
    assert "<dt>Langue</dt><dd>Français</dd>" in page


def test_the_own_page_refuses_a_language_we_do_not_offer(client):
    amel = SubscriberFactory(phone=PHONE, sms=ConsentState.SUBSCRIBED, language="fr")

    page = client.post(
        path_of(account_url(amel)),
        {"action": "save", "preferred_media": "sms", "time_zone": "Europe/Paris", "language": "xx"},
    ).content.decode()

    assert "Choisissez une langue dans la liste." in page
    amel.refresh_from_db()
    assert amel.language == "fr"


def test_the_unsubscribe_page_is_in_the_stored_language(client):
    amel = SubscriberFactory(email=AMEL, email_consent=ConsentState.SUBSCRIBED, language="fr")

    page = client.get(path_of(unsubscribe_url(amel))).content.decode()
    assert "<h1>Arrêter les e-mails de Learn Socially ?</h1>" in page
    page = client.post(path_of(unsubscribe_url(amel))).content.decode()
    assert "Nous ne vous enverrons plus d'e-mails." in page
    assert "Pourquoi partez-vous ? (facultatif)" in page


def test_an_emails_useful_button_asks_in_the_voters_language(client):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])
    amel = SubscriberFactory(email=AMEL, email_consent=ConsentState.SUBSCRIBED, language="ar")
    token = make_vote_token(
        amel, campaign_id=campaign.pk, occurrence=0, placement_id=placement.pk, answer="1"
    )

    page = client.get(f"/f/{token}/").content.decode()

    assert "<h1>هل كان «Giving feedback» مفيدًا؟</h1>" in page
    assert "<strong>مفيد</strong>" in page


# System texts go out in the person's language.


def test_help_answers_in_the_senders_language(client):
    SubscriberFactory(phone="+447400123456", sms=ConsentState.SUBSCRIBED, language="ar")

    reply = post_signed(client, inbound("HELP")).content.decode()

    assert "<Message>Learn Socially: نصائح تعلّم برسائل نصية من مؤسستك. أرسل STOP للإيقاف.</Message>" in reply


def test_help_from_a_stranger_is_in_english(client):
    reply = post_signed(client, inbound("HELP", sender="+447400999999")).content.decode()

    assert "Reply STOP to stop." in reply


def test_a_french_help_reply_stays_gsm7(client):
    SubscriberFactory(phone="+447400123456", sms=ConsentState.SUBSCRIBED, language="fr")

    reply = post_signed(client, inbound("HELP")).content.decode()
    body = re.search(r"<Message>(.*)</Message>", reply).group(1).replace("&#x27;", "'")

    assert "Répondez STOP" in body
    assert count_segments(body).encoding == "GSM-7"


def test_an_invitation_goes_in_the_invitees_language(sms_outbox, internal_curator):
    invitee = SubscriberFactory(phone="+447400123456", email="", language="fr")

    invite(subscriber=invitee, by=internal_curator)

    (text,) = sms_outbox
    assert text.body.startswith("Rejoignez Learn Socially : de courts conseils")
    assert "/join/invited/" in text.body


def test_a_stop_is_obeyed_whatever_the_language(client):
    amel = SubscriberFactory(phone="+447400123456", sms=ConsentState.SUBSCRIBED, language="ar")

    post_signed(client, inbound("STOP"))

    amel.refresh_from_db()
    assert amel.state(Medium.SMS) == ConsentState.OPTED_OUT


@pytest.mark.usefixtures("working_hours")
def test_a_useful_reply_is_thanked_in_the_persons_language(
    client, settings, internal_curator, django_capture_on_commit_callbacks
):
    use_twilio_settings(settings)
    placement = live_item(title="Giving feedback").placements.get()
    (amel,) = subscribed_employees(1)
    Subscriber.objects.filter(pk=amel.pk).update(language="fr")
    launch(
        ready_campaign(placements=[placement], media=MediaPreference.SMS),
        internal_curator,
        django_capture_on_commit_callbacks,
    )

    assert answer_in(reply(client, amel.phone, "1")) == "Merci, c'est compté."
    assert answer_in(reply(client, amel.phone, "2", sid="SM" + "2" * 32)) == (
        "Merci, vous nous avez déjà répondu pour celui-ci."
    )


def test_the_quiz_whose_questions_are_english_says_so_to_a_french_browser(client):
    page = client.get("/quiz/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert html_tag(page) == '<html lang="en-gb" dir="ltr">'
    assert 'class="language-switcher"' not in page


def test_an_import_gives_each_invitee_a_language_however_it_is_written():
    rows = [
        ("+447400100101", "", "", "", "", "", "", "", "FR"),
        ("+447400100102", "", "", "", "", "", "", "", "ar-SA"),
        ("+447400100103", "", "", "", "", "", "", "", ""),
        ("+447400100104", "", "", "", "", "", "", "", "de"),
    ]

    result = SubscriberResource().import_data(tablib.Dataset(*rows, headers=list(COLUMNS)), dry_run=False)

    languages = dict(Subscriber.objects.values_list("phone", "language"))
    assert languages == {"+447400100101": "fr", "+447400100102": "ar", "+447400100103": "en-gb"}
    (invalid,) = result.invalid_rows
    assert invalid.error_dict == {"language": ["Value 'de' is not a valid choice."]}


def test_an_invitation_link_opens_in_the_invitees_language_until_the_switcher_says_otherwise(client):
    invitee = SubscriberFactory(phone=PHONE, email="", language="fr")
    path = path_of(invitation_url(invitee))

    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert "<h1>Votre invitation à Learn Socially</h1>" in page
    assert '<option value="fr" lang="fr" selected>Français</option>' in page

    client.post("/i18n/setlang/", {"language": "ar", "next": path})
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert "<h1>دعوتك إلى Learn Socially</h1>" in page
