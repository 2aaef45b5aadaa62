"""Bulk inserts by PostgreSQL COPY: the project's one fast path for writing many rows.

Only bulk services call it (engagements.services.bulk, imports' own bookkeeping rows), never
a face. On other databases (SQLite in `make run`) it falls back to bulk_create.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection, models

BATCH = 5_000
# Fields whose Python values psycopg writes as they are; others go through the field's
# get_db_prep_save (JSON, decimals and the like). Skipping it matters at 100,000 rows.
PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys taken from the table's sequence, for rows about to be copied."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _fill_timestamps(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    now = datetime.datetime.now(datetime.UTC)
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            for obj in objects:
                setattr(obj, field.attname, now)
        elif getattr(field, "auto_now_add", False):
            for obj in objects:
                if getattr(obj, field.attname) is None:
                    setattr(obj, field.attname, now)


def copy_insert(
    model: type[models.Model], objects: Sequence[models.Model], *, assign_ids: bool = False
) -> None:
    """Insert unsaved instances of `model`. With assign_ids, each instance gets its primary
    key (reserved from the sequence before the COPY), so later rows can point at it;
    without, keys are left to the database and not read back."""
    if not objects:
        return
    if not copy_supported():
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return
    _fill_timestamps(model, objects)
    if assign_ids:
        for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
            obj.pk = pk
    with_pk = assign_ids or getattr(objects[0], model._meta.pk.attname) is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    plain = [f.get_internal_type() in PLAIN for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row(
                [
                    getattr(obj, f.attname)
                    if is_plain
                    else f.get_db_prep_save(getattr(obj, f.attname), connection)
                    for f, is_plain in zip(fields, plain, strict=True)
                ]
            )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


__all__ = ["BATCH", "copy_insert", "copy_supported", "reserve_ids"]
