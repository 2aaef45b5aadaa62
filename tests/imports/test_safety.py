"""Hostile and mislabelled files are refused by content, with a clear message, before any
parser inflates them, and without the memory they would need."""

from __future__ import annotations

import tracemalloc

import pytest
from django.core.exceptions import ValidationError

from imports import readers, services
from imports.models import ImportJob
from tests.imports import files

pytestmark = pytest.mark.django_db

MEMORY_LIMIT = 30 * 1024 * 1024


def refused(make_job, content, name, **options):
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as caught:
            make_job(content, name, **options)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"peak {peak} bytes"
    assert ImportJob.objects.count() == 0
    return " ".join(caught.value.message_dict["file"])


def test_a_zip_bomb_workbook_is_refused_by_its_compression_ratio(reference, make_job):
    message = refused(make_job, files.zip_bomb_xlsx(40), "return.xlsx")
    assert "zip bomb" in message and "padding.xml" in message


def test_a_workbook_expanding_beyond_the_total_limit_is_refused(reference, make_job, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10**9
    message = refused(make_job, files.zip_bomb_xlsx(2), "return.xlsx")
    assert "expands to" in message and "zip bomb" in message


def test_a_zip_with_too_many_entries_is_refused(reference, make_job):
    message = refused(make_job, files.many_entries_zip(5000), "return.xlsx")
    assert "5001 parts" in message and "zip bomb" in message


def test_billion_laughs_in_an_xlsx_is_refused_as_unsafe_xml(reference, make_job):
    message = refused(make_job, files.billion_laughs_xlsx(), "return.xlsx")
    assert "unsafe XML" in message and "sheet2.xml" in message


def test_billion_laughs_in_an_ods_is_refused_as_unsafe_xml(reference, make_job):
    message = refused(make_job, files.billion_laughs_ods(), "return.ods")
    assert "unsafe XML" in message


def test_the_ods_reader_refuses_entities_itself(reference):
    # Even past the pre-scan, the reader parses with defusedxml and forbids a DTD.
    import io

    stream = io.BytesIO(files.billion_laughs_ods())
    with pytest.raises(ValidationError) as caught:
        list(readers.read_ods_sheets(stream))
    assert "unsafe XML" in str(caught.value)


def test_an_oversized_upload_is_refused_before_it_is_read(reference, make_job, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200
    message = refused(make_job, files.csv_bytes(), "return.csv")
    assert "the limit is 200 bytes" in message


def test_the_default_upload_limit_is_ten_megabytes(settings):
    if hasattr(settings, "IMPORT_MAX_UPLOAD_BYTES"):
        del settings.IMPORT_MAX_UPLOAD_BYTES
    assert services.max_upload_bytes() == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (files.PDF_BYTES, "return.csv", "is a PDF"),
        (files.PNG_BYTES, "return.xlsx", "is a PNG image"),
        (files.docx_bytes(), "return.xlsx", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "return.xlsx", "old binary Excel"),
        (b"<html><body>meetings</body></html>", "return.csv", "markup"),
        (b"", "return.csv", "empty"),
    ],
)
def test_a_file_is_judged_by_its_content_not_its_name(reference, make_job, content, name, expected):
    assert expected in refused(make_job, content, name)


def test_a_workbook_named_csv_is_still_read_as_a_workbook(reference, make_job):
    job = make_job(files.ods_bytes(), "return.csv")
    assert job.detected_format == "ods"
    assert job.file.name.startswith("imports/") and "return" not in job.file.name
