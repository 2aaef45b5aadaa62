"""`manage.py backup` and `manage.py restore`: everything comes back in a new database."""

import hashlib
import json
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from engagements.models import Attachment
from tests import factories
from tests.ops.helpers import run

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def admin_dsn(dbname: str) -> str:
    params = connection.get_connection_params()
    parts = [f"dbname={dbname}", f"host={params.get('host') or '127.0.0.1'}"]
    for key in ("port", "user", "password"):
        if params.get(key):
            parts.append(f"{key}={params[key]}")
    return " ".join(parts)


@pytest.fixture
def new_database():
    """A new, empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def files_under(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def concrete_tables() -> dict[str, str]:
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


@pytest.fixture
def record(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    meeting = factories.MeetingFactory(title="Korea-Chile lithium talks")
    factories.CommitmentFactory.create_batch(3, meeting=meeting)
    factories.ParticipantFactory.create_batch(2, meeting=meeting)
    attachment = Attachment(
        meeting=meeting,
        original_name="minutes.pdf",
        content_type="application/pdf",
        size=6,
    )
    attachment.file.save("minutes.pdf", ContentFile(b"%PDF-1"), save=False)
    attachment.save()
    nested = tmp_path / "media" / "imports" / "2026" / "batch one.csv"
    nested.parent.mkdir(parents=True)
    nested.write_bytes("name,country\nÑandú,CL\n".encode())
    return meeting, attachment


def test_a_backup_restores_every_record_and_file_into_a_new_database(
    record, tmp_path, new_database
):
    meeting, attachment = record
    media_root = tmp_path / "media"
    expected_counts = {
        label: apps.get_model(label)._default_manager.count() for label in concrete_tables()
    }
    assert expected_counts["engagements.Commitment"] == 3
    expected_files = files_under(media_root)
    assert len(expected_files) == 2

    call_command("backup", output=str(tmp_path / "backups"))
    [backup] = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["rows"]["engagements.Meeting"] == 1
    assert set(manifest["media"]["files"]) == set(expected_files)

    restored_media = tmp_path / "restored-media"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_IGNORE_DOTENV": "1",
        "MEDIA_ROOT": str(restored_media),
    }
    params = connection.get_connection_params()
    user = params.get("user") or "postgres"
    password = f":{params['password']}" if params.get("password") else ""
    host = params.get("host") or "127.0.0.1"
    port = params.get("port") or 5432
    environment["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{new_database}"
    result = run(["manage.py", "restore", str(backup)], environment)
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout

    with psycopg.connect(admin_dsn(new_database)) as restored:
        for label, table in concrete_tables().items():
            [(count,)] = restored.execute(f'SELECT count(*) FROM "{table}"').fetchall()
            assert count == expected_counts[label], label
        [(title,)] = restored.execute(
            "SELECT title FROM engagements_meeting WHERE id = %s", [meeting.pk]
        ).fetchall()
        assert title == "Korea-Chile lithium talks"
        [(path,)] = restored.execute(
            "SELECT file FROM engagements_attachment WHERE id = %s", [attachment.pk]
        ).fetchall()
        assert path == attachment.file.name
    assert files_under(restored_media) == expected_files
    assert (restored_media / attachment.file.name).read_bytes() == b"%PDF-1"

    # A second restore into the now full database is refused, not merged.
    again = run(["manage.py", "restore", str(backup)], environment)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_written(record, tmp_path):
    call_command("backup", output=str(tmp_path / "backups"))
    [backup] = (tmp_path / "backups").iterdir()
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(backup))
