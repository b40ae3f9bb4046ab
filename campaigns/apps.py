from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Subscribers and consent, and the campaigns that text and email them."""

    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from campaigns.retirement import on_item_retired
        from curation.signals import item_retired

        item_retired.connect(on_item_retired, dispatch_uid="campaigns.on_item_retired")
        from campaigns import (
            receivers,  # noqa: F401 - connects the signal receivers
            retention,  # noqa: F401 - registers its settings check
        )
