from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refundportal import heartbeat

DEFAULT_MAX_AGE_SECONDS = 180


class Command(BaseCommand):
    help = (
        "Exit 0 when Celery beat sent a task within --max-age seconds (its heartbeat "
        "file), 1 otherwise: the beat container's health check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-age",
            type=float,
            default=DEFAULT_MAX_AGE_SECONDS,
            help=f"seconds (default {DEFAULT_MAX_AGE_SECONDS}; beat sends tasks every minute)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = heartbeat.heartbeat_file()
        age = heartbeat.age_seconds(path)
        if age is None:
            raise CommandError(f"beat has not sent a task yet (no {path})")
        if age > options["max_age"]:
            raise CommandError(
                f"beat last sent a task {age:.0f} s ago (more than {options['max_age']:.0f} s)"
            )
        self.stdout.write(f"beat: last sent a task {age:.0f} s ago")
