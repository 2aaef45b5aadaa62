"""Commitments on their own page: written by commitment_create, commitment_update and
commitment_set_status (as the API does), deleted by commitment_delete; so the owner and
watchers hear of a change made here as of one made on the web or through the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts import policy

from .. import services
from ..models import Commitment
from ..selectors import commitments_visible_to
from .base import DeskWriteAdmin, MeetingChildForm, ServiceRefused, call_service


def _as_one(function: Any, /, **kwargs: Any) -> Commitment:
    """A commitment added to a meeting is checked as the meeting's commitments[0]: its
    errors belong to this form's fields."""
    try:
        return call_service(function, **kwargs)
    except ServiceRefused as refused:
        error = refused.error
        if hasattr(error, "error_dict"):
            prefix = "commitments[0]."
            error = ValidationError(
                {name.removeprefix(prefix): text for name, text in error.message_dict.items()}
            )
        raise ServiceRefused(error) from refused


class CommitmentAdminForm(MeetingChildForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "desk" in self.fields:
            self.fields["desk"].required = False
            self.fields["desk"].help_text = "Empty: the desk of the meeting."


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Commitment]
    ) -> QuerySet[Commitment]:
        if self.value() == "yes":
            return queryset.filter(
                due_date__lt=timezone.localdate(),
                status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS],
            )
        return queryset


# Set when the commitment is added; afterwards changed by services that do not move them.
FIXED_AFTER_ADD = ["meeting", "desk", "instrument", "completed_on"]


@admin.register(Commitment)
class CommitmentAdmin(DeskWriteAdmin):
    form = CommitmentAdminForm
    list_display = [
        "title",
        "meeting",
        "desk",
        "owner",
        "owed_by",
        "due_date",
        "status",
        "completed_on",
        "instrument",
    ]
    list_filter = [
        "status",
        OverdueFilter,
        "owed_by",
        "desk",
        ("instrument", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "title",
        "description",
        "meeting__title",
        "owner__username",
        "owner__last_name",
    ]
    autocomplete_fields = ["meeting", "instrument", "owner"]
    date_hierarchy = "due_date"
    ordering = ["due_date", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Commitment]:
        return commitments_visible_to(
            request.user, queryset=super().get_queryset(request)
        ).select_related("meeting", "desk", "owner", "instrument")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return FIXED_AFTER_ADD if obj is not None else ["completed_on"]

    def may_write(self, request: HttpRequest, obj: Any) -> bool:
        # As services.commitment_set_status: the owner may update their own follow-up.
        if obj is not None and obj.owner_id == request.user.pk:
            return True
        return super().may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # As services.commitment_delete, which asks the same question: the desk's leads
        # and administrators, not the owner; no model permission.
        if obj is None:
            return policy.may_delete_desk_records(request.user)
        meeting = obj.meeting
        return policy.may_delete_commitment(
            request.user,
            desk_id=obj.desk_id,
            classification=meeting.classification if meeting is not None else None,
        )

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Commitment:
        data = form.cleaned_data
        if not change:
            return _as_one(
                services.commitment_create,
                user=request.user,
                meeting=data.get("meeting"),
                data=services.CommitmentInput(
                    title=data["title"],
                    desk=data.get("desk"),
                    owner=data.get("owner"),
                    due_date=data.get("due_date"),
                    description=data.get("description") or "",
                    owed_by=data["owed_by"],
                    status=data["status"],
                    instrument=data.get("instrument"),
                ),
            )
        commitment = Commitment.objects.get(pk=form.instance.pk)
        changes = {
            name: data[name]
            for name in form.changed_data
            if name in services.COMMITMENT_UPDATABLE_FIELDS
        }
        if changes:
            commitment = call_service(
                services.commitment_update, user=request.user, commitment=commitment, **changes
            )
        if "status" in form.changed_data or "completion_note" in form.changed_data:
            commitment = call_service(
                services.commitment_set_status,
                user=request.user,
                commitment=commitment,
                status=data["status"],
                note=data.get("completion_note") or "",
            )
        return commitment

    def remove(self, request: HttpRequest, obj: Commitment) -> None:
        services.commitment_delete(user=request.user, commitment=obj)
