"""Emails, in HTML and plain text, in the recipient's language and time zone.

The caller has already checked that the recipient may see the record (engagements
selectors). What an email then says about it is decided here: a meeting classified above
internal is named by its title and a link only, never by its content, because email leaves
the system. Message-IDs are derived from the dispatch's unique key, so that if a message is
ever sent twice (a crash between the SMTP server's acceptance and the commit), the copies
carry one Message-ID that mail systems can deduplicate.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import policy
from engagements.models import Commitment, Meeting

from . import links
from .models import Digest, Notification, Reminder
from .selectors import preference_of, time_zone_of

STATUS_LABELS: dict[str, Any] = {
    Commitment.Status.OPEN: _("Open"),
    Commitment.Status.IN_PROGRESS: _("In progress"),
    Commitment.Status.DONE: _("Done"),
    Commitment.Status.DROPPED: _("Dropped"),
}
DIGEST_MAX_ITEMS = 50


def shows_content(meeting: Meeting | None) -> bool:
    """Whether an email may carry a meeting's content, beyond its title and a link."""
    return meeting is None or policy.content_may_leave_the_site(
        classification=meeting.classification
    )


def _render(
    name: str, make_context: Callable[[], dict[str, Any]], *, recipient: Any
) -> tuple[str, str, str]:
    """Subject, text and HTML, with the context built in the recipient's language."""
    language = preference_of(recipient).language
    with translation.override(language), timezone.override(time_zone_of(recipient)):
        context = {
            "recipient_name": recipient.get_full_name() or recipient.username,
            "preferences_url": links.preferences_url(),
            **make_context(),
        }
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", {**context, "subject": subject})
    return subject, text, html


def due_phrase(days_left: int | None) -> str:
    if days_left is None:
        return str(_("no due date"))
    if days_left > 1:
        return ngettext("due in %(days)d day", "due in %(days)d days", days_left) % {
            "days": days_left
        }
    if days_left == 1:
        return str(_("due tomorrow"))
    if days_left == 0:
        return str(_("due today"))
    return ngettext("%(days)d day overdue", "%(days)d days overdue", -days_left) % {
        "days": -days_left
    }


def _message(*, key: str, recipient: Any, rendered: tuple[str, str, str]) -> EmailMultiAlternatives:
    subject, text, html = rendered
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={
            "Message-ID": f"<{key}@{links.site_domain()}>",
            "Auto-Submitted": "auto-generated",
            "X-Engagements-Key": key,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _commitment_context(commitment: Commitment, *, as_of: datetime.date) -> dict[str, Any]:
    meeting = commitment.meeting
    due = commitment.due_date
    days_left = (due - as_of).days if due else None
    return {
        "title": commitment.title,
        "description": commitment.description if shows_content(meeting) else "",
        "due_date": due,
        "days_left": days_left,
        "overdue": days_left is not None and days_left < 0,
        "due_phrase": due_phrase(days_left),
        "status_label": STATUS_LABELS.get(commitment.status, commitment.status),
        "meeting_title": meeting.title if meeting else "",
        "url": links.commitment_url(commitment),
    }


def reminder_key(reminder: Reminder) -> str:
    return f"reminder-{reminder.commitment_id}-{reminder.kind}-{reminder.due_date.isoformat()}"


def reminder_message(
    *, reminder: Reminder, commitment: Commitment, recipient: Any, as_of: datetime.date
) -> EmailMultiAlternatives:
    return _message(
        key=reminder_key(reminder),
        recipient=recipient,
        rendered=_render(
            "reminder",
            lambda: {"commitment": _commitment_context(commitment, as_of=as_of)},
            recipient=recipient,
        ),
    )


def digest_message(
    *, digest: Digest, recipient: Any, commitments: Sequence[Commitment], total: int
) -> EmailMultiAlternatives:
    listed = commitments[:DIGEST_MAX_ITEMS]

    def context() -> dict[str, Any]:
        return {
            "items": [_commitment_context(c, as_of=digest.digest_date) for c in listed],
            "total": total,
            "more": max(0, total - len(listed)),
            "as_of": digest.digest_date,
        }

    return _message(
        key=f"digest-{digest.recipient_id}-{digest.digest_date.isoformat()}",
        recipient=recipient,
        rendered=_render("digest", context, recipient=recipient),
    )


def _meeting_context(meeting: Meeting) -> dict[str, Any]:
    context: dict[str, Any] = {
        "title": meeting.title,
        "url": links.meeting_url(meeting),
        "show_content": shows_content(meeting),
        "cancelled": meeting.status == Meeting.Status.CANCELLED,
    }
    if context["show_content"]:
        context.update(
            start=meeting.start,
            date_precision=meeting.date_precision,
            place=", ".join(part for part in (meeting.place, meeting.city) if part),
            event=meeting.event.name if meeting.event else "",
            summary=meeting.summary,
            counterparts=[
                participant.display_name
                + (f" ({participant.post_label})" if participant.post_label else "")
                for participant in meeting.participants.select_related("person")
                if participant.side == participant.Side.COUNTERPART
            ],
            topics=[str(topic) for topic in meeting.topics.select_related("parent")],
        )
    return context


def meeting_notification_message(
    *, notification: Notification, meeting: Meeting, recipient: Any
) -> EmailMultiAlternatives:
    return _message(
        key=f"notification-{notification.pk}",
        recipient=recipient,
        rendered=_render(
            "meeting_notification",
            lambda: {
                "meeting": _meeting_context(meeting),
                "changed": notification.kind == Notification.Kind.MEETING_CHANGED,
            },
            recipient=recipient,
        ),
    )


def commitment_assigned_message(
    *, notification: Notification, commitment: Commitment, recipient: Any
) -> EmailMultiAlternatives:
    today = timezone.localdate(timezone=time_zone_of(recipient))
    return _message(
        key=f"notification-{notification.pk}",
        recipient=recipient,
        rendered=_render(
            "commitment_assigned",
            lambda: {"commitment": _commitment_context(commitment, as_of=today)},
            recipient=recipient,
        ),
    )
