from __future__ import annotations

from django.contrib import admin

from accounts.models import SignInAttempt
from curation.admin_policy import PolicyAdmin


@admin.register(SignInAttempt)
class SignInAttemptAdmin(PolicyAdmin, admin.ModelAdmin):
    """The security team's read-only log: internal curators view it, nobody edits it (curation.roles)."""

    list_display = ["occurred_at", "outcome", "login", "user", "method", "address_hash", "detail"]
    list_filter = ["outcome", "method"]
    search_fields = ["login", "address_hash"]
    list_select_related = ["user"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
