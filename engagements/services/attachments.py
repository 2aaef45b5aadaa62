"""Files on meetings: checked by their bytes, stored under random names."""

from __future__ import annotations

import codecs
import os
import secrets
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts import policy
from core.exceptions import PermissionDenied

from ..models import Attachment, Meeting

ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "text/plain",
    "image/png",
    "image/jpeg",
}
ATTACHMENT_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "text/plain": ".txt",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
_MAGIC = {
    b"%PDF-": "application/pdf",
    b"PK\x03\x04": "application/zip",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
# The main part each Office Open XML kind declares in its [Content_Types].xml.
_OOXML_MAIN_PARTS = {
    "wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_TEXT_SNIFF_BYTES = 64 * 1024
_ZIP_PART_MAX_BYTES = 1024 * 1024


def attachment_max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _sniff_zip(upload: Any) -> str:
    """What a zip container holds, from its own manifest: never from its name."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 200:
                    declared = archive.read(info).decode("ascii", "replace").strip()
                    if declared == "application/vnd.oasis.opendocument.text":
                        return declared
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size <= _ZIP_PART_MAX_BYTES:
                    manifest = archive.read(info).decode("utf-8", "replace")
                    for part, content_type in _OOXML_MAIN_PARTS.items():
                        if f"application/vnd.openxmlformats-officedocument.{part}" in manifest:
                            return content_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError):
        return "application/octet-stream"
    return "application/zip"


def _sniff_text(head: bytes) -> str:
    if b"\x00" in head:
        return "application/octet-stream"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # Not final: the sample may end in the middle of a character.
        decoder.decode(head.removeprefix(codecs.BOM_UTF8), final=False)
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def attachment_sniff(upload: Any) -> str:
    """The content type of an upload judged by its bytes alone (name and declared type
    are what the sender claims, so they are ignored)."""
    upload.seek(0)
    head = upload.read(_TEXT_SNIFF_BYTES)
    upload.seek(0)
    content_type = ""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            content_type = kind
            break
    if content_type == "application/zip":
        content_type = _sniff_zip(upload)
        upload.seek(0)
    elif not content_type:
        content_type = _sniff_text(head)
    return content_type


@transaction.atomic
def attachment_add(
    *, user: Any, meeting: Meeting, upload: UploadedFile, kind: str = "other", description: str = ""
) -> Attachment:
    """Store a file on a meeting under a random name; its original name is kept as data."""
    if not policy.can_write_for_desk(user, desk_id=meeting.desk_id):
        raise PermissionDenied(f"{user} may not add files to this meeting.")
    size = upload.size or 0
    limit = attachment_max_bytes()
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    if size > limit:
        raise ValidationError({"file": f"The file is {size} bytes; the limit is {limit}."})
    content_type = attachment_sniff(upload)
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"file": f"Files of type {content_type} are not accepted."})
    name = os.path.basename(upload.name or "") or "attachment"
    attachment = Attachment(
        meeting=meeting,
        kind=kind,
        original_name=name[:255],
        content_type=content_type,
        size=size,
        description=description,
        uploaded_by=user,
    )
    attachment.full_clean(exclude=["file"])
    stored_name = secrets.token_hex(16) + ATTACHMENT_EXTENSIONS[content_type]
    attachment.file.save(stored_name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        # The row failed: the stored file must not stay behind.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, user: Any, attachment: Attachment) -> None:
    meeting = attachment.meeting
    if not policy.may_delete_attachment(
        user,
        desk_id=meeting.desk_id,
        classification=meeting.classification,
        uploaded_by_id=attachment.uploaded_by_id,
    ):
        raise PermissionDenied(f"{user} may not delete files of this meeting.")
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name) if name else None)


@transaction.atomic
def attachment_update(
    *, user: Any, attachment: Attachment, kind: str, description: str = ""
) -> Attachment:
    """Re-file or re-describe a stored file (the file itself is replaced by a new upload)."""
    if not policy.can_write_for_desk(user, desk_id=attachment.meeting.desk_id):
        raise PermissionDenied(f"{user} may not change files of this meeting.")
    attachment.kind = kind
    attachment.description = description
    attachment.full_clean(exclude=["file"])
    attachment.save(update_fields=["kind", "description"])
    return attachment
