"""Builders of the fixture files: one quarterly transparency return with every quirk of the
real ones (docs/imports.md, "What comes in"), written as CSV in three encodings and as
XLSX, XLSM and ODS workbooks with Notes and helper sheets beside the data sheet; plus the
hostile files (zip bomb, billion laughs, files that are not what their names say).

Row numbers are the same in every format: a title on row 1, a blank row 2, headers on row 3.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from typing import Any

import openpyxl
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

TITLE = "Ministerial meetings with external organisations, July to September 2016"
HEADERS = [
    "Minister",
    "Date of meeting",
    "Name of Organisation or Individual",
    "Purpose of Meeting",
]
HEADERS_VARIANT = [
    "MINISTER / SPECIAL ADVISER",
    "  date(s) of trip ",
    "Person or organisation that meeting was with",
    "Issues discussed",
]

# (home, date as text, date as a typed cell or None, counterpart, purpose) from row 4 on.
# None in the first column: the home column is empty (fill down).
ROWS: list[tuple[Any, ...]] = [
    # 4: name and job title in one cell; both people known
    (
        "Kim Yoon-sang, Second Vice Minister",
        "13/07/2016",
        datetime.date(2016, 7, 13),
        "Mario Marcel, Minister of Finance",
        "Critical minerals: lithium and copper",
    ),
    # 5: fill down; ISO date; two organisations in one cell (one known, one not)
    (
        None,
        "2016-07-20",
        datetime.date(2016, 7, 20),
        "Bank of England; HM Treasury",
        "Financial stability",
    ),
    # 6: 07-Jul-16; a list of banks, all known
    (None, "07-Jul-16", None, "Barclays, HSBC and Lloyds Banking Group", "Bank lending"),
    # 7: blank separator row
    (None, "", None, "", ""),
    # 8: Oct-12 (month precision)
    (None, "Oct-12", None, "Inter-American Development Bank", "Trust funds"),
    # 9: "September" in the year of the period
    (None, "September", None, "IDB", "Korea trust funds at the IDB"),
    # 10: a range within September; a country
    (None, "02-06 September", None, "Government of Chile", "Visit to Santiago"),
    # 11: a minister with nothing to declare
    ("Rt Hon Jane Roe MP", "Nil Return", None, "", ""),
    # 12: an unknown official, a near match of a known person ("Marcell")
    (
        "Choi Sang-mok",
        "15/08/2016",
        datetime.date(2016, 8, 15),
        "Mario Marcell, Minister of Finance",
        "Supply chains",
    ),
    # 13: an unreadable date
    (None, "sometime soon", None, "Banco Central de Chile", "Monetary policy"),
    # 14: no counterpart
    (None, "16/08/2016", datetime.date(2016, 8, 16), "", "Purpose with nobody"),
    # 15: Windows-1252 characters; an unknown organisation
    (
        None,
        "17/08/2016",
        datetime.date(2016, 8, 17),
        "Corporación Nacional del Cobre (Codelco)",
        "Copper \u2013 long-term supply",
    ),
]
FIRST_ROW = 4

# The report every format must give (rows with errors list their column and row).
EXPECTED_ACTIONS = {
    4: "create",
    5: "create",
    6: "create",
    8: "create",
    9: "create",
    10: "create",
    12: "create",
    13: "error",
    14: "error",
    15: "create",
}
EXPECTED_PRECISIONS = {
    4: ("2016-07-13", None, "day"),
    5: ("2016-07-20", None, "day"),
    6: ("2016-07-07", None, "day"),
    8: ("2012-10-01", None, "month"),
    9: ("2016-09-01", None, "month"),
    10: ("2016-09-02", "2016-09-06", "day"),
    12: ("2016-08-15", None, "day"),
    15: ("2016-08-17", None, "day"),
}
EXPECTED_ERRORS = [(13, "date"), (14, "counterpart")]
EXPECTED_COUNTS = {
    "created": 8,
    "updated": 0,
    "skipped": 0,
    "failed": 2,
    "nil_returns": 1,
    "blank": 1,
}
PERIOD = "2016-Q3"


def table(
    *, typed_dates: bool = False, headers: list[str] = HEADERS, rows: list[tuple[Any, ...]] = ROWS
) -> list[list[Any]]:
    out: list[list[Any]] = [[TITLE], [], list(headers)]
    for home, date_text, date_value, counterpart, purpose in rows:
        date_cell = date_value if typed_dates and date_value is not None else date_text
        out.append([home or "", date_cell, counterpart, purpose])
    return out


def csv_bytes(*, encoding: str = "utf-8", delimiter: str = ",", **kwargs: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in table(**kwargs):
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def _workbook(**kwargs: Any) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["About this return"])
    notes.append(["Meetings are listed by minister; see the guidance."])
    data = workbook.create_sheet("Meetings")
    for row in table(typed_dates=True, **kwargs):
        data.append([None if cell == "" else cell for cell in row])
    for cell in data["B"]:
        if isinstance(cell.value, datetime.date):
            cell.number_format = "DD/MM/YYYY"
    helper = workbook.create_sheet("Lists")
    for name in ("Minister", "Special Adviser", "Permanent Secretary"):
        helper.append([name])
    return workbook


def xlsx_bytes(**kwargs: Any) -> bytes:
    buffer = io.BytesIO()
    _workbook(**kwargs).save(buffer)
    return buffer.getvalue()


def xlsm_bytes(**kwargs: Any) -> bytes:
    """An XLSX re-labelled as macro-enabled, as Excel saves one (the content type is what
    tells them apart)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(**kwargs)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(info, data)
    return buffer.getvalue()


def _ods_cell(value: Any) -> TableCell:
    if isinstance(value, datetime.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d/%m/%Y")))
        return cell
    cell = TableCell(valuetype="string")
    if value not in (None, ""):
        cell.addElement(P(text=str(value)))
    return cell


def ods_bytes(**kwargs: Any) -> bytes:
    document = OpenDocumentSpreadsheet()
    for name, rows in (
        ("Notes", [["About this return"], ["Meetings are listed by minister."]]),
        ("Meetings", table(typed_dates=True, **kwargs)),
        ("Lists", [["Minister"], ["Special Adviser"]]),
    ):
        sheet = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row or [""]:
                table_row.addElement(_ods_cell(value))
            sheet.addElement(table_row)
        document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


# --- hostile files -----------------------------------------------------------------------------


def zip_bomb_xlsx(uncompressed_mb: int = 40) -> bytes:
    """A valid-looking workbook whose sheet inflates from ~40 kB to 40 MB of zeros."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        with target.open("xl/worksheets/padding.xml", "w") as padding:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(uncompressed_mb):
                padding.write(chunk)
    return buffer.getvalue()


def many_entries_zip(count: int = 5000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        for index in range(count):
            target.writestr(f"xl/part{index}.xml", "")
    return buffer.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>
</worksheet>"""


def _replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info))
    return buffer.getvalue()


def billion_laughs_xlsx() -> bytes:
    return _replace_entry(xlsx_bytes(), "xl/worksheets/sheet2.xml", BILLION_LAUGHS)


def billion_laughs_ods() -> bytes:
    return _replace_entry(ods_bytes(), "content.xml", BILLION_LAUGHS)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        target.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
