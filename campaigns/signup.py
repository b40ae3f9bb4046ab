"""Signing up from a phone: the request, the six-digit code, the email link.

Double opt-in: the form only asks (a REQUESTED row); the code or the link confirms. Until then
nothing but the confirmation goes to the address. Whatever was typed, the person sees the same
page afterwards, so the form cannot be used to learn who is already known, subscribed or
suppressed.

The form never attaches an address to someone else's record: each address typed is matched on its
own, and only addresses nobody holds are created together. Otherwise whoever confirmed their own
email could open the /me/ page of the record holding a phone number they merely typed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from campaigns import consent
from campaigns.emails import build_email, send_emails
from campaigns.links import email_confirmation_url
from campaigns.models import (
    ConsentAction,
    ConsentSource,
    ConsentState,
    MediaPreference,
    Medium,
    PhoneChallenge,
    Subscriber,
)
from campaigns.services import create_subscriber, find_subscriber
from campaigns.sms import SmsError, send_sms
from campaigns.tokens import Purpose, email_fingerprint, subscriber_from_token
from curation.models import Topic

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5

# The ledger names the wording a person agreed to; a new wording gets a new version and a new
# template, and the old file stays so every row's evidence can still be read.
CONSENT_TEXT_VERSION = "2026-01"
CONSENT_TEXT_TEMPLATE = f"campaigns/signup/consent-{CONSENT_TEXT_VERSION}.html"


@dataclass(frozen=True)
class SignupChoices:
    """What the person asked for besides their addresses: applied once they prove an address."""

    preferred_media: str = MediaPreference.BOTH
    time_zone: str = "Europe/London"
    topic_ids: tuple[int, ...] = ()
    display_name: str = ""
    department: str = ""
    location: str = ""

    def to_session(self) -> dict[str, object]:
        return {
            "preferred_media": self.preferred_media,
            "time_zone": self.time_zone,
            "topic_ids": list(self.topic_ids),
            "display_name": self.display_name,
            "department": self.department,
            "location": self.location,
        }

    @classmethod
    def from_session(cls, data: dict[str, object]) -> SignupChoices:
        return cls(**{**data, "topic_ids": tuple(data["topic_ids"])})


@dataclass(frozen=True)
class SignupDetails:
    phone: str  # E.164, already checked against the allowed countries; "" for none
    email: str  # normalised; "" for none
    choices: SignupChoices = field(default_factory=SignupChoices)

    @property
    def wants_code(self) -> bool:
        """A code is texted, and counted against the rate limits, only for a phone sign-up."""
        return bool(self.phone) and MediaPreference(self.choices.preferred_media).includes(Medium.SMS)

    @property
    def wants_email(self) -> bool:
        return bool(self.email) and MediaPreference(self.choices.preferred_media).includes(Medium.EMAIL)


@dataclass(frozen=True)
class PendingSignup:
    """What the person's session remembers between the form and their confirmation."""

    challenge_id: int | None
    subscriber_ids: tuple[int, ...]
    choices: SignupChoices
    emailed: bool

    def to_session(self) -> dict[str, object]:
        return {
            "challenge_id": self.challenge_id,
            "subscriber_ids": list(self.subscriber_ids),
            "choices": self.choices.to_session(),
            "emailed": self.emailed,
        }

    @classmethod
    def from_session(cls, data: dict[str, object] | None) -> PendingSignup | None:
        if not data:
            return None
        return cls(
            challenge_id=data["challenge_id"],
            subscriber_ids=tuple(data["subscriber_ids"]),
            choices=SignupChoices.from_session(data["choices"]),
            emailed=data["emailed"],
        )

    def choices_for(self, subscriber: Subscriber) -> SignupChoices | None:
        return self.choices if subscriber.pk in self.subscriber_ids else None


class CodeRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Who may sign up ("only employees").


def is_open() -> bool:
    """With neither an email domain nor an invitation code configured, nobody can prove they belong."""
    return bool(settings.SIGNUP_ALLOWED_EMAIL_DOMAINS or settings.SIGNUP_INVITATION_CODE)


def email_domain_allowed(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domain) and domain in {d.strip().lower() for d in settings.SIGNUP_ALLOWED_EMAIL_DOMAINS}


def invitation_code_matches(code: str) -> bool:
    """Constant-time, so the code cannot be found a character at a time; case and spaces forgiven."""
    expected = settings.SIGNUP_INVITATION_CODE.strip().upper()
    given = code.strip().upper()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def invitee_for_link(token: str) -> Subscriber | None:
    found = subscriber_from_token(token, Purpose.INVITATION)
    return found[0] if found else None


# Asking: the form.


def start_signup(*, details: SignupDetails) -> PendingSignup:
    """Record the request and send the confirmations; the same outcome for known and unknown addresses."""
    try:
        recorded = _record_signup(details)
    except (IntegrityError, ValidationError):
        # Two taps on the button race to create the same new record; the second try finds it.
        recorded = _record_signup(details)
    # Sent after the commit: a slow or failing provider never leaves half a sign-up behind.
    if recorded.challenge is not None:
        _text_code(recorded.challenge.subscriber, recorded.code)
    if recorded.email_to is not None:
        _email_link(recorded.email_to)
    return PendingSignup(
        challenge_id=recorded.challenge.pk if recorded.challenge else None,
        subscriber_ids=recorded.subscriber_ids,
        choices=details.choices,
        emailed=recorded.email_to is not None,
    )


@dataclass(frozen=True)
class _Recorded:
    subscriber_ids: tuple[int, ...]
    challenge: PhoneChallenge | None = None
    code: str = ""
    email_to: Subscriber | None = None


@transaction.atomic
def _record_signup(details: SignupDetails) -> _Recorded:
    by_phone, by_email = _subscribers_for(details)
    challenge, code = None, ""
    if details.wants_code:
        _record_request(by_phone, Medium.SMS)
        challenge, code = _new_challenge(by_phone)
    if details.wants_email:
        _record_request(by_email, Medium.EMAIL)
    return _Recorded(
        subscriber_ids=tuple(sorted({s.pk for s in (by_phone, by_email) if s is not None})),
        challenge=challenge,
        code=code,
        email_to=by_email if details.wants_email else None,
    )


def _subscribers_for(details: SignupDetails) -> tuple[Subscriber | None, Subscriber | None]:
    """The records holding the phone and the email, creating one for the addresses nobody holds."""
    by_phone = find_subscriber(phone=details.phone) if details.phone else None
    by_email = find_subscriber(email=details.email) if details.email else None
    for known in {s.pk: s for s in (by_phone, by_email) if s is not None}.values():
        # Nothing is subscribed on this record yet, so an unproven form has nothing to overwrite.
        if known.is_invitee:
            _apply_choices(known, details.choices)
    new_phone = details.phone if by_phone is None else ""
    new_email = details.email if by_email is None else ""
    if new_phone or new_email:
        choices = details.choices
        created = create_subscriber(
            phone=new_phone,
            email=new_email,
            display_name=choices.display_name,
            department=choices.department,
            location=choices.location,
            time_zone=choices.time_zone,
            preferred_media=choices.preferred_media,
            topics=Topic.objects.filter(pk__in=choices.topic_ids),
        )
        by_phone = by_phone or (created if new_phone else None)
        by_email = by_email or (created if new_email else None)
    return by_phone, by_email


def _record_request(subscriber: Subscriber, medium: str) -> None:
    """A form never downgrades: a medium already subscribed gets no REQUESTED row over it."""
    if subscriber.state(medium) != ConsentState.SUBSCRIBED:
        consent.record_consent(
            subscriber=subscriber,
            medium=medium,
            action=ConsentAction.REQUESTED,
            source=ConsentSource.SIGNUP_PAGE,
            evidence=f"Sign-up form, consent text {CONSENT_TEXT_VERSION}",
        )


def _code_hash(phone: str, code: str) -> str:
    """Keyed, and bound to the number: a code proves only the phone it was texted to."""
    message = f"signup-code:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _new_challenge(subscriber: Subscriber) -> tuple[PhoneChallenge, str]:
    now = timezone.now()
    # Only the newest code works, so several requests never add up to more than five guesses.
    PhoneChallenge.objects.filter(subscriber=subscriber, confirmed_at=None, expires_at__gt=now).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge = PhoneChallenge.objects.create(
        subscriber=subscriber, code_hash=_code_hash(subscriber.phone, code), expires_at=now + CODE_LIFETIME
    )
    return challenge, code


def _text_code(subscriber: Subscriber, code: str) -> None:
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    body = (
        f"Your {settings.PROGRAMME_NAME} code is {code}. It expires in {minutes} minutes. "
        "If you did not ask for it, ignore this text."
    )
    try:
        send_sms(subscriber.phone, body)
    except SmsError as error:
        consent.note_provider_refusal(medium=Medium.SMS, address=subscriber.phone, error=error)
        # The page must look the same for a number the provider refuses (one that texted STOP to
        # our sender, say); the person just gets no text, and the confirm page says what to try.
        # Provider messages can quote the number, so only the outcome and code go to the log.
        logger.warning(
            "Sign-up code for subscriber #%s not sent: %s (code %s)",
            subscriber.pk,
            error.outcome.value,
            error.code,
        )


def _email_link(subscriber: Subscriber) -> None:
    # Nothing the person typed goes into this email: the form must not send strangers' words.
    text = render_to_string(
        "campaigns/signup/confirmation_email.txt",
        {"programme_name": settings.PROGRAMME_NAME, "link": email_confirmation_url(subscriber)},
    )
    subject = f"Confirm your email for {settings.PROGRAMME_NAME}"
    send_emails([build_email(subscriber=subscriber, subject=subject, text=text)])


# Confirming: the code and the link.


def confirm_code(*, challenge_id: int, code: str, choices: SignupChoices) -> Subscriber:
    """Check a code (five tries, ten minutes) and subscribe its phone; raises CodeRejected saying why."""
    with transaction.atomic():
        # Locked, so parallel guesses cannot share one attempt.
        challenge = PhoneChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        problem = _code_problem(challenge, code)
        if problem is None:
            challenge.confirmed_at = timezone.now()
            challenge.save(update_fields=["confirmed_at"])
            subscriber = challenge.subscriber
            _confirm(subscriber, Medium.SMS, ConsentSource.SIGNUP_PAGE, "Code texted to the number")
            _apply_choices(subscriber, choices)
    # Raised after the commit, so a wrong guess still uses up its attempt.
    if problem is not None:
        raise CodeRejected(problem)
    return subscriber


def _code_problem(challenge: PhoneChallenge | None, code: str) -> str | None:
    if challenge is None or challenge.expires_at <= timezone.now():
        return "That code has expired. Start again to get a new one."
    if challenge.confirmed_at is not None:
        return "That code has already been used. Start again if you need a new one."
    if challenge.attempts >= MAX_CODE_ATTEMPTS:
        return "Too many wrong codes. Start again to get a new one."
    challenge.attempts += 1
    challenge.save(update_fields=["attempts"])
    if hmac.compare_digest(challenge.code_hash, _code_hash(challenge.subscriber.phone, code)):
        return None
    left = MAX_CODE_ATTEMPTS - challenge.attempts
    if left == 0:
        return "That code is not right, and that was the last try. Start again to get a new one."
    return f"That code is not right. You have {left} more {'try' if left == 1 else 'tries'}."


def subscriber_for_email_link(token: str) -> Subscriber | None:
    """The subscriber a confirmation link is for, while it still holds the address it was sent to."""
    found = subscriber_from_token(token, Purpose.EMAIL_CONFIRMATION)
    if found is None:
        return None
    subscriber, payload = found
    sent_to = str(payload.get("e", ""))
    if not subscriber.email or not hmac.compare_digest(sent_to, email_fingerprint(subscriber.email_hash)):
        return None
    return subscriber


@transaction.atomic
def confirm_email(*, subscriber: Subscriber, choices: SignupChoices | None) -> Subscriber:
    """Subscribe the email a link was sent to; repeating it changes nothing."""
    _confirm(subscriber, Medium.EMAIL, ConsentSource.EMAIL_LINK, "Link emailed to the address")
    if choices is not None:
        _apply_choices(subscriber, choices)
    return subscriber


def _confirm(subscriber: Subscriber, medium: str, source: str, proof: str) -> None:
    # Re-confirming a suppressed address is the person's own proven act, so it lifts the suppression.
    if subscriber.state(medium) != ConsentState.SUBSCRIBED or consent.is_suppressed(
        medium, subscriber.address(medium)
    ):
        consent.record_consent(
            subscriber=subscriber,
            medium=medium,
            action=ConsentAction.CONFIRMED,
            source=source,
            evidence=f"{proof}, consent text {CONSENT_TEXT_VERSION}",
        )


def _apply_choices(subscriber: Subscriber, choices: SignupChoices) -> None:
    """The form adds and changes, never blanks: an empty optional field keeps what the import knew."""
    subscriber.preferred_media = choices.preferred_media
    subscriber.time_zone = choices.time_zone
    changed = ["preferred_media", "time_zone"]
    for name in ("display_name", "department", "location"):
        if value := getattr(choices, name):
            setattr(subscriber, name, value)
            changed.append(name)
    subscriber.full_clean()
    subscriber.save(update_fields=changed)
    if choices.topic_ids:
        subscriber.topics.set(Topic.objects.filter(pk__in=choices.topic_ids))
