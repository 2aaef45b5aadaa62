"""Writes of engagements: one module per concept. Views, the admin, the API, tasks, seeds
and imports all come through here."""

from core.exceptions import PermissionDenied, VersionConflict

from .attachments import (
    ALLOWED_ATTACHMENT_TYPES,
    ATTACHMENT_EXTENSIONS,
    DEFAULT_ATTACHMENT_MAX_BYTES,
    attachment_add,
    attachment_delete,
    attachment_max_bytes,
    attachment_sniff,
)
from .bulk import (
    BulkCheck,
    BulkMeeting,
    BulkResult,
    MeetingWriteRights,
    events_bulk_create,
    meetings_bulk_check,
    meetings_bulk_write,
    organizations_bulk_create,
    people_bulk_create,
    posts_bulk_create,
    tenures_bulk_create,
)
from .commitments import (
    COMMITMENT_UPDATABLE_FIELDS,
    CommitmentInput,
    commitment_create,
    commitment_delete,
    commitment_set_status,
    commitment_update,
)
from .drafts import meeting_draft_delete, meeting_draft_save
from .meetings import (
    MEETING_SCALAR_FIELDS,
    AgendaItemInput,
    MeetingInput,
    ParticipantInput,
    meeting_create,
    meeting_delete,
    meeting_update,
)
from .people import person_create, tenure_create, tenure_update

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "ATTACHMENT_EXTENSIONS",
    "COMMITMENT_UPDATABLE_FIELDS",
    "DEFAULT_ATTACHMENT_MAX_BYTES",
    "MEETING_SCALAR_FIELDS",
    "AgendaItemInput",
    "BulkCheck",
    "BulkMeeting",
    "BulkResult",
    "CommitmentInput",
    "MeetingInput",
    "MeetingWriteRights",
    "ParticipantInput",
    "PermissionDenied",
    "VersionConflict",
    "attachment_add",
    "attachment_delete",
    "attachment_max_bytes",
    "attachment_sniff",
    "commitment_create",
    "commitment_delete",
    "commitment_set_status",
    "commitment_update",
    "events_bulk_create",
    "meeting_create",
    "meeting_delete",
    "meeting_draft_delete",
    "meeting_draft_save",
    "meeting_update",
    "meetings_bulk_check",
    "meetings_bulk_write",
    "organizations_bulk_create",
    "people_bulk_create",
    "person_create",
    "posts_bulk_create",
    "tenure_create",
    "tenure_update",
    "tenures_bulk_create",
]
