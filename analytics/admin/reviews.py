"""Review meetings in the admin: the agenda, the decisions, applying them, and the briefs they open.

The models are curation's; their admin is registered here because applying a decision drafts
campaigns and the agenda comes from the dashboard, and curation imports neither.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.forms import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from analytics import reviews
from channels.admin_history import HistoryAdmin
from curation.admin_policy import PolicyAdmin
from curation.models import AgendaItem, ContentBrief, Decision, Placement, ReviewMeeting, day_in_words
from curation.roles import permits

SHORT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def figures_in_words(figures: dict) -> str:
    if not figures:
        return "—"
    shown = (f"{value:.3g}" if isinstance(value, float) else str(value) for value in figures.values())
    return " · ".join(
        f"{name.replace('_', ' ')}: {value}" for name, value in zip(figures, shown, strict=True)
    )


def applied_in_words(decision: Decision) -> str:
    who = f" by {decision.applied_by}" if decision.applied_by else ""
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
            applied = reviews.apply_decision(decision=decision, by=request.user)
        except ValidationError as refused:
            modeladmin.message_user(
                request, f"Not applied — {decision}: {' '.join(refused.messages)}", messages.ERROR
            )
        except PermissionDenied as refused:
            modeladmin.message_user(request, str(refused), messages.ERROR)
        else:
            modeladmin.message_user(request, applied.result, messages.SUCCESS)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    formfield_overrides = SHORT_TEXT
    fields = ["kind", "reason", "item", "topic", "placement", "figures_shown"]
    readonly_fields = ["figures_shown"]
    autocomplete_fields = ["item", "topic", "placement"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        # "meeting": each row is titled with its __str__, which names the meeting.
        related = ("meeting", "item", "topic", "placement__channel")
        return super().get_queryset(request).select_related(*related)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: object):
        if db_field.name == "placement":  # Its name reads its item and channel: one query, not three.
            kwargs["queryset"] = Placement.objects.select_related("item", "channel")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Figures")
    def figures_shown(self, row: AgendaItem) -> str:
        return figures_in_words(row.figures)


class DecisionForm(forms.ModelForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.is_applied:  # Done is done: the record shows what was applied.
            for field in self.fields.values():
                field.disabled = True


class DecisionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if form.instance.is_applied and self._should_delete_form(form):
                raise ValidationError(f"“{form.instance}” is applied: it stays in the record.")


class DecisionInline(admin.TabularInline):
    model = Decision
    form = DecisionForm
    formset = DecisionFormSet
    formfield_overrides = SHORT_TEXT
    fields = [
        "item",
        "action",
        "reason",
        "successor",
        "topic",
        "brief_format",
        "brief_stage",
        "brief_audience",
        "figures_shown",
        "applied",
    ]
    readonly_fields = ["figures_shown", "applied"]
    autocomplete_fields = ["item", "successor", "topic"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[Decision]:
        return super().get_queryset(request).select_related("item", "successor", "topic", "applied_by")

    @admin.display(description="Figures")
    def figures_shown(self, decision: Decision) -> str:
        return figures_in_words(decision.figures)

    @admin.display(description="Applied")
    def applied(self, decision: Decision) -> str:
        if decision.is_applied:
            return applied_in_words(decision)
        if decision.pk is None:
            return "—"
        # A button of the meeting's own form: the page is saved first, then the decision applied.
        return format_html(
            '<button type="submit" name="_apply_decision" value="{}" class="button">Save and apply</button>',
            decision.pk,
        )


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["__str__", "attendee_names", "agenda_length", "decisions_taken", "not_applied"]
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

    def get_inlines(self, request: HttpRequest, obj: ReviewMeeting | None) -> list:
        return [AgendaItemInline, DecisionInline] if obj else []  # The agenda is made on saving.

    def get_form(self, request: HttpRequest, obj: ReviewMeeting | None = None, **kwargs: object):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["held_on"].help_text = (
                "Saving makes the agenda: last meeting's decisions not applied yet, then the dashboard's "
                "suggestions for the last complete week before this day."
            )
        return form

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: object):
        if db_field.name == "attendees":  # Two curators: tick boxes, not a search.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {
            "held_on": timezone.localdate(),
            "attendees": [request.user.pk],
            **super().get_changeform_initial_data(request),
        }

    @admin.display(description="Attendees")
    def attendee_names(self, meeting: ReviewMeeting) -> str:
        return ", ".join(
            person.get_full_name() or person.get_username() for person in meeting.attendees.all()
        )

    @admin.display(description="Agenda", ordering="agenda_count")
    def agenda_length(self, meeting: ReviewMeeting) -> int:
        return meeting.agenda_count

    @admin.display(description="Decisions", ordering="decision_count")
    def decisions_taken(self, meeting: ReviewMeeting) -> int:
        return meeting.decision_count

    @admin.display(description="Not applied yet", ordering="open_count")
    def not_applied(self, meeting: ReviewMeeting) -> int:
        return meeting.open_count

    @admin.action(description="Apply the selected meetings' decisions", permissions=["change"])
    def apply_all(self, request: HttpRequest, queryset: QuerySet[ReviewMeeting]) -> None:
        apply_decisions(self, request, Decision.objects.filter(meeting__in=queryset, applied_at=None))

    # Saving.

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        meeting = form.instance
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row.delete()
        new = [row for row in rows if row.pk is None]
        if formset.model is AgendaItem:
            reviews.put_at_end(meeting=meeting, rows=new)
        else:
            for decision in new:
                decision.figures = reviews.figures_for(
                    meeting=meeting, item=decision.item, topic=decision.topic
                )
        for row in rows:
            row.save()
        formset.save_m2m()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            self.generate(request, form.instance)

    def generate(self, request: HttpRequest, meeting: ReviewMeeting) -> None:
        try:
            rows = reviews.generate_agenda(meeting=meeting)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
        else:
            week = reviews.week_reviewed(meeting.held_on)
            self.message_user(
                request,
                f"The agenda has {len(rows)} item{'s' if len(rows) != 1 else ''} (week of {week:%d %b}).",
            )

    # The change page: last meeting's actions on top, "Generate agenda", "Save and apply".

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ReviewMeeting | None = None,
    ) -> HttpResponse:
        previous = reviews.previous_meeting(obj or ReviewMeeting(held_on=timezone.localdate()))
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
                for decision in reviews.decisions_of(previous)
            ],
            can_apply=may_change,
            can_generate_agenda=may_change and not obj.agenda.exists(),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request: HttpRequest, obj: ReviewMeeting) -> HttpResponse:
        chosen = request.POST.get("_apply_decision", "")
        if "_apply_all" in request.POST:
            apply_decisions(self, request, obj.decisions.filter(applied_at=None))
        elif chosen.isascii() and chosen.isdigit():  # "²" is a digit to Python, and no id
            apply_decisions(self, request, Decision.objects.filter(pk=chosen))
        else:
            return super().response_change(request, obj)
        return HttpResponseRedirect(request.path)

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

    Read-only: decisions are taken and changed on their meeting's page.
    """

    list_display = ["meeting", "item", "action", "reason", "successor", "figures_shown", "applied"]
    list_filter = ["action", AppliedFilter, ("item", admin.RelatedOnlyFieldListFilter), "meeting"]
    list_select_related = ["meeting", "item", "successor", "topic", "applied_by"]
    search_fields = ["item__title", "topic__name", "reason"]
    ordering = ["-meeting__held_on", "-pk"]
    actions = ["apply"]

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
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 80})}}
    list_display = ["__str__", "topic", "format", "stage", "audience", "status", "asked_for_by", "created_at"]
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
        "created_at",
    ]
    readonly_fields = ["figures_shown", "asked_for_by", "created_at"]

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
