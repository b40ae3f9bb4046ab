"""The employees' voice on their own pages: why they leave, what they would like to learn."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import LeaveReason
from campaigns.wishes import WISH_MAX_LENGTH

# The model's labels are the curators' English; employees read these, in their language.
LEAVE_REASON_CHOICES = [
    (LeaveReason.TOO_MANY, _("Too many messages")),
    (LeaveReason.NOT_RELEVANT, _("Not relevant to my job")),
    (LeaveReason.WRONG_TIME, _("Wrong time")),
    (LeaveReason.OTHER_APP, _("I prefer another app")),
    (LeaveReason.OTHER, _("Other")),
]


class LeaveReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you leaving? (optional)"),
        help_text=_("One tap helps us send better messages. We count the answers; we do not keep yours."),
        choices=LEAVE_REASON_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )


class WishForm(forms.Form):
    text = forms.CharField(
        label=_("What would you like to learn?"),
        help_text=_("Please don't include names or contact details."),
        max_length=WISH_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Write what you would like to learn, or leave the box for another time."),
            # Django fills in limit_value and show_value.
            "max_length": _("Keep it to %(limit_value)d characters or fewer (you wrote %(show_value)d)."),
        },
    )
