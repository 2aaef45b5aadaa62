"""docker-compose.yml, the Dockerfile and gunicorn.conf.py: valid and shaped to run the system.

Docker cannot run here, so the compose file is checked against the Compose Specification's
JSON schema (tests/ops/schemas, with its source and licence) and against the rules below.
"""

import copy
import json
import re
import runpy
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def schema_errors(document) -> list[str]:
    validator = Draft201909Validator(SCHEMA)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_the_compose_file_follows_the_compose_specification(compose):
    Draft201909Validator.check_schema(SCHEMA)
    assert schema_errors(compose) == []


def test_the_schema_check_would_catch_a_mistake(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["redis"]["healthcheck"]["intervall"] = "5s"
    errors = schema_errors(broken)
    assert any("service_finished" in error for error in errors)
    assert any("intervall" in error for error in errors)


def test_there_is_exactly_one_beat_and_it_is_not_scaled(compose):
    beat = compose["services"]["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert "scale" not in beat
    commands = [
        " ".join(service.get("command") or [])
        for service in compose["services"].values()
        if isinstance(service.get("command"), list)
    ]
    assert sum(" beat" in command for command in commands) == 1


def test_redis_never_evicts_queued_tasks(compose):
    redis = compose["services"]["redis"]
    assert redis["image"].split(":")[1].startswith("7")
    command = redis["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_postgresql_15_with_a_health_check(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:15"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_start_up_follows_health_and_the_migrate_step(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert "migrate --no-input" in migrate["command"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == (
            "config.settings.production"
        )


def test_web_runs_gunicorn_with_a_health_check(compose):
    web = compose["services"]["web"]
    assert web["command"][:2] == ["gunicorn", "config.wsgi"]
    assert "gunicorn.conf.py" in web["command"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "-m", "ops.probe", "/readyz"]
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])
    assert "healthcheck" in compose["services"]["worker"]


def test_data_lives_in_volumes(compose):
    services = compose["services"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    for name in APP_SERVICES:
        assert "media:/app/media" in services[name]["volumes"]
    assert {"postgres-data", "redis-data", "media"} <= set(compose["volumes"])


def test_a_mail_catcher_is_there(compose):
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit:")
    assert compose["services"]["web"]["environment"]["EMAIL_HOST"] == "${EMAIL_HOST:-mailpit}"


def test_every_variable_the_compose_file_needs_is_documented_without_a_secret(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    needed = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = (ROOT / ".env.example").read_text()
    documented = dict(
        line.split("=", 1) for line in example.splitlines() if re.match(r"^[A-Z_]+=", line)
    )
    assert needed <= {*documented, *re.findall(r"^# ([A-Z_]+)=", example, re.M)}
    for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "OIDC_RP_CLIENT_ID"):
        assert documented[secret] == ""
    assert all(
        service.get("env_file") == ".env"
        for name, service in compose["services"].items()
        if name in (*APP_SERVICES, "migrate")
    )
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and ".git" in ignored


def test_the_image_runs_as_a_user_with_the_postgresql_client():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER app$", dockerfile, re.M)
    assert "postgresql-client-15" in dockerfile
    assert 'CMD ["gunicorn", "config.wsgi", "--config", "gunicorn.conf.py"]' in dockerfile
    assert "collectstatic" in dockerfile


def test_gunicorn_settings(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["workers"] == 3
    assert config["bind"] == "0.0.0.0:8000"
    assert 30 <= config["timeout"] <= 120 and config["graceful_timeout"] <= config["timeout"]
    assert config["max_requests"] > 0 and config["max_requests_jitter"] > 0
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert 1 <= runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] <= 8
