"""`make bench`: the benchmark database, production-like (no debug), tasks in-process."""

from .base import *  # noqa: F403
from .base import env, without_postgresql_jit

DEBUG = False
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/engagements_bench"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = 60
without_postgresql_jit(DATABASES["default"])
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
API_THROTTLE_RATES = {"read": "1000000/min", "write": "1000000/min"}
