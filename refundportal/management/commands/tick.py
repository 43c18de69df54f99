import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from refundportal import periodic


class Command(BaseCommand):
    help = "Run every periodic job once (SLA sweep, due payouts, month roll-ups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", help="run as if the clock read this ISO datetime (naive: Asia/Shanghai)"
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="keep running, once every N seconds (the embedded default's loop)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = self._parse_at(options["at"]) if options["at"] else None
        every = options["every"]
        while True:
            results = periodic.run_all(at)
            stamp = timezone.localtime(at or timezone.now()).isoformat(timespec="seconds")
            summary = ", ".join(f"{name}: {result}" for name, result in results.items())
            self.stdout.write(f"tick {stamp} {summary or 'no jobs'}")
            if not every:
                return
            time.sleep(every)

    @staticmethod
    def _parse_at(text: str) -> datetime:
        at = parse_datetime(text)
        if at is None:
            raise CommandError(
                f"--at {text!r} is not an ISO datetime, e.g. 2026-11-24T12:00:00+08:00"
            )
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        return at
