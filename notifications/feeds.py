"""The iCalendar feed of one user: the meetings they may see and the due dates of the
commitments they own. Times keep the meeting's own time zone (with its VTIMEZONE); UIDs are
derived from the record and the site, so a calendar updates an event rather than adding one.
Meetings above internal are given by title and link only, as in emails: a subscribed
calendar is copied to phones and calendar services."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import Classification
from engagements.models import Meeting

from . import links, selectors
from .emails import shows_content

MEETING_STATUS: dict[str, str] = {
    Meeting.Status.PLANNED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.POSTPONED: "TENTATIVE",
    Meeting.Status.CANCELLED: "CANCELLED",
}
ICAL_CLASS: dict[int, str] = {
    Classification.PUBLIC: "PUBLIC",
    Classification.INTERNAL: "PRIVATE",
    Classification.RESTRICTED: "CONFIDENTIAL",
    Classification.CONFIDENTIAL: "CONFIDENTIAL",
}
DEFAULT_LENGTH = datetime.timedelta(hours=1)


def _meeting_event(meeting: Meeting, domain: str) -> Event:
    zone = ZoneInfo(meeting.time_zone)
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{domain}")
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.version)
    event.add("dtstart", meeting.start.astimezone(zone))
    event.add("dtend", (meeting.end or meeting.start + DEFAULT_LENGTH).astimezone(zone))
    event.add("summary", meeting.title)
    event.add("status", MEETING_STATUS.get(meeting.status, "CONFIRMED"))
    event.add("class", ICAL_CLASS.get(meeting.classification, "CONFIDENTIAL"))
    event.add("url", links.meeting_url(meeting))
    if shows_content(meeting):
        place = ", ".join(part for part in (meeting.place, meeting.city) if part)
        if place:
            event.add("location", place)
        if meeting.summary:
            event.add("description", meeting.summary)
    return event


def _commitment_event(commitment: Any, domain: str) -> Event:
    event = Event()
    event.add("uid", f"commitment-{commitment.pk}@{domain}")
    event.add("dtstamp", commitment.updated_at)
    event.add("last-modified", commitment.updated_at)
    event.add("dtstart", commitment.due_date)
    event.add("dtend", commitment.due_date + datetime.timedelta(days=1))
    event.add("summary", _("Due: %(title)s") % {"title": commitment.title})
    event.add("transp", "TRANSPARENT")
    event.add("url", links.commitment_url(commitment))
    return event


def calendar_for(user: Any) -> bytes:
    domain = links.site_domain()
    with translation.override(selectors.preference_of(user).language):
        calendar = Calendar()
        calendar.add("prodid", "-//Engagement tracker//Calendar feed//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Engagements of %(name)s") % {"name": user.get_username()})
        for meeting in selectors.feed_meetings(user):
            calendar.add_component(_meeting_event(meeting, domain))
        for commitment in selectors.feed_commitments(user):
            calendar.add_component(_commitment_event(commitment, domain))
    calendar.add_missing_timezones()
    return calendar.to_ical()
