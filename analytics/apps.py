from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Anonymised trend figures: where they come from, the sync log, and the weekly review."""

    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics import receivers  # noqa: F401 - connects the signal receivers
        from analytics.admin.syncs import CHANNEL_SYNC_STATE
        from channels.admin import extend_channel_list

        # The channel list shows when figures came in and offers "Sync now": added, not replaced.
        extend_channel_list(CHANNEL_SYNC_STATE)
