import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from _pytest.nodeid import NodeId
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

from accounts.models import Classification, DeskMembership, Role
from config.celery import app as celery_app
from tests import factories

REDIS_DATABASES = 16  # redis-server's default `databases`


def redis_url_of_worker(url: str, worker: str) -> str:
    """The broker of one xdist worker: gw0 keeps the database of `url`, gwN takes N more, so
    parallel workers never share a queue (or the broker's unacked hash)."""
    number = int(worker.removeprefix("gw"))
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + number
    if database >= REDIS_DATABASES:
        raise pytest.UsageError(f"{url} has no Redis database {database} for worker {worker}")
    return urlunsplit(parts._replace(path=f"/{database}"))


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, each worker has its own test database (pytest-django adds _gwN to
    its name), and here its own Redis database and media folder. Settings are loaded by now,
    so they are changed in place; the environment too, for the workers and servers the tests
    start as subprocesses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    redis_url = redis_url_of_worker(settings.REDIS_URL, worker)
    os.environ["REDIS_URL"] = redis_url
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_url
    celery_app.conf.broker_url = redis_url
    media_root = f"{str(settings.MEDIA_ROOT).rstrip('/')}-{worker}"
    os.environ["MEDIA_ROOT"] = settings.MEDIA_ROOT = media_root


SHARED_SCOPES = {"module", "class", "package"}


def _is_slow(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in ("slow", "browser"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `--dist loadgroup`, the tests of a file that share a fixture wider than a test
    (the seed, a generated data set, a browser, a server) go to one worker, so that the
    fixture is built once; the other tests are spread one by one. Under xdist the slow and
    browser tests are handed out first, so that no worker is left with a long one at the end."""
    for item in items:
        # schemathesis 4.32 names its items test_x[GET /path/], but under pytest 9 all the
        # operations of a test share the id test_x; xdist schedules by id and would run one.
        label = getattr(item, "operation_label", None)
        if label and item.id.params is None:
            item._id = item.id.with_params(label)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    items.sort(key=lambda item: not _is_slow(item))  # stable: the rest keep their order
    for item in items:
        fixtureinfo = getattr(item, "_fixtureinfo", None)
        if item.get_closest_marker("xdist_group") or fixtureinfo is None:
            continue
        if any(
            definitions[-1].scope in SHARED_SCOPES
            for definitions in fixtureinfo.name2fixturedefs.values()
        ):
            # What xdist's loadgroup does to the id, which under pytest 9 it cannot (it sets
            # the old `_nodeid`): the group after an @ tells the scheduler.
            item._id = NodeId.parse(f"{item.nodeid}@{item.nodeid.split('::')[0]}")


def _is_superuser(db: Any) -> bool:
    if db.alias not in _SUPERUSER:
        with db.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        _SUPERUSER[db.alias] = bool(row and row[0])
    return _SUPERUSER[db.alias]


_SUPERUSER: dict[str, bool] = {}


def _delete_flush(original: Any) -> Any:
    def sql_flush(
        ops: Any, style: Any, tables: list[str], *, reset_sequences=False, allow_cascade=False
    ) -> list[str]:
        if reset_sequences or not tables or not _is_superuser(ops.connection):
            return original(
                ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # As replica, the session fires no triggers: neither the foreign keys' checks (every
        # table is emptied) nor the audit trail's append-only guard, which TRUNCATE skips too.
        return [
            "SET LOCAL session_replication_role = replica;",
            *(f"DELETE FROM {ops.quote_name(table)};" for table in tables),
        ]

    return sql_flush


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete() -> Iterator[None]:
    """After each transactional test (live server, real workers) the database is flushed.
    Django's TRUNCATE of some seventy tables takes seconds on a busy PostgreSQL; DELETE of
    the few rows such a test leaves takes a tenth of that. It needs a superuser (the test
    database's owner here and in CI); for any other role Django's TRUNCATE stays."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresOperations, "sql_flush", _delete_flush(PostgresOperations.sql_flush))
        yield


@pytest.fixture
def desk_latam(db):
    return factories.DeskFactory(code="latam", name="Latin America and the Caribbean")


@pytest.fixture
def desk_asia(db):
    return factories.DeskFactory(code="asia", name="Asia and the Pacific")


@pytest.fixture
def alice(desk_latam):
    """An officer of the owning (Latin America) desk, cleared to restricted."""
    user = factories.UserFactory(username="alice", clearance=Classification.RESTRICTED)
    DeskMembership.objects.create(user=user, desk=desk_latam)
    return user


@pytest.fixture
def bob(desk_asia):
    """An officer of another desk, cleared to restricted."""
    user = factories.UserFactory(username="bob", clearance=Classification.RESTRICTED)
    DeskMembership.objects.create(user=user, desk=desk_asia)
    return user


@pytest.fixture
def charlie(db):
    """An analyst: no desk, clearance internal."""
    return factories.UserFactory(username="charlie", clearance=Classification.INTERNAL)


@pytest.fixture
def dana(db):
    """Took part in the meeting (linked to a participant's person), no desk, restricted."""
    return factories.UserFactory(username="dana", clearance=Classification.RESTRICTED)


@pytest.fixture
def erin(desk_latam):
    """Lead of the owning desk, cleared to confidential."""
    user = factories.UserFactory(username="erin", clearance=Classification.CONFIDENTIAL)
    DeskMembership.objects.create(user=user, desk=desk_latam, role=DeskMembership.DeskRole.LEAD)
    return user


@pytest.fixture
def admin_user(db):
    user = factories.UserFactory(
        username="root", is_staff=True, is_superuser=True, clearance=Classification.PUBLIC
    )
    return user


@pytest.fixture
def administrator(db):
    """An administrator by role (group), not a superuser."""
    user = factories.UserFactory(username="administrator", is_staff=True)
    group, _ = Group.objects.get_or_create(name=Role.ADMINISTRATOR)
    user.groups.add(group)
    return user
