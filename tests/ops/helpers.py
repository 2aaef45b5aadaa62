"""Running manage.py or Python under another settings module, in a subprocess."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def production_environment(**overrides: str) -> dict[str, str]:
    """A realistic production environment: a long random key, hosts, database and broker."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "OIDC_", "AXES_", "LOG_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_IGNORE_DOTENV="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="engagements.example.org",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://engagements.example.org",
        SITE_URL="https://engagements.example.org",
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/engagements"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        EMAIL_HOST="smtp.example.org",
        TRUSTED_PROXY_COUNT="1",
    )
    environment.update(overrides)
    return environment


def run(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


SETTINGS_AS_JSON = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in %r}, default=str))"
)


def settings_in(environment: dict[str, str], *names: str) -> dict:
    import json

    result = run(["-c", SETTINGS_AS_JSON % (names,)], environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
