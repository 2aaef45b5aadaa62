"""Benchmark of the import engine: a generated transparency return of N meetings (default
100,000; IMPORT_BENCH_ROWS for fewer) imported end to end (upload checks, dry run, write of
meetings, participants and their history through engagements.services.meetings_bulk_write),
against a baseline loading the same rows into the same tables (meetings, participants, an
audit entry per row) with PostgreSQL COPY in the same run. Each run imports under a source
of its own, so every run creates every row; the rows are deleted after each run (not their
audit entries: the trail is append-only)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import random
import time
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Classification, Desk, DeskMembership, User
from bench.harness import Case, measurement
from engagements.models import Organization
from imports import services
from imports.models import ImportJob

MINISTERS = [f"Minister Number{index}" for index in range(12)]
ORGANIZATIONS = [f"Bench Counterpart Organisation {index}" for index in range(400)]


def rows_wanted() -> int:
    return int(os.environ.get("IMPORT_BENCH_ROWS", "100000"))


def _importer() -> User:
    desk, _ = Desk.objects.get_or_create(code="bench-imports", defaults={"name": "Bench imports"})
    user, _ = User.objects.get_or_create(
        username="bench.importer", defaults={"clearance": Classification.RESTRICTED}
    )
    DeskMembership.objects.get_or_create(user=user, desk=desk)
    return user


def _organizations() -> None:
    existing = set(
        Organization.objects.filter(name__in=ORGANIZATIONS[:200]).values_list("name", flat=True)
    )
    Organization.objects.bulk_create(
        [
            Organization(name=name, slug=f"bench-org-{index}")
            for index, name in enumerate(ORGANIZATIONS[:200])
            if name not in existing
        ]
    )


_FIRST = [
    "Aldwych",
    "Brampton",
    "Castlegate",
    "Dunmore",
    "Elmstead",
    "Fairhaven",
    "Glenrock",
    "Harwick",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Larchmont",
    "Marlowe",
    "Northgate",
    "Oakridge",
    "Pemberton",
    "Quayside",
    "Redcliffe",
    "Stanmore",
    "Thornbury",
    "Upland",
    "Valemont",
    "Westbrook",
    "Yarrow",
    "Zenith",
    "Arden",
    "Belmont",
    "Cobalt",
    "Delta",
    "Everly",
]
_SECOND = [
    "Capital",
    "Partners",
    "Holdings",
    "Energy",
    "Metals",
    "Mining",
    "Logistics",
    "Consulting",
    "Foundation",
    "Institute",
    "Associates",
    "Ventures",
    "Minerals",
    "Industries",
    "Group",
    "Trust",
    "Analytics",
    "Networks",
    "Advisory",
    "Shipping",
]


def counterpart_pool(size: int = 3000) -> list[str]:
    """Names as varied as a real return's: few share more than a word."""
    rng = random.Random(7)
    names: set[str] = set()
    while len(names) < size:
        names.add(
            f"{rng.choice(_FIRST)} {rng.choice(_FIRST)}{rng.randint(1, 99)} {rng.choice(_SECOND)}"
        )
    return sorted(names)


def generate_csv(count: int) -> bytes:
    """Rows with a minister filled down, two counterparts per row (one known organisation,
    one that matches nothing), day dates across two years and a purpose."""
    unknown = counterpart_pool()
    rng = random.Random(11)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["Minister", "Date of meeting", "Name of Organisation or Individual", "Purpose"]
    )
    start = datetime.date(2015, 1, 1)
    for index in range(count):
        minister = MINISTERS[index % len(MINISTERS)] if index % 5 == 0 else ""
        day = start + datetime.timedelta(days=index % 730)
        counterparts = (
            f"{ORGANIZATIONS[rng.randrange(200)]}; {unknown[rng.randrange(len(unknown))]}"
        )
        writer.writerow(
            [minister, day.strftime("%d/%m/%Y"), counterparts, f"Purpose of meeting {index}"]
        )
    return buffer.getvalue().encode("utf-8")


def _delete_source(source: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        ids = "SELECT id FROM engagements_meeting WHERE external_source = %s"
        cursor.execute(f"DELETE FROM imports_importrowlink WHERE meeting_id IN ({ids})", [source])
        cursor.execute(
            f"DELETE FROM engagements_meeting_counterpart_countries WHERE meeting_id IN ({ids})",
            [source],
        )
        cursor.execute(f"DELETE FROM engagements_participant WHERE meeting_id IN ({ids})", [source])
        cursor.execute("DELETE FROM engagements_meeting WHERE external_source = %s", [source])


def _copy_baseline(rows: list[list[str]], user: User, desk: Desk, source: str) -> None:
    """The same meetings, participants and history rows, loaded with COPY."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('engagements_meeting', 'id'))")
        (first_id,) = cursor.fetchone()
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('engagements_meeting', 'id'), %s)",
            [first_id + len(rows)],
        )
        columns = (
            "id, title, kind, status, start, time_zone, date_precision, place, city, desk_id, "
            "classification, summary, notes, outcomes, source, source_url, external_source, "
            "external_id, version, created_by_id, created_at, updated_at"
        )
        meetings = []
        home = ""
        for offset, (minister, day, counterparts, purpose) in enumerate(rows):
            home = minister or home
            start = datetime.datetime.strptime(day, "%d/%m/%Y").replace(tzinfo=datetime.UTC)
            meetings.append(
                (
                    first_id + offset,
                    f"{home} with {counterparts}",
                    "multilateral",
                    "held",
                    start,
                    "UTC",
                    "day",
                    "",
                    "",
                    desk.pk,
                    Classification.INTERNAL,
                    purpose,
                    f"Counterpart as recorded: {counterparts}",
                    "",
                    "bench",
                    "",
                    source,
                    f"row-{offset}",
                    1,
                    user.pk,
                    now,
                    now,
                )
            )
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY engagements_meeting ({columns}) FROM STDIN") as copy:
            for record in meetings:
                copy.write_row(record)
        with raw.copy(
            "COPY engagements_participant (meeting_id, raw_name, side, post_label, "
            '"order", is_head_of_delegation) FROM STDIN'
        ) as copy:
            for offset, (_minister, _day, counterparts, _purpose) in enumerate(rows):
                meeting_id = first_id + offset
                copy.write_row((meeting_id, home, "home", "", 1, False))
                for order, name in enumerate(counterparts.split("; "), start=1):
                    copy.write_row((meeting_id, name, "counterpart", "", order, False))
        # The history: one audit entry per meeting and per participant, as the import writes.
        cursor.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'engagements' AND model = %s",
            ["meeting"],
        )
        (meeting_type,) = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'engagements' AND model = %s",
            ["participant"],
        )
        (participant_type,) = cursor.fetchone()
        with raw.copy(
            "COPY audit_auditentry (at, content_type_id, object_id, object_repr, action, "
            "changes, user_id, username, request_id, channel, label, meeting_pk, "
            "classification) FROM STDIN"
        ) as copy:
            for record in meetings:
                copy.write_row(
                    (
                        now,
                        meeting_type,
                        str(record[0]),
                        record[1][:300],
                        "create",
                        json.dumps({"title": {"before": None, "after": record[1]}}),
                        user.pk,
                        user.username,
                        "",
                        "import",
                        "bench",
                        record[0],
                        record[10],
                    )
                )
        cursor.execute(
            "INSERT INTO audit_auditentry (at, content_type_id, object_id, object_repr, action, "
            "changes, user_id, username, request_id, channel, label, meeting_pk, classification) "
            "SELECT %s, %s, p.id::text, p.raw_name, 'create', "
            "jsonb_build_object('raw_name', jsonb_build_object('before', null, 'after', "
            "p.raw_name)), %s, %s, '', 'import', 'bench', p.meeting_id, m.classification "
            "FROM engagements_participant p JOIN engagements_meeting m ON m.id = p.meeting_id "
            "WHERE m.external_source = %s",
            [now, participant_type, user.pk, user.username, source],
        )


@measurement("import: CSV of N meetings")
def import_csv(size: int) -> Case:

    count = rows_wanted()
    user = _importer()
    _organizations()
    content = generate_csv(count)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1:]
    desk = Desk.objects.get(code="bench-imports")
    figures: dict[str, Any] = {"rows": count}
    leftovers: list[str] = []

    def run() -> None:
        source = f"bench-{uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        upload = SimpleUploadedFile("bench.csv", content, content_type="text/csv")
        with override_settings(IMPORT_MAX_UPLOAD_BYTES=len(content) + 1):
            job = services.import_job_create(
                user=user,
                uploaded_file=upload,
                options={"source": source, "mode": "valid_rows", "desk": desk.code},
            )
        job = services.import_job_run(job)
        elapsed = time.perf_counter() - started
        assert job.status == ImportJob.Status.DONE, job.error
        assert job.report["counts"]["created"] == count, job.report["counts"]
        figures["import_rows_per_second"] = round(count / elapsed)
        leftovers.append(source)
        job.file.delete(save=False)

    def baseline() -> None:
        source = f"bench-copy-{uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        _copy_baseline(rows, user, desk, source)
        figures["copy_rows_per_second"] = round(count / (time.perf_counter() - started))
        leftovers.append(source)

    def extra() -> dict[str, Any]:
        # Clean up outside the timed functions.
        while leftovers:
            _delete_source(leftovers.pop())
        return dict(figures)

    return Case(
        run=run,
        baseline=baseline,
        repetitions=1,
        warmup=0,
        extra=extra,
        count_queries=False,
    )
