"""The meetings list as CSV or XLSX (/meetings/export/).

The queryset comes from the access policy and the list's filters (views/browse.py); this
module only writes it out. Rows are read in chunks (iterator with prefetches per chunk), so
memory stays flat however many meetings match: the CSV is streamed as it is written; the
XLSX is written in openpyxl's write-only mode to a temporary file, then streamed from it.

Every text cell that a spreadsheet could read as a formula (beginning with = + - @, a tab or
a carriage return) is prefixed with a single quote, in both formats (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.models import Classification
from core.spreadsheet import neutralise

from .models import Meeting, Participant

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 500
LIST_SEPARATOR = "; "


def columns() -> list[str]:
    return [
        _("ID"),
        _("Date"),
        _("Date precision"),
        _("Title"),
        _("Kind"),
        _("Status"),
        _("Country (where held)"),
        _("Counterpart countries"),
        _("Event"),
        _("Desk"),
        _("Classification"),
        _("Participants"),
        _("Topics"),
        _("Minerals"),
        _("Instruments"),
        _("Summary"),
        _("Outcomes"),
    ]


def _for_export(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return (
        queryset.select_related("desk", "event", "country")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related(
                    "person", "country", "organization"
                ).order_by("side", "order", "id"),
            ),
            "topics",
            "minerals",
            "instruments",
            "counterpart_countries",
        )
        .order_by("-start", "-id")
    )


def _participant(participant: Participant) -> str:
    details = [
        detail
        for detail in (
            participant.post_label,
            participant.organization.name if participant.organization else "",
            participant.country.name if participant.country else "",
        )
        if detail
    ]
    text = participant.display_name
    if details:
        text += f" ({', '.join(details)})"
    return f"{text} [{participant.get_side_display()}]"


def _names(items: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(str(getattr(item, "name", item)) for item in items)


def meeting_rows(queryset: QuerySet[Meeting]) -> Iterator[list[Any]]:
    """One list of cell values per meeting, typed (int, date, str), not yet neutralised."""
    for meeting in _for_export(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield [
            meeting.pk,
            meeting.meeting_date,
            meeting.get_date_precision_display(),
            meeting.title,
            meeting.get_kind_display(),
            meeting.get_status_display(),
            meeting.country.name if meeting.country else "",
            _names(meeting.counterpart_countries.all()),
            meeting.event.name if meeting.event else "",
            meeting.desk.name,
            Classification(meeting.classification).label,
            LIST_SEPARATOR.join(_participant(p) for p in meeting.participants.all()),
            _names(meeting.topics.all()),
            _names(meeting.minerals.all()),
            _names(meeting.instruments.all()),
            meeting.summary,
            meeting.outcomes,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _as_text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def meetings_csv_lines(queryset: QuerySet[Meeting]) -> Iterator[str]:
    """The CSV, line by line, starting with a byte-order mark so that Excel reads UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(str(label)) for label in columns()])
    for row in meeting_rows(queryset):
        yield writer.writerow(
            [
                neutralise(value.isoformat() if hasattr(value, "isoformat") else value)
                for value in row
            ]
        )


def _attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def meetings_csv_response(queryset: QuerySet[Meeting], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        meetings_csv_lines(queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _attachment(filename)
    return response


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        # Control characters other than tab and line breaks are not allowed in XLSX.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def meetings_xlsx_file(queryset: QuerySet[Meeting]) -> Any:
    """A temporary file holding the workbook, positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Meetings")[:31])
    sheet.append([_xlsx_cell(str(label)) for label in columns()])
    for row in meeting_rows(queryset):
        sheet.append([_xlsx_cell(value) for value in row])
    # Closed by FileResponse once sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle


def meetings_xlsx_response(queryset: QuerySet[Meeting], *, filename: str) -> FileResponse:
    return FileResponse(
        meetings_xlsx_file(queryset),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
