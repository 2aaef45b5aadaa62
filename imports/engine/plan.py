"""Planning an import: what each row of the file does (create, update, skip, error), from
the rows read, the names matched and the meetings earlier imports of the file wrote.

One plan serves the dry run (validate) and the write, so what the report promises is what
the write does. Whether the uploader may write each row, and whether an existing meeting
would change, is answered by the bulk service of engagements (meetings_bulk_check), the
same one that writes. Queries per job are fixed: reference tables read once, existing
meetings looked up in batches.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Classification, Desk
from engagements.models import Country, Meeting, Organization, Participant, Person
from engagements.services import BulkMeeting, MeetingInput, ParticipantInput, meetings_bulk_check

from ..matching import COUNTRY, ORGANIZATION, PERSON, Candidate, Directory, Match, near_matches
from ..models import ImportJob
from ..parsing import (
    NIL_RETURN,
    DateError,
    NamePart,
    ParsedDate,
    Period,
    clean,
    name_key,
    parse_date,
    split_counterparts,
    split_name_and_title,
    strip_honorific,
)
from .read import SheetProblem, SourceRow, job_file, source_rows

BATCH = 2000
EXISTING_LOOKUP_BATCH = 5000


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


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
    # The row's own classification (an optional column); None: the job's.
    classification: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

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
    records: Records | None = None

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
    rights (asked of the policy again at write time: rights may have changed since)."""
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
    if not policy.can_classify(user, classification=classification):
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
    row = RowPlan(
        sheet=item.sheet,
        row=item.row,
        counterpart_raw=counterpart,
        purpose=purpose,
        headers=item.headers,
    )
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
    marking = clean(values.get("classification"))
    if marking:
        row.classification = classification_of(marking)
        if row.classification is None:
            row.errors.append(
                (
                    "classification",
                    _("Unknown classification %(value)r in the column %(header)r.")
                    % {"value": marking, "header": row.headers.get("classification", "")},
                )
            )
    return row


def classification_of(text: str) -> int | None:
    key = text.strip().lower()
    for level in Classification:
        if key in {str(level.value), level.name.lower(), str(level.label).lower()}:
            return int(level)
    return None


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
    source = plan.job.external_source
    ids = [row.external_id for row in plan.rows if not row.errors]
    for start in range(0, len(ids), EXISTING_LOOKUP_BATCH):
        chunk = ids[start : start + EXISTING_LOOKUP_BATCH]
        for meeting in Meeting.objects.filter(
            external_source=source, external_id__in=chunk
        ).select_related("desk", "country", "event"):
            plan.existing[meeting.external_id] = meeting
    plan.records = Records.load(plan)
    valid = [row for row in plan.rows if not row.errors]
    checks = meetings_bulk_check(
        user=plan.job.created_by, rows=[bulk_row(plan, row) for row in valid]
    )
    for row, check in zip(valid, checks, strict=True):
        row.action = check.action
        existing = plan.existing.get(row.external_id)
        if existing is not None:
            row.meeting_id = existing.pk
        for name, _message in check.errors:
            row.errors.append(_refusal(row, name, existing))
    for row in plan.rows:
        if row.errors:
            row.action = "error"


def _refusal(row: RowPlan, name: str, existing: Meeting | None) -> tuple[str, str]:
    if name == "classification" and row.classification is not None:
        return (
            "classification",
            _(
                "The classification in the column %(header)r is above your clearance: "
                "this row is not imported."
            )
            % {"header": row.headers.get("classification", "")},
        )
    if existing is not None:
        return (
            "",
            _(
                "This row's meeting was imported before on a desk or at a "
                "classification you may not change."
            ),
        )
    return ("", _("You may not write meetings on this desk at this classification."))


# --- building records ------------------------------------------------------------------------


@dataclass
class Records:
    """The people, organizations and countries the rows name, read once."""

    people: dict[int, Person] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)
    countries: dict[int, Country] = field(default_factory=dict)

    @classmethod
    def load(cls, plan: Plan) -> Records:
        wanted: dict[str, set[int]] = {PERSON: set(), ORGANIZATION: set(), COUNTRY: set()}
        for row in plan.rows:
            for entity in _entities(row):
                candidate = entity.candidate
                if candidate is not None:
                    wanted[candidate.kind].add(candidate.id)
                    if candidate.country_id is not None:
                        wanted[COUNTRY].add(candidate.country_id)
        return cls(
            people=Person.objects.in_bulk(wanted[PERSON]),
            organizations=Organization.objects.in_bulk(wanted[ORGANIZATION]),
            countries=Country.objects.in_bulk(wanted[COUNTRY]),
        )


def _entities(row: RowPlan) -> list[Entity]:
    return ([row.home] if row.home else []) + row.counterparts


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


_KEPT_ON_UPDATE = (
    "time_zone",
    "kind",
    "status",
    "date_precision",
    "end",
    "place",
    "city",
    "country",
    "event",
    "classification",
    "summary",
    "notes",
    "outcomes",
    "source",
    "source_url",
    "external_source",
    "external_id",
)


def bulk_row(
    plan: Plan,
    row: RowPlan,
    created: dict[tuple[str, str], Person | Organization] | None = None,
    *,
    source: str | None = None,
) -> BulkMeeting:
    """The row as the bulk service of engagements takes it: a new meeting on the job's desk,
    or the meeting an earlier import of the file wrote, with the file's fields over it."""
    assert plan.records is not None and plan.desk is not None
    existing = plan.existing.get(row.external_id)
    fields = _meeting_fields(plan, row)
    participants = _participants(plan.records, row, created or {})
    if existing is None:
        classification = plan.classification if row.classification is None else row.classification
        data = MeetingInput(
            desk=plan.desk,
            classification=classification,
            status=Meeting.Status.HELD,
            time_zone="UTC",
            source=source or "",
            external_source=plan.job.external_source,
            external_id=row.external_id,
            participants=participants,
            **fields,
        )
        return BulkMeeting(data=data)
    data = MeetingInput(
        title=existing.title,
        start=existing.start,
        desk=existing.desk,
        participants=participants,
        **{name: getattr(existing, name) for name in _KEPT_ON_UPDATE},
    )
    for name, value in fields.items():
        setattr(data, name, value)
    if row.classification is not None:
        data.classification = row.classification
    if source is not None:
        data.source = source
    return BulkMeeting(data=data, meeting=existing, keep_tags=True, keep_agenda=True)


def _participants(
    records: Records, row: RowPlan, created: dict[tuple[str, str], Person | Organization]
) -> list[ParticipantInput]:
    result: list[ParticipantInput] = []
    person_ids: set[int] = set()
    for entity in _entities(row):
        side = Participant.Side.HOME if entity.side == "home" else Participant.Side.COUNTERPART
        item = ParticipantInput(
            side=side,
            raw_name=entity.part.name[:300],
            post_label=entity.part.post_label[:300] or None,
        )
        candidate = entity.candidate
        record: Any = None
        if candidate is not None and candidate.kind == COUNTRY:
            record = records.countries.get(candidate.id)
        elif candidate is not None:
            known = records.people if candidate.kind == PERSON else records.organizations
            record = known.get(candidate.id)
        elif entity.create_as:
            record = created.get((entity.create_as, name_key(entity.part.name)))
        if isinstance(record, Person) and record.pk not in person_ids:
            person_ids.add(record.pk)
            item.person = record
            if candidate is not None and candidate.country_id is not None:
                item.country = records.countries.get(candidate.country_id)
        elif isinstance(record, Organization):
            item.organization = record
        elif isinstance(record, Country):
            item.country = record
        if item.person is None:
            # Without a person there is no tenure to read a title from.
            item.post_label = item.post_label or ""
        result.append(item)
    return result
