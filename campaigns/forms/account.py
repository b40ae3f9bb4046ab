"""The employee's own page: what they may change about how we reach them."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from campaigns.forms.signup import MEDIA_CHOICES, time_zone_choices
from campaigns.models import MediaPreference, Medium, Subscriber
from curation.models import Topic

# WhatsApp is offered once someone has signed up: choosing it here is their opt-in to it.
ACCOUNT_MEDIA_CHOICES = [
    *MEDIA_CHOICES,
    (MediaPreference.WHATSAPP, _("WhatsApp only")),
    (MediaPreference.WHATSAPP_EMAIL, _("WhatsApp and emails")),
]


class PreferencesForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label=_("What would you like to learn about?"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_media = forms.ChoiceField(
        label=_("How would you like to hear from us?"),
        choices=ACCOUNT_MEDIA_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose texts, WhatsApp, emails or a pair of them.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        # Not posted (a page from before it was asked): the language stays as it is.
        required=False,
        help_text=_("Our pages, texts and emails reach you in this language."),
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=time_zone_choices,
        help_text=_("We only send during working hours in this time zone."),
        error_messages={"invalid_choice": _("Choose a time zone from the list, such as Europe/London.")},
    )

    def __init__(self, *args: object, subscriber: Subscriber | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber

    def clean_preferred_media(self) -> str:
        media = self.cleaned_data["preferred_media"]
        if self.subscriber and MediaPreference(media).includes(Medium.WHATSAPP) and not self.subscriber.phone:
            raise forms.ValidationError(_("WhatsApp needs your mobile number: sign up with it first."))
        return media

    @classmethod
    def initial_for(cls, subscriber: Subscriber) -> dict[str, object]:
        return {
            "topics": list(subscriber.topics.all()),
            "preferred_media": subscriber.preferred_media,
            "language": subscriber.language,
            "time_zone": subscriber.time_zone,
        }
