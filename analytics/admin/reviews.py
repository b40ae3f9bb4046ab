"""Admin for reviews (filled in by the weekly-review issue)."""
