"""Meetings with their participants, agenda and commitments as inlines.

The admin turns its form and inline formsets into a MeetingInput and calls meeting_create
or meeting_update: the version lock, the clearance check, the post held on the day and the
commitments' desk are the service's; so are the signals (watchers, webhooks). Commitment
rows ticked for deletion go to commitment_delete. Participants and agenda items have
read-only pages of their own: they are written with their meeting.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from accounts import policy

from .. import services
from ..models import AgendaItem, Commitment, Meeting, Participant
from ..selectors import (
    agenda_items_visible_to,
    meetings_visible_to,
    participants_visible_to,
)
from .base import (
    HTTPS_URLS,
    DeskWriteAdmin,
    MeetingInline,
    PolicyForm,
    ReadOnlyAdmin,
    call_service,
    kept_forms,
)
from .commitments import CommitmentAdminForm

MEETING_TAGS = ("topics", "minerals", "instruments", "counterpart_countries")


class MeetingAdminForm(PolicyForm):
    # Optimistic locking: the version the editor started from, given to meeting_update.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


class ParticipantInline(MeetingInline):
    model = Participant
    fields = [
        "side",
        "person",
        "raw_name",
        "post",
        "post_label",
        "organization",
        "country",
        "is_head_of_delegation",
        "order",
    ]
    autocomplete_fields = ["person", "post", "organization", "country"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Participant]:
        return super().get_queryset(request).select_related("person", "post", "organization")


class AgendaItemFormSet(BaseInlineFormSet):
    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["order"].required = False
        form.fields["order"].help_text = "Leave 0 to put the item last."

    def validate_unique(self) -> None:
        # Orders are only the rows' sequence: the service numbers the items 1, 2, 3...
        pass


class AgendaItemInline(MeetingInline):
    model = AgendaItem
    formset = AgendaItemFormSet
    fields = ["order", "title", "topic", "notes", "outcome"]
    autocomplete_fields = ["topic"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        return super().get_queryset(request).select_related("topic__parent")


class CommitmentInline(MeetingInline):
    model = Commitment
    form = CommitmentAdminForm
    fields = ["title", "owed_by", "owner", "desk", "due_date", "status", "completed_on"]
    readonly_fields = ["completed_on"]
    autocomplete_fields = ["owner"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Commitment]:
        return super().get_queryset(request).select_related("owner", "desk")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Rows ticked here go to commitment_delete: its policy, for the meeting's desk.
        if obj is None:
            return policy.may_delete_desk_records(request.user)
        return policy.may_delete_commitment(
            request.user, desk_id=obj.desk_id, classification=obj.classification
        )


def _by_order(rows: list[forms.ModelForm]) -> list[forms.ModelForm]:
    """In the order typed; rows left at 0 (or empty) after the numbered ones."""
    return sorted(
        rows, key=lambda form: (not form.cleaned_data.get("order"), form.cleaned_data.get("order"))
    )


def _participants(formset: Any) -> list[services.ParticipantInput]:
    return [
        services.ParticipantInput(
            side=data["side"],
            person=data.get("person"),
            raw_name=data.get("raw_name") or "",
            organization=data.get("organization"),
            country=data.get("country"),
            post=data.get("post"),
            post_label=data.get("post_label") or None,
            is_head_of_delegation=bool(data.get("is_head_of_delegation")),
        )
        for data in (form.cleaned_data for form in _by_order(kept_forms(formset)))
    ]


def _agenda(formset: Any) -> list[services.AgendaItemInput]:
    return [
        services.AgendaItemInput(
            title=data["title"],
            topic=data.get("topic"),
            notes=data.get("notes") or "",
            outcome=data.get("outcome") or "",
        )
        for data in (form.cleaned_data for form in _by_order(kept_forms(formset)))
    ]


def _current_participants(meeting: Meeting | None) -> list[services.ParticipantInput]:
    rows = meeting.participants.order_by("side", "order") if meeting else []
    return [
        services.ParticipantInput(
            side=row.side,
            person=row.person,
            raw_name=row.raw_name,
            organization=row.organization,
            country=row.country,
            post=row.post,
            post_label=row.post_label,
            is_head_of_delegation=row.is_head_of_delegation,
        )
        for row in rows
    ]


def _current_agenda(meeting: Meeting | None) -> list[services.AgendaItemInput]:
    rows = meeting.agenda_items.order_by("order") if meeting else []
    return [
        services.AgendaItemInput(
            title=row.title, topic=row.topic, notes=row.notes, outcome=row.outcome
        )
        for row in rows
    ]


def _commitments(formset: Any) -> list[services.CommitmentInput]:
    rows = []
    for form in kept_forms(formset):
        data, existing = form.cleaned_data, form.instance
        rows.append(
            services.CommitmentInput(
                id=existing.pk,
                title=data["title"],
                desk=data.get("desk"),
                owner=data.get("owner"),
                due_date=data.get("due_date"),
                owed_by=data["owed_by"],
                status=data["status"],
                # Not on the inline: kept as they are.
                description=existing.description,
                instrument=existing.instrument,
            )
        )
    return rows


@admin.register(Meeting)
class MeetingAdmin(DeskWriteAdmin):
    formfield_overrides = HTTPS_URLS
    form = MeetingAdminForm
    list_display = [
        "title",
        "local_date",
        "kind",
        "status",
        "desk",
        "classification",
        "event",
        "counterparts",
        "version",
    ]
    list_filter = [
        "desk",
        "classification",
        "kind",
        "status",
        ("event", admin.RelatedOnlyFieldListFilter),
        ("topics", admin.RelatedOnlyFieldListFilter),
        "date_precision",
    ]
    search_fields = [
        "title",
        "summary",
        "place",
        "city",
        "external_id",
        "event__name",
        "participants__person__name",
        "participants__raw_name",
    ]
    date_hierarchy = "start"
    autocomplete_fields = [
        "country",
        "event",
        "topics",
        "minerals",
        "instruments",
        "counterpart_countries",
    ]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]
    inlines = [ParticipantInline, AgendaItemInline, CommitmentInline]
    ordering = ["-start", "-id"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "status", "desk", "classification"]}),
        ("When", {"fields": ["start", "end", "time_zone", "date_precision"]}),
        ("Where", {"fields": ["event", "place", "city", "country"]}),
        ("Record", {"fields": ["summary", "notes", "outcomes"]}),
        ("Tags", {"fields": ["counterpart_countries", "topics", "minerals", "instruments"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": ["source", "source_url", "external_source", "external_id"],
            },
        ),
        (
            "Audit",
            {"fields": ["version", "created_by", "created_at", "updated_at", "expected_version"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        return (
            meetings_visible_to(request.user, queryset=super().get_queryset(request))
            .select_related("desk", "event", "country")
            .prefetch_related("counterpart_countries")
        )

    @admin.display(description="Date", ordering="start")
    def local_date(self, meeting: Meeting) -> str:
        return meeting.local_start_display

    @admin.display(description="Counterpart countries")
    def counterparts(self, meeting: Meeting) -> str:
        return ", ".join(country.name for country in meeting.counterpart_countries.all())

    def meeting_input(self, form: Any, formsets: Any) -> services.MeetingInput:
        """The admin's form and inlines as the service's input (conversion only)."""
        cleaned, meeting = form.cleaned_data, form.instance
        by_prefix = {formset.prefix: formset for formset in formsets}
        values: dict[str, Any] = {
            name: cleaned.get(name, getattr(meeting, name))
            for name in services.MEETING_SCALAR_FIELDS
        }
        for name in ("place", "city", "summary", "notes", "outcomes", "source", "source_url"):
            values[name] = values[name] or ""
        values.update({name: list(cleaned.get(name) or []) for name in MEETING_TAGS})
        # An inline the user may not edit is not on the page: its rows stay as they are.
        kept = Meeting.objects.get(pk=meeting.pk) if meeting.pk else None
        return services.MeetingInput(
            **values,
            participants=_participants(by_prefix["participants"])
            if "participants" in by_prefix
            else _current_participants(kept),
            agenda_items=_agenda(by_prefix["agenda_items"])
            if "agenda_items" in by_prefix
            else _current_agenda(kept),
            commitments=_commitments(by_prefix["commitments"])
            if "commitments" in by_prefix
            else [],
        )

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Meeting:
        data = self.meeting_input(form, formsets)
        if not change:
            return call_service(services.meeting_create, user=request.user, data=data)
        meeting = Meeting.objects.get(pk=form.instance.pk)
        expected = form.cleaned_data.get("expected_version")
        meeting = call_service(
            services.meeting_update,
            user=request.user,
            meeting=meeting,
            expected_version=meeting.version if expected is None else expected,
            data=data,
        )
        commitments = [f for f in formsets if f.prefix == "commitments"]
        for removed in commitments[0].forms if commitments else []:
            if removed.instance.pk and removed.cleaned_data.get("DELETE"):
                call_service(
                    services.commitment_delete, user=request.user, commitment=removed.instance
                )
        return meeting

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # As services.meeting_delete, which asks the same question: no model permission.
        if obj is None:
            return policy.may_delete_desk_records(request.user)
        return policy.may_delete_meeting(
            request.user, desk_id=obj.desk_id, classification=obj.classification
        )

    def remove(self, request: HttpRequest, obj: Meeting) -> None:
        services.meeting_delete(user=request.user, meeting=obj)


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "meeting",
        "side",
        "post_label",
        "organization",
        "country",
        "is_head_of_delegation",
    ]
    list_filter = ["side", "is_head_of_delegation", "meeting__desk", "meeting__classification"]
    search_fields = [
        "person__name",
        "person__native_name",
        "raw_name",
        "post_label",
        "meeting__title",
    ]
    autocomplete_fields = ["meeting", "person", "post", "organization", "country"]
    ordering = ["-meeting__start", "meeting", "side", "order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Participant]:
        queryset = participants_visible_to(request.user).select_related(
            "meeting", "person", "organization", "country", "post__organization"
        )
        return queryset.order_by(*self.get_ordering(request))

    @admin.display(description="Name", ordering="person__name")
    def name(self, participant: Participant) -> str:
        return participant.display_name


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "meeting", "order", "topic"]
    list_filter = [("topic", admin.RelatedOnlyFieldListFilter), "meeting__desk"]
    search_fields = ["title", "notes", "outcome", "meeting__title"]
    autocomplete_fields = ["meeting", "topic"]
    ordering = ["-meeting__start", "meeting", "order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        queryset = agenda_items_visible_to(request.user).select_related("meeting", "topic__parent")
        return queryset.order_by(*self.get_ordering(request))
