from .drafts import MeetingDraft
from .instruments import Instrument, InstrumentParty
from .meetings import AgendaItem, Attachment, Commitment, Meeting, Participant
from .reference import Country, Event, Organization, Person, Post, Tenure, Topic

__all__ = [
    "AgendaItem",
    "Attachment",
    "Commitment",
    "Country",
    "Event",
    "Instrument",
    "InstrumentParty",
    "Meeting",
    "MeetingDraft",
    "Organization",
    "Participant",
    "Person",
    "Post",
    "Tenure",
    "Topic",
]
