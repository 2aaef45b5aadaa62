"""The import engine: reads a job's file row by row, plans what each row does (create,
update, skip, error) and writes the plan in bulk.

One plan serves the dry run (validate) and the write, so what the report promises is what
the write does. Queries per job are fixed (reference tables read once, existing meetings
looked up in batches, rows written with bulk_create in batches), so a file of 100,000 rows
costs a few hundred queries, not a few per row.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import policy
from accounts.models import Classification, Desk
from engagements.models import Meeting, Organization, Participant, Person, Tenure
from engagements.signals import meeting_saved

from . import readers
from .matching import COUNTRY, ORGANIZATION, PERSON, Candidate, Directory, Match, near_matches
from .models import ImportCreatedRecord, ImportJob, ImportRowLink
from .parsing import (
    FIELDS,
    NIL_RETURN,
    REQUIRED_FIELDS,
    DateError,
    NamePart,
    ParsedDate,
    Period,
    clean,
    column_indexes,
    guess_mapping,
    name_key,
    parse_date,
    split_counterparts,
    split_name_and_title,
    strip_honorific,
)

logger = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 30
BATCH = 2000
EXISTING_LOOKUP_BATCH = 5000


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- the file ------------------------------------------------------------------------------


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
            yield SourceRow(sheet=sheet, row=number, values=values)


# --- planning ------------------------------------------------------------------------------


@dataclass
class Entity:
    part: NamePart
    match: Match
    side: str
    create_as: str = ""  # person | organization when allow_create and no candidate

    @property
    def candidate(self) -> Candidate | None:
        return self.match.candidate if self.match.linked else None


@dataclass
class RowPlan:
    sheet: str
    row: int
    home_raw: str = ""
    counterpart_raw: str = ""
    purpose: str = ""
    date: ParsedDate | None = None
    date_raw: str = ""
    home: Entity | None = None
    counterparts: list[Entity] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    external_id: str = ""
    action: str = ""
    meeting_id: int | None = None

    def report(self) -> dict[str, Any]:
        entities = ([self.home] if self.home else []) + self.counterparts
        return {
            "sheet": self.sheet,
            "row": self.row,
            "action": self.action,
            "external_id": self.external_id,
            "date": self.date.start.isoformat() if self.date else None,
            "date_end": self.date.end.isoformat() if self.date and self.date.end else None,
            "date_precision": self.date.precision if self.date else None,
            "home": self.home_raw,
            "counterparts": [entity.part.raw for entity in self.counterparts],
            "matches": [
                {**entity.match.as_report(), "create": bool(entity.create_as)}
                for entity in entities
            ],
            "meeting_id": self.meeting_id,
        }


@dataclass
class Plan:
    job: ImportJob
    rows: list[RowPlan] = field(default_factory=list)
    nil_returns: int = 0
    blank: int = 0
    problems: list[SheetProblem] = field(default_factory=list)
    existing: dict[str, Meeting] = field(default_factory=dict)
    desk: Desk | None = None
    classification: int = Classification.INTERNAL

    @property
    def error_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.errors]

    def counts(self) -> dict[str, int]:
        actions = Counter(row.action for row in self.rows)
        return {
            "created": actions["create"],
            "updated": actions["update"],
            "skipped": actions["skip"],
            "failed": actions["error"],
            "nil_returns": self.nil_returns,
            "blank": self.blank,
        }

    def report(self) -> dict[str, Any]:
        max_rows = setting("IMPORT_REPORT_MAX_ROWS", 2000)
        max_errors = setting("IMPORT_REPORT_MAX_ERRORS", 2000)
        errors = [
            {"sheet": problem.sheet, "row": None, "column": None, "reason": problem.reason}
            for problem in self.problems
        ] + [
            {"sheet": row.sheet, "row": row.row, "column": column, "reason": reason}
            for row in self.rows
            for column, reason in row.errors
        ]
        return {
            "counts": self.counts(),
            "rows": [row.report() for row in self.rows[:max_rows]],
            "errors": errors[:max_errors],
            "truncated": {
                "rows": max(0, len(self.rows) - max_rows),
                "errors": max(0, len(errors) - max_errors),
            },
            "source": self.job.external_source,
            "desk": self.desk.code if self.desk else None,
            "classification": self.classification,
            "mode": self.job.options.get("mode", ImportJob.Mode.ALL),
        }


def resolve_scope(job: ImportJob) -> tuple[Desk, int]:
    """The desk and classification the rows are written with, never beyond the uploader's
    rights (checked again at write time: rights may have changed since the upload)."""
    user = job.created_by
    options = job.options or {}
    code = options.get("desk")
    if code:
        desk = Desk.objects.filter(code=code).first()
        if desk is None:
            raise ValidationError({"desk": _("There is no desk %(code)r.") % {"code": code}})
    else:
        desks = list(Desk.objects.filter(memberships__user=user)[:2])
        if len(desks) != 1:
            raise ValidationError(
                {
                    "desk": _("Choose the desk the meetings belong to (you belong to %(n)d desks).")
                    % {"n": len(desks)}
                }
            )
        desk = desks[0]
    if not policy.can_write_for_desk(user, desk_id=desk.pk):
        raise ValidationError(
            {"desk": _("You do not belong to the desk %(desk)s.") % {"desk": desk.code}}
        )
    classification = int(options.get("classification", Classification.INTERNAL))
    if classification not in Classification.values:
        raise ValidationError({"classification": _("Unknown classification.")})
    if not policy.is_administrator(user) and classification > user.clearance:
        raise ValidationError(
            {"classification": _("Classification above your own clearance is not allowed.")}
        )
    return desk, classification


def _period(job: ImportJob) -> Period | None:
    try:
        return Period.parse((job.options or {}).get("period"))
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from error


def build_plan(job: ImportJob, *, progress: Any = None) -> Plan:
    """Read the whole file and decide what each row does. Writes nothing."""
    plan = Plan(job=job)
    plan.desk, plan.classification = resolve_scope(job)
    period = _period(job)
    last_home: dict[str, str] = {}
    with job_file(job) as stream:
        for item in source_rows(job, stream, plan.problems):
            if item == "blank":
                plan.blank += 1
                continue
            row = _read_row(item, period, last_home)
            if row is None:
                plan.nil_returns += 1
                continue
            plan.rows.append(row)
            if progress is not None and len(plan.rows) % BATCH == 0:
                progress(len(plan.rows))
    _resolve_names(plan)
    _assign_external_ids(plan)
    _decide_actions(plan)
    return plan


def _read_row(item: SourceRow, period: Period | None, last_home: dict[str, str]) -> RowPlan | None:
    values = item.values
    home_cell = clean(values.get("home"))
    counterpart = clean(values.get("counterpart"))
    purpose = clean(values.get("purpose"))
    date_cell = values.get("date")
    if home_cell:
        last_home[item.sheet] = home_cell
    if any(NIL_RETURN.match(text) for text in (counterpart, purpose, clean(date_cell)) if text):
        return None
    row = RowPlan(sheet=item.sheet, row=item.row, counterpart_raw=counterpart, purpose=purpose)
    row.home_raw = home_cell or last_home.get(item.sheet, "")
    row.date_raw = (
        date_cell.isoformat() if isinstance(date_cell, datetime.date) else clean(date_cell)
    )
    if not row.home_raw:
        row.errors.append(("home", _("No minister or official on this row or the rows above.")))
    try:
        row.date = parse_date(date_cell, period=period)
    except DateError as error:
        row.errors.append(("date", str(error)))
    if not counterpart:
        row.errors.append(
            ("counterpart", _("The counterpart (who the meeting was with) is empty."))
        )
    if len(purpose) > 5000:
        row.errors.append(("purpose", _("The purpose is longer than 5,000 characters.")))
    return row


def _resolve_names(plan: Plan) -> None:
    directory = Directory.load()
    allow_create = bool(plan.job.options.get("allow_create"))
    home_names: set[str] = set()
    other_names: dict[str, set[str]] = {PERSON: set(), ORGANIZATION: set()}
    pending: list[tuple[RowPlan, str, NamePart]] = []

    for row in plan.rows:
        if row.home_raw:
            name, label = split_name_and_title(row.home_raw)
            part = NamePart(raw=row.home_raw, name=name, post_label=label, kind_hint=PERSON)
            pending.append((row, "home", part))
        for part in split_counterparts(row.counterpart_raw):
            chosen = [part]
            if part.pieces and directory.exact(part.name, kinds=(ORGANIZATION, PERSON)) is None:
                chosen = part.pieces
            for piece in chosen:
                pending.append((row, "counterpart", piece))

    exact: dict[tuple[str, str], Candidate | None] = {}
    for _row, side, part in pending:
        kinds = _kinds_for(side, part)
        key = (side, part.name)
        if key not in exact:
            exact[key] = directory.exact(part.name, kinds=kinds)
            if exact[key] is None:
                if side == "home":
                    home_names.add(part.name)
                else:
                    other_names[PERSON if part.kind_hint == PERSON else ORGANIZATION].add(part.name)
    near: dict[tuple[str, str], Match] = {}
    for name, match in near_matches(home_names, kind=PERSON, directory=directory).items():
        near[("home", name)] = match
    for kind, names in other_names.items():
        for name, match in near_matches(names, kind=kind, directory=directory).items():
            near[("counterpart", name)] = match

    for row, side, part in pending:
        key = (side, part.name)
        candidate = exact[key]
        if candidate is not None:
            match = Match(raw=part.raw, kind=candidate.kind, candidate=candidate, similarity=1.0)
        elif key in near:
            found = near[key]
            match = Match(
                raw=part.raw,
                kind=found.kind,
                candidate=found.candidate,
                similarity=found.similarity,
                needs_review=True,
            )
        else:
            match = Match(raw=part.raw, kind=_kinds_for(side, part)[0])
        entity = Entity(part=part, match=match, side=side)
        if allow_create and match.candidate is None and match.kind in (PERSON, ORGANIZATION):
            entity.create_as = match.kind
        if side == "home":
            row.home = entity
        else:
            row.counterparts.append(entity)


def _kinds_for(side: str, part: NamePart) -> tuple[str, ...]:
    if side == "home" or part.kind_hint == PERSON:
        return (PERSON, ORGANIZATION, COUNTRY) if side != "home" else (PERSON,)
    return (ORGANIZATION, COUNTRY, PERSON)


def _identity(row: RowPlan) -> str:
    home = name_key(strip_honorific(row.home.part.name if row.home else row.home_raw))
    day = row.date.start.isoformat() if row.date else row.date_raw.lower()
    if row.date and row.date.end:
        day += "/" + row.date.end.isoformat()
    counterparts = sorted(name_key(strip_honorific(e.part.name)) for e in row.counterparts)
    return "|".join([home, day, ";".join(counterparts)])


def _assign_external_ids(plan: Plan) -> None:
    seen: Counter[str] = Counter()
    for row in plan.rows:
        identity = _identity(row)
        seen[identity] += 1
        digest = hashlib.sha256(f"{identity}#{seen[identity]}".encode()).hexdigest()[:32]
        row.external_id = f"row-{digest}"


def _decide_actions(plan: Plan) -> None:
    job, user = plan.job, plan.job.created_by
    source = job.external_source
    ids = [row.external_id for row in plan.rows if not row.errors]
    for start in range(0, len(ids), EXISTING_LOOKUP_BATCH):
        chunk = ids[start : start + EXISTING_LOOKUP_BATCH]
        for meeting in Meeting.objects.filter(
            external_source=source, external_id__in=chunk
        ).prefetch_related("participants"):
            plan.existing[meeting.external_id] = meeting
    labels = _tenure_labels(plan)
    for row in plan.rows:
        if row.errors:
            row.action = "error"
            continue
        existing = plan.existing.get(row.external_id)
        if existing is None:
            row.action = "create"
            continue
        meeting = existing
        row.meeting_id = meeting.pk
        if not policy.can_write_for_desk(user, desk_id=meeting.desk_id) or (
            not policy.is_administrator(user) and meeting.classification > user.clearance
        ):
            row.errors.append(
                (
                    "",
                    _(
                        "This row's meeting was imported before on a desk or at a "
                        "classification you may not change."
                    ),
                )
            )
            row.action = "error"
            continue
        wanted = _meeting_fields(plan, row)
        same = all(getattr(meeting, name) == value for name, value in wanted.items())
        same = same and _participant_signature(
            meeting.participants.all()
        ) == _participant_signature(_participants(plan, row, meeting, labels))
        row.action = "skip" if same else "update"


# --- building records ------------------------------------------------------------------------


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=datetime.UTC)


_TEXTS: dict[str, tuple[str, str, str]] = {}


def _texts() -> tuple[str, str, str]:
    """The record texts in the active language, looked up once (not once per row)."""
    language = get_language() or ""
    if language not in _TEXTS:
        _TEXTS[language] = (
            _("%(home)s with %(counterpart)s"),
            _("Minister or official as recorded: %(text)s"),
            _("Counterpart as recorded: %(text)s"),
        )
    return _TEXTS[language]


def _meeting_fields(plan: Plan, row: RowPlan) -> dict[str, Any]:
    assert row.date is not None
    counterparts = "; ".join(entity.part.raw for entity in row.counterparts) or row.counterpart_raw
    home = row.home.part.name if row.home else row.home_raw
    title_text, home_text, counterpart_text = _texts()
    title = title_text % {"home": home, "counterpart": counterparts}
    notes = "\n".join(
        [home_text % {"text": row.home_raw}, counterpart_text % {"text": row.counterpart_raw}]
    )
    return {
        "title": title[:300],
        "summary": row.purpose,
        "notes": notes,
        "start": _start_of(row.date.start),
        "end": _start_of(row.date.end) if row.date.end else None,
        "date_precision": row.date.precision,
        "kind": Meeting.Kind.MULTILATERAL if len(row.counterparts) > 1 else Meeting.Kind.BILATERAL,
    }


def _tenure_labels(
    plan: Plan,
) -> dict[int, list[tuple[datetime.date, datetime.date | None, str, int]]]:
    person_ids = {
        entity.candidate.id
        for row in plan.rows
        for entity in ([row.home] if row.home else []) + row.counterparts
        if entity.candidate is not None and entity.candidate.kind == PERSON
    }
    labels: dict[int, list[tuple[datetime.date, datetime.date | None, str, int]]] = {}
    if not person_ids:
        return labels
    for person_id, start, end, label, organization_id in Tenure.objects.filter(
        person_id__in=person_ids
    ).values_list("person_id", "start_date", "end_date", "post__label", "post__organization_id"):
        labels.setdefault(person_id, []).append((start, end, label, organization_id))
    return labels


def _label_on(
    labels: dict[int, list[tuple[datetime.date, datetime.date | None, str, int]]],
    person_id: int,
    day: datetime.date,
) -> tuple[str, int | None]:
    for start, end, label, organization_id in sorted(labels.get(person_id, []), reverse=True):
        if start <= day and (end is None or end > day):
            return label, organization_id
    return "", None


def _participants(
    plan: Plan,
    row: RowPlan,
    meeting: Meeting | None,
    labels: dict[int, list[tuple[datetime.date, datetime.date | None, str, int]]],
    created: dict[tuple[str, str], int] | None = None,
) -> list[Participant]:
    assert row.date is not None
    result: list[Participant] = []
    order: Counter[str] = Counter()
    person_ids: set[int] = set()
    for entity in ([row.home] if row.home else []) + row.counterparts:
        side = Participant.Side.HOME if entity.side == "home" else Participant.Side.COUNTERPART
        order[side] += 1
        candidate = entity.candidate
        kind = candidate.kind if candidate else entity.create_as
        object_id = candidate.id if candidate else None
        if candidate is None and entity.create_as and created is not None:
            object_id = created.get((entity.create_as, name_key(entity.part.name)))
        participant = Participant(
            meeting=meeting,
            side=side,
            order=order[side],
            raw_name=entity.part.name[:300],
            post_label=entity.part.post_label[:300],
        )
        if kind == PERSON and object_id is not None and object_id not in person_ids:
            person_ids.add(object_id)
            participant.person_id = object_id
            if candidate is not None:
                participant.country_id = candidate.country_id
            if not participant.post_label:
                label, organization_id = _label_on(labels, object_id, row.date.start)
                participant.post_label = label
                participant.organization_id = organization_id
        elif kind == ORGANIZATION and object_id is not None:
            participant.organization_id = object_id
            participant.country_id = candidate.country_id if candidate else None
        elif kind == COUNTRY and candidate is not None:
            participant.country_id = candidate.id
        result.append(participant)
    return result


def _participant_key(participant: Participant) -> tuple[Any, ...]:
    return (
        participant.side,
        participant.order,
        participant.person_id,
        participant.raw_name,
        participant.organization_id,
        participant.country_id,
        participant.post_label,
    )


def _participant_signature(participants: Any) -> list[tuple[Any, ...]]:
    return sorted((_participant_key(p) for p in participants), key=lambda key: (key[0], key[1]))


# --- writing -------------------------------------------------------------------------------


class Progress:
    """rows_done, written where other sessions can see it while the write transaction is
    still open: through a connection of its own (PostgreSQL). The write transaction never
    touches the job's row, so this connection never waits for it."""

    def __init__(self, job: ImportJob) -> None:
        self.job_id = job.pk
        self.connection = None
        if connection.vendor == "postgresql":
            try:
                self.connection = connections.create_connection("default")
            except Exception:  # pragma: no cover - progress is best effort
                logger.warning("No side connection for import progress", exc_info=True)

    def __call__(self, done: int) -> None:
        if self.connection is None:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(
                    "UPDATE imports_importjob SET rows_done = LEAST(%s, rows_total) WHERE id = %s",
                    [done, self.job_id],
                )
        except DatabaseError:
            logger.warning("Could not record import progress", exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# The desk and the uploader are checked once per job (resolve_scope), not once per row (a
# foreign key's validation is a query); the database constraints back the rest.
_CHECKED_ONCE = ["desk", "created_by", "country", "event"]


def write_plan(plan: Plan, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the rows the plan creates or updates, in one transaction. The caller decides
    (by mode) whether rows with errors stop everything; here they are left out."""
    job, user = plan.job, plan.job.created_by
    # history_change_reason holds 100 characters; the file's name is on Meeting.source.
    reason = (_("Imported by import job %(id)d") % {"id": job.pk})[:100]
    source_text = (_("Import job %(id)d: %(name)s") % {"id": job.pk, "name": job.original_name})[
        :500
    ]
    labels = _tenure_labels(plan)
    done = 0
    with transaction.atomic():
        created_records = _create_missing_records(plan)
        creates = [row for row in plan.rows if row.action == "create"]
        updates = [row for row in plan.rows if row.action == "update"]
        for start in range(0, len(creates), BATCH):
            batch = creates[start : start + BATCH]
            meetings = []
            for row in batch:
                meeting = Meeting(
                    desk=plan.desk,
                    classification=plan.classification,
                    status=Meeting.Status.HELD,
                    time_zone="UTC",
                    source=source_text,
                    external_source=job.external_source,
                    external_id=row.external_id,
                    created_by=user,
                    **_meeting_fields(plan, row),
                )
                meeting._change_reason = _row_reason(job, row)  # type: ignore[attr-defined]
                meeting.full_clean(
                    exclude=_CHECKED_ONCE, validate_unique=False, validate_constraints=False
                )
                meetings.append(meeting)
            _insert_with_history(Meeting, meetings, user=user, reason=reason)
            _write_participants(plan, batch, meetings, labels, created_records, reason)
            for row, meeting in zip(batch, meetings, strict=True):
                row.meeting_id = meeting.pk
            _insert(
                ImportRowLink,
                [
                    ImportRowLink(job=job, meeting=m, sheet=r.sheet, row=r.row, action="create")
                    for r, m in zip(batch, meetings, strict=True)
                ],
            )
            done += len(batch)
            if progress:
                progress(done)
        for start in range(0, len(updates), BATCH):
            batch = updates[start : start + BATCH]
            meetings = list(
                Meeting.objects.select_for_update().filter(pk__in=[row.meeting_id for row in batch])
            )
            by_id = {meeting.pk: meeting for meeting in meetings}
            ordered = [by_id[row.meeting_id] for row in batch if row.meeting_id in by_id]
            fields = list(_meeting_fields(plan, batch[0]))
            for row in batch:
                meeting = by_id[row.meeting_id]  # type: ignore[index]
                for name, value in _meeting_fields(plan, row).items():
                    setattr(meeting, name, value)
                meeting.version += 1
                meeting.source = source_text
                meeting._change_reason = _row_reason(job, row)  # type: ignore[attr-defined]
                meeting.full_clean(
                    exclude=_CHECKED_ONCE, validate_unique=False, validate_constraints=False
                )
            bulk_update_with_history(
                ordered,
                Meeting,
                [*fields, "version", "source"],
                batch_size=BATCH,
                default_user=user,
                default_change_reason=reason,
            )
            Meeting.objects.filter(pk__in=by_id).update(updated_at=timezone.now())
            for participant in Participant.objects.filter(meeting_id__in=by_id):
                participant._change_reason = reason  # type: ignore[attr-defined]
                participant._history_user = user  # type: ignore[attr-defined]
                participant.delete()
            _write_participants(plan, batch, ordered, labels, created_records, reason, replace=True)
            ImportRowLink.objects.bulk_create(
                [
                    ImportRowLink(
                        job=job,
                        meeting_id=r.meeting_id or 0,
                        sheet=r.sheet,
                        row=r.row,
                        action="update",
                    )
                    for r in batch
                ]
            )
            done += len(batch)
            if progress:
                progress(done)
        skips = [row for row in plan.rows if row.action == "skip"]
        _insert(
            ImportRowLink,
            [
                ImportRowLink(
                    job=job, meeting_id=r.meeting_id or 0, sheet=r.sheet, row=r.row, action="skip"
                )
                for r in skips
            ],
        )
        _send_saved_signals(plan, creates, updates)
    return plan.counts()


def _row_reason(job: ImportJob, row: RowPlan) -> str:
    return (
        _("Imported by import job %(id)d, %(sheet)s row %(row)d")
        % {"id": job.pk, "sheet": row.sheet or "CSV", "row": row.row}
    )[:100]


def _create_missing_records(plan: Plan) -> dict[tuple[str, str], int]:
    """People and organizations the rows name that match nothing (allow_create only)."""
    wanted: dict[tuple[str, str], str] = {}
    for row in plan.rows:
        if row.action not in {"create", "update"}:
            continue
        for entity in ([row.home] if row.home else []) + row.counterparts:
            if entity.create_as and entity.candidate is None:
                name = (
                    strip_honorific(entity.part.name)
                    if entity.create_as == PERSON
                    else entity.part.name
                )
                wanted.setdefault((entity.create_as, name_key(entity.part.name)), name[:200])
    if not wanted:
        return {}
    used = set(Person.objects.values_list("slug", flat=True)) | set(
        Organization.objects.values_list("slug", flat=True)
    )

    def slug_for(name: str) -> str:
        base = (slugify(name) or "imported")[:100]
        slug, number = base, 1
        while slug in used:
            number += 1
            slug = f"{base}-{number}"
        used.add(slug)
        return slug

    people = [
        Person(name=name, sort_name=name, slug=slug_for(name))
        for (kind, _key), name in wanted.items()
        if kind == PERSON
    ]
    organizations = [
        Organization(name=name, slug=slug_for(name))
        for (kind, _key), name in wanted.items()
        if kind == ORGANIZATION
    ]
    Person.objects.bulk_create(people, batch_size=BATCH)
    Organization.objects.bulk_create(organizations, batch_size=BATCH)
    ImportCreatedRecord.objects.bulk_create(
        [
            ImportCreatedRecord(job=plan.job, kind="person", object_id=p.pk, name=p.name)
            for p in people
        ]
        + [
            ImportCreatedRecord(job=plan.job, kind="organization", object_id=o.pk, name=o.name)
            for o in organizations
        ],
        batch_size=BATCH,
    )
    ids_by_name = {(PERSON, name_key(p.name)): p.pk for p in people}
    ids_by_name.update({(ORGANIZATION, name_key(o.name)): o.pk for o in organizations})
    created: dict[tuple[str, str], int] = {}
    for (kind, key), name in wanted.items():
        created[(kind, key)] = ids_by_name[(kind, name_key(name))]
    return created


def _write_participants(
    plan: Plan,
    rows: list[RowPlan],
    meetings: list[Meeting],
    labels: dict[int, list[tuple[datetime.date, datetime.date | None, str, int]]],
    created: dict[tuple[str, str], int],
    reason: str,
    *,
    replace: bool = False,
) -> None:
    participants: list[Participant] = []
    countries: list[Any] = []
    through = Meeting.counterpart_countries.through
    for row, meeting in zip(rows, meetings, strict=True):
        rows_participants = _participants(plan, row, meeting, labels, created)
        participants.extend(rows_participants)
        country_ids = {
            p.country_id
            for p in rows_participants
            if p.side == Participant.Side.COUNTERPART and p.country_id is not None
        }
        countries.extend(through(meeting_id=meeting.pk, country_id=c) for c in sorted(country_ids))
    for participant in participants:
        participant._change_reason = reason  # type: ignore[attr-defined]
    _insert_with_history(Participant, participants, user=plan.job.created_by, reason=reason)
    if replace:
        through.objects.filter(meeting_id__in=[m.pk for m in meetings]).delete()
    _insert(through, countries)


# --- bulk inserts ----------------------------------------------------------------------------


def _use_copy() -> bool:
    return connection.vendor == "postgresql"


def _reserve_ids(model: Any, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model: Any, objs: list[Any]) -> None:
    """INSERT by COPY: the plainest fast path. Values are the attributes as they are (text,
    numbers, dates, None); auto-generated keys left out are filled by the database."""
    if not objs:
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(objs[0], f.attname) is None)
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([getattr(obj, f.attname) for f in fields])


def _insert(model: Any, objs: list[Any]) -> None:
    if _use_copy():
        _copy(model, objs)
    else:
        model.objects.bulk_create(objs, batch_size=BATCH)


def _insert_with_history(model: Any, objs: list[Any], *, user: Any, reason: str) -> None:
    """Rows and their simple-history records ("+"), with the uploader and the job named."""
    if not objs:
        return
    if not _use_copy():
        bulk_create_with_history(
            objs, model, batch_size=BATCH, default_user=user, default_change_reason=reason
        )
        return
    now = timezone.now()
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
        for name in ("created_at", "updated_at"):
            if hasattr(obj, name) and getattr(obj, name) is None:
                setattr(obj, name, now)
    _copy(model, objs)
    history_model = model.history.model
    tracked = [f.attname for f in history_model.tracked_fields]
    quote = connection.ops.quote_name
    columns = [
        *(history_model._meta.get_field(name).column for name in tracked),
        "history_date",
        "history_user_id",
        "history_change_reason",
        "history_type",
    ]
    user_id = getattr(user, "pk", None)
    with connection.cursor() as cursor:
        statement = (
            f"COPY {quote(history_model._meta.db_table)} "
            f"({', '.join(quote(c) for c in columns)}) FROM STDIN"
        )
        with cursor.cursor.copy(statement) as copy:
            for obj in objs:
                copy.write_row(
                    [
                        *(getattr(obj, name) for name in tracked),
                        now,
                        user_id,
                        getattr(obj, "_change_reason", None) or reason,
                        "+",
                    ]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def _send_saved_signals(plan: Plan, creates: list[RowPlan], updates: list[RowPlan]) -> None:
    """Tell watchers and webhooks of the meetings written, for files of ordinary size. A bulk
    load of thousands of rows would flood them; it is reported on the job instead."""
    limit = setting("IMPORT_SIGNAL_MAX_MEETINGS", 200)
    if len(creates) + len(updates) > limit:
        return
    ids = [row.meeting_id for row in creates + updates]
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=ids)}
    for rows, created in ((creates, True), (updates, False)):
        for row in rows:
            meeting = meetings.get(row.meeting_id)  # type: ignore[arg-type]
            if meeting is not None:
                meeting_saved.send(
                    sender=Meeting, meeting=meeting, created=created, user=plan.job.created_by
                )


__all__ = [
    "Plan",
    "Progress",
    "RowPlan",
    "build_plan",
    "detected_of",
    "inspect_sheets",
    "job_file",
    "resolve_scope",
    "write_plan",
]
