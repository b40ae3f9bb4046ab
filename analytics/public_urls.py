"""Employee-facing analytics pages: the learner power quiz."""

from __future__ import annotations

from django.urls import path

from analytics import quiz_views

urlpatterns = [
    path("quiz/", quiz_views.take_quiz, name="quiz"),
    path("quiz/result/<slug:stage>/", quiz_views.shared_result, name="quiz-result"),
]
