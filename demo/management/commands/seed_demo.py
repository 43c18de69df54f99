import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from demo.merchant_stage import seed_merchant_stage
from demo.people import demo_logins
from demo.refunds import seed_refunds
from demo.seed import seed_demo


def on_a_terminal() -> bool:
    """Progress bars only for a person watching: redrawn into a log file or
    a pipe they are hundreds of lines of noise."""
    return sys.stderr.isatty()


class Command(BaseCommand):
    help = (
        "Load demo data: merchants and menus, customers, orders over the last months with "
        "their delivery timelines, and one user per role. Running it again adds only what "
        "is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=2000, help="orders in all (default 2000)")
        parser.add_argument(
            "--months", type=int, default=6, help="spread them over this many months (default 6)"
        )
        parser.add_argument(
            "--refund-share",
            type=float,
            default=0.06,
            help="share of orders that get a refund request (default 0.06)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bars: list[tqdm[Any]] = []

        def advance(written: int, total: int) -> None:
            # The bar starts once the total is known, after the users exist.
            if not bars:
                # tqdm writes to sys.stderr itself: Django's OutputWrapper would
                # end every redraw with a newline.
                bars.append(
                    tqdm(
                        total=total,
                        unit="order",
                        file=sys.stderr,
                        disable=options["verbosity"] == 0 or total == 0 or not on_a_terminal(),
                    )
                )
            bars[0].update(written)

        try:
            result = seed_demo(orders=options["orders"], months=options["months"], progress=advance)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for bar in bars:
                bar.close()

        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            f"seed_demo: {result.orders_created} orders created "
            f"({result.orders_existing} already there), {result.items} items, "
            f"{result.discounts} discounts, {result.tenders} tenders, {result.events} events, "
            f"{result.merchants_created} merchants, {result.customers_created} customers, "
            f"{len(result.users_created)} named users in {result.seconds:.1f} s"
        )
        self._seed_refunds(options)
        stage = seed_merchant_stage()
        if stage.merchant:
            self.stdout.write(
                f"seed_demo: user merchant works for {stage.merchant}, the busiest merchant; "
                f"{stage.waiting} requests wait for its answer"
            )
        self._print_logins()

    def _seed_refunds(self, options: dict[str, Any]) -> None:
        bar = tqdm(
            unit="request",
            file=sys.stderr,
            disable=options["verbosity"] == 0 or not on_a_terminal(),
            desc="refunds",
        )

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done)

        try:
            refunds = seed_refunds(share=options["refund_share"], progress=advance)
        finally:
            bar.close()
        self.stdout.write(
            f"seed_demo: {refunds.created} refund requests filed ({refunds.refused} refused by "
            f"the policy), {refunds.decided} decided by agents ({refunds.asked} after asking the "
            f"customer for more), {refunds.rated} rated"
        )

    def _print_logins(self) -> None:
        rows = [("user", "role", "password"), *demo_logins()]
        widths = [max(len(row[col]) for row in rows) for col in range(3)]
        for number, row in enumerate(rows):
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
