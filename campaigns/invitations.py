"""Inviting imported employees: one personal sign-up link, at most twice, never after a no.

An import is not consent. The invitation is the only message an invitee gets; only those who then
opt in themselves receive campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from campaigns import consent
from campaigns.delivery_errors import DeliveryError
from campaigns.emails import build_email, send_emails
from campaigns.links import invitation_url
from campaigns.models import SELF_CONSENT_ONLY, ConsentState, MediaPreference, Medium, Subscriber
from campaigns.sms import send_sms

MAX_INVITATIONS = 2


def invitation_text(link: str) -> str:
    """In the active language: invite() renders it in the invitee's."""
    return gettext(
        "You're invited to %(programme)s: short learning tips by text and email. Join: %(link)s"
    ) % {
        "programme": settings.PROGRAMME_NAME,
        "link": link,
    }


@dataclass(frozen=True)
class Invited:
    media: tuple[str, ...]


def invitable_media(subscriber: Subscriber) -> list[str]:
    return [
        medium
        for medium in Medium
        if medium not in SELF_CONSENT_ONLY  # an invitation goes by text or email, never WhatsApp
        and subscriber.address(medium)
        and MediaPreference(subscriber.preferred_media).includes(medium)
        and subscriber.state(medium) == ConsentState.NONE
        and not consent.is_suppressed(medium, subscriber.address(medium))
    ]


def invite(*, subscriber: Subscriber, by: AbstractBaseUser) -> Invited:
    """Send one invitation by each medium the invitee may be reached on, or say why not.

    `by` is the curator who sent it: the subscriber's history records who invited them, and when.
    """
    try:
        return _invite(subscriber, by)
    except DeliveryError as refused:
        # Outside the rolled-back transaction: the provider's verdict on the number must stick.
        consent.note_provider_refusal(medium=Medium.SMS, address=subscriber.phone, error=refused)
        raise ValidationError(f"{subscriber}: the invitation was not sent. {refused.message}") from refused


@transaction.atomic
def _invite(subscriber: Subscriber, by: AbstractBaseUser) -> Invited:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if not subscriber.is_invitee:
        raise ValidationError(f"{subscriber} has already signed up.")
    if subscriber.invitations_sent >= MAX_INVITATIONS:
        raise ValidationError(f"{subscriber} has been invited twice already: we do not ask a third time.")
    if ConsentState.OPTED_OUT in (subscriber.sms_state, subscriber.email_state):
        raise ValidationError(f"{subscriber} has opted out: we never invite someone who said no.")
    if ConsentState.PENDING in (subscriber.sms_state, subscriber.email_state):
        raise ValidationError(f"{subscriber} has started signing up: their confirmation is on its way.")
    media = invitable_media(subscriber)
    if not media:
        raise ValidationError(
            f"{subscriber} cannot be invited: their number and email are on the suppression list, "
            "or missing for the media they prefer."
        )
    link = invitation_url(subscriber)
    # In the language the import gave them (English unless it said otherwise).
    with translation.override(subscriber.language):
        if Medium.SMS in media:
            send_sms(subscriber.phone, invitation_text(link))
        if Medium.EMAIL in media:
            send_emails(
                [
                    build_email(
                        subscriber=subscriber,
                        subject=gettext("You're invited to %(programme)s")
                        % {"programme": settings.PROGRAMME_NAME},
                        text=invitation_text(link)
                        + "\n\n"
                        + gettext("If you'd rather not, just ignore this email: we ask no more than twice."),
                    )
                ]
            )
    subscriber.invitations_sent += 1
    subscriber.last_invited_at = timezone.now()
    subscriber._history_user = by
    subscriber._change_reason = "Invited by " + " and ".join(Medium(medium).label for medium in media)
    subscriber.save(update_fields=["invitations_sent", "last_invited_at"])
    return Invited(media=tuple(media))
