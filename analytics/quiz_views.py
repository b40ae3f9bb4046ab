"""The learner power quiz pages: a plain form, a result, and a shareable result that shows the
stage only. They work without JavaScript and never ask who is answering."""

from __future__ import annotations

import re
import secrets

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from analytics import quiz
from curation.models import Stage

ATTEMPT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class QuizForm(forms.Form):
    attempt = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for number, question in enumerate(quiz.QUESTIONS, start=1):
            self.fields[question.code] = forms.ChoiceField(
                label=f"{number}. {question.text}",
                help_text=question.hint,
                choices=[(answer.code, answer.text) for answer in question.answers],
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose an answer to question {number}."},
            )

    def clean_attempt(self) -> str:
        # A malformed token is ignored rather than refused: it only stops double counting.
        attempt = self.cleaned_data["attempt"]
        return attempt if ATTEMPT.match(attempt) else ""

    def question_fields(self) -> list[forms.BoundField]:
        return [self[question.code] for question in quiz.QUESTIONS]

    def answers(self) -> dict[str, str]:
        return {question.code: self.cleaned_data[question.code] for question in quiz.QUESTIONS}


def _continuum() -> list[tuple[Stage, str]]:
    return [(stage, quiz.STAGE_DESCRIPTIONS[stage]) for stage in quiz.CONTINUUM]


# The form carries a one-off token; a cached copy would hand every visitor the same one.
@never_cache
@require_http_methods(["GET", "POST"])
def take_quiz(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = QuizForm(request.POST)
        if form.is_valid():
            # A script posting answers over and over would skew the curators' counts: past the
            # rate it still gets its result, and counts for nothing.
            counted = not is_ratelimited(
                request, group="quiz-ip", key="ip", rate=settings.QUIZ_RATE_PER_IP, increment=True
            )
            outcome = quiz.take_quiz(
                answers=form.answers(), attempt=form.cleaned_data["attempt"], counted=counted
            )
            share_url = settings.PUBLIC_BASE_URL + reverse("quiz-result", args=[outcome.result.stage])
            context = {"result": outcome.result, "tips": outcome.tips, "share_url": share_url}
            return render(request, "quiz/result.html", {**context, "continuum": _continuum()})
    else:
        form = QuizForm(initial={"attempt": secrets.token_urlsafe(16)})
    return render(request, "quiz/quiz.html", {"form": form, "question_count": len(quiz.QUESTIONS)})


@require_http_methods(["GET"])
def shared_result(request: HttpRequest, stage: str) -> HttpResponse:
    """A result anyone can open from a link: it names the stage and nothing of the answers."""
    if stage not in quiz.RESULTS:
        raise Http404("No such stage on the learner power continuum.")
    context = {"result": quiz.RESULTS[stage], "shared": True, "continuum": _continuum()}
    return render(request, "quiz/result.html", context)
