"""Review meetings, their decisions and the briefs they open: curation's record of the weekly review.

The meeting itself is run in the meeting room (a page of the app that runs meetings); a meeting's
admin page is its record, with the way into the room. Making the agenda and applying decisions
need the dashboard and campaigns, which curation does not import: they are asked of
curation.review_hooks.runner(), which that app installs.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from channels.admin_history import HistoryAdmin
from curation.admin_policy import PolicyAdmin
from curation.admin_wishes import wishes_for
from curation.meeting_records import decisions_of, previous_meeting
from curation.models import ContentBrief, Decision, ReviewMeeting, day_in_words
from curation.people import person_name
from curation.review_hooks import runner
from curation.roles import permits


def figures_in_words(figures: dict) -> str:
    if not figures:
        return "—"
    shown = (f"{value:.3g}" if isinstance(value, float) else str(value) for value in figures.values())
    return " · ".join(
        f"{name.replace('_', ' ')}: {value}" for name, value in zip(figures, shown, strict=True)
    )


def applied_in_words(decision: Decision) -> str:
    who = f" by {person_name(decision.applied_by)}" if decision.applied_by else ""
    return f"✓ {day_in_words(timezone.localdate(decision.applied_at))}{who}: {decision.result}"


def apply_decisions(
    modeladmin: admin.ModelAdmin, request: HttpRequest, decisions: QuerySet[Decision]
) -> None:
    """Apply each decision, saying what it did or, in the service's words, why it could not."""
    pending = [decision for decision in decisions if not decision.is_applied]
    if not pending:
        modeladmin.message_user(request, "Nothing to apply: those decisions are already applied.")
    for decision in pending:
        try:
            applied = runner().apply_decision(decision=decision, by=request.user)
        except ValidationError as refused:
            modeladmin.message_user(
                request, f"Not applied — {decision}: {' '.join(refused.messages)}", messages.ERROR
            )
        except PermissionDenied as refused:
            modeladmin.message_user(request, str(refused), messages.ERROR)
        else:
            modeladmin.message_user(request, applied.result, messages.SUCCESS)


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "attendee_names",
        "agenda_length",
        "decisions_taken",
        "not_applied",
        "minutes",
    ]
    date_hierarchy = "held_on"
    search_fields = ["notes", "agenda__reason", "decisions__reason"]
    fields = ["held_on", "attendees", "notes"]
    actions = ["apply_all"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewMeeting]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("attendees")
            .annotate(
                agenda_count=Count("agenda", distinct=True),
                decision_count=Count("decisions", distinct=True),
                open_count=Count("decisions", filter=Q(decisions__applied_at=None), distinct=True),
            )
        )

    def get_form(self, request: HttpRequest, obj: ReviewMeeting | None = None, **kwargs: object):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["held_on"].help_text = (
                "Saving makes the agenda: last meeting's open actions, then the dashboard's "
                "suggestions for the last complete week before this day."
            )
        return form

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: object):
        if db_field.name == "attendees":  # Two curators: tick boxes, not a search.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "attendees":
            field.label_from_instance = person_name  # curators are shown by their names
        return field

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {
            "held_on": timezone.localdate(),
            "attendees": [request.user.pk],
            **super().get_changeform_initial_data(request),
        }

    @admin.display(description="Attendees")
    def attendee_names(self, meeting: ReviewMeeting) -> str:
        return ", ".join(person_name(person) for person in meeting.attendees.all())

    @admin.display(description="Agenda", ordering="agenda_count")
    def agenda_length(self, meeting: ReviewMeeting) -> int:
        return meeting.agenda_count

    @admin.display(description="Decisions", ordering="decision_count")
    def decisions_taken(self, meeting: ReviewMeeting) -> int:
        return meeting.decision_count

    @admin.display(description="Not applied yet", ordering="open_count")
    def not_applied(self, meeting: ReviewMeeting) -> int:
        return meeting.open_count

    @admin.display(description="Minutes")
    def minutes(self, meeting: ReviewMeeting) -> str:
        return format_html('<a href="{}">Minutes</a>', runner().minutes_url(meeting))

    @admin.action(description="Apply the selected meetings' decisions", permissions=["change"])
    def apply_all(self, request: HttpRequest, queryset: QuerySet[ReviewMeeting]) -> None:
        apply_decisions(self, request, Decision.objects.filter(meeting__in=queryset, applied_at=None))

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            self.generate(request, form.instance)

    def generate(self, request: HttpRequest, meeting: ReviewMeeting) -> None:
        try:
            rows = runner().generate_agenda(meeting=meeting)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
        else:
            week = runner().week_reviewed(meeting.held_on)
            self.message_user(
                request,
                f"The agenda has {len(rows)} item{'s' if len(rows) != 1 else ''} (week of {week:%d %b}).",
            )

    def response_add(self, request: HttpRequest, obj: ReviewMeeting, post_url_continue: str | None = None):
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return redirect(runner().room_url(obj))  # A meeting is added to be held: into its room.

    # The change page is the meeting's record: last meeting's actions, the agenda, the decisions.

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ReviewMeeting | None = None,
    ) -> HttpResponse:
        previous = previous_meeting(obj or ReviewMeeting(held_on=timezone.localdate()))
        may_change = obj is not None and self.has_change_permission(request, obj)
        context.update(
            previous_meeting=previous,
            # (decision, its figures, what applying it did): the template only lays them out.
            last_actions=[
                (
                    decision,
                    figures_in_words(decision.figures),
                    applied_in_words(decision) if decision.is_applied else "",
                )
                for decision in decisions_of(previous)
            ],
            agenda=list(obj.agenda.select_related("item", "topic")) if obj else [],
            decisions=[
                (decision, applied_in_words(decision) if decision.is_applied else "")
                for decision in decisions_of(obj)
            ],
            room_url=runner().room_url(obj) if obj else "",
            minutes_url=runner().minutes_url(obj) if obj else "",
            can_generate_agenda=may_change and not obj.agenda.exists(),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_generate_agenda"
        view = self.admin_site.admin_view(self.generate_agenda_view)
        return [path("<path:object_id>/generate-agenda/", view, name=name), *super().get_urls()]

    @method_decorator(require_POST)
    def generate_agenda_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        meeting = self.get_object(request, unquote(object_id))
        if meeting is None:
            raise Http404("No such review meeting.")
        if not self.has_change_permission(request, meeting):
            raise PermissionDenied
        self.generate(request, meeting)
        return redirect("admin:curation_reviewmeeting_change", meeting.pk)


class AppliedFilter(admin.SimpleListFilter):
    title = "applied"
    parameter_name = "applied"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Applied"), ("no", "Not applied yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Decision]) -> QuerySet[Decision]:
        if self.value() == "yes":
            return queryset.exclude(applied_at=None)
        if self.value() == "no":
            return queryset.filter(applied_at=None)
        return queryset


@admin.register(Decision)
class DecisionAdmin(PolicyAdmin, HistoryAdmin):
    """Every decision, newest first: an item's history is this list filtered by the item.

    Read-only: decisions are taken in the meeting room.
    """

    list_display = ["meeting", "item", "action", "reason", "owner", "due_on", "applied"]
    list_filter = ["action", AppliedFilter, ("item", admin.RelatedOnlyFieldListFilter), "meeting"]
    list_select_related = ["meeting", "item", "successor", "topic", "applied_by", "owner"]
    search_fields = ["item__title", "topic__name", "reason"]
    ordering = ["-meeting__held_on", "-pk"]
    actions = ["apply"]
    readonly_fields = ["figures_shown"]

    def has_apply_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "apply", self.model)

    @admin.display(description="Figures")
    def figures_shown(self, decision: Decision) -> str:
        return figures_in_words(decision.figures)

    @admin.display(description="Applied", ordering="applied_at")
    def applied(self, decision: Decision) -> str:
        return applied_in_words(decision) if decision.is_applied else "Not applied yet"

    @admin.action(description="Apply the selected decisions", permissions=["apply"])
    def apply(self, request: HttpRequest, queryset: QuerySet[Decision]) -> None:
        apply_decisions(self, request, queryset)


@admin.register(ContentBrief)
class ContentBriefAdmin(PolicyAdmin, HistoryAdmin):
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 60})}}
    list_display = ["__str__", "topic", "stage", "audience", "status", "asked_for_by", "created_at"]
    list_editable = ["status"]
    list_filter = ["status", "format", "stage", "topic"]
    list_select_related = ["topic", "decision__meeting"]
    search_fields = ["why", "audience", "topic__name"]
    autocomplete_fields = ["topic"]
    fields = [
        "topic",
        "format",
        "stage",
        "audience",
        "why",
        "status",
        "figures_shown",
        "asked_for_by",
        "wishes_shown",
        "created_at",
    ]
    readonly_fields = ["figures_shown", "asked_for_by", "wishes_shown", "created_at"]

    @admin.display(description="Figures")
    def figures_shown(self, brief: ContentBrief) -> str:
        return figures_in_words(brief.figures)

    @admin.display(description="Asked for by")
    def asked_for_by(self, brief: ContentBrief) -> str:
        if brief.decision is None:
            return "—"
        meeting = brief.decision.meeting
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:curation_reviewmeeting_change", args=[meeting.pk]), meeting
        )

    @admin.display(description="Employees' wishes")
    def wishes_shown(self, brief: ContentBrief) -> str:
        return wishes_for(brief)
