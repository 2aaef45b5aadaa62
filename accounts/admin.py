"""Admin for users, desks and desk memberships: every write goes through
accounts.services (administrators only), never through the model's save() or delete()."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse

from core.service_admin import ServiceWritesAdmin, many_to_many_values

from . import services
from .models import Desk, DeskMembership, User


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form; the new password is set by services.user_password_set."""

    actor: Any = None  # set on the class built for each request (UserAdmin)

    def save(self, commit: bool = True) -> Any:
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data.get("password1") if usable else None
        return services.user_password_set(actor=self.actor, user=self.user, password=password)


class MembershipRows(ServiceWritesAdmin):
    """Desk memberships written one row at a time through the membership services."""

    def write_row(self, request: HttpRequest, row: Any, change: bool) -> Any:
        if change:
            return services.desk_membership_update(actor=request.user, membership=row)
        return services.desk_membership_create(actor=request.user, membership=row)

    def remove_row(self, request: HttpRequest, row: Any) -> None:
        services.desk_membership_delete(actor=request.user, membership=row)


class DeskMembershipOfUserInline(admin.TabularInline):
    model = DeskMembership
    fk_name = "user"
    fields = ["desk", "role", "since"]
    autocomplete_fields = ["desk"]
    extra = 0


class DeskMembershipOfDeskInline(admin.TabularInline):
    model = DeskMembership
    fk_name = "desk"
    fields = ["user", "role", "since"]
    autocomplete_fields = ["user"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeskMembership]:
        return super().get_queryset(request).select_related("user")


@admin.register(User)
class UserAdmin(MembershipRows, DjangoUserAdmin):
    change_password_form = ServicePasswordChangeForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Access to classified records", {"fields": ("clearance", "time_zone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Access to classified records", {"fields": ("email", "clearance")}),
    )
    inlines = [DeskMembershipOfUserInline]
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "clearance",
        "desk_codes",
        "is_staff",
        "is_active",
    ]
    list_filter = ["clearance", "is_staff", "is_superuser", "is_active", "groups", "desks"]
    search_fields = ["username", "first_name", "last_name", "email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("desks")

    @admin.display(description="Desks")
    def desk_codes(self, user: User) -> str:
        return ", ".join(desk.code for desk in user.desks.all())

    def write(self, request: HttpRequest, obj: User, form: Any, change: bool) -> User:
        m2m = many_to_many_values(form)
        write = services.user_update if change else services.user_create
        return write(
            actor=request.user,
            user=obj,
            groups=m2m.get("groups"),
            user_permissions=m2m.get("user_permissions"),
        )

    def remove(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(actor=request.user, user=obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # The form class knows who asks (for the service), without sharing state between
        # requests: a copy of this admin with a form class of its own.
        for_request = copy.copy(self)
        for_request.change_password_form = type(  # type: ignore[assignment]
            "ServicePasswordChangeFormForRequest",
            (ServicePasswordChangeForm,),
            {"actor": request.user},
        )
        return DjangoUserAdmin.user_change_password(for_request, request, id, form_url)


@admin.register(Desk)
class DeskAdmin(MembershipRows):
    list_display = ["name", "code", "country_count", "member_count"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    autocomplete_fields = ["countries"]
    inlines = [DeskMembershipOfDeskInline]
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Desk]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                country_count=Count("countries", distinct=True),
                member_count=Count("memberships", distinct=True),
            )
        )

    @admin.display(description="Countries", ordering="country_count")
    def country_count(self, desk: Desk) -> int:
        return desk.country_count  # type: ignore[attr-defined]

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, desk: Desk) -> int:
        return desk.member_count  # type: ignore[attr-defined]

    def write(self, request: HttpRequest, obj: Desk, form: Any, change: bool) -> Desk:
        countries = many_to_many_values(form).get("countries")
        if change:
            return services.desk_update(actor=request.user, desk=obj, countries=countries)
        return services.desk_create(actor=request.user, desk=obj, countries=countries)

    def remove(self, request: HttpRequest, obj: Desk) -> None:
        services.desk_delete(actor=request.user, desk=obj)


@admin.register(DeskMembership)
class DeskMembershipAdmin(MembershipRows):
    list_display = ["user", "desk", "role", "since"]
    list_filter = ["role", "desk"]
    list_select_related = ["user", "desk"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "desk__name"]
    autocomplete_fields = ["user", "desk"]
    ordering = ["desk__name", "user__username"]

    def write(self, request: HttpRequest, obj: DeskMembership, form: Any, change: bool) -> Any:
        return self.write_row(request, obj, change)

    def remove(self, request: HttpRequest, obj: DeskMembership) -> None:
        self.remove_row(request, obj)
