"""The employee front door (filled in by the weekly-review issue)."""

from __future__ import annotations

urlpatterns: list = []
