"""Users, desks and desk memberships are changed by administrators only, through
accounts.services, whatever the face (the admin, the API)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Desk, DeskMembership, Role, User
from core.exceptions import PermissionDenied
from tests import factories

NOT_ADMINISTRATORS = ["alice", "bob", "charlie", "dana", "erin"]
ADMINISTRATORS = ["admin_user", "administrator"]


@pytest.mark.parametrize("persona", NOT_ADMINISTRATORS)
def test_only_administrators_change_users_desks_and_memberships(request, persona, desk_asia):
    actor = request.getfixturevalue(persona)
    target = factories.UserFactory(username="target")
    target.first_name = "Changed"
    with pytest.raises(PermissionDenied):
        services.user_update(actor=actor, user=target)
    with pytest.raises(PermissionDenied):
        services.user_delete(actor=actor, user=target)
    with pytest.raises(PermissionDenied):
        services.user_password_set(actor=actor, user=target, password="n3w-Passw0rd!")
    with pytest.raises(PermissionDenied):
        services.desk_create(actor=actor, desk=Desk(code="afr", name="Africa"))
    with pytest.raises(PermissionDenied):
        services.desk_delete(actor=actor, desk=desk_asia)
    with pytest.raises(PermissionDenied):
        services.desk_membership_create(
            actor=actor, membership=DeskMembership(user=target, desk=desk_asia)
        )
    target.refresh_from_db()
    assert target.first_name != "Changed"
    assert Desk.objects.filter(pk=desk_asia.pk).exists()
    assert not Desk.objects.filter(code="afr").exists()
    assert not DeskMembership.objects.filter(user=target).exists()


@pytest.mark.parametrize("persona", ADMINISTRATORS)
def test_administrators_change_users_desks_and_memberships(request, persona, desk_asia):
    actor = request.getfixturevalue(persona)
    group = Group.objects.create(name=Role.DESK_OFFICER)
    user = User(username="newcomer", email="newcomer@example.org")
    user.set_password("first-Passw0rd!")
    services.user_create(actor=actor, user=user, groups=[group])
    assert list(User.objects.get(username="newcomer").groups.all()) == [group]

    services.user_password_set(actor=actor, user=user, password="second-Passw0rd!")
    user.refresh_from_db()
    assert user.check_password("second-Passw0rd!")

    desk = services.desk_create(actor=actor, desk=Desk(code="afr", name="Africa"))
    membership = services.desk_membership_create(
        actor=actor, membership=DeskMembership(user=user, desk=desk)
    )
    membership.role = DeskMembership.DeskRole.LEAD
    services.desk_membership_update(actor=actor, membership=membership)
    assert DeskMembership.objects.get(user=user, desk=desk).role == DeskMembership.DeskRole.LEAD

    services.desk_membership_delete(actor=actor, membership=membership)
    services.desk_delete(actor=actor, desk=desk)
    services.user_delete(actor=actor, user=user)
    assert not Desk.objects.filter(code="afr").exists()
    assert not User.objects.filter(username="newcomer").exists()


def test_an_administrator_cannot_delete_their_own_account(administrator):
    with pytest.raises(PermissionDenied):
        services.user_delete(actor=administrator, user=administrator)
    assert User.objects.filter(pk=administrator.pk).exists()


def test_a_desk_is_validated_before_it_is_saved(administrator, desk_asia):
    with pytest.raises(ValidationError):
        services.desk_create(actor=administrator, desk=Desk(code="asia", name="Asia again"))


# Through the admin


def _staff_with_all_accounts_permissions() -> User:
    user: User = factories.UserFactory(username="staffer", is_staff=True)  # type: ignore[assignment]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    return user


def test_the_admin_adds_a_desk_with_its_members_through_the_services(client, admin_user, alice):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_desk_add"),
        {
            "name": "Africa",
            "code": "africa",
            "description": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": str(alice.pk),
            "memberships-0-role": DeskMembership.DeskRole.LEAD,
            "memberships-0-since": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    desk = Desk.objects.get(code="africa")
    assert DeskMembership.objects.get(desk=desk, user=alice).role == DeskMembership.DeskRole.LEAD


def test_staff_with_model_permissions_but_not_administrators_are_refused(client, desk_asia):
    staffer = _staff_with_all_accounts_permissions()
    client.force_login(staffer)
    response = client.post(
        reverse("admin:accounts_desk_change", args=[desk_asia.pk]),
        {
            "name": "Renamed",
            "code": desk_asia.code,
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    desk_asia.refresh_from_db()
    assert desk_asia.name != "Renamed"

    response = client.post(
        reverse("admin:accounts_desk_changelist"),
        {"action": "delete_selected", "_selected_action": [desk_asia.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Desk.objects.filter(pk=desk_asia.pk).exists()


def test_the_admin_sets_a_password_through_the_service(client, admin_user, charlie):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[charlie.pk]),
        {"password1": "Another-Passw0rd!", "password2": "Another-Passw0rd!"},
    )
    assert response.status_code == 302, response.content[:2000]
    charlie.refresh_from_db()
    assert charlie.check_password("Another-Passw0rd!")
