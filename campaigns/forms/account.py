"""The employee's own page: what they may change about how we reach them."""

from __future__ import annotations

from django import forms

from campaigns.forms.signup import MEDIA_CHOICES, time_zone_choices
from campaigns.models import Subscriber
from curation.models import Topic


class PreferencesForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label="What would you like to learn about?",
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_media = forms.ChoiceField(
        label="How would you like to hear from us?",
        choices=MEDIA_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose texts, emails or both."},
    )
    time_zone = forms.ChoiceField(
        label="Your time zone",
        choices=time_zone_choices,
        help_text="We only send during working hours in this time zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list, such as Europe/London."},
    )

    @classmethod
    def initial_for(cls, subscriber: Subscriber) -> dict[str, object]:
        return {
            "topics": list(subscriber.topics.all()),
            "preferred_media": subscriber.preferred_media,
            "time_zone": subscriber.time_zone,
        }
