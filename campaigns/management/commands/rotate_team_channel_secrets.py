from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from campaigns.team_channels.services import rotate_secrets


class Command(BaseCommand):
    help = (
        "Encrypt every team channel's stored secret again with TEAM_CHANNEL_SECRET_KEY, reading it with "
        "the key it was stored with (list the old key in TEAM_CHANNEL_SECRET_KEY_FALLBACKS first)."
    )

    def handle(self, *args: object, **options: object) -> None:
        rotated, unreadable = rotate_secrets()
        self.stdout.write(f"{rotated} channel secret(s) now encrypted with the current key.")
        if unreadable:
            raise CommandError(
                f"No key reads the secret of: {', '.join(unreadable)}. Add the key they were stored with "
                "to TEAM_CHANNEL_SECRET_KEY_FALLBACKS, or enter their secrets again in the admin."
            )
