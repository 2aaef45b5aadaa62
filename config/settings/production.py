"""Production: every difference from base is an environment variable.

Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (and X-Forwarded-For:
see TRUSTED_PROXY_COUNT in base). `manage.py check --deploy --fail-level WARNING` passes.
"""

from django.core.exceptions import ImproperlyConfigured

from config.logging import build_logging

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SECRET_KEY, env, env_bool, env_secret, without_postgresql_jit

DEBUG = False
if not SECRET_KEY or SECRET_KEY.startswith("insecure-"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters")

# DATABASE_URL holds the password, so it may come from a file too (DATABASE_URL_FILE).
database_url = env_secret("DATABASE_URL", "")
if not database_url:
    raise ImproperlyConfigured("DATABASE_URL (or DATABASE_URL_FILE) must be set in production")
DATABASES = {"default": env.db_url_config(database_url)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
without_postgresql_jit(DATABASES["default"])

DEMO_USERS_ALLOWED = False

# HTTPS. The proxy terminates TLS and says so in X-Forwarded-Proto; it must strip that header
# from what clients send. DJANGO_SECURE_SSL_REDIRECT=false only for a loopback load test.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Probes from the orchestrator speak plain HTTP to the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60  # unhashed names; hashed names are cached for ever

LOGGING = build_logging(level=LOG_LEVEL, json_format=env.str("LOG_FORMAT", "json") == "json")
