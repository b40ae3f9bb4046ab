from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import SignInAttempt
from curation.roles import is_internal_curator


@admin.register(SignInAttempt)
class SignInAttemptAdmin(admin.ModelAdmin):
    """The security team's read-only log; internal curators only (it names the agency's account)."""

    list_display = ["occurred_at", "outcome", "login", "user", "method", "address_hash", "detail"]
    list_filter = ["outcome", "method"]
    search_fields = ["login", "address_hash"]
    list_select_related = ["user"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_internal_curator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: SignInAttempt | None = None) -> bool:
        return is_internal_curator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SignInAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SignInAttempt | None = None) -> bool:
        return False
