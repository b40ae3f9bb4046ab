"""The curators' inbox: candidates the sources brought in, worked one at a time by keyboard.

The list of candidates is the admin's changelist (new ones unless another status is chosen); the
inbox page shows the new ones with one in focus and its three calls as plain POST forms, so it
works without JavaScript; static/js/inbox.js adds the keys. The writes are curation.inbox.decisions'.
Candidates come only from sources: nobody adds or edits one here, and none is deleted, so a
dismissed address never comes back.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from channels.models import Channel
from curation.admin_policy import PolicyAdmin
from curation.inbox import decisions, selectors
from curation.models import (
    Candidate,
    CandidateSource,
    CandidateStatus,
    ContentBrief,
    ContentItem,
    Format,
    Sensitivity,
    Stage,
    Topic,
)
from curation.people import PersonListFilter, person_name
from curation.roles import permits

# The inbox lists this many at once; deciding brings the next up, so more would only scroll.
INBOX_LENGTH = 100
# One click (or Tab, Enter) each: the reasons curators give most.
QUICK_REASONS = [
    "Off topic for our programme",
    "Already covered in the catalogue",
    "Poor quality or out of date",
    "Behind a paywall or sign-in",
]
NO_TOPIC = "none"


class AcceptForm(forms.Form):
    title = forms.CharField(max_length=ContentItem._meta.get_field("title").max_length)
    topic = forms.ModelChoiceField(Topic.objects.all(), required=False, empty_label="No topic")
    format = forms.ChoiceField(choices=[("", "Choose…"), *Format.choices], required=False)
    stage = forms.ChoiceField(
        label="Learner power stage", choices=[("", "Choose…"), *Stage.choices], required=False
    )
    sensitivity = forms.ChoiceField(choices=Sensitivity.choices, initial=Sensitivity.PUBLIC)
    channel = forms.ModelChoiceField(
        Channel.objects.order_by("name"),
        required=False,
        empty_label="The matching channel",
        help_text="Only needed when several channels take the address.",
    )


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="Reason")
    quick_reason = forms.ChoiceField(choices=[(reason, reason) for reason in QUICK_REASONS], required=False)

    def reason_given(self) -> str:
        return self.cleaned_data["quick_reason"] or self.cleaned_data["reason"]


class AttachForm(forms.Form):
    # Any brief: one closed since the page opened gets the service's plain refusal, not "invalid".
    brief = forms.ModelChoiceField(
        ContentBrief.objects.all(), error_messages={"required": "Choose the brief it fills."}
    )


class StatusFilter(admin.SimpleListFilter):
    """New candidates unless another status is chosen: the list is the inbox's."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*CandidateStatus.choices, (self.ALL, "All")]

    def chosen(self) -> str:
        return self.value() or CandidateStatus.NEW

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.chosen() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
        return queryset if self.chosen() == self.ALL else queryset.filter(status=self.chosen())


@admin.register(Candidate)
class CandidateAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["title", "source", "suggested_topic", "status", "found_at", "published_at", "decided"]
    list_filter = [StatusFilter, "source", "suggested_topic", ("decided_by", PersonListFilter)]
    list_select_related = ["source", "suggested_topic", "decided_by"]
    search_fields = ["title", "summary", "url"]
    date_hierarchy = "found_at"
    fields = [
        "title",
        "url",
        "source",
        "found_at",
        "published_at",
        "summary",
        "tags",
        "suggested_topic",
        "suggested_format",
        "suggested_stage",
        "suggestion_reasons",
        "status",
        "item",
        "brief",
        "dismiss_reason",
        "decided",
    ]
    readonly_fields = fields
    change_list_template = "admin/curation/candidate/change_list.html"

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return permits(request.user, "decide", self.model)

    @admin.display(description="Decided")
    def decided(self, candidate: Candidate) -> str:
        if candidate.decided_at is None:
            return "—"
        day = date_format(timezone.localtime(candidate.decided_at), "j M Y")
        return f"{person_name(candidate.decided_by) or 'Someone'}, {day}"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_decide": self.has_decide_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("inbox/", view(self.inbox_view), name="curation_candidate_inbox"),
            path("inbox/<int:candidate_id>/", view(self.decide_view), name="curation_candidate_decide"),
            *super().get_urls(),
        ]

    # --- The inbox page. ---

    def _filters(self, request: HttpRequest) -> dict[str, str]:
        """The inbox's own filters, kept through every move and decision."""
        return {name: request.GET[name] for name in ("topic", "source") if request.GET.get(name)}

    def _new(self, filters: dict[str, str]) -> QuerySet[Candidate]:
        topic = filters.get("topic")
        return selectors.new_candidates(
            topic_id=_number(topic),
            without_topic=topic == NO_TOPIC,
            source_id=_number(filters.get("source")),
        )

    def _inbox_url(self, filters: dict[str, str], focus: int | None = None) -> str:
        query = {**filters, **({"focus": focus} if focus else {})}
        return reverse("admin:curation_candidate_inbox") + (f"?{urlencode(query)}" if query else "")

    def inbox_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied("Only the curation team works the inbox.")
        filters = self._filters(request)
        focus = _number(request.GET.get("focus", ""))
        return self._render(request, filters, focus)

    def _render(
        self,
        request: HttpRequest,
        filters: dict[str, str],
        focus: int | None,
        bound: dict[str, forms.Form] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        candidates = list(self._new(filters)[:INBOX_LENGTH])
        if bound and focus not in {each.pk for each in candidates}:
            # A refused call on a candidate outside the filter (or past the first hundred): its
            # errors are shown on it, so the corrected post goes to it and not to the list's first.
            candidates[:0] = selectors.new_candidates().filter(pk=focus)
        shown = next((each for each in candidates if each.pk == focus), candidates[0] if candidates else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Inbox",
            "candidates": candidates,
            "shown": shown,
            "filters": filters,
            "counts": selectors.new_candidate_counts(),
            "sources": CandidateSource.objects.order_by("name"),
            "no_topic": NO_TOPIC,
            "quick_reasons": QUICK_REASONS,
        }
        if shown is not None:
            at = candidates.index(shown)
            briefs = selectors.open_briefs_for(shown)
            bound = bound or {}
            context.update(
                previous_url=self._inbox_url(filters, candidates[at - 1].pk) if at > 0 else "",
                next_url=self._inbox_url(filters, candidates[at + 1].pk) if at + 1 < len(candidates) else "",
                decide_url=reverse("admin:curation_candidate_decide", args=[shown.pk])
                + (f"?{urlencode(filters)}" if filters else ""),
                accept_form=bound.get("accept") or AcceptForm(initial=_suggested(shown)),
                dismiss_form=bound.get("dismiss") or DismissForm(),
                attach_form=bound.get("attach")
                or AttachForm(initial={"brief": briefs[0].pk if briefs else None}),
                briefs=briefs,
                position=at + 1,
                suggested_format=dict(Format.choices).get(shown.suggested_format, ""),
                suggested_stage=dict(Stage.choices).get(shown.suggested_stage, ""),
            )
        return TemplateResponse(request, "admin/curation/candidate/inbox.html", context, status=status)

    @method_decorator(require_POST)
    def decide_view(self, request: HttpRequest, candidate_id: int) -> HttpResponse:
        """One call on one candidate, then the next candidate (or the same, showing what to correct)."""
        if not self.has_decide_permission(request):
            raise PermissionDenied("Only the curation team works the inbox.")
        candidate = get_object_or_404(Candidate.objects.select_related("source"), pk=candidate_id)
        filters = self._filters(request)
        order = list(self._new(filters).values_list("pk", flat=True)[:INBOX_LENGTH])
        decision = request.POST.get("decision", "")
        if decision not in DECISION_FORMS:
            messages.error(request, "Choose accept, dismiss or attach.")
            return HttpResponseRedirect(self._inbox_url(filters, candidate.pk))
        form = DECISION_FORMS[decision](request.POST)
        if form.is_valid():
            try:
                done = _apply(decision, candidate, form, request)
            except ValidationError as refused:
                _add_errors(form, refused)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(self._inbox_url(filters, _after(order, candidate.pk)))
        candidate.refresh_from_db(fields=["status", "decided_by"])
        if candidate.status != CandidateStatus.NEW:  # the other curator got there first
            messages.warning(request, decisions.already_decided(candidate))
            return HttpResponseRedirect(self._inbox_url(filters, _after(order, candidate.pk)))
        return self._render(request, filters, candidate.pk, bound={decision: form}, status=400)


DECISION_FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "dismiss": DismissForm,
    "attach": AttachForm,
}


def _add_errors(form: forms.Form, refused: ValidationError) -> None:
    """The service's refusal on the form: by field where the form has that field, else above it."""
    if not hasattr(refused, "error_dict"):
        form.add_error(None, refused)
        return
    for field, errors in refused.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _apply(decision: str, candidate: Candidate, form: forms.Form, request: HttpRequest) -> str:
    """Call the service the form names; what it did, in words (HTML-safe)."""
    data, by = form.cleaned_data, request.user
    if decision == "accept":
        item = decisions.accept_candidate(
            candidate,
            by=by,
            title=data["title"],
            format=data["format"],
            stage=data["stage"],
            topic=data["topic"],
            sensitivity=data["sensitivity"],
            channel=data["channel"],
        )
        placement = item.placements.select_related("channel").get()
        url = reverse("admin:curation_contentitem_change", args=[item.pk])
        return format_html(
            'Accepted “<a href="{}">{}</a>” as an idea on {}.', url, item.title, placement.channel.name
        )
    if decision == "dismiss":
        decisions.dismiss_candidate(candidate, by=by, reason=form.reason_given())
        return format_html("Dismissed “{}”: it will not come back.", candidate.title)
    decisions.attach_candidate(candidate, brief=data["brief"], by=by)
    url = reverse("admin:curation_contentbrief_change", args=[data["brief"].pk])
    return format_html('Attached “{}” to the brief <a href="{}">{}</a>.', candidate.title, url, data["brief"])


def _suggested(candidate: Candidate) -> dict:
    return {
        "title": candidate.title[: AcceptForm.base_fields["title"].max_length],
        "topic": candidate.suggested_topic_id,
        "format": candidate.suggested_format,
        "stage": candidate.suggested_stage,
        "sensitivity": Sensitivity.PUBLIC,
    }


def _after(order: list[int], decided: int) -> int | None:
    """The candidate to show once one is decided: the next in the list, else the one before."""
    if decided not in order:
        return order[0] if order else None
    at = order.index(decided)
    rest = order[at + 1 :] or order[:at][-1:]
    return rest[0] if rest else None


def _number(value: str | None) -> int | None:
    """An id from the address, or None: an odd value shows the whole inbox, never a 500."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None
