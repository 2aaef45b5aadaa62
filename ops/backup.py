"""Backup and restore of the whole record: the PostgreSQL database and the uploaded files.

A backup is one directory:
    database.dump   pg_dump's custom format
    media.tar.gz    everything under MEDIA_ROOT
    manifest.json   when, which migrations, how many rows per model, every file's checksum

The row counts and the dump come from one snapshot (a repeatable-read transaction whose
snapshot pg_dump shares), so a restore can prove it brought back every record, not merely
that pg_restore exited 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class RestoreResult:
    rows: int
    models: int
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _postgresql_arguments() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore, and the environment with the password."""
    if connection.vendor != "postgresql":
        raise BackupError(f"backup and restore need PostgreSQL, not {connection.vendor}")
    params = connection.get_connection_params()
    arguments = [f"--dbname={params['dbname']}"]
    if params.get("host"):
        arguments.append(f"--host={params['host']}")
    if params.get("port"):
        arguments.append(f"--port={params['port']}")
    if params.get("user"):
        arguments.append(f"--username={params['user']}")
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if params.get("password"):
        environment["PGPASSWORD"] = str(params["password"])
    if params.get("sslmode"):
        environment["PGSSLMODE"] = str(params["sslmode"])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (the PostgreSQL client)") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _model_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.label] = model._default_manager.using("default").count()
    return counts


def _media_files(root: Path) -> dict[str, dict[str, Any]]:
    if not root.is_dir():
        return {}
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(root).as_posix()
            files[relative] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return files


def backup_create(*, output_dir: Path) -> Path:
    """Write a backup into a new directory under output_dir and return that directory."""
    if connection.in_atomic_block:
        raise BackupError("a backup takes its own snapshot: run it outside a transaction")
    arguments, environment = _postgresql_arguments()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    target = Path(output_dir) / f"engagements-backup-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    media_root = Path(settings.MEDIA_ROOT)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target / DATABASE_FILE}",
                    *arguments,
                ],
                environment,
            )
            counts = _model_counts()
            migrations = sorted(
                f"{app}.{name}"
                for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
            )
        files = _media_files(media_root)
        with tarfile.open(target / MEDIA_FILE, "w:gz") as archive:
            for relative in files:
                archive.add(media_root / relative, arcname=relative, recursive=False)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "database": {
                "file": DATABASE_FILE,
                "sha256": _sha256(target / DATABASE_FILE),
                "migrations": migrations,
                "rows": counts,
            },
            "media": {"file": MEDIA_FILE, "sha256": _sha256(target / MEDIA_FILE), "files": files},
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def backup_read(*, source: Path) -> dict[str, Any]:
    """The manifest of a backup, once every file in it matches its checksum."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} has no readable {MANIFEST}: {error}") from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for part in ("database", "media"):
        path = source / manifest[part]["file"]
        if not path.is_file() or _sha256(path) != manifest[part]["sha256"]:
            raise BackupError(f"{path} is missing or damaged (checksum differs)")
    return manifest


def backup_restore(*, source: Path) -> RestoreResult:
    """Restore a backup into the (empty) configured database and MEDIA_ROOT, then check that
    every row count and every file matches the manifest."""
    source = Path(source)
    manifest = backup_read(source=source)
    arguments, environment = _postgresql_arguments()
    if connection.introspection.table_names():
        raise BackupError(
            f"database {connection.settings_dict['NAME']} is not empty: restore into a new one"
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(f"MEDIA_ROOT {media_root} is not empty: restore into an empty one")

    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *arguments,
            str(source / DATABASE_FILE),
        ],
        environment,
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_FILE, "r:gz") as archive:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        archive.extractall(media_root, filter="data")

    expected_rows: dict[str, int] = manifest["database"]["rows"]
    found_rows = _model_counts()
    wrong = {
        label: (count, found_rows.get(label))
        for label, count in expected_rows.items()
        if found_rows.get(label) != count
    }
    if wrong:
        raise BackupError(f"row counts differ after restore (expected, found): {wrong}")
    expected_files: dict[str, dict[str, Any]] = manifest["media"]["files"]
    found_files = _media_files(media_root)
    missing = sorted(
        name for name, expected in expected_files.items() if found_files.get(name) != expected
    )
    if missing:
        raise BackupError(f"files missing or different after restore: {missing[:20]}")
    return RestoreResult(
        rows=sum(expected_rows.values()), models=len(expected_rows), files=len(expected_files)
    )
