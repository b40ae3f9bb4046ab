"""Analytics pages outside the admin: the learner power quiz, and the weekly review shared read-only."""

from __future__ import annotations

from django.urls import path

from analytics import quiz_views, share_views

urlpatterns = [
    path("quiz/", quiz_views.take_quiz, name="quiz"),
    path("quiz/result/<slug:stage>/", quiz_views.shared_result, name="quiz-result"),
    # The token is the link's whole secret: config/redaction.py keeps it out of every log line.
    path("review/shared/<str:token>/", share_views.shared_review, name="shared-review"),
]
