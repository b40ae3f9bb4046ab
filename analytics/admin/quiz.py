"""Quiz results for curators: counts per stage and per answer, read-only, through the privacy rule.

The changelist is the aggregate: there is no list of single responses to open, so the product's
rule (no breakdown under five) cannot be stepped round one row at a time.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse

from analytics import privacy, quiz
from analytics.models import QuizResponse
from curation.admin_policy import PolicyAdmin


@admin.register(QuizResponse)
class QuizResponseAdmin(PolicyAdmin, admin.ModelAdmin):
    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Learner power quiz results",
            "results": quiz.quiz_results(),
            "privacy_method": privacy.METHOD,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "quiz/admin_results.html", context)
