"""A campaign's message in more languages, edited on the campaign's own page (and so on a journey
step's message page: a step's message is a campaign).

The campaign's own fields are the default language's words and every other language's fallback.
A variant is part of its campaign: whoever may change the campaign may change its variants (the
agency on a draft, a launcher until it sends), and nobody once it sends (Campaign.is_editable).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from campaigns import compose
from campaigns.admin_journeys import ChoicesField
from campaigns.emails import ONE_LINE, SUBJECT_ON_ONE_LINE
from campaigns.models import Campaign, JourneyStep, MessageVariant
from curation.roles import permits

MESSAGE_FIELDS = ["sms_text", "email_subject", "email_body", "whatsapp_text"]
CHECK_FIELDS = ["question", "choices"]


def other_languages() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class MessageVariantForm(forms.ModelForm):
    language = forms.ChoiceField(choices=other_languages)
    choices = ChoicesField(
        label="Check's answers in this language", help_text="The step's answers, in the same order."
    )

    class Meta:
        model = MessageVariant
        fields = ["language", *MESSAGE_FIELDS, *CHECK_FIELDS]
        # Labels of their own: the campaign's fields above are "Text message", "Email subject"...
        labels = {
            "sms_text": "SMS text in this language",
            "email_subject": "Subject in this language",
            "email_body": "Email in this language",
            "question": "Check's question in this language",
            "whatsapp_text": "WhatsApp free text in this language",
        }
        widgets = {
            "sms_text": forms.Textarea(attrs={"rows": 3, "cols": 40}),
            "email_body": forms.Textarea(attrs={"rows": 5, "cols": 40}),
            "whatsapp_text": forms.Textarea(attrs={"rows": 3, "cols": 40}),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        name = compose.language_name(cleaned.get("language") or "")
        for field in MESSAGE_FIELDS:
            try:
                compose.check_placeholders(cleaned.get(field) or "")
            except ValidationError as error:
                self.add_error(field, error)
        if ONE_LINE.search(cleaned.get("email_subject") or ""):  # a crafted POST: a header of its own
            self.add_error("email_subject", SUBJECT_ON_ONE_LINE)
        subject = (cleaned.get("email_subject") or "").strip()
        body = (cleaned.get("email_body") or "").strip()
        if bool(subject) != bool(body):
            self.add_error(
                "email_subject" if body else "email_body",
                f"Write both the {name} email's subject and its body, or neither: "
                "with neither, these readers get the default email.",
            )
        question = (cleaned.get("question") or "").strip()
        if bool(question) != bool(cleaned.get("choices")):
            self.add_error("question", f"Give the {name} check its question and its answers, or neither.")
        if not self.errors and not any(
            (cleaned.get(field) or "").strip() for field in [*MESSAGE_FIELDS, "question"]
        ):
            self.add_error(None, f"Write the {name} text or email, or remove this language.")
        return cleaned


class MessageVariantFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """One message a language, said before Django's "Please correct the duplicate data".

        Checked against the saved rows too: Django leaves a UniqueConstraint on an inline's foreign
        key to the database, so a page opened before someone else saved a language (or the same
        form posted twice) would end in an IntegrityError instead of a message."""
        shown = [form.instance.pk for form in self.initial_forms if form.instance.pk]
        saved = (
            set(
                self.model.objects.filter(campaign=self.instance)
                .exclude(pk__in=shown)
                .values_list("language", flat=True)
            )
            if self.instance.pk
            else set()
        )
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            language = form.cleaned_data.get("language")
            if language in saved:
                raise ValidationError(
                    f"A {compose.language_name(language)} message was saved meanwhile: reload the page to "
                    "see it, then change that one."
                )
            if language in seen:
                raise ValidationError(f"Write the {compose.language_name(language)} message once.")
            seen.add(language)
        super().clean()


class MessageVariantInline(admin.StackedInline):
    model = MessageVariant
    form = MessageVariantForm
    formset = MessageVariantFormSet
    extra = 0
    max_num = len(settings.LANGUAGES) - 1
    verbose_name = "language"
    verbose_name_plural = "the message in other languages"
    classes = ["message-variants"]

    # Part of the campaign: its permissions, and its freeze once it sends.
    def has_view_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return permits(request.user, "view", obj or Campaign)

    def has_add_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return permits(request.user, "change", obj) if obj else permits(request.user, "add", Campaign)

    def has_change_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return permits(request.user, "change", obj) if obj else permits(request.user, "add", Campaign)

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        """A check's question and answers only on a journey step's message (on every step's, so a
        translation left behind by a check since removed can still be cleared)."""
        step = getattr(obj, "journey_step", None) if obj is not None and obj.pk else None
        return ["language", *MESSAGE_FIELDS, *(CHECK_FIELDS if isinstance(step, JourneyStep) else [])]

    def get_formset(self, request: HttpRequest, obj: Campaign | None = None, **kwargs: object):
        kwargs["fields"] = self.get_fields(request, obj)
        return super().get_formset(request, obj, **kwargs)
