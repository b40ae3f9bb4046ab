from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Anonymised trend figures: where they come from, the sync log, and the weekly review."""

    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics import (
            meeting_views,
            receivers,  # noqa: F401 - connects the signal receivers
            retention,  # noqa: F401 - answers campaigns' retention_due; registers its settings check
            reviews,
        )
        from analytics.admin.syncs import CHANNEL_SYNC_STATE
        from channels.admin import extend_channel_list
        from curation import review_hooks

        # Curation's admin of review meetings makes agendas and applies decisions through us.
        review_hooks.install(
            review_hooks.MeetingRunner(
                generate_agenda=reviews.generate_agenda,
                apply_decision=reviews.apply_decision,
                week_reviewed=reviews.week_reviewed,
                room_url=meeting_views.room_url,
                minutes_url=meeting_views.minutes_url,
            )
        )
        # The channel list shows when figures came in and offers "Sync now": added, not replaced.
        extend_channel_list(CHANNEL_SYNC_STATE)
