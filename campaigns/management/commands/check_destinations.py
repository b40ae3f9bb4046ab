from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from campaigns.destination_audit import failing_destinations


class Command(BaseCommand):
    help = (
        "List stored addresses (channels, placements, tracked links) that fail the destination rule: "
        "https, no user name, no backslash or invisible character, read the same by browsers and "
        "Python, on the channel's platform. Exits non-zero when any fail; pages never publish them."
    )

    def handle(self, *args: object, **options: object) -> None:
        failing = 0
        for row in failing_destinations():
            failing += 1
            self.stdout.write(f"{row.model} {row.pk}\t{row.url!r}\t{row.reason}")
        if failing:
            raise CommandError(
                f"{failing} stored address(es) fail the destination rule; mend them in the admin."
            )
        self.stdout.write(self.style.SUCCESS("Every stored address passes the destination rule."))
