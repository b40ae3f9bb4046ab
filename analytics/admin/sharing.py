"""Shared review links and the weekly digest: an internal curator's, never the agency's (the
addresses are stakeholders' contact data, and a link opens the review to someone outside the team).

A link is made through analytics.sharing.create_share, which returns its token once: the admin
shows the full link in a message to its creator and never again (only a digest is stored).
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from analytics import sharing
from analytics.clock import today
from analytics.digest import MAX_ADDRESS_LENGTH
from analytics.models import ReviewDigest, ReviewDigestSent, ReviewSection, ReviewShare
from curation.admin_policy import PolicyAdmin
from curation.roles import permits


class ShareForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        choices=ReviewSection.choices, widget=forms.CheckboxSelectMultiple, initial=ReviewSection.values
    )
    expires_on = forms.DateField(
        widget=AdminDateWidget,
        help_text=f"The link works through this day, {sharing.MAX_SHARE_DAYS} days from today at most.",
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Optional. Tell it to the stakeholders another way than the link.",
    )

    class Meta:
        model = ReviewShare
        fields = ["label"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = today() + timedelta(days=sharing.DEFAULT_SHARE_DAYS)

    def clean_sections(self) -> list[str]:
        return sharing.check_sections(self.cleaned_data["sections"])

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        sharing.check_expiry(expires_on)
        return expires_on


@admin.register(ReviewShare)
class ReviewShareAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "label",
        "sections_shown",
        "state",
        "expires_at",
        "has_password",
        "openings",
        "last_opened_on",
        "created_by",
        "created_at",
    ]
    list_select_related = ["created_by"]
    actions = ["revoke"]
    readonly_fields = ["sections_shown", "state", "expires_at", "has_password", "openings", "last_opened_on"]

    def get_form(self, request: HttpRequest, obj: ReviewShare | None = None, **kwargs: object):
        if obj is None:
            kwargs["form"] = ShareForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ReviewShare | None = None) -> list[str]:
        if obj is None:
            return ["label", "sections", "expires_on", "password"]
        return ["label", *self.readonly_fields, "created_by", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ReviewShare | None = None) -> list[str]:
        if obj is None:
            return []
        return ["label", *self.readonly_fields, "created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: ReviewShare, form: forms.Form, change: bool) -> None:
        share, token = sharing.create_share(
            label=form.cleaned_data["label"],
            sections=form.cleaned_data["sections"],
            expires_on=form.cleaned_data["expires_on"],
            password=form.cleaned_data["password"],
            created_by=request.user,
        )
        obj.__dict__.update({k: v for k, v in share.__dict__.items() if k != "_state"})
        obj._state.adding = False
        self.message_user(
            request,
            f"The link to give “{share.label}”, shown this once (copy it now; only a fingerprint of it "
            f"is kept): {sharing.share_url(token)}",
            messages.WARNING,
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "revoke", ReviewShare)

    @admin.action(description="Revoke the selected links", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ReviewShare]) -> None:
        for share in queryset:
            sharing.revoke_share(share=share)
        self.message_user(request, f"Revoked {len(queryset)} link(s): they open nothing from now on.")

    @admin.display(description="Sections")
    def sections_shown(self, share: ReviewShare) -> str:
        return ", ".join(ReviewSection(name).label for name in share.sections)

    @admin.display(description="State")
    def state(self, share: ReviewShare) -> str:
        if share.revoked_at is not None:
            return f"Revoked {share.revoked_at:%Y-%m-%d %H:%M} UTC"
        return "Expired" if share.expires_at <= timezone.now() else "Open"

    @admin.display(description="Password", boolean=True)
    def has_password(self, share: ReviewShare) -> bool:
        return share.has_password


class DigestForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        choices=ReviewSection.choices, widget=forms.CheckboxSelectMultiple, initial=ReviewSection.values
    )

    class Meta:
        model = ReviewDigest
        fields = ["label", "addresses", "sections", "is_active"]

    def clean_sections(self) -> list[str]:
        return sharing.check_sections(self.cleaned_data["sections"])

    def clean_addresses(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["addresses"].splitlines() if line.strip()]
        problems = []
        for number, line in enumerate(lines, start=1):
            try:
                validate_email(line)
            except ValidationError:
                problems.append(f"Line {number}, “{line}”, is not an email address.")
                continue
            if len(line) > MAX_ADDRESS_LENGTH:
                problems.append(
                    f"Line {number} is too long for an email address ({len(line)} characters; "
                    f"a mailbox's address has {MAX_ADDRESS_LENGTH} at most)."
                )
        if problems:
            raise ValidationError(problems)
        if not lines:
            raise ValidationError("Give at least one email address, one a line.")
        # Each address once, in the order given; a second spelling in another case is the same one.
        return "\n".join(ReviewDigest(addresses="\n".join(lines)).address_list)


class SentInline(admin.TabularInline):
    model = ReviewDigestSent
    fields = ["week", "address", "sent_at", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-week", "address"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReviewDigest)
class ReviewDigestAdmin(PolicyAdmin, admin.ModelAdmin):
    form = DigestForm
    list_display = ["label", "sections_shown", "recipients", "is_active"]
    inlines = [SentInline]

    @admin.display(description="Sections")
    def sections_shown(self, digest: ReviewDigest) -> str:
        return ", ".join(ReviewSection(name).label for name in digest.sections)

    @admin.display(description="Addresses")
    def recipients(self, digest: ReviewDigest) -> int:
        return len(digest.address_list)
