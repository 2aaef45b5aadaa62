"""Settings shared by every environment.

Every value that differs between deployments is read here, from the environment, in one
place. A malformed value fails at start-up (django-environ raises ImproperlyConfigured).
A secret may also come from a file named by VARIABLE_FILE (Docker and Kubernetes secrets).
"""

import datetime
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file() and not os.environ.get("DJANGO_IGNORE_DOTENV"):
    env.read_env(str(BASE_DIR / ".env"))


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_path} cannot be read: {error}"
            ) from error
    value = env.str(name, default=default)
    return value


def env_bool(name: str, default: bool) -> bool:
    """A strict boolean: a typo such as DEBUG=ture is an error, not a silent False."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_time_zone(name: str, default: str) -> str:
    value = env.str(name, default=default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ImproperlyConfigured(f"{name}={value!r} is not an IANA time zone") from error
    return value


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "insecure-development-key-change-me") or ""
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "engagements",
    "minerals",
    "notifications",
    "webhooks",
    "api",
    "imports",
    "audit",
    "ops",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ops.context_processors.single_sign_on",
            ],
        },
    },
]

# Without DATABASE_URL the project runs embedded on a SQLite file.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)


def without_postgresql_jit(database: dict) -> dict:
    """PostgreSQL compiles a query with JIT once its estimated cost passes jit_above_cost,
    as a page of a large list with correlated subqueries does, and then spends longer
    compiling than running it. For a web application's short queries it is off, unless
    DATABASE_JIT=true."""
    if "postgresql" in database.get("ENGINE", "") and not env_bool("DATABASE_JIT", False):
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


without_postgresql_jit(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The languages of the site and emails (a user's choice). The project catalogue is in locale/;
# the notifications app keeps its email strings in its own locale/ folder.
LANGUAGES = [("en-gb", "English"), ("ko", "한국어"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The country whose ministry keeps the record (ISO 3166 alpha-2).
# Only local and test settings allow `seed --demo-users`.
DEMO_USERS_ALLOWED = False
HOME_COUNTRY = env.str("HOME_COUNTRY", default="KR")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="engagements@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Celery: without REDIS_URL, tasks run in-process (embedded mode).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# Redis hands an unacknowledged message to another worker after the visibility timeout, so
# it must outlast the longest task, or an idempotent acks_late task would run twice at once.
visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < visibility_timeout:
    raise ImproperlyConfigured(
        "Need 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT "
        f"(got {CELERY_TASK_SOFT_TIME_LIMIT}, {CELERY_TASK_TIME_LIMIT}, {visibility_timeout})"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": visibility_timeout,
    # A Redis that hangs must not hang a web request that publishes after commit.
    "socket_timeout": 5,
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly: what must not be lost is in the database (the outbox) and a
# periodic relay publishes it again once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# acks_late tasks hold their message until done: fetch one at a time so a busy worker does
# not sit on messages another could run.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULER = "notifications.scheduler:Scheduler"
# Retries wait at most this long: a task with a long ETA sits unacknowledged in a worker's
# memory, and Redis hands it to another worker once the visibility timeout passes.
TASK_MAX_RETRY_DELAY_SECONDS = 300

# Reminders and notifications (the notifications app).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
REMINDER_TIME_ZONE = env_time_zone("REMINDER_TIME_ZONE", TIME_ZONE)
REMINDER_SWEEP_TIME = env.str("REMINDER_SWEEP_TIME", default="09:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", REMINDER_SWEEP_TIME):
    raise ImproperlyConfigured(f"REMINDER_SWEEP_TIME={REMINDER_SWEEP_TIME!r} is not HH:MM (24 h)")
REMINDER_CATCH_UP_DAYS = env.int("REMINDER_CATCH_UP_DAYS", default=3)
HEALTH_WORKER_MAX_AGE_SECONDS = env.int("HEALTH_WORKER_MAX_AGE_SECONDS", default=120)
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=120)
CALENDAR_FEED_PAST_DAYS = env.int("CALENDAR_FEED_PAST_DAYS", default=365)

# Webhooks (the webhooks app). An attempt that fails for a reason that may pass (no answer,
# 5xx, 429) is retried after about base * 2^(n - 1) seconds, capped, with jitter.
WEBHOOK_QUEUE = env.str("WEBHOOK_QUEUE", default=CELERY_TASK_DEFAULT_QUEUE)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=10)
WEBHOOK_RETRY_BASE_DELAY_SECONDS = env.float("WEBHOOK_RETRY_BASE_DELAY_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env.float("WEBHOOK_RETRY_MAX_DELAY_SECONDS", default=3600.0)
WEBHOOK_PROXY_URL = env_secret("WEBHOOK_PROXY_URL", "") or ""
WEBHOOK_SWEEP_GRACE_SECONDS = env.int("WEBHOOK_SWEEP_GRACE_SECONDS", default=120)
WEBHOOK_SWEEP_BATCH = 500
WEBHOOK_OVERDUE_TIME = env.str("WEBHOOK_OVERDUE_TIME", default="00:15")
WEBHOOK_OVERDUE_CATCH_UP_DAYS = env.int("WEBHOOK_OVERDUE_CATCH_UP_DAYS", default=3)
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", WEBHOOK_OVERDUE_TIME):
    raise ImproperlyConfigured(f"WEBHOOK_OVERDUE_TIME={WEBHOOK_OVERDUE_TIME!r} is not HH:MM (24 h)")
if not (
    WEBHOOK_MAX_ATTEMPTS >= 1
    and 0 < WEBHOOK_RETRY_BASE_DELAY_SECONDS <= WEBHOOK_RETRY_MAX_DELAY_SECONDS
    and WEBHOOK_CONNECT_TIMEOUT_SECONDS > 0
    and WEBHOOK_TIMEOUT_SECONDS > 0
    and WEBHOOK_SWEEP_GRACE_SECONDS >= 0
    and WEBHOOK_OVERDUE_CATCH_UP_DAYS >= 0
):
    raise ImproperlyConfigured(
        "Need WEBHOOK_MAX_ATTEMPTS >= 1, 0 < WEBHOOK_RETRY_BASE_DELAY_SECONDS <= "
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS, positive timeouts and no negative grace or catch-up"
    )
# The task's limits leave room around the HTTP timeouts, and a claim on a delivery outlasts
# the hard limit, so that no second worker sends it while the first one still might.
WEBHOOK_TASK_SOFT_TIME_LIMIT = int(WEBHOOK_CONNECT_TIMEOUT_SECONDS + WEBHOOK_TIMEOUT_SECONDS) + 15
WEBHOOK_TASK_TIME_LIMIT = WEBHOOK_TASK_SOFT_TIME_LIMIT + 15
WEBHOOK_CLAIM_SECONDS = WEBHOOK_TASK_TIME_LIMIT + 15
if visibility_timeout <= WEBHOOK_CLAIM_SECONDS:
    raise ImproperlyConfigured("The webhook timeouts must be well under CELERY_VISIBILITY_TIMEOUT")

# Throttling counts requests in the cache: Redis when configured, so that every web process
# shares the counts; otherwise (embedded mode) one process's memory.
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The REST API (api/ and each app's api/ package).
REST_FRAMEWORK = {
    # Bearer tokens first: an unauthenticated request then gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsAuthenticatedWithScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_PAGE_SIZE_MAX = env.int("API_PAGE_SIZE_MAX", default=200)
# Requests per token (per user for the browser's session), separately for reads and writes.
API_THROTTLE_RATES = {
    "read": env.str("API_THROTTLE_READ", default="1200/min"),
    "write": env.str("API_THROTTLE_WRITE", default="120/min"),
}
API_TOKEN_DEFAULT_EXPIRY_DAYS = env.int("API_TOKEN_DEFAULT_EXPIRY_DAYS", default=90)
# last_used_at is written at most this often per token, not on every request.
API_TOKEN_LAST_USED_INTERVAL_SECONDS = 60
API_IDEMPOTENCY_KEY_TTL_HOURS = env.int("API_IDEMPOTENCY_KEY_TTL_HOURS", default=24)

SPECTACULAR_SETTINGS = {
    "TITLE": "Engagement tracker API",
    "DESCRIPTION": (
        "Bilateral engagements of the ministry: meetings with their participants, agenda, "
        "tags and commitments, and the reference records they point to. Every response is "
        "scoped by the access policy: a record you may not see answers 404 and is missing "
        "from every list, search and filter. Errors are RFC 9457 problem details "
        "(application/problem+json). Authenticate with `Authorization: Bearer <token>` "
        "(tokens are created in the admin, through /api/v1/tokens/ or with "
        "`manage.py create_api_token`) or, in the browser, with the site's session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClassificationEnum": ["public", "internal", "restricted", "confidential"],
        "MeetingKindEnum": "engagements.models.Meeting.Kind",
        "MeetingStatusEnum": "engagements.models.Meeting.Status",
        "OrganizationKindEnum": "engagements.models.Organization.Kind",
        "EventKindEnum": "engagements.models.Event.Kind",
        "InstrumentKindEnum": "engagements.models.Instrument.Kind",
        "InstrumentStatusEnum": "engagements.models.Instrument.Status",
        "CommitmentStatusEnum": "engagements.models.Commitment.Status",
        "AttachmentKindEnum": "engagements.models.Attachment.Kind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess_problem_responses",
    ],
}

# Logs: one line per record with the request id, user and client address; LOG_FORMAT=json
# writes JSON (the default in production).
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be text or json")
LOGGING = build_logging(level=LOG_LEVEL, json_format=LOG_FORMAT == "json")

# Browser security headers, in every environment so that the tests see them.
# No inline script or style anywhere: JavaScript and CSS are files under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions end after a working day, and (SESSION_EXPIRE_AT_BROWSER_CLOSE) with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Request size limits. Form and JSON bodies (everything but file uploads) are held in memory
# up to DATA_UPLOAD_MAX_MEMORY_SIZE, beyond which Django answers 400; an upload larger than
# FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file instead of memory, and
# ATTACHMENT_MAX_BYTES caps an attachment. A form with more fields than
# DATA_UPLOAD_MAX_NUMBER_FIELDS is refused (a long meeting form has a few hundred).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=2000)

# The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies it is the Nth address from
# the right of X-Forwarded-For (each proxy appends the address it was reached from); with 0
# it is the connection's address and X-Forwarded-For, which anyone can send, is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username from
# one address, that pair is locked out for AXES_COOLOFF_MINUTES; other addresses are not.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
AXES_LOCKOUT_CALLABLE = "ops.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out sign-in before any other backend checks a password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Single sign-on through OpenID Connect, on only when the client and the provider's endpoints
# are configured. A first sign-in creates a user with no desk and public clearance; a user
# whose email matches an existing account signs in as that account.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET", "") or ""
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", True)
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="single sign-on")
# mozilla-django-oidc redirects to this as given: a path, not a URL name.
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
OIDC_REQUIRED = {
    "OIDC_RP_CLIENT_ID": OIDC_RP_CLIENT_ID,
    "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
    "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
    "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
    "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
}
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    if OIDC_RP_SIGN_ALGO.startswith("HS"):  # signed with the client secret: no key set
        del OIDC_REQUIRED["OIDC_OP_JWKS_ENDPOINT"]
    missing = [name for name, value in OIDC_REQUIRED.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set but not {', '.join(missing)}")
    AUTHENTICATION_BACKENDS.append("ops.oidc.OidcBackend")
