"""Writes for accounts: the role groups and their permissions, and the demo users."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from core.exceptions import PermissionDenied

from . import policy
from .models import Classification, Desk, DeskMembership, Role, User


def _codenames(app_label: str, actions: tuple[str, ...], models: tuple[str, ...]) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


# The rows that make up a meeting record. Officers may delete participants and agenda items
# because editing a meeting replaces them; deleting a whole meeting, a commitment or a file
# is left to leads (commitments are dropped through their status instead).
_MEETING_RECORD = (
    *_codenames(
        "engagements",
        ("add", "change", "view"),
        ("meeting", "participant", "agendaitem", "commitment", "attachment"),
    ),
    *_codenames("engagements", ("delete",), ("participant", "agendaitem")),
)
_REFERENCE_VIEW = (
    *_codenames(
        "engagements",
        ("view",),
        (
            "country",
            "organization",
            "person",
            "post",
            "tenure",
            "event",
            "topic",
            "instrument",
            "instrumentparty",
        ),
    ),
    *_codenames("minerals", ("view",), ("mineral", "datasource", "mineralstatistic")),
    "accounts.view_desk",
)
_REFERENCE_CURATION = _codenames(
    "engagements",
    ("add", "change"),
    (
        "person",
        "organization",
        "post",
        "tenure",
        "event",
        "instrument",
        "instrumentparty",
        "topic",
    ),
)
_RECORD_DELETION = _codenames("engagements", ("delete",), ("meeting", "commitment", "attachment"))

# Model permissions only say what kind of change a role may make: which meetings a user may
# read or write is decided by accounts.policy (desk, clearance, participation) on top.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.DESK_OFFICER: (*_MEETING_RECORD, *_REFERENCE_VIEW),
    Role.DESK_LEAD: (*_MEETING_RECORD, *_REFERENCE_VIEW, *_REFERENCE_CURATION, *_RECORD_DELETION),
    Role.INTEGRATION_CLIENT: (*_MEETING_RECORD, *_REFERENCE_VIEW),
    Role.ANALYST: ("accounts.view_desk", "accounts.view_deskmembership"),
    Role.ADMINISTRATOR: (),
}
# Whole apps, so that models added later are covered without editing this table. User
# accounts (and their credentials) are not part of "everything" an analyst reads.
ROLE_VIEW_APPS: dict[str, tuple[str, ...]] = {Role.ANALYST: ("engagements", "minerals")}
ROLE_ALL_APPS: dict[str, tuple[str, ...]] = {
    # auth for groups; django_celery_beat for the reminder schedules administrators manage.
    Role.ADMINISTRATOR: (
        "accounts",
        "engagements",
        "minerals",
        "notifications",
        "webhooks",
        "auth",
        "django_celery_beat",
    ),
}


def _permissions_for(role: str) -> list[Permission]:
    wanted = ROLE_PERMISSIONS[role]
    query = Q(pk__in=[])
    for name in wanted:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    for app_label in ROLE_VIEW_APPS.get(role, ()):
        query |= Q(content_type__app_label=app_label, codename__startswith="view_")
    for app_label in ROLE_ALL_APPS.get(role, ()):
        query |= Q(content_type__app_label=app_label)
    permissions = list(Permission.objects.filter(query).select_related("content_type"))
    found = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
    missing = sorted(set(wanted) - found)
    if missing:
        # A renamed model or an unmigrated database: fail rather than hand out less.
        raise ValueError(f"Permissions missing for {role}: {', '.join(missing)} (run migrate).")
    return permissions


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create the role groups and set their permissions exactly; safe to run again."""
    groups = []
    for role in Role.ALL:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions_for(role))
        groups.append(group)
    return groups


@dataclass(frozen=True)
class _DemoUser:
    username: str
    role: str
    clearance: int
    desk_code: str | None = None
    is_superuser: bool = False


DEMO_USERS = (
    _DemoUser("admin", Role.ADMINISTRATOR, Classification.CONFIDENTIAL, is_superuser=True),
    _DemoUser("officer.latam", Role.DESK_OFFICER, Classification.RESTRICTED, desk_code="latam"),
    _DemoUser("officer.asia", Role.DESK_OFFICER, Classification.RESTRICTED, desk_code="asia"),
    _DemoUser("analyst", Role.ANALYST, Classification.INTERNAL),
)


def demo_users_exist() -> bool:
    return User.objects.filter(username__in=[spec.username for spec in DEMO_USERS]).count() == len(
        DEMO_USERS
    )


@transaction.atomic
def demo_users_create(*, password: str | None) -> list[User]:
    """Create or reset the demo accounts (never for production: the caller checks
    settings.DEMO_USERS_ALLOWED). The desks must exist already (`manage.py seed`).
    With password None, existing accounts keep theirs; new ones cannot be made."""
    if password is None and not demo_users_exist():
        raise ValueError("New demo users need a password.")
    if password == "":
        raise ValueError("Demo users need a password.")
    groups = {group.name: group for group in roles_sync()}
    desk_codes = {spec.desk_code for spec in DEMO_USERS if spec.desk_code}
    desks = {desk.code: desk for desk in Desk.objects.filter(code__in=desk_codes)}
    if missing := sorted(desk_codes - set(desks)):
        raise ValueError(f"Desks {', '.join(missing)} do not exist: load the seed data first.")
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        wanted = {
            "email": f"{spec.username}@example.org",
            "is_active": True,
            "is_staff": spec.is_superuser,
            "is_superuser": spec.is_superuser,
            "clearance": spec.clearance,
        }
        changed = user.pk is None or any(getattr(user, k) != v for k, v in wanted.items())
        for name, value in wanted.items():
            setattr(user, name, value)
        # Checking first keeps a second run with the same password from rewriting the row.
        if password is not None and (user.pk is None or not user.check_password(password)):
            user.set_password(password)
            changed = True
        if changed:
            user.full_clean()
            user.save()
        user.groups.set([groups[spec.role]])
        memberships = DeskMembership.objects.filter(user=user)
        if spec.desk_code is None:
            memberships.delete()
        else:
            desk = desks[spec.desk_code]
            memberships.exclude(desk=desk).delete()
            membership, _ = DeskMembership.objects.get_or_create(user=user, desk=desk)
            if membership.role != DeskMembership.DeskRole.OFFICER:
                membership.role = DeskMembership.DeskRole.OFFICER
                membership.save(update_fields=["role"])
        users.append(user)
    return users


def user_preferences_update(*, user: User, language: str, time_zone: str) -> User:
    """The language of the pages and the time zone of the times shown (validated by the
    caller's form; the model's constraint rejects an unknown language)."""
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
    return user


# Users, desks and memberships as administrators change them (the admin).


def _administrators_only(actor: Any) -> None:
    if not policy.is_administrator(actor):
        raise PermissionDenied("Only administrators change users, desks and memberships.")


def _user_write(
    user: User,
    *,
    groups: Iterable[Group] | None,
    user_permissions: Iterable[Permission] | None,
) -> User:
    user.full_clean(exclude=["password"])
    user.save()
    if groups is not None:
        user.groups.set(groups)
    if user_permissions is not None:
        user.user_permissions.set(user_permissions)
    return user


@transaction.atomic
def user_create(
    *,
    actor: Any,
    user: User,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
) -> User:
    """Save a new user built by the caller (its password already hashed)."""
    _administrators_only(actor)
    if user.pk is not None:
        raise ValueError("user_create takes a user that is not saved yet")
    return _user_write(user, groups=groups, user_permissions=user_permissions)


@transaction.atomic
def user_update(
    *,
    actor: Any,
    user: User,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
) -> User:
    """Save the changes the caller made to a user (and set its groups and permissions)."""
    _administrators_only(actor)
    return _user_write(user, groups=groups, user_permissions=user_permissions)


@transaction.atomic
def user_password_set(*, actor: Any, user: User, password: str | None) -> User:
    """A new password (None: the user may no longer log in with one)."""
    _administrators_only(actor)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def user_delete(*, actor: Any, user: User) -> None:
    _administrators_only(actor)
    if user.pk == getattr(actor, "pk", None):
        raise PermissionDenied("You cannot delete your own account.")
    user.delete()


@transaction.atomic
def desk_create(*, actor: Any, desk: Desk, countries: Iterable[Any] | None = None) -> Desk:
    _administrators_only(actor)
    if desk.pk is not None:
        raise ValueError("desk_create takes a desk that is not saved yet")
    return _desk_write(desk, countries=countries)


@transaction.atomic
def desk_update(*, actor: Any, desk: Desk, countries: Iterable[Any] | None = None) -> Desk:
    _administrators_only(actor)
    return _desk_write(desk, countries=countries)


def _desk_write(desk: Desk, *, countries: Iterable[Any] | None) -> Desk:
    desk.full_clean()
    desk.save()
    if countries is not None:
        desk.countries.set(countries)
    return desk


@transaction.atomic
def desk_delete(*, actor: Any, desk: Desk) -> None:
    _administrators_only(actor)
    desk.delete()


@transaction.atomic
def desk_membership_create(*, actor: Any, membership: DeskMembership) -> DeskMembership:
    _administrators_only(actor)
    if membership.pk is not None:
        raise ValueError("desk_membership_create takes a membership that is not saved yet")
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def desk_membership_update(*, actor: Any, membership: DeskMembership) -> DeskMembership:
    _administrators_only(actor)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def desk_membership_delete(*, actor: Any, membership: DeskMembership) -> None:
    _administrators_only(actor)
    membership.delete()


# Bulk paths (demo data): many rows in few statements, the same tables as above.


@transaction.atomic
def users_bulk_create(*, users: Iterable[User], batch_size: int = 1000) -> list[User]:
    """Insert users built by the caller (passwords already hashed or unusable)."""
    return User.objects.bulk_create(list(users), batch_size=batch_size)


@transaction.atomic
def desk_memberships_bulk_create(
    *, memberships: Iterable[DeskMembership], batch_size: int = 1000
) -> list[DeskMembership]:
    return DeskMembership.objects.bulk_create(list(memberships), batch_size=batch_size)
