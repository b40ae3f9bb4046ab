"""The employee's own page: what they may change about how we reach them."""

from __future__ import annotations

from django import forms

from campaigns.forms.signup import MEDIA_CHOICES, time_zone_choices
from campaigns.models import MediaPreference, Medium, Subscriber
from curation.models import Topic

# WhatsApp is offered once someone has signed up: choosing it here is their opt-in to it.
ACCOUNT_MEDIA_CHOICES = [
    *MEDIA_CHOICES,
    (MediaPreference.WHATSAPP, "WhatsApp only"),
    (MediaPreference.WHATSAPP_EMAIL, "WhatsApp and emails"),
]


class PreferencesForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label="What would you like to learn about?",
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_media = forms.ChoiceField(
        label="How would you like to hear from us?",
        choices=ACCOUNT_MEDIA_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose texts, WhatsApp, emails or a pair of them."},
    )
    time_zone = forms.ChoiceField(
        label="Your time zone",
        choices=time_zone_choices,
        help_text="We only send during working hours in this time zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list, such as Europe/London."},
    )

    def __init__(self, *args: object, subscriber: Subscriber | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber

    def clean_preferred_media(self) -> str:
        media = self.cleaned_data["preferred_media"]
        if self.subscriber and MediaPreference(media).includes(Medium.WHATSAPP) and not self.subscriber.phone:
            raise forms.ValidationError("WhatsApp needs your mobile number: sign up with it first.")
        return media

    @classmethod
    def initial_for(cls, subscriber: Subscriber) -> dict[str, object]:
        return {
            "topics": list(subscriber.topics.all()),
            "preferred_media": subscriber.preferred_media,
            "time_zone": subscriber.time_zone,
        }
