"""The meeting room: the weekly review meeting walked one card at a time, and its minutes.

Curators only, inside the admin's look. Each card has its own address, so the room works without
JavaScript (previous and next are links, decisions are a form); static/js/meeting.js adds the
keyboard. Deciding needs the right to change the meeting, applying the right to apply decisions,
starting one the right to add a meeting: the same answers curation.roles gives the admin.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from analytics import meeting as room
from analytics import minutes as record
from analytics import reviews
from analytics.clock import today
from analytics.views import curators_only
from curation.models import (
    ContentItem,
    Decision,
    DecisionAction,
    Format,
    IntendedEffect,
    ReviewMeeting,
    Stage,
    Topic,
)
from curation.people import PersonChoiceField
from curation.roles import permits

USUAL = "usual"  # "meant to": the action's usual aim (analytics.reviews.MEANT_TO)


def room_url(meeting: ReviewMeeting) -> str:
    return reverse("review:meeting", args=[meeting.pk])


def minutes_url(meeting: ReviewMeeting) -> str:
    return reverse("review:minutes", args=[meeting.pk])


class DecisionForm(forms.Form):
    """One card's decision: the action is the button pressed; the rest is prefilled."""

    action = forms.ChoiceField(choices=[(choice.action.value, choice.label) for choice in room.ROOM_ACTIONS])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    successor = forms.ModelChoiceField(
        ContentItem.objects.none(), required=False, empty_label="No successor", label="Successor"
    )
    brief_topic = forms.ModelChoiceField(Topic.objects.all(), required=False, label="Topic")
    brief_format = forms.ChoiceField(choices=Format.choices, required=False, label="Format")
    brief_stage = forms.ChoiceField(choices=Stage.choices, required=False, label="Stage")
    brief_audience = forms.CharField(required=False, max_length=200, label="For whom")
    intended_effect = forms.ChoiceField(
        choices=[(USUAL, "The action's usual aim"), *IntendedEffect.choices], label="Meant to"
    )
    owner = PersonChoiceField(room.curators(), required=False, label="Owner")
    due_on = forms.DateField(
        required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: object, card: room.Card, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = room.curators()
        same_topic, others = room.successor_choices(card.row.item)
        self.same_topic, self.others = same_topic, others
        self.fields["successor"].queryset = ContentItem.objects.filter(
            pk__in=[item.pk for item in same_topic + others]
        )
        self.fields["action"].choices = [(choice.action.value, choice.label) for choice in card.actions]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("action") == DecisionAction.BRIEF and not cleaned.get("brief_topic"):
            raise ValidationError("A brief needs its topic.")
        return cleaned

    def brief(self) -> reviews.BriefDetails | None:
        data = self.cleaned_data
        if data["action"] != DecisionAction.BRIEF:
            return None
        return reviews.BriefDetails(
            topic=data["brief_topic"],
            format=data["brief_format"] or Format.VIDEO,
            stage=data["brief_stage"] or Stage.EMBEDDED,
            audience=data["brief_audience"],
        )


def _initial(card: room.Card, meeting: ReviewMeeting, user: object) -> dict:
    """The form as the card opens: its decision if taken, else what the meeting usually decides."""
    decision, defaults = card.decision, room.brief_defaults(card.row)
    carried = card.row.carried_from
    initial = {
        "owner": user.pk,
        "due_on": room.default_due(meeting),
        "intended_effect": USUAL,
        "brief_topic": defaults.topic.pk if defaults.topic else None,
        "brief_format": defaults.format,
        "brief_stage": defaults.stage,
    }
    shown = decision or carried  # last meeting's open action, until this meeting decides again
    if shown is not None:
        initial.update(
            note=shown.reason,
            successor=shown.successor_id,
            owner=shown.owner_id or user.pk,
            intended_effect=shown.intended_effect or USUAL,
        )
        if decision is not None and decision.due_on:
            initial["due_on"] = decision.due_on
        if shown.action == DecisionAction.BRIEF:
            initial.update(
                brief_topic=shown.topic_id,
                brief_format=shown.brief_format,
                brief_stage=shown.brief_stage,
                brief_audience=shown.brief_audience,
            )
    return initial


def _meeting(request: HttpRequest, meeting_id: int, action: str = "view") -> ReviewMeeting:
    meeting = get_object_or_404(ReviewMeeting, pk=meeting_id)
    if not permits(request.user, action, meeting):
        raise PermissionDenied("Only the curation team may do that in the meeting room.")
    return meeting


def _context(request: HttpRequest, meeting: ReviewMeeting, title: str) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "meeting": meeting,
        "week_start": reviews.week_reviewed(meeting.held_on),
        "record_url": reverse("admin:curation_reviewmeeting_change", args=[meeting.pk]),
        "minutes_url": minutes_url(meeting),
        "may_decide": permits(request.user, "change", meeting),
        "may_apply": permits(request.user, "apply", Decision),
    }


@require_POST
@curators_only
def start_meeting(request: HttpRequest) -> HttpResponse:
    """The dashboard's "Start this week's meeting": held today, reviewing the last complete week."""
    held_on = today()
    existing = room.meeting_this_week(held_on)
    if existing is None and not permits(request.user, "add", ReviewMeeting):
        raise PermissionDenied("Only the curation team may start a review meeting.")
    if existing is not None and not permits(request.user, "change", existing):  # it joins the attendees
        raise PermissionDenied("Only the curation team may join the review meeting.")
    meeting = reviews.open_meeting(held_on=held_on, by=request.user)
    return redirect(room_url(meeting))


@curators_only
def meeting_room(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room opens on the first card not decided yet; with no card left, on the minutes."""
    meeting = _meeting(request, meeting_id)
    cards = room.cards_of(meeting)
    if not cards or all(card.decision for card in cards):
        return redirect(minutes_url(meeting))
    return redirect("review:card", meeting.pk, room.first_open_card(cards))


@curators_only
def card(request: HttpRequest, meeting_id: int, number: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id, "change" if request.method == "POST" else "view")
    cards = room.cards_of(meeting)
    if not 1 <= number <= len(cards):
        return redirect("review:meeting", meeting.pk)
    shown = cards[number - 1]
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        card=shown,
        initial=_initial(shown, meeting, request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = reviews.decide_card(
                card=shown.row,
                action=data["action"],
                note=data["note"],
                successor=data["successor"],
                brief=form.brief(),
                intended_effect=None if data["intended_effect"] == USUAL else data["intended_effect"],
                owner=data["owner"],
                due_on=data["due_on"],
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Decided: {decision}.")
            if number < len(cards):
                return redirect("review:card", meeting.pk, number + 1)
            return redirect(minutes_url(meeting))
    context = {
        **_context(request, meeting, f"{meeting}: {shown.subject}"),
        "card": shown,
        "cards": cards,
        "decided": sum(1 for each in cards if each.decision),
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < len(cards) else None,
        "evidence": room.evidence_for(shown.row, meeting),
        "figures": room.figures_shown(shown.row.figures),
        "form": form,
        "open_action": room.is_open_action(shown.row),
    }
    return render(request, "admin/analytics/meeting/card.html", context, status=400 if form.errors else 200)


@curators_only
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    context = {**_context(request, meeting, f"Minutes: {meeting}"), "minutes": record.minutes_of(meeting)}
    return render(request, "admin/analytics/meeting/minutes.html", context)


@curators_only
def minutes_csv(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"minutes-{meeting.held_on:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for row in record.minutes_of(meeting).csv_rows():
        writer.writerow(row)
    return response


@require_POST
@curators_only
def apply_all(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    if not permits(request.user, "apply", Decision):
        raise PermissionDenied("You may not apply decisions: ask the other curator.")
    outcomes = reviews.apply_meeting(meeting=meeting, by=request.user)
    done = sum(1 for outcome in outcomes if outcome.done)
    if not outcomes:
        messages.info(request, "Nothing left to apply: every decision is applied.")
    elif done:  # what each did is in the minutes' last column
        plural = "s" if done != 1 else ""
        messages.success(request, f"Applied {done} decision{plural}: the minutes say what each did.")
    for outcome in outcomes:
        if not outcome.done:
            messages.error(request, outcome.message)
    return redirect(minutes_url(meeting))
