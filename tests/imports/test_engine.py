"""The import engine end to end in-process: every format and encoding with every quirk of
a transparency return, the exact report, idempotent re-imports, corrected files, both
write modes, matching, rights."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Classification
from audit.models import AuditEntry
from engagements.models import Meeting, Organization, Participant, Person
from engagements.services import bulk
from imports import engine, selectors, services
from imports.models import ImportCreatedRecord, ImportJob, ImportRowLink
from tests.imports import files

pytestmark = pytest.mark.django_db

FORMATS = {
    "csv-utf8": (lambda: files.csv_bytes(), "return.csv", "csv", "utf-8", ","),
    "csv-utf8-bom": (
        lambda: files.csv_bytes(encoding="utf-8-sig"),
        "r.csv",
        "csv",
        "utf-8-sig",
        ",",
    ),
    "csv-cp1252-semicolon": (
        lambda: files.csv_bytes(encoding="cp1252", delimiter=";"),
        "r.csv",
        "csv",
        "cp1252",
        ";",
    ),
    "csv-tab": (lambda: files.csv_bytes(delimiter="\t"), "r.txt", "csv", "utf-8", "\t"),
    "xlsx": (files.xlsx_bytes, "return.xlsx", "xlsx", "", ""),
    "xlsm": (files.xlsm_bytes, "return.xlsm", "xlsm", "", ""),
    "ods": (files.ods_bytes, "return.ods", "ods", "", ""),
}


def rows_by_number(report):
    return {row["row"]: row for row in report["rows"]}


@pytest.mark.parametrize("kind", list(FORMATS))
def test_it_reads_every_format_with_the_exact_report(kind, reference, make_job):
    build, name, detected, encoding, delimiter = FORMATS[kind]
    job = make_job(build(), name)
    assert (job.detected_format, job.encoding, job.delimiter) == (detected, encoding, delimiter)
    if detected != "csv":
        sheets = {sheet["name"]: sheet["is_data"] for sheet in job.sheets}
        assert sheets == {"Notes": False, "Meetings": True, "Lists": False}

    job = services.import_job_validate(job)

    assert job.status == ImportJob.Status.VALIDATED, job.error
    report = job.report
    assert report["counts"] == files.EXPECTED_COUNTS
    rows = rows_by_number(report)
    assert {number: row["action"] for number, row in rows.items()} == files.EXPECTED_ACTIONS
    assert {
        number: (row["date"], row["date_end"], row["date_precision"])
        for number, row in rows.items()
        if row["action"] != "error"
    } == files.EXPECTED_PRECISIONS
    sheet = "" if detected == "csv" else "Meetings"
    assert [(e["sheet"], e["row"], e["column"]) for e in report["errors"]] == [
        (sheet, row, column) for row, column in files.EXPECTED_ERRORS
    ]
    assert "Unreadable date 'sometime soon'" in report["errors"][0]["reason"]
    # Fill down: rows without a minister take the one above.
    assert rows[9]["home"] == "Kim Yoon-sang, Second Vice Minister"
    assert rows[13]["home"] == "Choi Sang-mok"
    # Windows-1252 / UTF-8 text arrives intact.
    assert rows[15]["counterparts"] == ["Corporación Nacional del Cobre (Codelco)"]
    assert Meeting.objects.count() == 0  # a dry run writes nothing


def test_matches_are_linked_split_and_flagged_for_review(reference, make_job):
    job = services.import_job_validate(make_job(files.csv_bytes(), "return.csv"))
    rows = rows_by_number(job.report)

    home, counterpart = rows[4]["matches"]
    assert (home["matched_id"], home["kind"], home["needs_review"]) == (
        reference["kim"].pk,
        "person",
        False,
    )
    assert (counterpart["matched_id"], counterpart["kind"]) == (reference["marcel"].pk, "person")
    # Several organisations in one cell: each matched on its own; the unknown one is not.
    assert [(m["raw"], m["matched_id"]) for m in rows[5]["matches"][1:]] == [
        ("Bank of England", reference["Bank of England"].pk),
        ("HM Treasury", None),
    ]
    assert [m["matched_id"] for m in rows[6]["matches"][1:]] == [
        reference["Barclays"].pk,
        reference["HSBC"].pk,
        reference["Lloyds Banking Group"].pk,
    ]
    # An abbreviation and "Government of <country>" match too.
    assert rows[9]["matches"][1]["matched_id"] == reference["Inter-American Development Bank"].pk
    assert (rows[10]["matches"][1]["kind"], rows[10]["matches"][1]["matched_id"]) == (
        "country",
        reference["chile"].pk,
    )
    # A near match (trigram similarity) is shown for review, not linked.
    near = rows[12]["matches"][1]
    assert near["matched_id"] == reference["marcel"].pk
    assert near["needs_review"] is True
    assert 0.45 <= near["similarity"] < 1


def test_header_synonyms_are_matched_case_and_space_insensitively(reference, make_job):
    content = files.csv_bytes(headers=files.HEADERS_VARIANT)
    job = make_job(content, "variant.csv")
    assert job.mapping == {
        "home": "MINISTER / SPECIAL ADVISER",
        "date": "date(s) of trip",
        "counterpart": "Person or organisation that meeting was with",
        "purpose": "Issues discussed",
    }
    job = services.import_job_validate(job)
    assert job.report["counts"] == files.EXPECTED_COUNTS


def test_a_mapping_overrides_the_guess(reference, make_job):
    content = files.csv_bytes(headers=["Who", "When", "With", "Why"])
    mapping = {"home": "who", "date": "WHEN", "counterpart": "With", "purpose": "Why"}
    job = services.import_job_validate(make_job(content, "odd.csv", mapping=mapping))
    assert job.report["counts"] == files.EXPECTED_COUNTS


def test_a_file_without_recognisable_headers_is_refused_with_the_reason(reference, make_job):
    content = files.csv_bytes(headers=["Who", "When", "With", "Why"])
    with pytest.raises(ValidationError) as caught:
        make_job(content, "odd.csv")
    assert "map the columns" in str(caught.value)


def write(job, mode):
    job.options = {**job.options, "mode": mode}
    job.save()
    return services.import_job_run(job)


def test_valid_rows_mode_writes_exactly_the_valid_rows(reference, make_job, alice):
    job = write(make_job(files.csv_bytes(), "return.csv"), "valid_rows")

    assert job.status == ImportJob.Status.DONE, job.error
    assert job.rows_done == job.rows_total == 10
    meetings = Meeting.objects.filter(external_source=job.external_source)
    assert meetings.count() == 8
    assert ImportRowLink.objects.filter(job=job, action="create").count() == 8
    by_row = {link.row: link.meeting for link in ImportRowLink.objects.filter(job=job)}
    first = by_row[4]
    assert first.summary == "Critical minerals: lithium and copper"
    assert first.desk.code == "latam" and first.classification == Classification.INTERNAL
    assert first.date_precision == "day" and first.start.date().isoformat() == "2016-07-13"
    participants = list(first.participants.order_by("side", "order"))
    assert [(p.side, p.person_id, p.post_label) for p in participants] == [
        ("counterpart", reference["marcel"].pk, "Minister of Finance"),
        ("home", reference["kim"].pk, "Second Vice Minister"),
    ]
    assert list(first.counterpart_countries.all()) == [reference["chile"]]
    # The raw counterpart text stays on the record.
    assert "Counterpart as recorded: Mario Marcel, Minister of Finance" in first.notes
    range_meeting = by_row[10]
    assert (range_meeting.start.date().isoformat(), range_meeting.end.date().isoformat()) == (
        "2016-09-02",
        "2016-09-06",
    )
    month = by_row[9]
    assert (month.date_precision, month.start.date().isoformat()) == ("month", "2016-09-01")
    # Unmatched and near-matched names are kept raw, not linked, without allow_create.
    near = by_row[12].participants.get(side="counterpart")
    assert (near.person_id, near.raw_name) == (None, "Mario Marcell")
    # History (the audit trail) names the uploader, the channel and the job.
    record = AuditEntry.objects.get(
        content_type__model="meeting", object_id=str(first.pk), action="create"
    )
    assert (record.user, record.channel, record.label) == (alice, "import", str(job.pk))
    assert record.changes["summary"]["after"] == "Critical minerals: lithium and copper"
    participants = AuditEntry.objects.filter(content_type__model="participant", meeting_pk=first.pk)
    assert participants.count() == 2
    assert {entry.channel for entry in participants} == {"import"}
    assert Person.objects.count() == 2 and ImportCreatedRecord.objects.count() == 0


def test_reimporting_the_same_file_creates_and_changes_nothing(reference, make_job):
    first = write(make_job(files.xlsx_bytes(), "return.xlsx"), "valid_rows")
    history = AuditEntry.objects.count()
    updated = dict(Meeting.objects.values_list("id", "updated_at"))

    again = write(make_job(files.xlsx_bytes(), "return.xlsx"), "valid_rows")

    assert again.report["counts"] == {
        **files.EXPECTED_COUNTS,
        "created": 0,
        "skipped": files.EXPECTED_COUNTS["created"],
    }
    assert Meeting.objects.count() == first.report["counts"]["created"]
    assert AuditEntry.objects.count() == history
    assert dict(Meeting.objects.values_list("id", "updated_at")) == updated


def test_the_same_rows_in_another_format_are_the_same_records(reference, make_job):
    write(make_job(files.xlsx_bytes(), "return.xlsx"), "valid_rows")
    again = write(
        make_job(files.csv_bytes(encoding="cp1252", delimiter=";"), "return.csv"), "valid_rows"
    )
    assert again.report["counts"]["created"] == 0
    assert again.report["counts"]["skipped"] == 8


def test_a_corrected_file_updates_the_changed_rows_only(reference, make_job):
    write(make_job(files.csv_bytes(), "return.csv"), "valid_rows")
    corrected_rows = list(files.ROWS)
    home, date_text, date_value, counterpart, _purpose = corrected_rows[0]
    corrected_rows[0] = (home, date_text, date_value, counterpart, "Lithium, copper and nickel")
    meeting = Meeting.objects.get(summary="Critical minerals: lithium and copper")

    job = write(make_job(files.csv_bytes(rows=corrected_rows), "return.csv"), "valid_rows")

    assert job.report["counts"]["updated"] == 1
    assert job.report["counts"]["skipped"] == 7
    assert job.report["counts"]["created"] == 0
    meeting.refresh_from_db()
    assert meeting.summary == "Lithium, copper and nickel"
    assert meeting.version == 2
    latest = AuditEntry.objects.filter(
        content_type__model="meeting", object_id=str(meeting.pk)
    ).first()
    assert (latest.action, latest.channel, latest.label) == ("update", "import", str(job.pk))
    assert latest.changes["summary"] == {
        "before": "Critical minerals: lithium and copper",
        "after": "Lithium, copper and nickel",
    }
    # The participants did not change: they keep their rows and get no entry.
    assert not AuditEntry.objects.filter(
        content_type__model="participant", meeting_pk=meeting.pk, label=str(job.pk)
    ).exists()
    assert Meeting.objects.count() == 8


def test_all_mode_cannot_be_confirmed_with_failing_rows(reference, make_job, alice):
    job = services.import_job_validate(make_job(files.csv_bytes(), "return.csv"))
    with pytest.raises(ValidationError) as caught:
        services.import_job_confirm(job=job, user=alice, mode="all")
    assert "2 rows have errors" in str(caught.value)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATED


def test_all_mode_writes_nothing_when_a_row_fails(reference, make_job):
    job = write(make_job(files.csv_bytes(), "return.csv"), "all")
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was written" in job.error
    assert job.report["counts"]["failed"] == 2
    assert Meeting.objects.count() == 0 and Participant.objects.count() == 0


def test_all_mode_rolls_back_every_row_when_the_write_fails_midway(
    reference, make_job, monkeypatch
):
    valid = [row for row in files.ROWS if row[1] not in {"sometime soon", "16/08/2016"}]
    job = services.import_job_validate(make_job(files.csv_bytes(rows=valid), "ok.csv"))
    assert job.report["counts"]["failed"] == 0
    monkeypatch.setattr(engine.write, "BATCH", 3)
    calls = {"n": 0}
    original = bulk._write_tags

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValidationError("the database refused a row")
        return original(*args, **kwargs)

    monkeypatch.setattr(bulk, "_write_tags", failing)
    job = services.import_job_run(job)
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was written" in job.error
    assert calls["n"] == 2
    assert Meeting.objects.count() == 0
    assert not AuditEntry.objects.filter(channel="import").exists()


def test_allow_create_makes_records_for_unmatched_names_only(reference, make_job):
    job = write(make_job(files.csv_bytes(), "return.csv", allow_create=True), "valid_rows")
    created = set(ImportCreatedRecord.objects.filter(job=job).values_list("kind", "name"))
    assert created == {
        ("person", "Choi Sang-mok"),
        ("organization", "HM Treasury"),
        ("organization", "Corporación Nacional del Cobre (Codelco)"),
    }
    # The near match "Mario Marcell" is left for review, not created as a new person.
    assert not Person.objects.filter(name="Mario Marcell").exists()
    choi = Person.objects.get(name="Choi Sang-mok")
    assert Participant.objects.filter(person=choi, side="home").count() == 2
    assert Organization.objects.filter(name="HM Treasury").count() == 1
    again = write(make_job(files.csv_bytes(), "return.csv", allow_create=True), "valid_rows")
    assert again.report["counts"]["created"] == 0
    assert ImportCreatedRecord.objects.filter(job=again).count() == 0


def test_an_import_never_exceeds_the_uploaders_rights(reference, make_job, alice, bob, desk_asia):
    content = files.csv_bytes()
    with pytest.raises(ValidationError) as caught:
        make_job(content, "r.csv", desk="asia")
    assert "desk" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_job(content, "r.csv", classification="confidential")
    assert "classification" in caught.value.message_dict
    job = services.import_job_validate(make_job(content, "r.csv", classification="restricted"))
    with pytest.raises(services.ImportPermissionDenied):
        services.import_job_confirm(job=job, user=bob, mode="valid_rows")
    assert list(selectors.import_jobs_visible_to(bob)) == []
    assert list(selectors.import_jobs_visible_to(alice)) == [job]


def test_rights_are_checked_again_at_write_time(reference, make_job, alice):
    job = services.import_job_validate(make_job(files.csv_bytes(), "r.csv"))
    alice.desk_memberships.all().delete()
    job = write(job, "valid_rows")
    assert job.status == ImportJob.Status.FAILED
    assert "desk" in job.error
    assert Meeting.objects.count() == 0


def test_administrators_see_every_job(reference, make_job, administrator, charlie):
    job = make_job(files.csv_bytes(), "r.csv")
    assert list(selectors.import_jobs_visible_to(administrator)) == [job]
    assert list(selectors.import_jobs_visible_to(charlie)) == []


def test_queries_do_not_grow_with_the_number_of_rows(
    reference, make_job, django_assert_max_num_queries
):
    small = make_job(files.csv_bytes(rows=files.ROWS[:3]), "small.csv")
    big = make_job(files.csv_bytes(rows=files.ROWS * 20), "big.csv")
    for job in (small, big):
        with django_assert_max_num_queries(20):
            services.import_job_validate(job)
    assert big.report["counts"]["created"] == 8 * 20


def test_mapping_presets_round_trip(alice, make_job, reference):
    preset = services.mapping_preset_save(
        name="Who/when", mapping={"home": "Who", "date": "When", "counterpart": "With"}, user=alice
    )
    assert services.mapping_preset_export(preset=preset) == {
        "home": "Who",
        "date": "When",
        "counterpart": "With",
    }
    with pytest.raises(ValidationError):
        services.mapping_preset_save(name="bad", mapping={"colour": "x"}, user=alice)
    content = files.csv_bytes(headers=["Who", "When", "With", "Purpose"])
    job = services.import_job_validate(make_job(content, "odd.csv", preset="Who/when"))
    assert job.report["counts"] == files.EXPECTED_COUNTS
