"""Reading a job's file: its sheets, the header row of each, and the data rows under it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from .. import readers
from ..models import ImportJob
from ..parsing import FIELDS, REQUIRED_FIELDS, clean, column_indexes, guess_mapping

HEADER_SEARCH_ROWS = 30


@contextlib.contextmanager
def job_file(job: ImportJob) -> Iterator[IO[bytes]]:
    job.file.open("rb")
    try:
        yield job.file.file
    finally:
        job.file.close()


def detected_of(job: ImportJob) -> readers.Detected:
    return readers.Detected(
        format=job.detected_format, encoding=job.encoding, delimiter=job.delimiter
    )


def _is_blank(row: list[Any]) -> bool:
    return all(clean(cell) == "" for cell in row)


def _find_header(rows: list[list[Any]], mapping: dict[str, str]) -> tuple[int, dict[str, int]]:
    """(index of the header row, field -> column) or (-1, {}) when no row reads as headers."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _columns_for(row, mapping)
        if all(name in columns for name in ("date", "counterpart")):
            return index, columns
    return -1, {}


def _columns_for(headers: list[Any], mapping: dict[str, str]) -> dict[str, int]:
    columns = column_indexes(headers, guess_mapping(headers))
    columns.update(column_indexes(headers, mapping))
    return columns


def inspect_sheets(
    stream: IO[bytes], detected: readers.Detected, mapping: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Each sheet's name, whether it looks like data (has the headers), and its headers."""
    heads: dict[str, list[list[Any]]] = {}
    if detected.format == readers.ODS:
        for name in readers.ods_sheet_names(stream):
            heads[name] = []
        for name, row in readers.read_ods_sheets(stream):
            if len(heads.setdefault(name, [])) < HEADER_SEARCH_ROWS:
                heads[name].append(row)
    else:
        for name in readers.sheet_names(stream, detected):
            rows: list[list[Any]] = []
            for row in readers.read_sheet(stream, detected, name):
                rows.append(row)
                if len(rows) >= HEADER_SEARCH_ROWS:
                    break
            heads[name] = rows
    sheets = []
    for name, rows in heads.items():
        index, _columns = _find_header(rows, mapping or {})
        headers = [clean(cell) for cell in rows[index]] if index >= 0 else []
        sheets.append(
            {
                "name": name,
                "is_data": index >= 0,
                "header_row": index + 1 if index >= 0 else None,
                "headers": [header for header in headers if header],
                "mapping": guess_mapping(headers) if index >= 0 else {},
            }
        )
    return sheets


@dataclass
class SourceRow:
    sheet: str
    row: int
    values: dict[str, Any]
    # Field -> the header as the file writes it, for messages that name the column.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SheetProblem:
    sheet: str
    reason: str


def _chain(first: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


def _data_sheets(job: ImportJob) -> list[str]:
    if job.sheet:
        return [job.sheet]
    return [sheet["name"] for sheet in job.sheets if sheet.get("is_data")]


def source_rows(job: ImportJob, stream: IO[bytes], problems: list[SheetProblem]) -> Iterator[Any]:
    """Yield SourceRow for every data row (and "blank" for each blank row between data)."""
    detected = detected_of(job)
    mapping = {k: v for k, v in (job.mapping or {}).items() if k in FIELDS and v}
    for sheet in _data_sheets(job):
        rows = readers.read_sheet(stream, detected, sheet)
        head: list[list[Any]] = []
        for row in rows:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        index, columns = _find_header(head, mapping)
        missing = [name for name in REQUIRED_FIELDS if name not in columns]
        if index < 0 or missing:
            names = ", ".join(missing or ["date", "counterpart"])
            problems.append(
                SheetProblem(
                    sheet,
                    _("No header row with the columns %(names)s was found in the first %(n)d rows.")
                    % {"names": names, "n": HEADER_SEARCH_ROWS},
                )
            )
            continue
        number = index + 1
        pending_blank = 0
        headers = {
            name: clean(head[index][column]) or name
            for name, column in columns.items()
            if column < len(head[index])
        }

        for row in _chain(head[index + 1 :], rows):
            number += 1
            if _is_blank(row):
                pending_blank += 1
                continue
            for _blank in range(pending_blank):
                yield "blank"
            pending_blank = 0
            values = {
                name: (row[column] if column < len(row) else None)
                for name, column in columns.items()
            }
            yield SourceRow(sheet=sheet, row=number, values=values, headers=headers)
