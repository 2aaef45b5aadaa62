import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Classification
from engagements.models import Meeting
from imports import services
from imports.models import ImportJob, MappingPreset
from tests import factories

RETURN_CSV = (
    b"Minister,Date,Name of organisation or individual,Purpose of meeting\r\n"
    b"Kim Yoon-sang,13/07/2016,Mario Marcel,Critical minerals\r\n"
    b",20/07/2016,Inter-American Development Bank,Korea trust funds\r\n"
)

BROKEN_CSV = (
    b"Minister,Date,Name of organisation or individual,Purpose of meeting\r\n"
    b"Kim Yoon-sang,13/07/2016,Mario Marcel,Critical minerals\r\n"
    b",sometime soon,Banco Central de Chile,Monetary policy\r\n"
)


def _file(content=RETURN_CSV, name="return-2016-q3.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _upload(client, django_capture_on_commit_callbacks, desk, content=RETURN_CSV, **extra):
    data = {
        "file": _file(content),
        "period": "2016-Q3",
        "desk": desk.code,
        "classification": Classification.PUBLIC,
        **extra,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("imports:upload"), data)


@pytest.fixture
def uploaded(client, alice, desk_latam, django_capture_on_commit_callbacks):
    client.force_login(alice)
    response = _upload(client, django_capture_on_commit_callbacks, desk_latam)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(created_by=alice)


def test_upload_page_offers_only_the_users_desks_and_clearance(client, alice, desk_asia):
    client.force_login(alice)

    response = client.get(reverse("imports:upload"))

    assert response.status_code == 200
    form = response.context["form"]
    assert [desk.code for desk in form.fields["desk"].queryset] == ["latam"]
    assert [value for value, _label in form.fields["classification"].choices] == [
        Classification.PUBLIC,
        Classification.INTERNAL,
        Classification.RESTRICTED,
    ]


def test_web_flow_from_upload_to_meetings(
    client, uploaded, desk_latam, django_capture_on_commit_callbacks
):
    assert uploaded.status == ImportJob.Status.VALIDATED
    assert uploaded.report["counts"]["created"] == 2
    assert not Meeting.objects.exists()  # the check writes nothing

    page = client.get(reverse("imports:detail", args=[uploaded.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Check report" in html
    assert "Inter-American Development Bank" in html
    assert page.context["counts"]["created"] == 2
    assert page.context["can_confirm"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:confirm", args=[uploaded.pk]), {"mode": "all"})
    assert response.status_code == 302

    uploaded.refresh_from_db()
    assert uploaded.status == ImportJob.Status.DONE
    meetings = Meeting.objects.filter(desk=desk_latam, classification=Classification.PUBLIC)
    assert sorted(m.local_start.date().isoformat() for m in meetings) == [
        "2016-07-13",
        "2016-07-20",
    ]
    final = client.get(reverse("imports:detail", args=[uploaded.pk]))
    assert "Final report" in final.content.decode()
    assert not final.context["can_confirm"]


def test_rows_with_errors_are_reported_and_only_valid_rows_imported(
    client, alice, desk_latam, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    _upload(client, django_capture_on_commit_callbacks, desk_latam, BROKEN_CSV)
    job = ImportJob.objects.get(created_by=alice)

    page = client.get(reverse("imports:detail", args=[job.pk]))
    errors = page.context["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "date")]
    assert "sometime soon" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            reverse("imports:confirm", args=[job.pk]), {"mode": "all"}, follow=True
        )
    assert "rows have errors" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and not Meeting.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[job.pk]), {"mode": "valid_rows"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    "content, name",
    [
        (b"", "empty.csv"),
        (b"\x00\x01\x02PK\x03\x04 not really a workbook" * 10, "fake.xlsx"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 200, "return.csv"),
    ],
)
def test_a_bad_upload_is_a_form_error(
    client, alice, desk_latam, django_capture_on_commit_callbacks, content, name
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:upload"),
            {
                "file": SimpleUploadedFile(name, content),
                "desk": desk_latam.code,
                "classification": Classification.PUBLIC,
            },
        )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("file")
    assert not ImportJob.objects.exists()


def test_upload_refuses_a_desk_or_classification_beyond_the_user(
    client, alice, desk_asia, desk_latam, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    response = _upload(
        client,
        django_capture_on_commit_callbacks,
        desk_latam,
        classification=Classification.CONFIDENTIAL,
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get("classification")
    other = _upload(client, django_capture_on_commit_callbacks, desk_asia)
    assert other.status_code == 400
    assert other.context["form"].errors.get("desk")
    assert not ImportJob.objects.exists()


def test_another_users_job_is_404(client, uploaded, bob):
    client.force_login(bob)
    pk = uploaded.pk

    for name in ("imports:detail", "imports:progress", "imports:mapping_export"):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    for name in ("imports:confirm", "imports:mapping", "imports:validate", "imports:cancel"):
        assert client.post(reverse(name, args=[pk]), {"mode": "all"}).status_code == 404
    assert list(client.get(reverse("imports:list")).context["page"].object_list) == []
    uploaded.refresh_from_db()
    assert uploaded.status == ImportJob.Status.VALIDATED


def test_administrator_sees_every_job(client, uploaded, administrator):
    client.force_login(administrator)

    listing = client.get(reverse("imports:list"))

    assert [job.pk for job in listing.context["page"].object_list] == [uploaded.pk]
    assert listing.context["show_owner"]
    assert client.get(reverse("imports:detail", args=[uploaded.pk])).status_code == 200


def test_list_query_count_does_not_grow(client, alice, uploaded, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get(reverse("imports:list"))
    for _ in range(10):
        ImportJob.objects.create(
            created_by=alice, original_name="x.csv", file="imports/x.csv", detected_format="csv"
        )
    with django_assert_max_num_queries(8):
        response = client.get(reverse("imports:list"))
    assert len(response.context["page"].object_list) == 11


def test_progress_is_polled_while_validating_and_reloads_when_done(client, uploaded):
    ImportJob.objects.filter(pk=uploaded.pk).update(
        status=ImportJob.Status.VALIDATING, rows_total=4, rows_done=1
    )
    page = client.get(reverse("imports:detail", args=[uploaded.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert reverse("imports:progress", args=[uploaded.pk]) in page

    polled = client.get(reverse("imports:progress", args=[uploaded.pk]), HTTP_HX_REQUEST="true")
    assert 'value="25"' in polled.content.decode()
    assert "HX-Refresh" not in polled

    ImportJob.objects.filter(pk=uploaded.pk).update(status=ImportJob.Status.VALIDATED)
    finished = client.get(reverse("imports:progress", args=[uploaded.pk]), HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "every 1s" not in finished.content.decode()


def test_mapping_can_be_changed_saved_and_exported(
    client, uploaded, django_capture_on_commit_callbacks
):
    page = client.get(reverse("imports:detail", args=[uploaded.pk]))
    form = page.context["mapping_form"]
    assert form["field_date"].initial == "Date"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:mapping", args=[uploaded.pk]),
            {
                "sheet": "",
                "field_home": "Minister",
                "field_date": "Date",
                "field_counterpart": "Name of organisation or individual",
                "field_purpose": "",
                "save_as": "Quarterly return",
            },
        )
    assert response.status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == ImportJob.Status.VALIDATED  # checked again
    assert "purpose" not in uploaded.mapping
    preset = MappingPreset.objects.get(name="Quarterly return")

    exported = client.get(reverse("imports:preset_export", args=[preset.pk]))
    assert exported["Content-Disposition"].endswith('"mapping-quarterly-return.json"')
    assert json.loads(exported.content) == {
        "home": "Minister",
        "date": "Date",
        "counterpart": "Name of organisation or individual",
    }
    job_mapping = json.loads(
        client.get(reverse("imports:mapping_export", args=[uploaded.pk])).content
    )
    assert job_mapping == json.loads(exported.content)


def test_a_mapping_without_a_required_field_cannot_be_saved_as_a_preset(client, uploaded):
    response = client.post(
        reverse("imports:mapping", args=[uploaded.pk]),
        {"sheet": "", "field_home": "Minister", "field_date": "Date", "save_as": "Half"},
    )

    assert response.status_code == 400
    assert "counterpart" in " ".join(response.context["mapping_form"].non_field_errors())
    assert not MappingPreset.objects.exists()


def test_an_upload_with_a_preset_uses_its_mapping(
    client, alice, desk_latam, django_capture_on_commit_callbacks
):
    services.mapping_preset_save(
        name="Odd headers",
        mapping={"home": "Who", "date": "When", "counterpart": "With"},
        user=alice,
    )
    client.force_login(alice)
    content = b"Who,When,With\r\nKim Yoon-sang,13/07/2016,Mario Marcel\r\n"

    response = _upload(
        client, django_capture_on_commit_callbacks, desk_latam, content, preset="Odd headers"
    )

    assert response.status_code == 302
    job = ImportJob.objects.get(created_by=alice)
    assert job.mapping == {"home": "Who", "date": "When", "counterpart": "With"}
    assert job.report["counts"]["created"] == 1


def test_pages_need_a_signed_in_user(client, db):
    response = client.get(reverse("imports:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_cancel_stops_a_validated_job(client, uploaded, django_capture_on_commit_callbacks):
    client.post(reverse("imports:cancel", args=[uploaded.pk]))
    uploaded.refresh_from_db()
    assert uploaded.status == ImportJob.Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:confirm", args=[uploaded.pk]), {"mode": "all"}, follow=True
        )
    assert "Only a validated import can be confirmed" in response.content.decode()
    assert not Meeting.objects.exists()


def test_detail_links_to_the_imported_meetings(
    client, uploaded, django_capture_on_commit_callbacks
):
    factories.DeskFactory(code="spare")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[uploaded.pk]), {"mode": "all"})
    page = client.get(reverse("imports:detail", args=[uploaded.pk])).content.decode()
    for meeting in Meeting.objects.all():
        assert reverse("meeting_detail", args=[meeting.pk]) in page
