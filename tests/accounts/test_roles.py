import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Classification, DeskMembership, Role, User
from accounts.services import demo_users_create, roles_sync

pytestmark = pytest.mark.django_db


def permissions_of(role: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_it_creates_the_five_role_groups():
    roles_sync()

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


def test_running_it_again_changes_nothing():
    roles_sync()
    before = {role: permissions_of(role) for role in Role.ALL}

    roles_sync()

    assert {role: permissions_of(role) for role in Role.ALL} == before
    assert Group.objects.filter(name__in=Role.ALL).count() == 5


def test_desk_officer_logs_meetings_but_does_not_delete_them_or_curate_people():
    roles_sync()
    officer = permissions_of(Role.DESK_OFFICER)

    assert {
        "engagements.add_meeting",
        "engagements.change_meeting",
        "engagements.view_meeting",
        "engagements.add_participant",
        "engagements.add_agendaitem",
        "engagements.add_commitment",
        "engagements.change_commitment",
        "engagements.add_attachment",
        "engagements.view_country",
        "engagements.view_person",
        "engagements.view_instrument",
        "minerals.view_mineralstatistic",
    } <= officer
    assert "engagements.delete_meeting" not in officer
    assert "engagements.add_person" not in officer
    assert "engagements.change_tenure" not in officer
    assert not any(name.startswith("auth.") for name in officer)


def test_desk_lead_also_curates_reference_records_and_deletes_meetings():
    roles_sync()
    lead = permissions_of(Role.DESK_LEAD)

    assert permissions_of(Role.DESK_OFFICER) < lead
    assert {
        "engagements.add_person",
        "engagements.change_person",
        "engagements.add_organization",
        "engagements.add_post",
        "engagements.add_tenure",
        "engagements.change_tenure",
        "engagements.add_event",
        "engagements.add_instrument",
        "engagements.add_topic",
        "engagements.delete_meeting",
    } <= lead
    assert "accounts.add_user" not in lead


def test_analyst_may_only_view():
    roles_sync()
    analyst = permissions_of(Role.ANALYST)

    assert {
        "engagements.view_meeting",
        "engagements.view_commitment",
        "engagements.view_tenure",
        "minerals.view_mineralstatistic",
        "accounts.view_desk",
    } <= analyst
    assert all(name.split(".")[1].startswith("view_") for name in analyst)
    assert "accounts.view_user" not in analyst


def test_administrator_holds_every_permission_of_the_project_and_of_groups():
    roles_sync()
    administrator = permissions_of(Role.ADMINISTRATOR)
    project = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(
            content_type__app_label__in=["accounts", "engagements", "minerals"]
        ).values_list("content_type__app_label", "codename")
    }

    assert project <= administrator
    assert {"auth.add_group", "auth.change_group", "accounts.add_user"} <= administrator


def test_integration_client_has_the_desk_officers_permissions():
    roles_sync()

    assert permissions_of(Role.INTEGRATION_CLIENT) == permissions_of(Role.DESK_OFFICER)


def test_it_takes_back_a_permission_granted_by_hand():
    roles_sync()
    stray = Permission.objects.get(content_type__app_label="engagements", codename="delete_meeting")
    Group.objects.get(name=Role.ANALYST).permissions.add(stray)

    roles_sync()

    assert "engagements.delete_meeting" not in permissions_of(Role.ANALYST)


def test_demo_users_get_their_roles_desks_and_clearances(desk_latam, desk_asia):
    demo_users_create(password="demo-password-1")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.clearance == Classification.CONFIDENTIAL
    assert list(admin.groups.values_list("name", flat=True)) == [Role.ADMINISTRATOR]

    latam = User.objects.get(username="officer.latam")
    assert latam.clearance == Classification.RESTRICTED
    assert not latam.is_staff
    assert list(latam.groups.values_list("name", flat=True)) == [Role.DESK_OFFICER]
    membership = DeskMembership.objects.get(user=latam)
    assert (membership.desk, membership.role) == (desk_latam, DeskMembership.DeskRole.OFFICER)
    assert latam.has_perm("engagements.add_meeting")
    assert not latam.has_perm("engagements.delete_meeting")

    asia = User.objects.get(username="officer.asia")
    assert asia.clearance == Classification.RESTRICTED
    assert [m.desk for m in DeskMembership.objects.filter(user=asia)] == [desk_asia]

    analyst = User.objects.get(username="analyst")
    assert analyst.clearance == Classification.INTERNAL
    assert list(analyst.groups.values_list("name", flat=True)) == [Role.ANALYST]
    assert not DeskMembership.objects.filter(user=analyst).exists()
    assert analyst.check_password("demo-password-1")


def test_demo_users_are_reset_when_created_again(desk_latam, desk_asia):
    demo_users_create(password="demo-password-1")
    latam = User.objects.get(username="officer.latam")
    latam.clearance = Classification.CONFIDENTIAL
    latam.save()
    DeskMembership.objects.create(user=latam, desk=desk_asia)

    users = demo_users_create(password="demo-password-2")

    latam.refresh_from_db()
    assert len(users) == 4
    assert User.objects.filter(username__in=[u.username for u in users]).count() == 4
    assert latam.clearance == Classification.RESTRICTED
    assert [m.desk for m in DeskMembership.objects.filter(user=latam)] == [desk_latam]
    assert latam.check_password("demo-password-2")


def test_demo_users_need_the_desks():
    with pytest.raises(ValueError, match="latam"):
        demo_users_create(password="demo-password-1")


def test_demo_users_need_a_password(desk_latam, desk_asia):
    with pytest.raises(ValueError, match="password"):
        demo_users_create(password="")
