"""``manage.py create_user``: with the orders because a merchant user is
made one of the staff of their merchants (``--merchant CODE``)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import roles
from accounts.services import user_create
from refundportal.api import ApplicationError

from ...services import merchant_members_add


class Command(BaseCommand):
    help = (
        "Create a user in one role (customer, agent, senior_agent, finance, manager, "
        "integration, merchant); a merchant user names their merchants with --merchant CODE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(roles.ROLES)}")
        parser.add_argument("--password", help="without one the user cannot log in by password")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--joined-days-ago", type=int, default=None, help="back-date date_joined by N days"
        )
        parser.add_argument(
            "--merchant",
            action="append",
            default=[],
            metavar="CODE",
            help="a merchant user's merchant, by code (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if get_user_model().objects.filter(username=options["name"]).exists():
            raise CommandError(f"A user named {options['name']!r} already exists.")
        codes = options["merchant"]
        if codes and options["role"] != roles.MERCHANT:
            raise CommandError("--merchant is for a user of the role merchant.")
        try:
            with transaction.atomic():
                user = user_create(
                    username=options["name"],
                    role=options["role"],
                    password=options["password"],
                    email=options["email"],
                    joined_days_ago=options["joined_days_ago"],
                )
                merchants = merchant_members_add(user=user, codes=codes)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        of = f" of {', '.join(m.code for m in merchants)}" if merchants else ""
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({options['role']}{of})."))
