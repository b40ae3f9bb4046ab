from __future__ import annotations

from django import forms

from curation.models import ContentItem, Lifecycle


class RetireForm(forms.Form):
    """The intermediate page of the admin's retire action."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why it goes: the next review meeting reads this.",
    )
    successor = forms.ModelChoiceField(
        queryset=ContentItem.objects.filter(lifecycle=Lifecycle.LIVE),
        required=False,
        help_text="Optional: the live item that replaces it. Campaign links will point there.",
    )
