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
    "CommitmentInput",
    "MeetingInput",
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
    "meeting_create",
    "meeting_delete",
    "meeting_draft_delete",
    "meeting_draft_save",
    "meeting_update",
    "person_create",
    "tenure_create",
    "tenure_update",
]
