"""Logging: one line per record, JSON in production, each carrying the request it served.

The request id, user and client address come from the request context that
audit.middleware.RequestContextMiddleware keeps (audit.context.current()).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

CONTEXT_FIELDS = ("request_id", "user_id", "client_ip")


def _request_context() -> Any:
    # The logging configuration is applied while settings load, before the app registry is
    # ready: the context module is found when a record is written, not at import.
    try:
        context = importlib.import_module("audit.context")
    except ImportError:
        return None
    current = getattr(context, "current", None)
    if current is None:
        return None
    try:
        return current()
    except Exception:  # a log record must never fail because its context could not be read
        return None


def _field(context: Any, *names: str) -> Any:
    for name in names:
        value = context.get(name) if isinstance(context, dict) else getattr(context, name, None)
        if value is not None:
            return value
    return None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and client_ip to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _request_context()
        request_id = user_id = client_ip = None
        if context is not None:
            try:
                request_id = _field(context, "request_id")
                user = _field(context, "user_id", "user")
                user_id = getattr(user, "pk", user)
                client_ip = _field(context, "ip", "client_ip")
            except Exception:  # the user is read lazily; a record must be written regardless
                pass
        for name, value in zip(CONTEXT_FIELDS, (request_id, user_id, client_ip), strict=True):
            if not hasattr(record, name) or getattr(record, name) in (None, ""):
                setattr(record, name, "-" if value in (None, "") else value)
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = (
    "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(client_ip)s"
)


def build_logging(*, level: str, json_format: bool) -> dict[str, Any]:
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json_format
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "config.logging.RequestContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # WeasyPrint and fontTools narrate every PDF step at INFO.
            "weasyprint": {"level": "WARNING"},
            "weasyprint.progress": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            # Django's own request errors go to the root's handler (and so out as JSON).
            "django": {"level": level, "propagate": True},
        },
    }
