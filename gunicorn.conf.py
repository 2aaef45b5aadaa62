"""gunicorn for `gunicorn config.wsgi` (the web service of docker-compose.yml).

Every value may be overridden by the environment (GUNICORN_CMD_ARGS too, as usual).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: the views are short database-bound requests. 2 per core + 1, at most 8 by
# default; WEB_CONCURRENCY sets it outright.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
# A PDF briefing or a large export takes a few seconds; a minute is the ceiling, after which
# the worker is killed and replaced rather than left holding a connection.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# The heartbeat file lives in memory: a slow disk must not make workers look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Request line and header limits (the defaults, stated): bodies are limited by Django.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# The reverse proxy in front is the only client; it sets X-Forwarded-Proto / -For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
# Load the application before forking: a broken configuration fails once, at start-up.
preload_app = True
