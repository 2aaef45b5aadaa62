"""The test suite: PostgreSQL and Redis on localhost unless told otherwise."""

from .base import *  # noqa: F403
from .base import env, env_bool, without_postgresql_jit

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/engagements"),
}
without_postgresql_jit(DATABASES["default"])
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
# Tests that need a real worker start one (with CELERY_EAGER=false); everything else runs
# tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", True)
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker started by a test sends to that test's SMTP server (EMAIL_BACKEND=...smtp...).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
DEMO_USERS_ALLOWED = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/engagements-test-media")
# Serve static files from the apps and static/ without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Throttle counts stay in the test process; the rates are high enough never to get in the way
# of a test that does not mean to hit them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
API_THROTTLE_RATES = {"read": "100000/min", "write": "100000/min"}
# Django's test client signs in without a request (client.login), which django-axes refuses;
# the tests of sign-in throttling turn it on themselves.
AXES_ENABLED = env_bool("AXES_ENABLED", False)
