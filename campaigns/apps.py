from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Subscribers, consent and the campaigns that text and email them (built in later issues)."""

    name = "campaigns"
    verbose_name = "Campaigns"
