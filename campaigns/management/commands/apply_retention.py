from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from campaigns.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Apply the retention settings: deliveries older than DELIVERY_CONTACT_RETENTION_DAYS lose "
        "their contact data, those older than DELIVERY_RETENTION_DAYS and daily figures older than "
        "DAILY_METRIC_RETENTION_DAYS are deleted, in batches. Beat runs this daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be pruned; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        try:
            done = apply_retention(dry_run=dry_run)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if dry_run:
            self.stdout.write("Dry run: nothing changed. Would be:")
        for pruned in done:
            self.stdout.write(f"  {pruned}")
        if not done:
            self.stdout.write("  nothing: every retention setting is 0 (kept for ever).")
