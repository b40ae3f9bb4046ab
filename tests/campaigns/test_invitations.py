"""Invitations: one personal sign-up link, at most twice, never to someone who said no."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import consent
from campaigns.invitations import invite
from campaigns.models import ConsentState, Medium, SuppressionReason
from campaigns.sms.segments import count_segments
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_an_invitee_gets_one_text_and_one_email_with_their_personal_link(
    sms_outbox, smtp_server, settings, internal_curator
):
    settings.PUBLIC_BASE_URL = "https://learning.example.org"
    invitee = SubscriberFactory(phone="+447400123456", email="isla@acme-learning.example")

    invited = invite(subscriber=invitee, by=internal_curator)

    assert invited.media == (Medium.SMS, Medium.EMAIL)
    (text,) = sms_outbox
    assert text.to == "+447400123456"
    assert "https://learning.example.org/join/invited/" in text.body
    (email,) = smtp_server.received
    assert email.envelope_to == ["isla@acme-learning.example"]
    assert "https://learning.example.org/join/invited/" in email.message.get_content()
    assert email.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    invitee.refresh_from_db()
    assert invitee.invitations_sent == 1
    recorded = invitee.history.latest()
    assert (recorded.history_user, recorded.history_change_reason) == (
        internal_curator,
        "Invited by SMS and Email",
    )


def test_the_link_opens_the_prefilled_sign_up_page(client, sms_outbox, internal_curator):
    invite(
        subscriber=SubscriberFactory(phone="+447400123456", email="", department="Operations"),
        by=internal_curator,
    )

    link = sms_outbox[0].body.split("Join: ")[1]
    page = client.get("/" + link.split("/", 3)[3]).content.decode()

    assert 'value="Operations"' in page


def test_nobody_is_invited_a_third_time(sms_outbox, internal_curator):
    invitee = SubscriberFactory(email="")
    invite(subscriber=invitee, by=internal_curator)
    invite(subscriber=invitee, by=internal_curator)

    with pytest.raises(ValidationError) as error:
        invite(subscriber=invitee, by=internal_curator)

    assert error.value.messages == [
        f"Subscriber #{invitee.pk} has been invited twice already: we do not ask a third time."
    ]
    assert len(sms_outbox) == 2


@pytest.mark.parametrize(
    ("states", "reason"),
    [
        ({"sms": ConsentState.SUBSCRIBED}, "has already signed up."),
        ({"sms": ConsentState.OPTED_OUT}, "has opted out: we never invite someone who said no."),
        ({"email_consent": ConsentState.OPTED_OUT}, "has opted out: we never invite someone who said no."),
        ({"sms": ConsentState.PENDING}, "has started signing up: their confirmation is on its way."),
    ],
)
def test_subscribers_and_people_who_said_no_are_not_invited(
    sms_outbox, smtp_server, states, reason, internal_curator
):
    refused = SubscriberFactory(**states)

    with pytest.raises(ValidationError) as error:
        invite(subscriber=refused, by=internal_curator)

    assert error.value.messages == [f"Subscriber #{refused.pk} {reason}"]
    assert sms_outbox == [] and smtp_server.received == []
    refused.refresh_from_db()
    assert refused.invitations_sent == 0


def test_a_suppressed_number_is_not_invited(sms_outbox, internal_curator):
    invitee = SubscriberFactory(email="")
    consent.suppress(medium=Medium.SMS, address=invitee.phone, reason=SuppressionReason.UNREACHABLE)

    with pytest.raises(ValidationError) as error:
        invite(subscriber=invitee, by=internal_curator)

    assert error.value.messages == [
        f"Subscriber #{invitee.pk} cannot be invited: their number and email are on the suppression "
        "list, or missing for the media they prefer."
    ]
    assert sms_outbox == []


def test_only_the_media_they_prefer_and_hold_are_used(sms_outbox, smtp_server, internal_curator):
    emails_only = SubscriberFactory(
        phone="+447400123456", email="kai@acme-learning.example", preferred_media="email"
    )

    assert invite(subscriber=emails_only, by=internal_curator).media == (Medium.EMAIL,)
    assert sms_outbox == []
    assert [email.envelope_to for email in smtp_server.received] == [["kai@acme-learning.example"]]


def test_the_record_shows_the_invitation_text_and_what_it_costs_but_not_the_link(
    internal_client, agency_client, sms_outbox, internal_curator
):
    invitee = SubscriberFactory(email="")
    invite(subscriber=invitee, by=internal_curator)
    cost = count_segments(sms_outbox[0].body)

    for client in (internal_client, agency_client):
        page = client.get(reverse("admin:campaigns_subscriber_change", args=[invitee.pk])).content.decode()
        assert f"Join: [personal sign-up link] — {cost}" in page
        assert "/join/invited/" not in page
    assert (cost.encoding, cost.segments) == ("GSM-7", 2)


def test_the_admin_action_reports_sent_and_refused(internal_client, internal_curator, sms_outbox):
    fresh = SubscriberFactory(email="")
    subscribed = SubscriberFactory(email="", sms=ConsentState.SUBSCRIBED)

    response = internal_client.post(
        reverse("admin:campaigns_subscriber_changelist"),
        {"action": "send_invitation", "_selected_action": [fresh.pk, subscribed.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Sent 1 invitation." in page
    assert f"Subscriber #{subscribed.pk} has already signed up." in page
    assert "Not sent: 1, for the reasons given." in page
    assert len(sms_outbox) == 1
    assert fresh.history.latest().history_user == internal_curator


def test_the_agency_curator_cannot_send_invitations(agency_client, sms_outbox):
    invitee = SubscriberFactory(email="")

    agency_client.post(
        reverse("admin:campaigns_subscriber_changelist"),
        {"action": "send_invitation", "_selected_action": [invitee.pk]},
    )

    assert sms_outbox == []


def test_a_number_twilio_calls_invalid_is_suppressed_and_the_curator_told(twilio_fake, internal_curator):
    invitee = SubscriberFactory(phone="+447400123456", email="")
    twilio_fake.fail_for("+447400123456", status=400, code=21211, message="Invalid 'To' Phone Number")

    with pytest.raises(ValidationError) as refused:
        invite(subscriber=invitee, by=internal_curator)

    assert refused.value.messages == [
        f"Subscriber #{invitee.pk}: the invitation was not sent. "
        "The number is not a valid phone number (21211)."
    ]
    assert consent.is_suppressed(Medium.SMS, "+447400123456")
    invitee.refresh_from_db()
    assert invitee.invitations_sent == 0


def test_a_number_opted_out_at_twilio_is_suppressed(twilio_fake, internal_curator):
    invitee = SubscriberFactory(phone="+447400123456", email="")
    twilio_fake.fail_for(
        "+447400123456", status=400, code=21610, message="Attempt to send to unsubscribed recipient"
    )

    with pytest.raises(ValidationError, match="opted out of texts from us at Twilio"):
        invite(subscriber=invitee, by=internal_curator)

    assert consent.is_suppressed(Medium.SMS, "+447400123456")
