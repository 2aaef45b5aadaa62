"""The admin site for engagement records, with the access policy applied.

Every classified model's queryset starts from the access-policy selectors, so a record a
non-administrator may not read is missing from changelists, change pages, history pages,
autocomplete results and foreign-key choices alike: the admin answers as if it did not
exist. Reading and writing differ: a non-administrator changes only records of their own
desks (accounts.policy.can_write_for_desk), as the services require.

Tenures and attachments are written by their services, called from the form's clean()
so that a service's ValidationError becomes a form error rather than a server error.
"""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from accounts import policy
from accounts.models import Desk
from audit.services import audit_queryset_update

from . import services
from .models import (
    AgendaItem,
    Attachment,
    Commitment,
    Country,
    Event,
    Instrument,
    InstrumentParty,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Tenure,
    Topic,
)
from .selectors import (
    agenda_items_visible_to,
    attachments_visible_to,
    commitments_visible_to,
    meetings_visible_to,
    participants_visible_to,
    tenure_valid_on,
)
from .signals import meeting_saved

# Shared by the admins and their inlines

# Typed addresses without a scheme are https (Django 6 default; silences its warning).
HTTPS_URLS: dict = {models.URLField: {"assume_scheme": "https"}}


def _limit_choices(db_field: models.ForeignKey, request: Any, kwargs: dict) -> None:
    if db_field.related_model is Meeting:
        kwargs["queryset"] = meetings_visible_to(request.user)
    elif db_field.related_model is Desk and not policy.is_administrator(request.user):
        kwargs["queryset"] = Desk.objects.filter(pk__in=policy.desk_ids_of(request.user))


def _add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class PolicyForm(forms.ModelForm):
    # No Meta: ModelAdmin.get_form and get_formset give the model and fields.
    # The admin sets this on the form class it builds for each request.
    request_user: Any = None

    def may_write_for(self, meeting: Meeting | None) -> bool:
        if meeting is None or self.request_user is None:
            return True
        return policy.can_write_for_desk(self.request_user, desk_id=meeting.desk_id)


class MeetingChildForm(PolicyForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        meeting = cleaned.get("meeting")
        if meeting is not None and meeting.pk and not self.may_write_for(meeting):
            self.add_error("meeting", "You may only add to meetings of your own desks.")
        return cleaned


class DeskWriteAdmin(admin.ModelAdmin):
    """Read as the policy allows; write only for one's own desks."""

    def desk_id_of(self, obj: Any) -> int | None:
        return obj.desk_id

    def may_write(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return True
        return policy.can_write_for_desk(request.user, desk_id=self.desk_id_of(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        # Bulk deletion checks the model permission only, not the desk of each row.
        if not policy.is_administrator(request.user):
            actions.pop("delete_selected", None)
        return actions

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = cast("type[PolicyForm]", super().get_form(request, obj, change=change, **kwargs))
        form.request_user = request.user
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MeetingChildAdmin(DeskWriteAdmin):
    def desk_id_of(self, obj: Any) -> int | None:
        return obj.meeting.desk_id


class MeetingInline(admin.TabularInline):
    """Inlines of a meeting: writable only when the meeting's desk is the user's."""

    def may_write(self, request: HttpRequest, meeting: Meeting | None) -> bool:
        return meeting is None or policy.can_write_for_desk(request.user, desk_id=meeting.desk_id)

    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:  # type: ignore[override]
        return super().has_add_permission(request, obj) and self.may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        cast("type[PolicyForm]", formset.form).request_user = request.user
        return formset

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PolicyHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin that keeps to get_queryset.

    Its history_view falls back to the latest historical record when get_queryset finds
    nothing (so that deleted objects keep a history page), and its history_form_view
    reads the historical table directly: both would show a record the policy hides.
    Only administrators, who see everything anyway, may follow those paths. The revert
    form also saves on POST after checking only the view permission.
    """

    def _visible_object(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, unquote(object_id))
        if obj is None and not policy.is_administrator(request.user):
            raise Http404
        return obj

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self._visible_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        obj = self._visible_object(request, object_id)
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        # The admin's own change view runs in a transaction; a revert must too (the
        # meeting form locks the row to check its version).
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)


def _fill_post_from_tenure(participant: Participant) -> None:
    """As the meeting service does: the title the person held on the day of the meeting,
    unless one was typed."""
    if participant.person_id and not participant.post_label:
        tenure = tenure_valid_on(
            person_id=participant.person_id,
            day=participant.meeting.meeting_date,
            post=participant.post,
        )
        if tenure is not None:
            participant.post = participant.post or tenure.post
            participant.post_label = tenure.post.label
    if participant.post is not None and participant.organization_id is None:
        participant.organization = participant.post.organization
    if participant.organization is not None and participant.country_id is None:
        participant.country = participant.organization.country


# Reference records


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso2", "iso3", "numeric_code", "region", "sub_region", "is_home"]
    list_filter = ["is_home", "region", "sub_region"]
    search_fields = ["name", "iso2", "iso3", "numeric_code"]
    ordering = ["name"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "abbreviation", "kind", "country", "parent"]
    list_filter = ["kind", ("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "abbreviation", "slug"]
    autocomplete_fields = ["country", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).select_related("country", "parent")


class TenureReadOnlyInline(admin.TabularInline):
    # Read-only here: tenures are written through their service (overlap rules) on the
    # tenure pages, which the change links lead to.
    model = Tenure
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:  # type: ignore[override]
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenure]:
        return super().get_queryset(request).select_related("person", "post__organization")


class TenureOfPersonInline(TenureReadOnlyInline):
    fk_name = "person"
    fields = readonly_fields = ("post", "start_date", "end_date", "last_verified", "source")


class TenureOfPostInline(TenureReadOnlyInline):
    fk_name = "post"
    fields = readonly_fields = ("person", "start_date", "end_date", "last_verified", "source")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "native_name", "honorific_prefix", "nationality", "user"]
    list_filter = [("nationality", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "native_name", "sort_name", "slug"]
    autocomplete_fields = ["nationality", "user"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TenureOfPersonInline]
    ordering = ["sort_name", "name"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "native_name",
                    "sort_name",
                    "slug",
                    "honorific_prefix",
                    "nationality",
                    "summary",
                    "identifiers",
                ]
            },
        ),
        ("Contact details", {"fields": ["email", "phone"]}),
        ("Account", {"fields": ["user"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).select_related("nationality", "user")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        # Contact details are sensitive: only those who may edit people see them.
        if not self.has_change_permission(request, obj):
            return [fieldset for fieldset in fieldsets if fieldset[0] != "Contact details"]
        return fieldsets


def _first_overlap(tenures: list[Tenure]) -> tuple[Tenure, Tenure] | None:
    previous: Tenure | None = None
    for tenure in sorted(tenures, key=lambda t: t.start_date):
        # End dates are exclusive; without an overlap so far, each tenure reaches furthest.
        if previous is not None and (
            previous.end_date is None or previous.end_date > tenure.start_date
        ):
            return previous, tenure
        previous = tenure
    return None


class PostAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (
            self.instance.pk
            and cleaned.get("single_holder")
            and "single_holder" in self.changed_data
        ):
            tenures = list(Tenure.objects.filter(post=self.instance).select_related("person"))
            overlap = _first_overlap(tenures)
            if overlap is not None:
                first, second = overlap
                self.add_error(
                    "single_holder",
                    f"{first.person} and {second.person} held this post at the same time; "
                    "correct their tenures first.",
                )
        return cleaned


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["label", "organization", "rank", "single_holder"]
    list_filter = ["single_holder", "organization__kind"]
    search_fields = ["label", "slug", "organization__name", "organization__abbreviation"]
    autocomplete_fields = ["organization"]
    prepopulated_fields = {"slug": ["label"]}
    inlines = [TenureOfPostInline]
    ordering = ["organization__name", "rank", "label"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).select_related("organization")

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "single_holder" in form.changed_data:
            # Tenure.exclusive mirrors the post for the exclusion constraint.
            audit_queryset_update(
                Tenure.objects.filter(post=obj).select_related("person", "post"),
                exclusive=obj.single_holder,
            )


class CurrentTenureFilter(admin.SimpleListFilter):
    title = "current"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Current"), ("no", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tenure]) -> QuerySet[Tenure]:
        if self.value() == "yes":
            return queryset.filter(end_date__isnull=True)
        if self.value() == "no":
            return queryset.filter(end_date__isnull=False)
        return queryset


TENURE_FIELDS = [
    "person",
    "post",
    "start_date",
    "end_date",
    "source",
    "source_url",
    "last_verified",
    "note",
]


class TenureAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        # The service's arguments: every editable field (exclusive follows the post).
        values: dict[str, Any] = {name: cleaned.get(name) for name in TENURE_FIELDS}
        for name in ("source", "source_url", "note"):
            values[name] = values[name] or ""
        try:
            if self.instance.pk:
                self.instance = services.tenure_update(tenure=self.instance, **values)
            else:
                self.instance = services.tenure_create(**values)
        except ValidationError as error:
            _add_service_errors(self, error)
        return cleaned


@admin.register(Tenure)
class TenureAdmin(PolicyHistoryAdmin):
    formfield_overrides = HTTPS_URLS
    form = TenureAdminForm
    list_display = [
        "person",
        "post_label",
        "organization",
        "start_date",
        "end_date",
        "is_current",
        "last_verified",
        "exclusive",
    ]
    list_filter = [CurrentTenureFilter, "exclusive", "post__organization__kind"]
    search_fields = [
        "person__name",
        "person__native_name",
        "post__label",
        "post__organization__name",
        "post__organization__abbreviation",
    ]
    autocomplete_fields = ["person", "post"]
    readonly_fields = ["exclusive"]
    date_hierarchy = "start_date"
    ordering = ["post__organization__name", "post__rank", "-start_date"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenure]:
        return super().get_queryset(request).select_related("person", "post__organization")

    @admin.display(description="Post", ordering="post__label")
    def post_label(self, tenure: Tenure) -> str:
        return tenure.post.label

    @admin.display(description="Organization", ordering="post__organization__name")
    def organization(self, tenure: Tenure) -> Organization:
        return tenure.post.organization

    @admin.display(description="Current", boolean=True)
    def is_current(self, tenure: Tenure) -> bool:
        return tenure.is_current

    def save_model(self, request: HttpRequest, obj: Tenure, form: Any, change: bool) -> None:
        # Already written by the service in TenureAdminForm.clean().
        pass


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "kind", "start_date", "end_date", "city", "country", "organizer"]
    list_filter = ["kind", ("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "venue", "city"]
    autocomplete_fields = ["parent", "organizer", "country"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    ordering = ["-start_date", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).select_related("country", "organizer", "parent")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "parent__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["parent__name", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        # str() of a topic names its parent, and the parent's column names its own.
        return super().get_queryset(request).select_related("parent__parent")


# Instruments


class InstrumentPartyInline(admin.TabularInline):
    model = InstrumentParty
    fields = ["role", "organization", "country", "amount", "note"]
    autocomplete_fields = ["organization", "country"]
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(PolicyHistoryAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = [
        "name",
        "short_name",
        "kind",
        "status",
        "administering_organization",
        "amount",
        "currency",
        "start_date",
        "end_date",
    ]
    list_filter = [
        "kind",
        "status",
        ("administering_organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "short_name", "slug", "identifier"]
    autocomplete_fields = ["administering_organization", "related"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [InstrumentPartyInline]
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Instrument]:
        return super().get_queryset(request).select_related("administering_organization")


@admin.register(InstrumentParty)
class InstrumentPartyAdmin(admin.ModelAdmin):
    list_display = ["instrument", "role", "organization", "country", "amount"]
    list_filter = ["role", ("instrument", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "instrument__name",
        "instrument__short_name",
        "organization__name",
        "country__name",
    ]
    autocomplete_fields = ["instrument", "organization", "country"]
    ordering = ["instrument__name", "role"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InstrumentParty]:
        return super().get_queryset(request).select_related("instrument", "organization", "country")


# Meetings and what hangs on them


class MeetingAdminForm(PolicyForm):
    # Optimistic locking: the version the editor started from, checked on save.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # From the database, not the instance: on the history page's revert form the
            # instance is an old version of the record.
            self.fields["expected_version"].initial = (
                Meeting.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"]
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(f"Unknown time zone {name!r}.") from error
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user = self.request_user
        classification = cleaned.get("classification")
        if (
            user is not None
            and classification is not None
            and not policy.is_administrator(user)
            and classification > user.clearance
        ):
            self.add_error(
                "classification", "Classification above your own clearance is not allowed."
            )
        if self.instance.pk:
            self._check_version(cleaned.get("expected_version"))
        return cleaned

    def _check_version(self, expected: int | None) -> None:
        current = Meeting.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            # Held until the admin's transaction ends: nobody saves between check and save.
            current = current.select_for_update()
        version = current.values_list("version", flat=True).first()
        if expected is not None and version is not None and expected != version:
            raise ValidationError(
                f"Someone else saved this meeting since you opened it (it is now at version "
                f"{version}). Open it again to see their changes, then redo yours.",
                code="version_conflict",
            )


class ParticipantFormSet(BaseInlineFormSet):
    # The partial unique constraints are not checked across the forms of a formset.
    def clean(self) -> None:
        super().clean()
        people: set[int] = set()
        heads: set[str] = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            person = form.cleaned_data.get("person")
            if person is not None:
                if person.pk in people:
                    form.add_error("person", "This person is listed twice.")
                people.add(person.pk)
            side = form.cleaned_data.get("side")
            if form.cleaned_data.get("is_head_of_delegation") and side:
                if side in heads:
                    form.add_error("is_head_of_delegation", "Only one head of delegation per side.")
                heads.add(side)


class ParticipantInline(MeetingInline):
    model = Participant
    formset = ParticipantFormSet
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

    def clean(self) -> None:
        # Number unnumbered items after the others before the uniqueness check, so that
        # typing titles is enough.
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        taken = [form.cleaned_data.get("order") or 0 for form in kept]
        next_order = max(taken, default=0) + 1
        for form in kept:
            if not form.cleaned_data.get("order"):
                form.cleaned_data["order"] = form.instance.order = next_order
                next_order += 1
        super().clean()


class AgendaItemInline(MeetingInline):
    model = AgendaItem
    formset = AgendaItemFormSet
    fields = ["order", "title", "topic", "notes", "outcome"]
    autocomplete_fields = ["topic"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        return super().get_queryset(request).select_related("topic__parent")


class CommitmentAdminForm(MeetingChildForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "desk" in self.fields:
            self.fields["desk"].required = False
            self.fields["desk"].help_text = "Empty: the desk of the meeting."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        meeting = cleaned.get("meeting")
        if cleaned.get("desk") is None and "desk" not in self.errors:
            if meeting is not None and meeting.desk_id:
                cleaned["desk"] = meeting.desk
            else:
                self.add_error("desk", "A commitment without a meeting needs a desk.")
        # As services._apply_status: a done commitment has a completion date, others none.
        status = cleaned.get("status")
        if status == Commitment.Status.DONE:
            cleaned["completed_on"] = cleaned.get("completed_on") or timezone.localdate()
        elif status:
            cleaned["completed_on"] = None
        owner = cleaned.get("owner")
        if owner is not None and meeting is not None and meeting.desk_id:
            took_part = (
                bool(meeting.pk) and meeting.participants.filter(person__user=owner).exists()
            )
            if not policy.can_read(
                owner,
                classification=meeting.classification,
                desk_id=meeting.desk_id,
                took_part=took_part,
            ):
                self.add_error(
                    "owner", f"{owner} may not see this meeting, so cannot own its follow-up."
                )
        return cleaned


class CommitmentInline(MeetingInline):
    model = Commitment
    form = CommitmentAdminForm
    fields = ["title", "owed_by", "owner", "desk", "due_date", "status", "completed_on"]
    autocomplete_fields = ["owner"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Commitment]:
        return super().get_queryset(request).select_related("owner", "desk")


@admin.register(Meeting)
class MeetingAdmin(DeskWriteAdmin, PolicyHistoryAdmin):
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
    history_list_display = ["status", "classification", "version"]
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

    def save_model(self, request: HttpRequest, obj: Meeting, form: Any, change: bool) -> None:
        if change:
            Meeting.objects.filter(pk=obj.pk).update(version=F("version") + 1)
            obj.version = Meeting.objects.values_list("version", flat=True).get(pk=obj.pk)
        else:
            obj.created_by_id = request.user.pk
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The same signal the services send, inside the admin's transaction, so that
        # watchers are notified and webhooks fire for edits made here too.
        meeting_saved.send(
            sender=Meeting, meeting=form.instance, created=not change, user=request.user
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            if isinstance(instance, Participant):
                _fill_post_from_tenure(instance)
            elif isinstance(instance, Commitment) and instance.desk_id is None:
                instance.desk = form.instance.desk
            instance.save()
        formset.save_m2m()


@admin.register(Participant)
class ParticipantAdmin(MeetingChildAdmin, PolicyHistoryAdmin):
    form = MeetingChildForm
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

    def save_model(self, request: HttpRequest, obj: Participant, form: Any, change: bool) -> None:
        _fill_post_from_tenure(obj)
        super().save_model(request, obj, form, change)


@admin.register(AgendaItem)
class AgendaItemAdmin(MeetingChildAdmin):
    form = MeetingChildForm
    list_display = ["title", "meeting", "order", "topic"]
    list_filter = [("topic", admin.RelatedOnlyFieldListFilter), "meeting__desk"]
    search_fields = ["title", "notes", "outcome", "meeting__title"]
    autocomplete_fields = ["meeting", "topic"]
    ordering = ["-meeting__start", "meeting", "order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        queryset = agenda_items_visible_to(request.user).select_related("meeting", "topic__parent")
        return queryset.order_by(*self.get_ordering(request))


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


@admin.register(Commitment)
class CommitmentAdmin(DeskWriteAdmin, PolicyHistoryAdmin):
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

    def may_write(self, request: HttpRequest, obj: Any) -> bool:
        # As services.commitment_set_status: the owner may update their own follow-up.
        if obj is not None and obj.owner_id == request.user.pk:
            return True
        return super().may_write(request, obj)


class AttachmentAddForm(MeetingChildForm):
    upload = forms.FileField(label="File")

    class Meta:
        model = Attachment
        fields = ["meeting", "kind", "description"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        try:
            self.instance = services.attachment_add(
                user=self.request_user,
                meeting=cleaned["meeting"],
                upload=cleaned["upload"],
                kind=cleaned["kind"],
                description=cleaned.get("description") or "",
            )
        except services.PermissionDenied:
            self.add_error("meeting", "You may not add files to this meeting.")
        except ValidationError as error:
            if hasattr(error, "error_dict") and "file" in error.error_dict:
                error = ValidationError(
                    {"upload": error.error_dict.pop("file"), **error.error_dict}
                )
            _add_service_errors(self, error)
        return cleaned


@admin.register(Attachment)
class AttachmentAdmin(MeetingChildAdmin):
    list_display = [
        "original_name",
        "meeting",
        "kind",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind", "content_type", "meeting__desk"]
    search_fields = ["original_name", "description", "meeting__title"]
    autocomplete_fields = ["meeting"]
    ordering = ["-uploaded_at"]
    form = PolicyForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        queryset = attachments_visible_to(request.user).select_related("meeting", "uploaded_by")
        return queryset.order_by(*self.get_ordering(request))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": ["meeting", "kind", "upload", "description"]})]
        return [
            (None, {"fields": ["meeting", "kind", "description"]}),
            (
                "File",
                {
                    "fields": [
                        "file",
                        "original_name",
                        "content_type",
                        "size",
                        "uploaded_by",
                        "uploaded_at",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        # The stored file's path and checks belong to the upload; replace it by a new one.
        return [
            "meeting",
            "file",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
        ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = AttachmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Attachment, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        # An added attachment was written by the service in AttachmentAddForm.clean().
