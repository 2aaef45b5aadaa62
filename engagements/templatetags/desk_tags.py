"""Tags of the desk pages (the commitment fragment is included by other pages too).

{% commitment_editable commitment as can_edit %}: whether the signed-in user may change the
commitment's status (its owner, a member of its desk, an administrator). The user's desks are
read once per request, so a list of commitments costs one query, not one per row.

{% meeting_url meeting_id %}: the meeting's page (helper A's meeting_detail once it exists,
else the notifications app's meeting page).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..dashboard import commitment_edit_rule
from ..models import Commitment

register = template.Library()

_RULE_ATTRIBUTE = "_commitment_edit_rule"


def remember_edit_rule(request: Any, rule: Any) -> None:
    """For a view that already read the user's desks: the fragments then query nothing."""
    setattr(request, _RULE_ATTRIBUTE, rule)


@register.simple_tag(takes_context=True)
def commitment_editable(context: template.Context, commitment: Commitment) -> bool:
    request = context.get("request")
    if request is None:
        return False
    rule = getattr(request, _RULE_ATTRIBUTE, None)
    if rule is None:
        rule = commitment_edit_rule(request.user)
        setattr(request, _RULE_ATTRIBUTE, rule)
    return bool(rule(commitment))


@register.simple_tag
def meeting_url(meeting_id: Any) -> str:
    try:
        return reverse("meeting_detail", args=[meeting_id])
    except NoReverseMatch:
        return reverse("notifications:meeting", args=[meeting_id])


# The model's labels are plain strings; these are the translatable ones the pages show.
STATUS_LABELS = {
    Commitment.Status.OPEN: _("Open"),
    Commitment.Status.IN_PROGRESS: _("In progress"),
    Commitment.Status.DONE: _("Done"),
    Commitment.Status.DROPPED: _("Dropped"),
}
OWED_BY_LABELS = {
    Commitment.Side.HOME: _("Home side"),
    Commitment.Side.COUNTERPART: _("Counterpart"),
    Commitment.Side.JOINT: _("Both sides"),
}


@register.simple_tag
def commitment_status_choices() -> list[tuple[str, Any]]:
    return list(STATUS_LABELS.items())


@register.filter
def status_label(value: str) -> Any:
    return STATUS_LABELS.get(value, value)  # type: ignore[call-overload]


@register.filter
def owed_by_label(value: str) -> Any:
    return OWED_BY_LABELS.get(value, value)  # type: ignore[call-overload]


@register.filter
def is_overdue(commitment: Commitment) -> bool:
    """Open or in progress and due before today (in the active time zone)."""
    return (
        commitment.due_date is not None
        and commitment.status in (Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS)
        and commitment.due_date < timezone.localdate()
    )
