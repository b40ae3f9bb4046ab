"""Signing up from a phone: the request, the six-digit code, the email link.

Double opt-in: the form only asks (a REQUESTED row); the code or the link confirms. Until then
nothing but the confirmation goes to the address. Whatever was typed, the person sees the same
page afterwards, so the form cannot be used to learn who is already known, subscribed or
suppressed.

The form never attaches an address to someone else's record: each address typed is matched on its
own, and only addresses nobody holds are created together. Otherwise whoever confirmed their own
email could open the /me/ page of the record holding a phone number they merely typed.

Nor does it change anyone's record: anyone can type an employee's number, so the name, topics and
other choices wait in the session (signup_sessions.py) and are applied only by the code or link.
The page itself does no query and no write that depends on who holds the address: it queues the
recording and sending (tasks.start_signup), so a known address is not answered faster or slower.
"""

from __future__ import annotations

import dataclasses
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
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from campaigns import consent, signup_sessions
from campaigns.delivery_errors import DeliveryError
from campaigns.emails import build_email, send_emails
from campaigns.hashing import address_hash
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
from campaigns.sms import send_sms
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
    language: str = settings.LANGUAGE_CODE

    def to_session(self) -> dict[str, object]:
        return {
            "preferred_media": self.preferred_media,
            "time_zone": self.time_zone,
            "topic_ids": list(self.topic_ids),
            "display_name": self.display_name,
            "department": self.department,
            "location": self.location,
            "language": self.language,
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
    """What the person's session remembers between the form and their confirmation.

    Only keyed hashes of the addresses: enough to match the email link and an erasure, and the
    session never holds a number or address in the clear.
    """

    code_reference: str  # the texted code's challenge; "" when none is pending
    phone_hash: str
    email_hash: str
    choices: SignupChoices
    emailed: bool
    expires_at: float  # POSIX time: the typed choices go when the code does

    @classmethod
    def begin(cls, details: SignupDetails) -> PendingSignup:
        return cls(
            code_reference=secrets.token_urlsafe(16) if details.wants_code else "",
            phone_hash=address_hash(Medium.SMS, details.phone) if details.wants_code else "",
            email_hash=address_hash(Medium.EMAIL, details.email) if details.wants_email else "",
            choices=details.choices,
            emailed=details.wants_email,
            expires_at=(timezone.now() + signup_sessions.PENDING_LIFETIME).timestamp(),
        )

    def to_session(self) -> dict[str, object]:
        return {
            "code_reference": self.code_reference,
            "phone_hash": self.phone_hash,
            "email_hash": self.email_hash,
            "choices": self.choices.to_session(),
            "emailed": self.emailed,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_session(cls, data: dict[str, object] | None) -> PendingSignup | None:
        """The pending sign-up, or None when there is none or it has expired."""
        if not data or data.get("expires_at", 0) <= timezone.now().timestamp():
            return None
        return cls(**{**data, "choices": SignupChoices.from_session(data["choices"])})

    def choices_for(self, subscriber: Subscriber) -> SignupChoices | None:
        """The choices, for the record holding the email this sign-up asked to confirm."""
        matches = self.email_hash and hmac.compare_digest(self.email_hash, subscriber.email_hash)
        return self.choices if matches else None


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


# Asking: the form, then the task.


@dataclass(frozen=True)
class SignupRequest:
    """What the task needs to record and send: the addresses and what to confirm, nothing typed.

    The request only builds this and queues it, so a known and an unknown address cost the
    request the same work and answer in the same time.
    """

    phone: str
    email: str
    wants_code: bool
    wants_email: bool
    preferred_media: str  # for a record created now; choices reach existing records only on proof
    code_reference: str
    replaces_reference: str = ""
    # The code and the link are written in the language asked on the form: the person reading
    # them is the one who asked. A known record's own language changes only once they prove it.
    language: str = settings.LANGUAGE_CODE

    @classmethod
    def for_pending(
        cls, details: SignupDetails, pending: PendingSignup, *, replaces: PendingSignup | None
    ) -> SignupRequest:
        return cls(
            phone=details.phone,
            email=details.email,
            wants_code=details.wants_code,
            wants_email=details.wants_email,
            preferred_media=details.choices.preferred_media,
            code_reference=pending.code_reference,
            # The same browser asking again gets a new code; the earlier one stops working.
            replaces_reference=replaces.code_reference if replaces else "",
            language=details.choices.language,
        )

    def as_task_kwargs(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def start_signup(*, request: SignupRequest) -> None:
    """Record the request and send the confirmations; the same outcome for known and unknown addresses."""
    try:
        recorded = _record_signup(request)
    except (IntegrityError, ValidationError):
        # Two taps on the button race to create the same new record; the second try finds it.
        recorded = _record_signup(request)
    # Sent after the commit: a slow or failing provider never leaves half a sign-up behind.
    with translation.override(request.language):
        if recorded.challenge is not None:
            _text_code(recorded.challenge.subscriber, recorded.code)
        if recorded.email_to is not None:
            _email_link(recorded.email_to)


@dataclass(frozen=True)
class _Recorded:
    challenge: PhoneChallenge | None = None
    code: str = ""
    email_to: Subscriber | None = None


@transaction.atomic
def _record_signup(request: SignupRequest) -> _Recorded:
    by_phone, by_email = _subscribers_for(request)
    challenge, code = None, ""
    if request.wants_code:
        _record_request(by_phone, Medium.SMS, request.language)
        challenge, code = _new_challenge(by_phone, request)
    if request.wants_email:
        _record_request(by_email, Medium.EMAIL, request.language)
    return _Recorded(challenge=challenge, code=code, email_to=by_email if request.wants_email else None)


def _subscribers_for(request: SignupRequest) -> tuple[Subscriber | None, Subscriber | None]:
    """The records holding the phone and the email, creating one for the addresses nobody holds.

    A known record is left as it is: what the form said is applied only once the code or link
    proves the address (a stranger can type anyone's number).
    """
    by_phone = find_subscriber(phone=request.phone) if request.phone else None
    by_email = find_subscriber(email=request.email) if request.email else None
    new_phone = request.phone if by_phone is None else ""
    new_email = request.email if by_email is None else ""
    if new_phone or new_email:
        created = create_subscriber(
            phone=new_phone,
            email=new_email,
            preferred_media=request.preferred_media,
            language=request.language,
        )
        by_phone = by_phone or (created if new_phone else None)
        by_email = by_email or (created if new_email else None)
    return by_phone, by_email


def _record_request(subscriber: Subscriber, medium: str, language: str) -> None:
    """A form never downgrades: a medium already subscribed gets no REQUESTED row over it.

    The evidence names the wording's version and, beside English, the language it was read in.
    """
    read_in = "" if language == settings.LANGUAGE_CODE else f" ({language})"
    if subscriber.state(medium) != ConsentState.SUBSCRIBED:
        consent.record_consent(
            subscriber=subscriber,
            medium=medium,
            action=ConsentAction.REQUESTED,
            source=ConsentSource.SIGNUP_PAGE,
            evidence=f"Sign-up form, consent text {CONSENT_TEXT_VERSION}{read_in}",
        )


def _code_hash(phone: str, code: str) -> str:
    """Keyed, and bound to the number: a code proves only the phone it was texted to."""
    message = f"signup-code:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _new_challenge(subscriber: Subscriber, request: SignupRequest) -> tuple[PhoneChallenge, str]:
    now = timezone.now()
    # A browser's newest code replaces its earlier one; another browser's codes are left alone, so
    # a stranger asking for codes cannot void the owner's. Guesses stay bounded: five per code,
    # and codes per number per hour by the limits in ratelimits.py.
    if request.replaces_reference:
        PhoneChallenge.objects.filter(
            reference=request.replaces_reference, confirmed_at=None, expires_at__gt=now
        ).update(expires_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge = PhoneChallenge.objects.create(
        subscriber=subscriber,
        reference=request.code_reference,
        code_hash=_code_hash(subscriber.phone, code),
        expires_at=now + CODE_LIFETIME,
    )
    return challenge, code


def _text_code(subscriber: Subscriber, code: str) -> None:
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    # Short on purpose: in French or Arabic the text is UCS-2, 70 characters a segment, not 160.
    body = gettext(
        "Your %(programme)s code is %(code)s. It expires in %(minutes)s minutes. "
        "If you did not ask for it, ignore this text."
    ) % {"programme": settings.PROGRAMME_NAME, "code": code, "minutes": minutes}
    try:
        send_sms(subscriber.phone, body)
    except DeliveryError as error:
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
    subject = gettext("Confirm your email for %(programme)s") % {"programme": settings.PROGRAMME_NAME}
    send_emails([build_email(subscriber=subscriber, subject=subject, text=text)])


# Confirming: the code and the link.


def confirm_code(*, code_reference: str, code: str, choices: SignupChoices) -> Subscriber:
    """Check a code (five tries, ten minutes) and subscribe its phone; raises CodeRejected saying why."""
    with transaction.atomic():
        # Locked, so parallel guesses cannot share one attempt.
        challenge = PhoneChallenge.objects.select_for_update().filter(reference=code_reference).first()
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
        return gettext("That code has expired. Start again to get a new one.")
    if challenge.confirmed_at is not None:
        return gettext("That code has already been used. Start again if you need a new one.")
    if challenge.attempts >= MAX_CODE_ATTEMPTS:
        return gettext("Too many wrong codes. Start again to get a new one.")
    challenge.attempts += 1
    challenge.save(update_fields=["attempts"])
    if hmac.compare_digest(challenge.code_hash, _code_hash(challenge.subscriber.phone, code)):
        return None
    left = MAX_CODE_ATTEMPTS - challenge.attempts
    if left == 0:
        return gettext("That code is not right, and that was the last try. Start again to get a new one.")
    return ngettext(
        "That code is not right. You have %(left)d more try.",
        "That code is not right. You have %(left)d more tries.",
        left,
    ) % {"left": left}


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
    subscriber.language = choices.language
    changed = ["preferred_media", "time_zone", "language"]
    for name in ("display_name", "department", "location"):
        if value := getattr(choices, name):
            setattr(subscriber, name, value)
            changed.append(name)
    subscriber.full_clean()
    subscriber.save(update_fields=changed)
    if choices.topic_ids:
        subscriber.topics.set(Topic.objects.filter(pk__in=choices.topic_ids))
