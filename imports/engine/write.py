"""Writing a plan: the rows it creates or updates go, in one transaction, through the bulk
service of engagements (engagements.services.meetings_bulk_write), which checks the
uploader's rights on every row, snapshots post labels, records the history (audit channel
"import", the job's id as label) and emits the bulk event. People and organizations the
file names and the directory lacks (allow_create) are made by its bulk services too. Here
only the job's own bookkeeping is written: which meeting each row made, what it created.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection, connections, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from core.copy import copy_insert
from engagements.models import Organization, Person
from engagements.services import (
    meetings_bulk_write,
    organizations_bulk_create,
    people_bulk_create,
)

from ..matching import ORGANIZATION, PERSON
from ..models import ImportCreatedRecord, ImportJob, ImportRowLink
from ..parsing import name_key, strip_honorific
from .plan import Plan, bulk_row

logger = logging.getLogger(__name__)

BATCH = 2000


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
    job = plan.job
    source = (_("Import job %(id)d: %(name)s") % {"id": job.pk, "name": job.original_name})[:500]
    with transaction.atomic():
        created = _create_missing_records(plan)
        rows = [row for row in plan.rows if row.action in {"create", "update"}]
        result = meetings_bulk_write(
            user=job.created_by,
            rows=[bulk_row(plan, row, created, source=source) for row in rows],
            channel=AuditEntry.Channel.IMPORT,
            label=str(job.pk),
            batch_size=BATCH,
            progress=progress,
        )
        for row, meeting, action in zip(rows, result.meetings, result.actions, strict=True):
            assert meeting is not None
            row.meeting_id = meeting.pk
            row.action = action
        copy_insert(
            ImportRowLink,
            [
                ImportRowLink(
                    job=job,
                    meeting_id=row.meeting_id,
                    sheet=row.sheet,
                    row=row.row,
                    action=row.action,
                )
                for row in plan.rows
                if row.action in {"create", "update", "skip"} and row.meeting_id is not None
            ],
        )
    return plan.counts()


def _create_missing_records(plan: Plan) -> dict[tuple[str, str], Person | Organization]:
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

    made: dict[tuple[str, str], Any] = {}
    for (kind, key), name in wanted.items():
        if kind == PERSON:
            made[(kind, key)] = Person(name=name, sort_name=name, slug=slug_for(name))
        elif kind == ORGANIZATION:
            made[(kind, key)] = Organization(name=name, slug=slug_for(name))
    people = people_bulk_create(people=[r for r in made.values() if isinstance(r, Person)])
    organizations = organizations_bulk_create(
        organizations=[r for r in made.values() if isinstance(r, Organization)]
    )
    copy_insert(
        ImportCreatedRecord,
        [
            ImportCreatedRecord(job=plan.job, kind="person", object_id=p.pk, name=p.name)
            for p in people
        ]
        + [
            ImportCreatedRecord(job=plan.job, kind="organization", object_id=o.pk, name=o.name)
            for o in organizations
        ],
    )
    return made


__all__ = ["Progress", "write_plan"]
