from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Anonymised trend figures: where they come from, the sync log, and the weekly review."""

    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics import receivers  # noqa: F401 - connects the signal receivers
