"""Reference records: countries, organizations, people, posts, tenures, events, topics.

Each is written by its service (engagements.services.directory and .people); tenures keep
their own form, which calls tenure_create / tenure_update so that the overlap rules show
as form errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import policy

from .. import services
from ..models import Country, Event, Organization, Person, Post, Tenure, Topic
from .base import HTTPS_URLS, PolicyForm, ServiceAdmin, add_service_errors, call_service


class DirectoryAdmin(ServiceAdmin):
    """Create, update and delete through (create, update, delete) services that take
    `values`, `<record>=..., changes` and `<record>=...`."""

    record_services: tuple[Any, Any, Any]
    record_name: str

    def values(self, form: Any, names: Any) -> dict[str, Any]:
        fields = {f.name for f in self.model._meta.get_fields() if not f.many_to_many}
        return {name: form.cleaned_data[name] for name in names if name in fields}

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Any:
        create, update, _ = self.record_services
        if not change:
            return call_service(
                create, user=request.user, values=self.values(form, form.cleaned_data)
            )
        record = self.model._default_manager.get(pk=form.instance.pk)
        return call_service(
            update,
            user=request.user,
            changes=self.values(form, form.changed_data),
            **{self.record_name: record},
        )

    def remove(self, request: HttpRequest, obj: Any) -> None:
        self.record_services[2](user=request.user, **{self.record_name: obj})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # As the delete services, which ask the same question.
        return policy.may_delete_reference(request.user)


@admin.register(Country)
class CountryAdmin(DirectoryAdmin):
    record_services = (services.country_create, services.country_update, services.country_delete)
    record_name = "country"
    list_display = ["name", "iso2", "iso3", "numeric_code", "region", "sub_region", "is_home"]
    list_filter = ["is_home", "region", "sub_region"]
    search_fields = ["name", "iso2", "iso3", "numeric_code"]
    ordering = ["name"]


@admin.register(Organization)
class OrganizationAdmin(DirectoryAdmin):
    record_services = (
        services.organization_create,
        services.organization_update,
        services.organization_delete,
    )
    record_name = "organization"
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
class PersonAdmin(ServiceAdmin):
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
        # Contact details are sensitive: shown as the API shows them (the same policy).
        if not policy.may_see_contacts(request.user, person=obj):
            return [fieldset for fieldset in fieldsets if fieldset[0] != "Contact details"]
        return fieldsets

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.may_delete_reference(request.user)  # as services.person_delete

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Person:
        data = form.cleaned_data
        names = form.changed_data if change else list(data)
        changes = {name: data[name] for name in names if name in services.PERSON_FIELDS}
        if change:
            person = Person.objects.get(pk=form.instance.pk)
        else:
            person = call_service(
                services.person_create,
                user=request.user,
                name=data["name"],
                native_name=data.get("native_name") or "",
                honorific_prefix=data.get("honorific_prefix") or "",
                nationality=data.get("nationality"),
            )
        return call_service(services.person_update, user=request.user, person=person, **changes)

    def remove(self, request: HttpRequest, obj: Person) -> None:
        services.person_delete(user=request.user, person=obj)


@admin.register(Post)
class PostAdmin(DirectoryAdmin):
    record_services = (services.post_create, services.post_update, services.post_delete)
    record_name = "post"
    list_display = ["label", "organization", "rank", "single_holder"]
    list_filter = ["single_holder", "organization__kind"]
    search_fields = ["label", "slug", "organization__name", "organization__abbreviation"]
    autocomplete_fields = ["organization"]
    prepopulated_fields = {"slug": ["label"]}
    inlines = [TenureOfPostInline]
    ordering = ["organization__name", "rank", "label"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).select_related("organization")


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


class TenureAdminForm(PolicyForm):
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
            add_service_errors(self, error)
        return cleaned


@admin.register(Tenure)
class TenureAdmin(ServiceAdmin):
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

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Tenure:
        return form.instance  # written by the service in TenureAdminForm.clean()

    def remove(self, request: HttpRequest, obj: Tenure) -> None:
        services.tenure_delete(user=request.user, tenure=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.may_delete_reference(request.user)  # as services.tenure_delete


@admin.register(Event)
class EventAdmin(DirectoryAdmin):
    record_services = (services.event_create, services.event_update, services.event_delete)
    record_name = "event"
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
class TopicAdmin(DirectoryAdmin):
    record_services = (services.topic_create, services.topic_update, services.topic_delete)
    record_name = "topic"
    list_display = ["name", "parent", "slug"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "parent__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["parent__name", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        # str() of a topic names its parent, and the parent's column names its own.
        return super().get_queryset(request).select_related("parent__parent")
