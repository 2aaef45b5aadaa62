"""manage.py import_meetings: the report, --json, --dry-run and the exit status."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagements.models import Meeting
from tests.imports import files

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    try:
        call_command("import_meetings", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


@pytest.fixture
def return_file(tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(files.xlsx_bytes())
    return path


def test_json_report_lists_counts_and_errors_and_exits_non_zero(reference, alice, return_file):
    code, out, message = run(
        str(return_file), "--user", "alice", "--period", "2016-Q3", "--json", "--dry-run"
    )
    assert code == 1 and "2 rows failed" in message
    report = json.loads(out)
    assert report["counts"] == files.EXPECTED_COUNTS
    assert [(e["sheet"], e["row"], e["column"]) for e in report["errors"]] == [
        ("Meetings", 13, "date"),
        ("Meetings", 14, "counterpart"),
    ]
    assert all(e["reason"] for e in report["errors"])
    assert Meeting.objects.count() == 0


def test_valid_rows_mode_writes_and_a_second_run_changes_nothing(reference, alice, return_file):
    code, out, _ = run(
        str(return_file), "--user", "alice", "--period", "2016-Q3", "--mode", "valid_rows"
    )
    assert code == 1  # two rows could not be read
    assert "created: 8" in out and "Meetings row 13 [date]: Unreadable date" in out
    assert "resembles 'Mario Marcel'" in out
    assert Meeting.objects.count() == 8
    code, out, _ = run(
        str(return_file), "--user", "alice", "--period", "2016-Q3", "--mode", "valid_rows", "--json"
    )
    assert json.loads(out)["counts"]["skipped"] == 8
    assert Meeting.objects.count() == 8


def test_a_clean_file_exits_zero(reference, alice, tmp_path):
    rows = [row for row in files.ROWS if row[1] not in {"sometime soon", "16/08/2016"}]
    path = tmp_path / "clean.csv"
    path.write_bytes(files.csv_bytes(rows=rows, encoding="cp1252"))
    code, out, _ = run(str(path), "--user", "alice", "--period", "2016-Q3", "--desk", "latam")
    assert code == 0, out
    assert Meeting.objects.count() == 8


def test_a_mapping_file_and_a_sheet_are_honoured(reference, alice, tmp_path):
    path = tmp_path / "odd.xlsx"
    path.write_bytes(files.xlsx_bytes(headers=["Who", "When", "With", "Why"]))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"home": "Who", "date": "When", "counterpart": "With", "purpose": "Why"})
    )
    _code, out, _ = run(
        str(path),
        "--user",
        "alice",
        "--period",
        "2016",
        "--sheet",
        "Meetings",
        "--mapping",
        str(mapping),
        "--json",
        "--dry-run",
    )
    assert json.loads(out)["counts"] == files.EXPECTED_COUNTS


def test_a_refused_file_exits_two_with_the_reason(reference, alice, tmp_path):
    path = tmp_path / "return.csv"
    path.write_bytes(files.PDF_BYTES)
    code, _out, message = run(str(path), "--user", "alice")
    assert code == 2 and "is a PDF" in message


def test_options_beyond_the_users_rights_exit_two(reference, alice, desk_asia, return_file):
    code, _out, message = run(str(return_file), "--user", "alice", "--desk", "asia")
    assert code == 2 and "desk" in message
    code, _out, message = run(
        str(return_file), "--user", "alice", "--classification", "confidential"
    )
    assert code == 2 and "clearance" in message
    code, _out, message = run(str(return_file), "--user", "nobody")
    assert code == 2
