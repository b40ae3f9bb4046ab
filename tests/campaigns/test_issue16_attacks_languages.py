"""Issue 16's languages attacked: the switcher's `next` aimed at another site, a forged language
cookie, a garbage or huge Accept-Language, /me/ posted a language we do not offer alongside other
changes; and message variants whose words try to reach into objects through the placeholders,
run very long, or name a language we do not offer."""

from __future__ import annotations

import pytest

from campaigns import compose, sending
from campaigns.links import account_url
from campaigns.models import ConsentState, MediaPreference, Medium, MessageVariant, Subscriber
from tests.campaigns.test_message_variants import campaign_form, change_url
from tests.factories import SubscriberFactory, live_item, ready_campaign, subscribed_employees
from tests.helpers import path_of

pytestmark = pytest.mark.django_db

PHONE = "+447700100001"


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "\\/evil.example/",
        "https:evil.example",
        "https://evil.example/",
        "HTTPS://evil.example/",
        " //evil.example",
        "/%09/evil.example",
        "\t//evil.example",
        "javascript:alert(1)",
        "https://testserver@evil.example/",
        "https://evil.example\\@testserver/",
    ],
)
def test_the_switcher_never_redirects_off_our_site(client, next_url):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": next_url})

    assert response.status_code == 302
    location = response["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith(("//", "/\\")))
    assert "evil.example" not in location or location.startswith("/%")


def test_the_switcher_ignores_a_referer_from_another_site(client):
    response = client.post("/i18n/setlang/", {"language": "fr"}, HTTP_REFERER="https://evil.example/x")

    assert response["Location"] == "/"


def test_the_switcher_refuses_a_language_we_do_not_offer(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/join/"})

    assert "django_language" not in response.cookies
    page = client.get("/join/").content.decode()
    assert '<html lang="en-gb" dir="ltr">' in page


@pytest.mark.parametrize("cookie", ["xx", "../../etc/passwd", "fr" * 500, "ar\x7f", "", "zh-hant-tw-x"])
def test_a_forged_language_cookie_gets_the_default_language_not_an_error(client, cookie):
    client.cookies["django_language"] = cookie

    response = client.get("/join/")

    assert response.status_code == 200
    assert '<html lang="en-gb" dir="ltr">' in response.content.decode()


@pytest.mark.parametrize(
    "header",
    [
        "*;q=abc,,,;;;=,fr;q=",
        ";q=1",
        "fr;q=NaN",
        "x" * 100_000,
        ",".join(["de"] * 5_000) + ",ar",
        "ar;q=1e999",
        "\u00e9\u00e8",
    ],
)
def test_a_garbage_or_huge_accept_language_gets_a_page_not_an_error(client, header):
    response = client.get("/join/", HTTP_ACCEPT_LANGUAGE=header)

    assert response.status_code == 200
    assert 'dir="' in response.content.decode()


def test_an_arabic_page_is_mirrored_and_a_french_one_is_not(client):
    arabic = client.get("/join/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    french = client.get("/join/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="fr" dir="ltr">' in french


def test_the_own_page_refusing_a_language_saves_none_of_the_other_changes(client):
    amel = SubscriberFactory(
        phone=PHONE, sms=ConsentState.SUBSCRIBED, language="fr", time_zone="Europe/Paris"
    )
    before = (amel.preferred_media, amel.time_zone, amel.language)

    response = client.post(
        path_of(account_url(amel)),
        {"action": "save", "preferred_media": "email", "time_zone": "Asia/Dubai", "language": "xx"},
    )

    assert response.status_code == 200
    assert "Choisissez une langue dans la liste." in response.content.decode()
    amel.refresh_from_db()
    assert (amel.preferred_media, amel.time_zone, amel.language) == before


# Variants: the placeholders are filled by name, never by str.format.


@pytest.mark.parametrize(
    "template",
    [
        "{links.__class__}",
        "{first_name.__init__.__globals__}",
        "{0}",
        "{}",
        "{links!r}",
        "{first_name:>99999999}",
        "{links[0]}",
        "{{first_name}}",
        "%(first_name)s",
        "{{ settings.SECRET_KEY }}",
    ],
)
def test_a_placeholder_trick_is_refused_and_never_filled_as_python_would(template):
    filled = compose.fill(template, name="Amel", links="https://l.example/x")

    assert "class" not in filled.replace("__class__", "") and "<" not in filled
    assert len(filled) < 200
    if template not in ("{{first_name}}", "%(first_name)s", "{{ settings.SECRET_KEY }}"):
        with pytest.raises(Exception, match="Unknown placeholder"):
            compose.check_placeholders(template)


@pytest.mark.parametrize(
    "text",
    ["Bonjour {links.__class__} {links}", "Bonjour {0} {links}", "Bonjour {first_name:>9999} {links}"],
)
def test_a_variant_reaching_into_objects_is_refused_by_the_admin(internal_client, text):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])

    response = internal_client.post(
        change_url(campaign), campaign_form(campaign, {"language": "fr", "sms_text": text})
    )

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert "Unknown placeholder" in str(inline.formset.errors)
    assert not MessageVariant.objects.exists()


@pytest.mark.parametrize("language", ["xx", "en-gb", "", "fr-FR", "ar" * 20, "FR"])
def test_a_variant_in_a_language_we_do_not_offer_is_refused(internal_client, language):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])

    response = internal_client.post(
        change_url(campaign), campaign_form(campaign, {"language": language, "sms_text": "Salut {links}"})
    )

    assert response.status_code == 200
    assert not MessageVariant.objects.exists()


def test_a_very_long_variant_is_saved_or_refused_but_never_a_server_error(internal_client):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])
    huge = "é" * 200_000 + " {links}"

    response = internal_client.post(
        change_url(campaign),
        campaign_form(
            campaign, {"language": "fr", "sms_text": huge, "email_subject": "S" * 1_000, "email_body": huge}
        ),
    )

    assert response.status_code in (200, 302)
    assert not MessageVariant.objects.filter(email_subject="S" * 1_000).exists()
    assert internal_client.get(change_url(campaign)).status_code == 200


@pytest.mark.parametrize(
    "subject", ["Bonjour\r\nBcc: evil@evil.example", "Bonjour\nX-Injected: 1", "Bon\rjour"]
)
def test_a_variant_email_subject_cannot_smuggle_a_header(internal_client, subject, mailoutbox):
    """A crafted POST can put a line break in a one-line field: as a subject it would be a header
    of its own (or Django's BadHeaderError at send time). Refused, or sent as one line."""
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])

    internal_client.post(
        change_url(campaign),
        campaign_form(
            campaign,
            {"language": "fr", "email_subject": subject, "email_body": "Bonjour {first_name} {links}"},
        ),
    )

    assert not MessageVariant.objects.exists()


def test_the_campaigns_own_subject_cannot_smuggle_a_header_either(internal_client):
    placement = live_item(title="Giving feedback").placements.get()
    campaign = ready_campaign(placements=[placement])
    data = campaign_form(campaign)
    data["email_subject"] = "Hi {first_name}\r\nBcc: evil@evil.example"

    response = internal_client.post(change_url(campaign), data)

    assert response.status_code == 200
    assert "A subject is one line" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.email_subject == "Giving feedback, {first_name}"


@pytest.mark.usefixtures("working_hours")
def test_a_subject_with_a_line_break_saved_past_the_forms_goes_out_on_one_line_to_everyone(
    internal_curator, mailoutbox, django_capture_on_commit_callbacks
):
    """A row written before the forms refused it (or by a script): Django would refuse the
    header at send time and the whole batch would fail again on every retry."""
    placement = live_item(title="Giving feedback").placements.get()
    people = subscribed_employees(2, media=(Medium.EMAIL,))
    campaign = ready_campaign(
        placements=[placement],
        media=MediaPreference.EMAIL,
        email_subject="Hi {first_name}\r\nBcc: evil@evil.example",
    )
    MessageVariant.objects.create(
        campaign=campaign, language="fr", email_subject="Salut\nX-Injected: 1", email_body="Salut {links}"
    )
    Subscriber.objects.filter(pk=people[0].pk).update(language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        sending.launch(campaign=campaign, by=internal_curator)

    assert len(mailoutbox) == 2
    for sent in mailoutbox:
        assert sent.bcc == []
        headers = sent.message().as_string().split("\n\n", 1)[0]
        assert "evil.example" not in headers.replace(
            sent.subject, ""
        ) and "X-Injected" not in headers.replace(sent.subject, "")
        assert "\n" not in sent.subject and "\r" not in sent.subject
