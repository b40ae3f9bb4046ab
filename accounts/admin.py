from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import SignInAttempt


@admin.register(SignInAttempt)
class SignInAttemptAdmin(admin.ModelAdmin):
    """The security team's read-only log: internal curators view it (their role's permission,
    curation.roles), nobody edits it."""

    list_display = ["occurred_at", "outcome", "login", "user", "method", "address_hash", "detail"]
    list_filter = ["outcome", "method"]
    search_fields = ["login", "address_hash"]
    list_select_related = ["user"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SignInAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SignInAttempt | None = None) -> bool:
        return False
