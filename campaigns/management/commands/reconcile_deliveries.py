from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from campaigns.sending import reconcile


class Command(BaseCommand):
    help = (
        "Settle deliveries whose sender vanished, by asking Twilio's log whether each text went, "
        "and queue the rest of every sending campaign. Beat runs this every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Treat claims not renewed for this long as abandoned (default DELIVERY_CLAIM_SECONDS). "
            "Use 0 only when no worker is running.",
        )

    def handle(self, *args, stale_after: int | None, **options) -> None:
        result = reconcile(stale_after=None if stale_after is None else timedelta(seconds=stale_after))
        self.stdout.write(
            f"{result.found_sent} found sent in the provider's log, {result.requeued} queued again, "
            f"{result.left_unknown} left unknown."
        )
