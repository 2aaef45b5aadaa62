from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .models import Desk, DeskMembership, User


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
class UserAdmin(DjangoUserAdmin):
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


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
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


@admin.register(DeskMembership)
class DeskMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "desk", "role", "since"]
    list_filter = ["role", "desk"]
    list_select_related = ["user", "desk"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "desk__name"]
    autocomplete_fields = ["user", "desk"]
    ordering = ["desk__name", "user__username"]
