from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Anonymised trend metrics and the weekly review (built in later issues)."""

    name = "analytics"
    verbose_name = "Analytics"
