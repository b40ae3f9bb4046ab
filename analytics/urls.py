"""The weekly review dashboard, under the admin's login (filled in by the weekly-review issue)."""

from __future__ import annotations

app_name = "review"
urlpatterns: list = []
