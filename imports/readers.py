"""Reading spreadsheets safely: the format is told by the content, never by the name or the
declared type; zip containers are checked before any parser sees them (entry count, total
uncompressed size, compression ratio); XML is parsed with defusedxml and any document type
declaration (the billion-laughs and external-entity attacks need one) is refused.

A reader yields sheets as (name, rows), each row a list of cell values (str, int, float,
datetime.date/datetime, or None), row numbers counted from 1 as a spreadsheet shows them.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Cell = Any
Row = list[Cell]

CSV, XLSX, XLSM, ODS = "csv", "xlsx", "xlsm", "ods"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CSV_DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class UnsafeFile(ValidationError):
    """A file refused for safety (zip bomb, XML entities): never parsed further."""


@dataclass
class Detected:
    format: str
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def _reject(message: str) -> ValidationError:
    return ValidationError({"file": message})


def check_zip(stream: IO[bytes]) -> zipfile.ZipFile:
    """Open a zip container after checking it cannot exhaust memory or disk when read."""
    max_entries = limit("IMPORT_MAX_ZIP_ENTRIES", 2000)
    max_total = limit("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
    max_ratio = limit("IMPORT_MAX_COMPRESSION_RATIO", 200)
    try:
        archive = zipfile.ZipFile(stream)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _reject(
            _("The file is a damaged zip container: %(error)s") % {"error": error}
        ) from error
    if len(entries) > max_entries:
        raise UnsafeFile(
            {
                "file": _(
                    "The workbook holds %(count)d parts, more than the %(limit)d allowed: "
                    "refused as a possible zip bomb."
                )
                % {"count": len(entries), "limit": max_entries}
            }
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.compress_size and entry.file_size > 1024 * 1024:
            ratio = entry.file_size / entry.compress_size
            if ratio > max_ratio:
                raise UnsafeFile(
                    {
                        "file": _(
                            "Part %(name)s expands %(ratio)d times (limit %(limit)d): "
                            "refused as a possible zip bomb."
                        )
                        % {"name": entry.filename, "ratio": int(ratio), "limit": max_ratio}
                    }
                )
    if total > max_total:
        raise UnsafeFile(
            {
                "file": _(
                    "The workbook expands to %(size)d bytes, more than the %(limit)d allowed: "
                    "refused as a possible zip bomb."
                )
                % {"size": total, "limit": max_total}
            }
        )
    return archive


def read_entry(archive: zipfile.ZipFile, name: str, *, max_bytes: int | None = None) -> bytes:
    """An entry's bytes, never more than its declared size (a lying header cannot make us
    inflate more) nor more than max_bytes."""
    info = archive.getinfo(name)
    cap = info.file_size if max_bytes is None else min(info.file_size, max_bytes)
    with archive.open(info) as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise UnsafeFile({"file": _("Part %(name)s is larger than declared.") % {"name": name}})
    return data


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_xml_entries(archive: zipfile.ZipFile) -> None:
    """Refuse any XML part with a DTD: spreadsheets never need one, attacks always do.
    Streams each part in chunks, so the check itself inflates at most the declared sizes."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        tail = b""
        read = 0
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(256 * 1024)
                if not chunk:
                    break
                read += len(chunk)
                if read > info.file_size:
                    raise UnsafeFile(
                        {
                            "file": _("Part %(name)s is larger than declared.")
                            % {"name": info.filename}
                        }
                    )
                if _DOCTYPE.search(tail + chunk):
                    raise UnsafeFile(
                        {
                            "file": _(
                                "Part %(name)s declares a document type or entities, which "
                                "spreadsheets never need: refused as unsafe XML."
                            )
                            % {"name": info.filename}
                        }
                    )
                tail = chunk[-16:]


def _zip_format(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "mimetype" in names:
        mimetype = read_entry(archive, "mimetype", max_bytes=200).strip()
        if mimetype == ODS_MIMETYPE:
            return ODS
        raise _reject(
            _("The file is an OpenDocument file of type %(type)s, not a spreadsheet.")
            % {"type": mimetype.decode("ascii", "replace")}
        )
    if "[Content_Types].xml" in names:
        types = read_entry(archive, "[Content_Types].xml", max_bytes=1024 * 1024).decode(
            "utf-8", "replace"
        )
        if XLSM_MAIN in types:
            return XLSM
        if XLSX_MAIN in types:
            return XLSX
        raise _reject(_("The file is an Office document but not an Excel workbook (XLSX or XLSM)."))
    raise _reject(_("The file is a zip archive, not a spreadsheet."))


def _text_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A multi-byte character may be cut at the end of the sample.
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and len(head) >= SNIFF_BYTES:
            return "utf-8"
    return "cp1252"


def sniff(stream: IO[bytes]) -> Detected:
    """Tell the format by the bytes. Raises ValidationError({"file": ...}) for anything else."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if not head.strip():
        raise _reject(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        archive = check_zip(stream)
        detected = Detected(format=_zip_format(archive))
        check_xml_entries(archive)
        stream.seek(0)
        return detected
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _reject(
            _(
                "The file is an old binary Excel (.xls) or Office document: save it as XLSX, "
                "ODS or CSV and upload that."
            )
        )
    for magic, kind in ((b"%PDF", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG")):
        if head.startswith(magic):
            raise _reject(
                _("The file is a %(kind)s, not a spreadsheet (CSV, XLSX, XLSM or ODS).")
                % {"kind": kind}
            )
    encoding = _text_encoding(head)
    if encoding != "utf-16" and b"\x00" in head:
        raise _reject(_("The file is binary data, not a spreadsheet (CSV, XLSX, XLSM or ODS)."))
    text = head.decode(encoding, errors="replace")
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith(("<", "{", "[")):
        raise _reject(_("The file is markup or JSON, not a spreadsheet (CSV, XLSX, XLSM or ODS)."))
    if re.search(r"[\x00-\x08\x0e-\x1f]", text):
        raise _reject(_("The file holds control characters: it is not a CSV file."))
    return Detected(format=CSV, encoding=encoding, delimiter=_delimiter(text))


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if lines and len(sample) >= SNIFF_BYTES:
        lines = lines[:-1]  # the last line may be cut
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        # Fall back to the candidate found most consistently outside quotes.
        counts = {d: sum(line.count(d) for line in lines) for d in CSV_DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


# --- reading -------------------------------------------------------------------------------


def read_csv(stream: IO[bytes], *, encoding: str, delimiter: str) -> Iterator[Row]:
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        yield from csv.reader(text, delimiter=delimiter)
    finally:
        text.detach()


def _openpyxl_workbook(stream: IO[bytes]) -> Any:
    stream.seek(0)
    # read_only streams rows; openpyxl parses with defusedxml when it is installed (it is).
    return openpyxl.load_workbook(stream, read_only=True, data_only=True, keep_links=False)


def xlsx_sheet_names(stream: IO[bytes]) -> list[str]:
    workbook = _openpyxl_workbook(stream)
    try:
        return [sheet.title for sheet in workbook.worksheets]
    finally:
        workbook.close()


def read_xlsx(stream: IO[bytes], sheet: str) -> Iterator[Row]:
    workbook = _openpyxl_workbook(stream)
    try:
        worksheet = workbook[sheet]
        for row in worksheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


# ODS: content.xml read with defusedxml's iterparse (odfpy parses with plain xml.sax).
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_MAX_REPEAT = 1000  # repeated empty rows/cells at the end of a sheet are padding


def _ods_cell_value(element: Any) -> Cell:
    kind = element.get(f"{_OFFICE}value-type")
    if kind in {"float", "percentage", "currency"}:
        raw = element.get(f"{_OFFICE}value")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return raw
        return int(number) if number.is_integer() else number
    if kind == "date":
        raw = element.get(f"{_OFFICE}date-value") or ""
        try:
            if "T" in raw:
                return datetime.datetime.fromisoformat(raw)
            return datetime.date.fromisoformat(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return element.get(f"{_OFFICE}boolean-value") == "true"
    paragraphs = []
    for paragraph in element.iter(f"{_TEXT}p"):
        paragraphs.append(_ods_text(paragraph))
    text = "\n".join(paragraphs)
    return text if text else None


def _ods_text(element: Any) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * int(child.get(f"{_TEXT}c", "1")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        else:
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_content(stream: IO[bytes]) -> IO[bytes]:
    archive = check_zip(stream)
    if "content.xml" not in archive.namelist():
        raise _reject(_("The OpenDocument file has no content."))
    return archive.open("content.xml")


def read_ods_sheets(stream: IO[bytes], wanted: str | None = None) -> Iterator[tuple[str, Row]]:
    """Yield (sheet name, row) for every row of every sheet (or only of `wanted`)."""
    stream.seek(0)
    content = _ods_content(stream)
    current: str | None = None
    try:
        for event, element in SafeElementTree.iterparse(
            content, events=("start", "end"), forbid_dtd=True
        ):
            if event == "start" and element.tag == f"{_TABLE}table":
                current = element.get(f"{_TABLE}name")
                continue
            if event != "end":
                continue
            if element.tag == f"{_TABLE}table-row":
                if wanted is None or current == wanted:
                    row: Row = []
                    for cell in element:
                        if cell.tag not in {f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"}:
                            continue
                        repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
                        value = _ods_cell_value(cell)
                        row.extend([value] * min(repeat, _MAX_REPEAT))
                    while row and row[-1] in (None, ""):
                        row.pop()
                    repeat_rows = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    for _index in range(max(1, min(repeat_rows, _MAX_REPEAT))):
                        yield current or "", list(row)
                element.clear()
            elif element.tag == f"{_TABLE}table":
                element.clear()
    except SafeElementTree.ParseError as error:
        raise _reject(
            _("The spreadsheet's XML cannot be read: %(error)s") % {"error": error}
        ) from error
    except Exception as error:
        # defusedxml raises DTDForbidden / EntitiesForbidden (not ValidationError subclasses).
        if type(error).__module__.startswith("defusedxml"):
            raise UnsafeFile(
                {"file": _("The spreadsheet's XML declares entities: refused as unsafe XML.")}
            ) from error
        raise
    finally:
        content.close()


def ods_sheet_names(stream: IO[bytes]) -> list[str]:
    stream.seek(0)
    content = _ods_content(stream)
    names = []
    try:
        for _event, element in SafeElementTree.iterparse(
            content, events=("start",), forbid_dtd=True
        ):
            if element.tag == f"{_TABLE}table":
                names.append(element.get(f"{_TABLE}name") or "")
    finally:
        content.close()
    return names


def sheet_names(stream: IO[bytes], detected: Detected) -> list[str]:
    if detected.format == CSV:
        return [""]
    if detected.format == ODS:
        return ods_sheet_names(stream)
    return xlsx_sheet_names(stream)


def read_sheet(stream: IO[bytes], detected: Detected, sheet: str) -> Iterator[Row]:
    if detected.format == CSV:
        yield from read_csv(stream, encoding=detected.encoding, delimiter=detected.delimiter)
    elif detected.format == ODS:
        for _name, row in read_ods_sheets(stream, wanted=sheet):
            yield row
    else:
        yield from read_xlsx(stream, sheet)
