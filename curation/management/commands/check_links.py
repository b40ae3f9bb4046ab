from __future__ import annotations

from django.core.management.base import BaseCommand

from curation import linkcheck
from curation.models import Placement


class Command(BaseCommand):
    help = (
        "Check placements' links and mark the ones that are gone or private, as the hourly task does: "
        "the oldest-checked first, up to LINKCHECK_MAX_PER_RUN. A timeout or a server error changes "
        "nothing. Items that are retired or still ideas are left out."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            dest="check_all",
            help="Check every placement of a live or in-production item now, past the per-run cap "
            "(politely: this takes LINKCHECK_HOST_DELAY_SECONDS per page on each site).",
        )

    def handle(self, *args: object, check_all: bool = False, **options: object) -> None:
        report = linkcheck.check_placements(placements=Placement.objects.all() if check_all else None)
        for row in report.changed:
            label = "Back" if row.placement.is_reachable else row.result.verdict.label
            self.stdout.write(f"{label}: {row.placement} {row.placement.url} ({row.result.detail})")
        for row in report.checked:
            if not row.result.is_definite:
                self.stdout.write(f"Unknown this time: {row.placement.url} ({row.result.detail})")
        for note in report.stranded_notes():
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.SUCCESS(report.summary()))
