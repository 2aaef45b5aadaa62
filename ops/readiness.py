"""Readiness: may this process take requests? The database answers, the broker answers and
every migration the code knows is applied. (Liveness of the whole system, with the worker's
and beat's heartbeats, is /healthz in the notifications app.)"""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

# Once every migration is applied it stays so for the life of the process (a new release
# with new migrations is a new process), so the migration graph is read from disk only until
# then, not on every probe.
_migrations_applied = False


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _check_broker() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.REDIS_URL:
        return {"ok": True, "mode": "embedded"}
    if not url.startswith(("redis://", "rediss://")):
        return {"ok": False, "error": "unsupported broker"}
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return {"ok": False, "error": type(error).__name__}
    finally:
        client.close()
    return {"ok": True, "mode": "redis"}


def _check_migrations() -> dict[str, Any]:
    global _migrations_applied
    if _migrations_applied:
        return {"ok": True}
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return {"ok": False, "error": type(error).__name__}
    if plan:
        pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
        return {"ok": False, "pending": pending}
    _migrations_applied = True
    return {"ok": True}


def readiness_report() -> dict[str, Any]:
    checks: dict[str, Any] = {"database": _check_database(), "broker": _check_broker()}
    checks["migrations"] = (
        _check_migrations()
        if checks["database"]["ok"]
        else {"ok": False, "error": "database unavailable"}
    )
    failed = [name for name, check in checks.items() if not check["ok"]]
    return {"status": "unavailable" if failed else "ready", "failed": failed, "checks": checks}


def forget_migration_state() -> None:
    """For tests: check the migrations again on the next probe."""
    global _migrations_applied
    _migrations_applied = False
