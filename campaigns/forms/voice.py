"""The employees' voice on their own pages: why they leave, what they would like to learn."""

from __future__ import annotations

from django import forms

from campaigns.models import LeaveReason
from campaigns.wishes import WISH_MAX_LENGTH


class LeaveReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you leaving? (optional)",
        help_text="One tap helps us send better messages. We count the answers; we do not keep yours.",
        choices=LeaveReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )


class WishForm(forms.Form):
    text = forms.CharField(
        label="What would you like to learn?",
        help_text="Please don't include names or contact details.",
        max_length=WISH_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write what you would like to learn, or leave the box for another time.",
            "max_length": f"Keep it to {WISH_MAX_LENGTH} characters or fewer (you wrote %(show_value)d).",
        },
    )
