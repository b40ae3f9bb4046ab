"""Triage of employees' learning wishes: turn them into a content brief, or dismiss them.

Both curators triage: a wish carries no identity (campaigns scrubbed it before it was stored).
Wishes come only from employees, so nobody adds or edits one here; the writes are curation.wishes'.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from curation import wishes
from curation.admin_policy import PolicyAdmin
from curation.models import ContentBrief, Format, LearningWish, Stage, Topic
from curation.people import person_name
from curation.roles import permits


class BriefFromWishesForm(forms.Form):
    """The intermediate page of "Turn into a content brief": what a brief needs, the why prefilled."""

    topic = forms.ModelChoiceField(queryset=Topic.objects.all())
    format = forms.ChoiceField(choices=Format.choices)
    stage = forms.ChoiceField(label="Learner power stage", choices=Stage.choices)
    audience = forms.CharField(max_length=200, required=False, help_text="Who it is for.")
    why = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text="The evidence: the employees' own words, quoted.",
    )


@admin.register(LearningWish)
class LearningWishAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["text", "source", "received_on", "status", "brief_link"]
    list_filter = ["status", "source", "received_on"]
    list_select_related = ["brief__topic"]
    search_fields = ["text"]
    date_hierarchy = "received_on"
    fields = ["text", "source", "received_on", "status", "brief_link", "triaged_by_name", "triaged_at"]
    readonly_fields = fields
    actions = ["turn_into_brief", "dismiss"]

    def has_triage_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "triage", self.model)

    @admin.display(description="Brief")
    def brief_link(self, wish: LearningWish) -> str:
        if wish.brief is None:
            return "—"
        url = reverse("admin:curation_contentbrief_change", args=[wish.brief.pk])
        return format_html('<a href="{}">{}</a>', url, wish.brief)

    @admin.display(description="Triaged by")
    def triaged_by_name(self, wish: LearningWish) -> str:
        return person_name(wish.triaged_by) if wish.triaged_by else "—"

    @admin.action(description="Turn into a content brief…", permissions=["triage"])
    def turn_into_brief(
        self, request: HttpRequest, queryset: QuerySet[LearningWish]
    ) -> TemplateResponse | None:
        chosen = list(queryset)
        form = BriefFromWishesForm(
            request.POST if "apply" in request.POST else None, initial={"why": wishes.why_from(chosen)}
        )
        if form.is_valid():
            try:
                brief = wishes.brief_from_wishes(wishes=chosen, by=request.user, **form.cleaned_data)
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.WARNING)
            else:
                url = reverse("admin:curation_contentbrief_change", args=[brief.pk])
                self.message_user(
                    request,
                    format_html(
                        'Opened the brief <a href="{}">{}</a> from {} wish(es).', url, brief, len(chosen)
                    ),
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "wishes": chosen,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "title": "Turn wishes into a content brief",
        }
        return TemplateResponse(request, "admin/curation/learningwish/brief.html", context)

    @admin.action(description="Dismiss", permissions=["triage"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[LearningWish]) -> None:
        dismissed = wishes.dismiss_wishes(wishes=queryset, by=request.user)
        self.message_user(request, f"Dismissed {dismissed} wish{'es' if dismissed != 1 else ''}.")


def wishes_for(brief: ContentBrief) -> str:
    """The brief page's list of the employees' wishes that asked for it."""
    asked = brief.wishes.order_by("received_on", "pk")
    if not asked:
        return "—"
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            '<li><a href="{}">“{}”</a> ({})</li>',
            (
                (reverse("admin:curation_learningwish_change", args=[wish.pk]), wish.text, wish.received_on)
                for wish in asked
            ),
        ),
    )
