"""“Useful?” in an email: two links under each placement, each to a page that asks before it
counts, so mail scanners following every link vote for nobody."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from campaigns import consent
from campaigns.links import unsubscribe_url
from campaigns.models import FeedbackCount, MediaPreference, Medium, VoiceReceipt
from campaigns.preview import campaign_preview
from campaigns.tokens import make_vote_token
from tests.campaigns.voting import MAIL_SCANNER, PHONE_BROWSER, email_to, launch, use_twilio_settings, votes
from tests.factories import live_item, ready_campaign, subscribed_employees
from tests.helpers import TUESDAY_MORNING, path_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_hours")]

COUNTED = "Thanks, counted."
ALREADY = "Thanks, you&#x27;ve already told us about that one."
NOT_VALID = "This link is not valid"
BODY = "Hi {first_name},\n\nThis week:\n\n{links}\n"
# One placement in an email: its title, its tracked link, then its two "useful?" links.
PLACEMENT_BLOCK = re.compile(
    r"^(?P<title>[^\n]+)\n\S+/l/\S+\n"
    r"Useful: (?P<useful>\S+/f/[^/\s]+/)\nNot for me: (?P<not>\S+/f/[^/\s]+/)$",
    re.MULTILINE,
)


@pytest.fixture(autouse=True)
def public_address(settings):
    use_twilio_settings(settings)


@pytest.fixture
def placements():
    return [live_item(title=title).placements.get() for title in ("Giving feedback", "Running a retro")]


@pytest.fixture
def emailed(placements, internal_curator, django_capture_on_commit_callbacks):
    """Two employees emailed (asking "useful?") about two placements."""
    people = subscribed_employees(2)
    campaign = ready_campaign(placements=placements, media=MediaPreference.EMAIL, email_body=BODY)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)
    return campaign, people


def buttons(person) -> dict[tuple[str, str], str]:
    """The person's email's "useful?" links as {(title, label): path}."""
    found = {}
    for block in PLACEMENT_BLOCK.finditer(email_to(person.email).body):
        found[(block["title"], "Useful")] = path_of(block["useful"])
        found[(block["title"], "Not for me")] = path_of(block["not"])
    return found


def press(client, path: str, user_agent: str = PHONE_BROWSER):
    return client.post(path, HTTP_USER_AGENT=user_agent)


def test_an_asking_email_has_a_useful_and_a_not_for_me_link_under_each_placement(emailed):
    _, (sam, kim) = emailed

    assert set(buttons(sam)) == {
        ("Giving feedback", "Useful"),
        ("Giving feedback", "Not for me"),
        ("Running a retro", "Useful"),
        ("Running a retro", "Not for me"),
    }
    assert "\nUseful: https://learning.example.org/f/" in email_to(sam.email).body
    assert not set(buttons(sam).values()) & set(buttons(kim).values()), "each person's links are their own"


def test_an_email_that_does_not_ask_has_no_useful_links(
    placements, internal_curator, django_capture_on_commit_callbacks
):
    (sam,) = subscribed_employees(1)
    campaign = ready_campaign(placements=placements, media=MediaPreference.EMAIL, ask_useful=False)
    launch(campaign, internal_curator, django_capture_on_commit_callbacks)

    body = email_to(sam.email).body
    assert "/f/" not in body and "Useful" not in body
    assert "Giving feedback" in body and "/l/" in body


def test_a_scanner_following_every_link_counts_nothing(client, emailed):
    _, (sam, _) = emailed

    for (title, label), path in buttons(sam).items():
        for method, user_agent in (("get", MAIL_SCANNER), ("get", PHONE_BROWSER), ("head", MAIL_SCANNER)):
            response = getattr(client, method)(path, HTTP_USER_AGENT=user_agent)
            assert response.status_code == 200
            assert "no-store" in response["Cache-Control"]
        page = client.get(path).content.decode()
        assert f"Was “{title}” useful?" in page
        assert f'<button type="submit">Send “{label}”</button>' in page
        assert "Nothing is counted until you press the button." in page

    assert not FeedbackCount.objects.exists()
    assert not VoiceReceipt.objects.exists()


def test_pressing_a_button_counts_once_per_person_per_placement(client, emailed):
    _, (sam, kim) = emailed
    sams, kims = buttons(sam), buttons(kim)

    first = press(client, sams[("Giving feedback", "Useful")])
    again = press(client, sams[("Giving feedback", "Useful")])
    changed_mind = press(client, sams[("Giving feedback", "Not for me")])
    other_placement = press(client, sams[("Running a retro", "Not for me")])
    someone_else = press(client, kims[("Giving feedback", "Useful")])

    assert first.status_code == 200 and COUNTED in first.content.decode()
    assert ALREADY in again.content.decode()
    assert ALREADY in changed_mind.content.decode()
    assert COUNTED in other_placement.content.decode()
    assert COUNTED in someone_else.content.decode()
    assert "no-store" in first["Cache-Control"]
    assert votes(Medium.EMAIL) == {("Giving feedback", "Useful"): 2, ("Running a retro", "Not for me"): 1}
    assert votes(Medium.SMS) == {}


@pytest.mark.parametrize(
    "user_agent", [MAIL_SCANNER, "", "python-requests/2.32", "Mozilla/5.0 HeadlessChrome/120"]
)
def test_a_bot_pressing_a_button_is_counted_apart_and_leaves_the_persons_vote(client, emailed, user_agent):
    _, (sam, _) = emailed
    useful = buttons(sam)[("Giving feedback", "Useful")]

    press(client, useful, user_agent=user_agent)
    press(client, useful, user_agent=user_agent)
    assert votes(Medium.EMAIL) == {}
    assert votes(Medium.EMAIL, field="bot_votes") == {("Giving feedback", "Useful"): 2}

    assert COUNTED in press(client, useful).content.decode()
    assert votes(Medium.EMAIL) == {("Giving feedback", "Useful"): 1}


def tampered(path: str) -> list[str]:
    """The same link with one character of its value or its signature changed, cut short, or padded."""
    token = path.removeprefix("/f/").removesuffix("/")
    value, stamp, signature = token.rsplit(":", 2)
    flip = {"1": "2", "2": "1"}
    return [
        f"/f/{value[:-1]}{flip[value[-1]]}:{stamp}:{signature}/",  # the answer swapped
        f"/f/{value.replace('-', '-9', 1)}:{stamp}:{signature}/",  # another send of the campaign
        f"/f/{value}:{stamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}/",
        f"/f/{value}:{stamp}:{signature[:-4]}/",
        f"/f/{token}x/",
        "/f/nothing-here/",
    ]


def test_a_tampered_or_foreign_link_counts_nothing_and_says_so(client, emailed, placements):
    campaign, (sam, _) = emailed
    real = buttons(sam)[("Giving feedback", "Useful")]
    # Correctly signed for a page of another purpose, or with an answer buttons never carry.
    foreign = [
        path_of(unsubscribe_url(sam)).replace("/u/", "/f/"),
        "/f/"
        + make_vote_token(
            sam, campaign_id=campaign.pk, occurrence=1, placement_id=placements[0].pk, answer="3"
        )
        + "/",
    ]

    for path in [*tampered(real), *foreign]:
        for response in (client.get(path), press(client, path)):
            assert response.status_code == 404, path
            page = response.content.decode()
            assert NOT_VALID in page and "Nothing has been counted." in page

    assert not FeedbackCount.objects.exists()
    assert not VoiceReceipt.objects.exists()


def test_a_link_past_its_window_counts_nothing(client, emailed):
    _, (sam, _) = emailed
    useful = buttons(sam)[("Giving feedback", "Useful")]

    with time_machine.travel(TUESDAY_MORNING + timedelta(days=7, minutes=1), tick=False):
        response = press(client, useful)

    assert response.status_code == 404 and NOT_VALID in response.content.decode()
    assert not FeedbackCount.objects.exists()


def test_a_link_of_an_employee_who_has_erased_themselves_counts_nothing(client, emailed):
    _, (sam, _) = emailed
    useful = buttons(sam)[("Giving feedback", "Useful")]
    consent.erase_subscriber(subscriber=sam)

    assert press(client, useful).status_code == 404
    assert not FeedbackCount.objects.exists()
    assert len(mail.outbox) == 2


def test_the_email_preview_shows_the_useful_links_without_making_real_ones(placements):
    subscribed_employees(1)
    campaign = ready_campaign(placements=placements, media=MediaPreference.EMAIL, email_body=BODY)

    (preview,) = campaign_preview(campaign).media

    blocks = list(PLACEMENT_BLOCK.finditer(preview.body))
    assert [block["title"] for block in blocks] == ["Giving feedback", "Running a retro"]
    for block in blocks:
        for url in (block["useful"], block["not"]):
            assert re.fullmatch(r"https://learning\.example\.org/f/x+/", url)
