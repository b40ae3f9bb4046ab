from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CurationConfig(AppConfig):
    name = "curation"
    verbose_name = "Curation"

    def ready(self) -> None:
        from channels.signals import validating_channel
        from curation import receivers
        from curation.roles import sync_role_permissions

        validating_channel.connect(receivers.check_channel_visibility, dispatch_uid="compliance")
        # Every app's post_migrate, so permissions of models added later reach the roles too.
        post_migrate.connect(sync_role_permissions, dispatch_uid="curation.sync_role_permissions")
