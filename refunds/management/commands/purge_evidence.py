from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from refundportal import clock
from refunds.services import evidence_purge


class Command(BaseCommand):
    help = (
        "Delete evidence photos past retention: uploads never attached to a request after "
        "24 hours, photos of closed requests after EVIDENCE_RETENTION_DAYS (tick runs this too)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        counts = evidence_purge(clock.now(), dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {counts['unattached']} unattached uploads and "
            f"{counts['closed']} photos of closed requests"
        )
