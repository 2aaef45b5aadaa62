import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Classification
from engagements.models import Attachment
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def ooxml(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/x/main.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.{main_part}"/></Types>',
        )
        archive.writestr("x/main.xml", "<x/>")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.exe", "MZ")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def meeting(desk_latam):
    return factories.MeetingFactory(desk=desk_latam, classification=Classification.RESTRICTED)


def upload(client, meeting, name, content, content_type="application/octet-stream"):
    return client.post(
        reverse("meeting_attachment_upload", args=[meeting.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type), "kind": "minutes"},
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("minutes.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("notes.txt", "회의록: 리튬 협력\n".encode(), "text/plain"),
        (
            "brief.docx",
            ooxml("wordprocessingml.document.main+xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "figures.xlsx",
            ooxml("spreadsheetml.sheet.main+xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "slides.pptx",
            ooxml("presentationml.presentation.main+xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("minutes.odt", odt(), "application/vnd.oasis.opendocument.text"),
        # The name says nothing: the bytes decide.
        ("scan.bin", PDF, "application/pdf"),
    ],
)
def test_allowed_types_are_recognised_by_their_content(
    client, alice, meeting, media_root, name, content, expected
):
    client.force_login(alice)
    response = upload(client, meeting, name, content)
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == expected
    assert attachment.original_name == name and attachment.size == len(content)
    stored = os.path.basename(attachment.file.name)
    assert name not in attachment.file.name and len(stored.split(".")[0]) == 32
    assert (media_root / attachment.file.name).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("minutes.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff", "application/pdf"),
        (
            "brief.docx",
            plain_zip(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("page.txt", b"\x00\x01binary\x00", "text/plain"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16, "application/msword"),
        ("image.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "image/gif"),
    ],
)
def test_other_content_is_refused_whatever_its_name(
    client, alice, meeting, media_root, name, content, declared
):
    client.force_login(alice)
    response = upload(client, meeting, name, content, declared)
    assert response.status_code == 400
    assert "file" in response.context["attachment_form"].errors
    assert not Attachment.objects.exists()
    assert not any(media_root.rglob("*.*"))


def test_files_over_the_limit_are_refused(client, alice, meeting, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    client.force_login(alice)
    response = upload(client, meeting, "big.txt", b"a" * 101)
    assert response.status_code == 400
    assert "limit is 100" in str(response.context["attachment_form"].errors["file"])
    assert upload(client, meeting, "small.txt", b"a" * 100).status_code == 302
    assert Attachment.objects.count() == 1


def test_the_limit_defaults_to_20_megabytes(settings):
    from engagements.services import attachment_max_bytes

    del settings.ATTACHMENT_MAX_BYTES
    assert attachment_max_bytes() == 20 * 1024 * 1024


def test_empty_files_are_refused(client, alice, meeting):
    client.force_login(alice)
    assert upload(client, meeting, "empty.txt", b"").status_code == 400
    assert not Attachment.objects.exists()


def test_only_writers_of_the_desk_may_upload(client, bob, erin, charlie, meeting):
    for user in (bob, charlie):
        client.force_login(user)
        # They cannot see the restricted meeting at all.
        assert upload(client, meeting, "a.txt", b"hello").status_code == 404
    client.force_login(erin)
    assert upload(client, meeting, "a.txt", b"hello").status_code == 302


def test_download_is_an_attachment_with_nosniff_and_follows_the_policy(
    client, alice, bob, charlie, meeting
):
    client.force_login(alice)
    upload(client, meeting, "minutes <final>.txt", b"<html><script>alert(1)</script>")
    attachment = Attachment.objects.get()
    url = reverse("attachment_download", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain"
    assert b"".join(response.streaming_content) == b"<html><script>alert(1)</script>"
    for user in (bob, charlie):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_media_is_not_served_by_url(client, alice, meeting):
    client.force_login(alice)
    upload(client, meeting, "a.txt", b"secret minutes")
    attachment = Attachment.objects.get()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_detail_lists_attachments_with_download_links(client, alice, meeting):
    client.force_login(alice)
    upload(client, meeting, "minutes.pdf", PDF)
    attachment = Attachment.objects.get()
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert reverse("attachment_download", args=[attachment.pk]) in page
    assert "minutes.pdf" in page


def test_delete_removes_the_row_and_the_file(
    client, alice, bob, meeting, media_root, django_capture_on_commit_callbacks
):
    meeting.classification = Classification.INTERNAL
    meeting.save()
    client.force_login(alice)
    upload(client, meeting, "a.txt", b"hello")
    attachment = Attachment.objects.get()
    path = media_root / attachment.file.name
    client.force_login(bob)
    assert client.post(reverse("attachment_delete", args=[attachment.pk])).status_code == 403
    client.force_login(alice)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attachment_delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not path.exists()
