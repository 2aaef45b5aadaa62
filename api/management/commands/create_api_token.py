from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiToken, User
from accounts.tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it once (only its hash is stored). "
        "Example: manage.py create_api_token calendar.sync --name calendar --scope read "
        "--expires-in 365"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What will use the token.")
        parser.add_argument(
            "--scope", choices=[choice for choice, _ in ApiToken.Scope.choices], default="read"
        )
        parser.add_argument(
            "--expires-in",
            type=int,
            default=None,
            metavar="DAYS",
            help="Lifetime in days (default: API_TOKEN_DEFAULT_EXPIRY_DAYS); 0 for none.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.username} is inactive: a token would not work.")
        days = options["expires_in"]
        if days is not None and days < 0:
            raise CommandError("--expires-in takes a number of days, or 0 for no expiry.")
        try:
            token, raw = api_token_create(
                user=user,
                name=options["name"],
                scope=options["scope"],
                expires_in_days=-1 if days is None else (days or None),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stderr.write(
            f"Token {token.name!r} for {user.username} ({token.scope}, expires {expiry}). "
            "It is shown only this once:"
        )
        self.stdout.write(raw)
