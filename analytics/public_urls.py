"""Employee-facing analytics pages: the learner power quiz (filled in by the weekly-review issue)."""

from __future__ import annotations

urlpatterns: list = []
