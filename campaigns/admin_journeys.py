"""Curators' admin for journeys: the steps in order, each step's message composed in the campaign admin.

Like campaigns, either curator composes a draft; only a launcher (campaigns.launch_campaign)
launches, pauses, resumes, ends or enrols people, through campaigns.journeys. A step added here gets
its message through journeys.create_step, so every step has a campaign of its own from the start.
Nothing on these pages names an employee: the enrol page and the report give counts only.
"""

from __future__ import annotations

import functools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from campaigns import journey_report, journeys, selectors
from campaigns.models import (
    CampaignStatus,
    Enrolment,
    EnrolmentStatus,
    Journey,
    JourneyStatus,
    JourneyStep,
    Segment,
)
from channels.admin_history import HistoryAdmin
from curation.admin_policy import PolicyAdmin
from curation.people import person_name
from curation.roles import permits

LETTERS = "ABCD"
STEP_FIELDS = [
    "position",
    "wait_days",
    "wait_from",
    "at_local_time",
    "question",
    "choices",
    "correct",
    "stop_on_answer",
]
LIVE_EDITING_HELP = (
    "You may change a live journey's steps: what you change applies to the steps people have not "
    "reached yet, and nobody is ever sent a step twice. Each step's message is composed on its own "
    "page (“Compose message”), with the preview and the cost of a text."
)

# Each button: the journeys service of the same name and the statuses it applies to.
JOURNEY_CONTROLS: dict[str, tuple[str, ...]] = {
    "launch": (JourneyStatus.DRAFT,),
    "pause": (JourneyStatus.LIVE,),
    "resume": (JourneyStatus.PAUSED,),
    "end": (JourneyStatus.LIVE, JourneyStatus.PAUSED),
    "enrol": (JourneyStatus.LIVE,),
}


class ChoicesWidget(forms.MultiWidget):
    """Four short text boxes, A to D, for what the model keeps as a JSON list."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__([forms.TextInput(attrs={"size": 18}) for _ in LETTERS], attrs)

    def decompress(self, value: object) -> list[str]:
        given = [str(choice) for choice in value] if isinstance(value, list) else []
        return (given + [""] * len(LETTERS))[: len(LETTERS)]

    def get_context(self, name: str, value: object, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        for letter, widget in zip(LETTERS, context["widget"]["subwidgets"], strict=True):
            widget["attrs"]["aria-label"] = f"Answer {letter}"
            widget["attrs"]["placeholder"] = letter
        return context


class ChoicesField(forms.MultiValueField):
    widget = ChoicesWidget

    def __init__(self, **kwargs: object) -> None:
        fields = [forms.CharField(required=False, max_length=160) for _ in LETTERS]
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, values: list[str]) -> list[str]:
        answers = [value.strip() for value in values or []]
        while answers and not answers[-1]:
            answers.pop()
        if "" in answers:
            raise ValidationError(
                "Fill the answers in order from A, without a gap: the letters are the replies."
            )
        return answers


class JourneyStepForm(forms.ModelForm):
    choices = ChoicesField(label="Answers", help_text="Two to four, lettered A to D.")
    correct = forms.ChoiceField(
        label="Right answer", required=False, choices=[("", "—"), *((letter, letter) for letter in LETTERS)]
    )
    position = forms.IntegerField(
        min_value=1, max_value=999, required=False, help_text="Empty: after the last step."
    )

    class Meta:
        model = JourneyStep
        fields = STEP_FIELDS

    def has_changed(self) -> bool:
        """A step added with every default (a message sent on joining) is still a step to make:
        rows appear only when the curator adds one (extra = 0), so none is added by accident."""
        return self.instance.pk is None or super().has_changed()

    def clean_position(self) -> int | None:
        position = self.cleaned_data.get("position")
        if position is None and self.instance.pk is not None:
            return self.instance.position  # a saved step keeps its place unless given another
        return position

    def clean(self) -> dict:
        cleaned = super().clean()
        question = (cleaned.get("question") or "").strip()
        answers = cleaned.get("choices") or []
        correct = cleaned.get("correct") or ""
        if question:
            if not 2 <= len(answers) <= len(LETTERS):
                self.add_error("choices", "Give the check two to four answers.")
            elif correct not in LETTERS[: len(answers)]:
                self.add_error("correct", "Say which of the answers given is right.")
        elif answers or correct or cleaned.get("stop_on_answer"):
            self.add_error("question", "Ask the question these answers belong to, or clear them.")
        return cleaned


class JourneyStepInline(admin.TabularInline):
    model = JourneyStep
    form = JourneyStepForm
    fields = [*STEP_FIELDS, "message_link"]
    readonly_fields = ["message_link"]
    extra = 0
    ordering = ["position"]
    verbose_name = "step"
    verbose_name_plural = "steps, in order"

    # A step is part of its journey: whoever may change the journey may change its steps.
    def has_view_permission(self, request: HttpRequest, obj: Journey | None = None) -> bool:
        return permits(request.user, "view", obj or Journey)

    def has_add_permission(self, request: HttpRequest, obj: Journey | None = None) -> bool:
        return permits(request.user, "change", obj) if obj else permits(request.user, "add", Journey)

    def has_change_permission(self, request: HttpRequest, obj: Journey | None = None) -> bool:
        return permits(request.user, "change", obj) if obj else permits(request.user, "add", Journey)

    def has_delete_permission(self, request: HttpRequest, obj: Journey | None = None) -> bool:
        """Only before launch: a step that has sent keeps its message, whose ledger says who got it."""
        return obj is not None and obj.status == JourneyStatus.DRAFT and permits(request.user, "change", obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[JourneyStep]:
        return super().get_queryset(request).select_related("message")

    @admin.display(description="Message")
    def message_link(self, step: JourneyStep) -> str:
        if step.pk is None:
            return "Made when the step is saved"
        url = reverse("admin:campaigns_campaign_change", args=[step.message_id])
        return format_html(
            '<a href="{}" class="compose-message">Compose message</a> ({})',
            url,
            step.message.get_status_display().lower(),
        )


def enrolment_count(status: str) -> Subquery:
    people = (
        Enrolment.objects.filter(journey=OuterRef("pk"), status=status)
        .order_by()
        .values("journey")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(people, output_field=IntegerField()), 0)


def step_count() -> Subquery:
    steps = (
        JourneyStep.objects.filter(journey=OuterRef("pk"))
        .order_by()
        .values("journey")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(steps, output_field=IntegerField()), 0)


class EnrolForm(forms.Form):
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.all(), help_text="Its members subscribed now enter the journey."
    )


@admin.register(Journey)
class JourneyAdmin(PolicyAdmin, HistoryAdmin):
    change_form_template = "admin/campaigns/journey/change_form.html"
    list_display = ["name", "status", "entry", "steps", "active_enrolments"]
    list_filter = ["status", "entry"]
    search_fields = ["name"]
    fields = ["name", "purpose", "entry", "entry_segment"]
    readonly_fields = ["status", "launched_by_name", "launched_at"]
    inlines = [JourneyStepInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Journey]:
        return (
            super()
            .get_queryset(request)
            .annotate(step_total=step_count(), active_total=enrolment_count(EnrolmentStatus.ACTIVE))
        )

    def get_fields(self, request: HttpRequest, obj: Journey | None = None) -> list[str]:
        return self.fields if obj is None else [*self.fields, *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Journey | None = None) -> list[str]:
        if obj is not None and obj.status != JourneyStatus.DRAFT:
            # People already entered by the old rule: the way in is fixed once it has run.
            return ["entry", "entry_segment", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description="Steps", ordering="step_total")
    def steps(self, journey: Journey) -> int:
        return journey.step_total

    # Not sortable: ordering by the true count would rank journeys whose published figures tie.
    @admin.display(description="On the journey now")
    def active_enrolments(self, journey: Journey) -> str:
        return str(journey_report.published(journey.active_total))

    @admin.display(description="Launched by")
    def launched_by_name(self, journey: Journey) -> str:
        return person_name(journey.launched_by) or "—"

    # Steps: a new one gets its own draft message from the service, never a bare row.
    def save_formset(self, request: HttpRequest, form: forms.Form, formset, change: bool) -> None:
        if formset.model is not JourneyStep:
            super().save_formset(request, form, formset, change)
            return
        steps = formset.save(commit=False)
        for step in formset.deleted_objects:
            step.message.delete()  # a draft's message goes with its step (the step cascades)
        for step in steps:
            if step.pk is None:
                fields = {name: getattr(step, name) for name in STEP_FIELDS if name != "position"}
                journeys.create_step(journey=form.instance, position=step.position, **fields)
            else:
                step.save()

    def delete_model(self, request: HttpRequest, obj: Journey) -> None:
        with transaction.atomic():
            for step in obj.steps.select_related("message"):
                step.message.delete()
            obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Journey]) -> None:
        for journey in queryset:
            self.delete_model(request, journey)

    # Buttons, the report and enrolling, on pages of their own under the change page.
    def get_urls(self) -> list:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        controls = [
            path(
                f"<path:object_id>/{action}/",
                view(functools.partial(self.control_view, action=action)),
                name=f"{prefix}_{action}",
            )
            for action in ("pause", "resume", "end")
        ]
        return [
            path("<path:object_id>/launch/", view(self.launch_view), name=f"{prefix}_launch"),
            path("<path:object_id>/enrol/", view(self.enrol_view), name=f"{prefix}_enrol"),
            *controls,
            path("<path:object_id>/report/", view(self.report_view), name=f"{prefix}_report"),
            path("<path:object_id>/report.csv", view(self.report_csv_view), name=f"{prefix}_report_csv"),
            *super().get_urls(),
        ]

    def viewable(self, request: HttpRequest, object_id: str) -> Journey:
        journey = self.get_object(request, object_id)
        if journey is None:
            raise Http404("No such journey.")
        if not self.has_view_or_change_permission(request, journey):
            raise PermissionDenied
        return journey

    def allowed(self, request: HttpRequest, object_id: str, action: str) -> Journey:
        journey = self.viewable(request, object_id)
        if not permits(request.user, action, journey):
            raise PermissionDenied
        return journey

    def page_context(self, request: HttpRequest, journey: Journey, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": journey,
            "title": title,
        }

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        journey = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if journey is not None and request.method == "GET":
            self.warn_of_draft_steps(request, journey)
        if journey is not None:
            context["controls"] = [
                action
                for action, statuses in JOURNEY_CONTROLS.items()
                if permits(request.user, action, journey) and journey.status in statuses
            ]
        return super().change_view(request, object_id, form_url, context)

    def warn_of_draft_steps(self, request: HttpRequest, journey: Journey) -> None:
        """A step added to a running journey starts as a draft message, which nobody is sent."""
        if journey.status not in (JourneyStatus.LIVE, JourneyStatus.PAUSED):
            return
        drafts = journey.steps.filter(message__status=CampaignStatus.DRAFT).values_list("position", flat=True)
        for position in drafts:
            self.message_user(
                request,
                f"Step {position}'s message is still a draft: nobody is sent it while it is one. "
                "Compose it, then pause and resume the journey to take it live.",
                messages.WARNING,
            )

    def render_change_form(self, request: HttpRequest, context: dict, *args: object, **kwargs: object):
        context["live_editing_help"] = LIVE_EDITING_HELP
        return super().render_change_form(request, context, *args, **kwargs)

    def launch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: what stops it, or what launching does, to confirm; POST (the button): launch."""
        if request.method == "POST":
            return self.control_view(request, object_id, action="launch")
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        journey = self.allowed(request, object_id, "launch")
        context = {
            **self.page_context(request, journey, f"Launch “{journey}”?"),
            "problems": journeys.problems(journey),
            "steps": journey.steps.select_related("message").order_by("position"),
            "is_draft": journey.status == JourneyStatus.DRAFT,
        }
        return TemplateResponse(request, "admin/campaigns/journey/launch_confirm.html", context)

    @method_decorator(require_POST)
    def control_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        journey = self.allowed(request, object_id, action)
        try:
            getattr(journeys, action)(journey=journey, by=request.user)
        except (PermissionDenied, ValidationError) as refused:
            problems = refused.messages if isinstance(refused, ValidationError) else [str(refused)]
            for problem in problems:
                self.message_user(request, problem, messages.ERROR)
        else:
            journey.refresh_from_db()
            self.message_user(request, f"“{journey}” is now {journey.get_status_display().lower()}.")
        return redirect("admin:campaigns_journey_change", journey.pk)

    def enrol_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Pick a segment, see how many it enrols, then confirm: two posts, the second says yes."""
        journey = self.allowed(request, object_id, "enrol")
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        form = EnrolForm(request.POST if request.method == "POST" else None)
        context = {**self.page_context(request, journey, f"Enrol a segment in “{journey}”"), "form": form}
        if not form.is_valid():
            return TemplateResponse(request, "admin/campaigns/journey/enrol.html", context)
        segment = form.cleaned_data["segment"]
        members = selectors.segment_members(segment)
        if "_confirm" not in request.POST:
            context.update(segment=segment, members=members.count())
            return TemplateResponse(request, "admin/campaigns/journey/enrol.html", context)
        if journey.status not in JOURNEY_CONTROLS["enrol"]:
            self.message_user(request, "Only a live journey takes people in.", messages.ERROR)
            return redirect("admin:campaigns_journey_change", journey.pk)
        try:
            enrolled = journeys.enrol(journey=journey, subscribers=members, by=request.user)
        except (PermissionDenied, ValidationError) as refused:
            problems = refused.messages if isinstance(refused, ValidationError) else [str(refused)]
            for problem in problems:
                self.message_user(request, problem, messages.ERROR)
        else:
            counted = f"{enrolled} " if isinstance(enrolled, int) else ""
            self.message_user(request, f"Enrolled {counted}members of “{segment}” in “{journey}”.")
        return redirect("admin:campaigns_journey_change", journey.pk)

    def report_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        journey = self.viewable(request, object_id)
        context = {
            **self.page_context(request, journey, f"Report: {journey}"),
            "report": journey_report.journey_report(journey),
            "left_definition": journey_report.LEFT_DEFINITION,
            "method": journey_report.privacy.METHOD,
        }
        return TemplateResponse(request, "admin/campaigns/journey/report.html", context)

    def report_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        journey = self.viewable(request, object_id)
        report = journey_report.journey_report(journey)
        response = HttpResponse(journey_report.report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="journey-{journey.pk}.csv"'
        return response
