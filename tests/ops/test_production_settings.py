"""config.settings.production: Django's deployment checklist, secrets, HTTPS, static files."""

import json

import pytest

from tests.ops.helpers import production_environment, run, settings_in

pytestmark = pytest.mark.slow


def test_the_deployment_check_passes_with_a_realistic_environment():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_environment()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_fails_without_https():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_environment(DJANGO_SECURE_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_https_cookies_and_headers_are_strict():
    values = settings_in(
        production_environment(),
        "DEBUG",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "STORAGES",
        "SESSION_COOKIE_AGE",
    )
    assert values["DEBUG"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert values["STORAGES"]["staticfiles"]["BACKEND"].endswith(
        "CompressedManifestStaticFilesStorage"
    )


def test_the_https_redirect_can_be_turned_off_for_a_loopback_load_test():
    values = settings_in(
        production_environment(DJANGO_SECURE_SSL_REDIRECT="false"), "SECURE_SSL_REDIRECT"
    )
    assert values["SECURE_SSL_REDIRECT"] is False


def test_secrets_are_read_from_files(tmp_path):
    files = {
        "DJANGO_SECRET_KEY": "k" * 10 + "a-secret-key-from-a-docker-secret-0123456789-xyz",
        "DATABASE_URL": "postgres://engagements:from-a-file@db.internal:5433/engagements",
        "EMAIL_HOST_PASSWORD": "smtp-password-from-a-file",
        "OIDC_RP_CLIENT_SECRET": "oidc-secret-from-a-file",
    }
    environment = production_environment(
        OIDC_RP_CLIENT_ID="engagements",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://id.example.org/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://id.example.org/token",
        OIDC_OP_USER_ENDPOINT="https://id.example.org/userinfo",
        OIDC_OP_JWKS_ENDPOINT="https://id.example.org/jwks",
    )
    for name, value in files.items():
        environment.pop(name, None)
        path = tmp_path / name.lower()
        path.write_text(value + "\n")
        environment[f"{name}_FILE"] = str(path)
    values = settings_in(
        environment, "SECRET_KEY", "DATABASES", "EMAIL_HOST_PASSWORD", "OIDC_RP_CLIENT_SECRET"
    )
    assert values["SECRET_KEY"] == files["DJANGO_SECRET_KEY"]
    database = values["DATABASES"]["default"]
    assert (database["HOST"], database["PORT"], database["PASSWORD"]) == (
        "db.internal",
        5433,
        "from-a-file",
    )
    assert values["EMAIL_HOST_PASSWORD"] == files["EMAIL_HOST_PASSWORD"]
    assert values["OIDC_RP_CLIENT_SECRET"] == files["OIDC_RP_CLIENT_SECRET"]


@pytest.mark.parametrize("key", ["short-key", "a" * 60])
def test_a_weak_secret_key_is_refused(key):
    result = run(
        ["-c", "import django; django.setup()"], production_environment(DJANGO_SECRET_KEY=key)
    )
    assert result.returncode != 0
    assert "50 random characters" in result.stderr


def test_half_configured_single_sign_on_fails_at_start_up():
    result = run(
        ["-c", "import django; django.setup()"],
        production_environment(OIDC_RP_CLIENT_ID="engagements"),
    )
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr and "OIDC_OP_TOKEN_ENDPOINT" in result.stderr


def test_collectstatic_writes_hashed_compressed_files(tmp_path):
    # The vendored Swagger/ReDoc bundles (9 MB) are left out: compressing them costs most of
    # the run and shows nothing the project's own files do not.
    result = run(
        [
            "manage.py",
            "collectstatic",
            "--no-input",
            "--verbosity",
            "0",
            "--ignore",
            "drf_spectacular_sidecar",
        ],
        production_environment(STATIC_ROOT=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    assert hashed != "css/site.css" and hashed.startswith("css/site.")
    assert (tmp_path / hashed).is_file()
    assert (tmp_path / f"{hashed}.gz").is_file()


def test_production_logs_are_json_with_the_request_context():
    result = run(
        [
            "-c",
            "import django, logging; django.setup(); "
            "logging.getLogger('engagements').warning('hello %s', 'world')",
        ],
        production_environment(),
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world" and line["level"] == "WARNING"
    assert line["logger"] == "engagements"
    assert {"time", "request_id", "user_id", "client_ip"} <= set(line)
