"""Admin for quiz (filled in by the weekly-review issue)."""
