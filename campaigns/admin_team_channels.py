"""Team channels in the admin: registered by an internal curator (the agency has no permission on
them), their secrets entered once and never shown again, and a "send test post" action.

The secret field is a password input that never renders a value: after saving, the pages show
only whether a secret is set. Leaving it empty keeps the stored one.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from campaigns.models import TeamChannel, TeamChannelKind, TeamPost
from campaigns.team_channels import secrets
from campaigns.team_channels import services as team_posting
from curation.admin_policy import PolicyAdmin

# A test post waits for the service's answer inside the request: a few channels at a time.
MOST_TESTS = 5


class TeamChannelForm(forms.ModelForm):
    new_secret = forms.CharField(
        label="Secret",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Teams: the workflow's address (“Post to a channel when a webhook request is received”). "
        "Slack: the app's Bot User OAuth Token (xoxb-…). Stored encrypted and never shown again; "
        "leave empty to keep the one stored.",
    )

    class Meta:
        model = TeamChannel
        fields = ["name", "kind", "slack_channel_id", "new_secret", "secret_env_var", "is_active"]

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, secret = cleaned.get("kind"), cleaned.get("new_secret", "")
        checks = [("new_secret", lambda: secret and kind and team_posting.check_secret(kind, secret))]
        if kind == TeamChannelKind.SLACK:
            checks.append(
                (
                    "slack_channel_id",
                    lambda: team_posting.check_slack_channel_id(cleaned.get("slack_channel_id", "")),
                )
            )
        if cleaned.get("secret_env_var"):
            checks.append(("secret_env_var", lambda: secrets.check_env_var_name(cleaned["secret_env_var"])))
        for field, check in checks:
            try:
                check()
            except ValidationError as error:
                self.add_error(field, error)
        stored = bool(self.instance.secret_encrypted)
        if kind and self.instance.pk and stored and kind != self.instance.kind and not secret:
            self.add_error("new_secret", "The kind changed: enter the secret for the new kind.")
        elif not (secret or stored or cleaned.get("secret_env_var")):
            self.add_error("new_secret", "Enter the secret, or name an environment variable holding it.")
        return cleaned


@admin.register(TeamChannel)
class TeamChannelAdmin(PolicyAdmin, admin.ModelAdmin):
    form = TeamChannelForm
    list_display = ["name", "kind", "secret_state", "is_active", "last_test_result", "last_tested_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["secret_state", "last_test_result", "last_tested_at"]
    actions = ["send_test_post"]

    def get_fields(self, request: HttpRequest, obj: TeamChannel | None = None) -> list[str]:
        fields = [
            "name",
            "kind",
            "slack_channel_id",
            "secret_state",
            "new_secret",
            "secret_env_var",
            "is_active",
        ]
        return fields if obj is None else [*fields, "last_test_result", "last_tested_at"]

    @admin.display(description="Secret")
    def secret_state(self, channel: TeamChannel) -> str:
        if channel.secret_env_var:
            return f"From the environment variable {channel.secret_env_var}"
        return "Set (stored encrypted)" if channel.secret_encrypted else "Not set"

    def save_model(self, request: HttpRequest, obj: TeamChannel, form: TeamChannelForm, change: bool) -> None:
        team_posting.save_channel(channel=obj, new_secret=form.cleaned_data.get("new_secret", ""))

    @admin.action(description="Send a test post to the selected channels", permissions=["change"])
    def send_test_post(self, request: HttpRequest, queryset: QuerySet[TeamChannel]) -> None:
        channels = list(queryset.order_by("name")[: MOST_TESTS + 1])
        if len(channels) > MOST_TESTS:
            self.message_user(
                request, f"Choose at most {MOST_TESTS} channels to test at once.", messages.ERROR
            )
            return
        for channel in channels:
            result = team_posting.send_test_post(channel=channel)
            self.message_user(request, result.message, messages.SUCCESS if result.ok else messages.ERROR)


@admin.register(TeamPost)
class TeamPostAdmin(PolicyAdmin, admin.ModelAdmin):
    """The post ledger, read-only: what went to which channel, and why a post failed."""

    list_display = ["campaign", "channel", "occurrence", "status", "posted_at", "error"]
    list_filter = ["status", "channel"]
    list_select_related = ["campaign", "channel"]
    search_fields = ["campaign__name"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TeamPost | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TeamPost | None = None) -> bool:
        return False
