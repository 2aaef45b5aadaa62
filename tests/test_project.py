"""The project's own files: compose file shape, settings that must fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_defines_the_whole_system():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "mailpit", "migrate"} <= set(services)
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    for volume in ("postgres-data", "redis-data", "media"):
        assert volume in compose["volumes"]
    assert "noeviction" in services["redis"]["command"]


def _settings_import(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env, DJANGO_SETTINGS_MODULE=settings_module, DJANGO_IGNORE_DOTENV="1")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("value", ["ture", "2", "maybe"])
def test_a_malformed_boolean_fails_at_start_up(value):
    result = _settings_import("config.settings.local", DJANGO_DEBUG=value)
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr and "not a boolean" in result.stderr


def test_production_requires_a_secret_key():
    result = _settings_import("config.settings.production", DATABASE_URL="postgres://x@y/z")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("a-production-secret-from-a-file-0123456789-abcdefghij\n")
    result = _settings_import(
        "config.settings.production",
        DJANGO_SECRET_KEY_FILE=str(secret),
        DATABASE_URL="postgres://x@y/z",
    )
    assert result.returncode == 0, result.stderr
