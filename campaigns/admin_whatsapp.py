"""WhatsApp templates in the admin: Twilio's, read-only here, refreshed on a curator's request.

The list shows each template's approval and price category as Twilio last said, and when it was
asked; "Refresh from Twilio" asks again (all of them, or those selected). A request never waits on
Twilio otherwise.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from campaigns.models import WhatsAppTemplate
from campaigns.whatsapp import templates
from curation.admin_policy import PolicyAdmin
from curation.roles import permits


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["name", "language", "category", "approval", "rejection_reason", "checked_at"]
    list_filter = ["approval", "category"]
    search_fields = ["name", "content_sid"]
    readonly_fields = [
        "content_sid",
        "name",
        "language",
        "body",
        "sample_variables",
        "category",
        "approval",
        "rejection_reason",
        "checked_at",
    ]
    actions = ["refresh_selected"]
    change_list_template = "admin/campaigns/whatsapptemplate/change_list.html"

    def get_urls(self) -> list:
        refresh = self.admin_site.admin_view(self.refresh_all_view)
        return [path("refresh/", refresh, name="campaigns_whatsapptemplate_refresh"), *super().get_urls()]

    @method_decorator(require_POST)
    def refresh_all_view(self, request: HttpRequest) -> HttpResponse:
        if not permits(request.user, "refresh", WhatsAppTemplate):
            raise PermissionDenied
        try:
            refreshed = templates.refresh_templates()
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Read {refreshed.added + refreshed.updated} template(s) from Twilio, {refreshed.added} new.",
            )
        return redirect(reverse("admin:campaigns_whatsapptemplate_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {"may_refresh": permits(request.user, "refresh", WhatsAppTemplate), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def has_refresh_selected_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "refresh", WhatsAppTemplate)

    @admin.action(description="Refresh the selected templates from Twilio", permissions=["refresh_selected"])
    def refresh_selected(self, request: HttpRequest, queryset: QuerySet[WhatsAppTemplate]) -> None:
        done, failed = 0, []
        for template in queryset:
            try:
                templates.refresh_template(template)
                done += 1
            except ValidationError as error:
                failed.extend(error.messages)
        if done:
            self.message_user(request, f"Refreshed {done} template(s) from Twilio.")
        for message in failed:
            self.message_user(request, message, messages.ERROR)
