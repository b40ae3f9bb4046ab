"""The sign-up form and the code form: what an employee types on their phone, and the messages they see."""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns import signup
from campaigns.hashing import normalise_email
from campaigns.models import MediaPreference, Medium, Subscriber
from campaigns.phones import check_allowed_region, check_can_receive_texts, check_no_letters, normalise_phone
from curation.models import Topic

# Both first: it is the default, and what most people pick.
MEDIA_CHOICES = [
    (MediaPreference.BOTH, _("Texts and emails")),
    (MediaPreference.SMS, _("Texts only")),
    (MediaPreference.EMAIL, _("Emails only")),
]


class TopicsField(forms.ModelMultipleChoiceField):
    """Topic ids checked as numbers the database can hold before any query.

    SQLite cannot even bind an integer past 64 bits: a 40-digit id must be a form error, not a 500.
    """

    LARGEST_ID = 2**63 - 1

    def _check_values(self, value: list[object]) -> object:
        for pk in value:
            text = str(pk)
            if not (
                text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= self.LARGEST_ID
            ):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": text[:20]}
                )
        return super()._check_values(value)


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class SignupForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        help_text=_("We text you a six-digit code to check it is yours."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Work email"),
        required=False,
        max_length=254,
        help_text=_("We email you a link to check it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    preferred_media = forms.ChoiceField(
        label=_("How would you like to hear from us?"),
        choices=MEDIA_CHOICES,
        initial=MediaPreference.BOTH,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose texts, emails or both.")},
    )
    topics = TopicsField(
        label=_("What would you like to learn about?"),
        queryset=Topic.objects.all(),
        required=False,
        help_text=_("Choose any. We use them to pick what to send you."),
        widget=forms.CheckboxSelectMultiple,
    )
    # Issue 16: offered in the visitor's language (the view's initial), each named in its own. A
    # form posted without it (a page from before it was asked) keeps the language the page was in.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("Our pages, texts and emails reach you in this language."),
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=time_zone_choices,
        initial="Europe/London",
        help_text=_("We only message you during working hours there."),
        error_messages={"required": _("Choose your time zone.")},
    )
    display_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    department = forms.CharField(label=_("Department"), required=False, max_length=120)
    location = forms.CharField(
        label=_("Where you work"),
        required=False,
        max_length=120,
        help_text=_("The office or site, e.g. Leeds."),
    )
    invitation_code = forms.CharField(
        label=_("Invitation code"),
        required=False,
        max_length=64,
        help_text=_(
            "From the poster, intranet page or email that told you about us. "
            "Not needed with a work email address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: object, invited: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # An invitation link is itself the proof of being an employee.
        self.invited = invited
        if invited or not settings.SIGNUP_INVITATION_CODE:
            del self.fields["invitation_code"]
        if settings.SIGNUP_ALLOWED_EMAIL_DOMAINS and not invited:
            email = self.fields["email"]
            email.help_text = format_lazy(
                "{} {}",
                gettext("Your address ending %(endings)s.") % {"endings": _endings()},
                email.help_text,
            )

    @staticmethod
    def initial_for(invitee: Subscriber) -> dict[str, object]:
        """What the import knew, so an invitee only checks and adds."""
        return {
            "phone": invitee.phone,
            "email": invitee.email,
            "display_name": invitee.display_name,
            "department": invitee.department,
            "location": invitee.location,
            "time_zone": invitee.time_zone,
            "preferred_media": invitee.preferred_media,
            "topics": list(invitee.topics.values_list("pk", flat=True)),
        }

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        if not raw.strip():
            return ""
        # Refused here, before any text is paid for.
        check_no_letters(raw)
        phone = normalise_phone(raw)
        check_allowed_region(phone)
        check_can_receive_texts(phone)
        return phone

    def clean_language(self) -> str:
        return (
            self.cleaned_data["language"]
            or self.get_initial_for_field(self.fields["language"], "language")
            or settings.LANGUAGE_CODE
        )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        phone, email = cleaned.get("phone", ""), cleaned.get("email", "")
        media = cleaned.get("preferred_media")
        needed = [
            ("phone", Medium.SMS, phone, _("Enter your mobile number, or choose emails only.")),
            ("email", Medium.EMAIL, email, _("Enter your work email address, or choose texts only.")),
        ]
        for name, medium, value, message in needed:
            if media and MediaPreference(media).includes(medium) and not value and name not in self.errors:
                self.add_error(name, message)
        if not self.invited and "email" not in self.errors:
            self._check_eligible(email, cleaned.get("invitation_code", ""))
        return cleaned

    def _check_eligible(self, email: str, code: str) -> None:
        if signup.email_domain_allowed(email) or signup.invitation_code_matches(code):
            return
        asks_code = "invitation_code" in self.fields
        if code:
            self.add_error("invitation_code", _("That invitation code is not right. Check it and try again."))
        elif settings.SIGNUP_ALLOWED_EMAIL_DOMAINS and asks_code:
            self.add_error(
                "email" if email else "invitation_code",
                gettext("Use your work email address (ending %(endings)s), or enter your invitation code.")
                % {"endings": _endings()},
            )
        elif settings.SIGNUP_ALLOWED_EMAIL_DOMAINS:
            self.add_error(
                "email",
                gettext("Use your work email address (ending %(endings)s).") % {"endings": _endings()},
            )
        else:
            self.add_error("invitation_code", _("Enter your invitation code."))

    def details(self) -> signup.SignupDetails:
        data = self.cleaned_data
        return signup.SignupDetails(
            phone=data["phone"],
            email=data["email"],
            choices=signup.SignupChoices(
                preferred_media=data["preferred_media"],
                time_zone=data["time_zone"],
                topic_ids=tuple(topic.pk for topic in data["topics"]),
                display_name=data["display_name"].strip(),
                department=data["department"].strip(),
                location=data["location"].strip(),
                language=data["language"],
            ),
        )


def _endings() -> str:
    return gettext(" or ").join(f"@{domain}" for domain in settings.SIGNUP_ALLOWED_EMAIL_DOMAINS)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text"),
        error_messages={"required": _("Enter the six-digit code from the text.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Whatever is not six digits (NUL bytes included) gets the one message clean_code gives.
        self.fields["code"].validators = []

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != signup.CODE_DIGITS or not code.isascii() or not code.isdigit():
            raise ValidationError(_("Enter the six-digit code from the text."))
        return code
