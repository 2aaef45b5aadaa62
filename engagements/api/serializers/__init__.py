"""Serializers of the engagements API, one module per resource.

References to other records use their natural keys, in reads and writes alike: countries
by ISO alpha-2, desks by code, users by username, and organizations, people, posts,
events, topics, instruments and minerals by slug. A representation read with GET can be
sent back with PUT. Meetings have no natural key and are referred to by id.
"""

from .attachments import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    MeetingAttachmentSerializer,
)
from .commitments import (
    CommitmentSerializer,
    CommitmentWriteSerializer,
    MeetingCommitmentSerializer,
)
from .common import VisibleMeetingField, country_field, desk_field, slug_field, user_field
from .countries import CountrySerializer
from .events import EventSerializer
from .history import FieldChangeSerializer, HistoryEntrySerializer, HistoryUserSerializer
from .instruments import (
    InstrumentCommitmentSerializer,
    InstrumentPartySerializer,
    InstrumentSerializer,
)
from .meetings import (
    AgendaItemInputSerializer,
    AgendaItemSerializer,
    CommitmentInputSerializer,
    MeetingListSerializer,
    MeetingSerializer,
    MeetingWriteSerializer,
    ParticipantInputSerializer,
)
from .organizations import OrganizationSerializer
from .participants import MeetingParticipantSerializer, ParticipantSerializer
from .people import (
    IdentifierSerializer,
    PersonDetailSerializer,
    PersonParticipationSerializer,
    PersonSerializer,
    PersonTenureSerializer,
    PersonWriteSerializer,
)
from .posts import PostSerializer
from .tenures import TenureSerializer
from .topics import TopicSerializer

__all__ = [
    "AgendaItemInputSerializer",
    "AgendaItemSerializer",
    "AttachmentSerializer",
    "AttachmentUploadSerializer",
    "CommitmentInputSerializer",
    "CommitmentSerializer",
    "CommitmentWriteSerializer",
    "CountrySerializer",
    "EventSerializer",
    "FieldChangeSerializer",
    "HistoryEntrySerializer",
    "HistoryUserSerializer",
    "IdentifierSerializer",
    "InstrumentCommitmentSerializer",
    "InstrumentPartySerializer",
    "InstrumentSerializer",
    "MeetingAttachmentSerializer",
    "MeetingCommitmentSerializer",
    "MeetingListSerializer",
    "MeetingParticipantSerializer",
    "MeetingSerializer",
    "MeetingWriteSerializer",
    "OrganizationSerializer",
    "ParticipantInputSerializer",
    "ParticipantSerializer",
    "PersonDetailSerializer",
    "PersonParticipationSerializer",
    "PersonSerializer",
    "PersonTenureSerializer",
    "PersonWriteSerializer",
    "PostSerializer",
    "TenureSerializer",
    "TopicSerializer",
    "VisibleMeetingField",
    "country_field",
    "desk_field",
    "slug_field",
    "user_field",
]
