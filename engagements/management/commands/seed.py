import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from accounts.services import demo_users_create, demo_users_exist, roles_sync
from engagements.seeding import SEEDS_DIR, seed_load
from minerals.seeding import SeedReport

# Enough unmapped rows to see what went wrong without flooding the terminal (-v 2: all).
UNMAPPED_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Load the seed data (countries, desks, topics, minerals and USGS statistics, the "
        "starting scenario) and the role groups. Safe to run again: it changes nothing then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help="Also create the demo accounts (refused in production). The password is "
            "DEMO_PASSWORD from the environment, or a generated one printed once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo_users = options["demo_users"]
        if demo_users and not getattr(settings, "DEMO_USERS_ALLOWED", False):
            raise CommandError("Demo users are not allowed here (settings.DEMO_USERS_ALLOWED).")
        password: str | None = os.environ.get("DEMO_PASSWORD", "")
        # A generated password is printed once, when the accounts are made; later runs
        # leave it alone unless DEMO_PASSWORD asks for a reset.
        generated = demo_users and not password and not demo_users_exist()
        if generated:
            password = secrets.token_urlsafe(18)
        elif not password:
            password = None
        # SeedDataError (inconsistent seed files) is a ValueError.
        try:
            with transaction.atomic():
                report = seed_load(seeds_dir=SEEDS_DIR)
                groups = roles_sync()
                users = demo_users_create(password=password) if demo_users else []
        except (ValidationError, ValueError, IntegrityError) as error:
            raise CommandError(f"Seed data not loaded: {error}") from error

        verbosity = options["verbosity"]
        if verbosity >= 1:
            self._print_summary(report, groups, users, verbosity=verbosity)
        if generated:
            self.stdout.write(self.style.WARNING(f"Demo password (shown only now): {password}"))
        elif demo_users and password is None:
            self.stdout.write("Demo users kept their password (set DEMO_PASSWORD to reset it).")

    def _print_summary(
        self, report: SeedReport, groups: list[Group], users: list[Any], *, verbosity: int
    ) -> None:
        for line in report.lines():
            self.stdout.write(line)
        for load in report.statistics:
            self.stdout.write(
                f"{load.file}: {load.rows_read} rows read, {load.rows_loaded} loaded, "
                f"{len(load.unmapped)} not mapped"
            )
            shown = load.unmapped if verbosity >= 2 else load.unmapped[:UNMAPPED_SHOWN]
            for message in shown:
                self.stdout.write(self.style.WARNING(f"  not mapped: {message}"))
            if len(shown) < len(load.unmapped):
                self.stdout.write(
                    f"  ... and {len(load.unmapped) - len(shown)} more (-v 2 lists them all)"
                )
        self.stdout.write(f"Role groups: {', '.join(group.name for group in groups)}")
        if users:
            self.stdout.write(f"Demo users: {', '.join(user.username for user in users)}")
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
