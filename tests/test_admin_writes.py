"""The admin pages of accounts' tokens, minerals, webhooks and notifications write through
their apps' services (tests/test_one_door.py checks the shape; these check the effect)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_delete
from core.exceptions import PermissionDenied
from minerals.models import CriticalityList, CriticalityListMember, Mineral
from notifications import services as notifications
from notifications.models import DispatchStatus, NotificationPreference, Reminder, Watch
from tests import factories
from webhooks import services as webhooks
from webhooks.models import WebhookEndpoint


def test_a_token_is_deleted_by_its_owner_or_an_administrator(alice, bob, administrator):
    token, _raw = api_token_create(user=alice, name="laptop")
    with pytest.raises(PermissionDenied):
        api_token_delete(actor=bob, token=token)
    assert ApiToken.objects.filter(pk=token.pk).exists()
    api_token_delete(actor=alice, token=token)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    other, _raw = api_token_create(user=bob, name="desktop")
    api_token_delete(actor=administrator, token=other)
    assert not ApiToken.objects.exists()


def test_the_admin_deletes_tokens_through_the_service(client, admin_user, alice):
    token, _raw = api_token_create(user=alice, name="laptop")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [token.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_admin_writes_a_criticality_list_and_its_members(client, admin_user):
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:minerals_criticalitylist_add"),
        {
            "name": "Critical minerals",
            "slug": "critical-minerals",
            "issuer": "Someone",
            "year": "2025",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-mineral": str(lithium.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    criticality_list = CriticalityList.objects.get(slug="critical-minerals")
    assert list(
        CriticalityListMember.objects.filter(criticality_list=criticality_list).values_list(
            "mineral__slug", flat=True
        )
    ) == ["lithium"]

    response = client.post(
        reverse("admin:minerals_criticalitylist_delete", args=[criticality_list.pk]),
        {"post": "yes"},
    )
    assert response.status_code == 302
    assert not CriticalityList.objects.exists()


def test_the_admin_deletes_minerals_through_the_service(client, admin_user):
    mineral = factories.MineralFactory(name="Cobalt", slug="cobalt")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:minerals_mineral_changelist"),
        {"action": "delete_selected", "_selected_action": [mineral.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Mineral.objects.filter(pk=mineral.pk).exists()


def test_the_admin_deletes_an_endpoint_through_the_service(client, admin_user, alice):
    endpoint = webhooks.endpoint_create(
        name="Receiver",
        url="https://example.org/hook",
        owner=alice,
        event_types=["meeting.created"],
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_delete", args=[endpoint.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_the_admin_writes_watches_and_preferences_through_the_services(client, admin_user, alice):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:notifications_watch_add"),
        {"user": str(alice.pk), "kind": Watch.Kind.COUNTRY, "country": str(chile.pk)},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    watch = Watch.objects.get(user=alice)
    assert watch.country == chile

    response = client.post(
        reverse("admin:notifications_watch_delete", args=[watch.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Watch.objects.exists()

    preference = notifications.notification_preference_save(
        preference=NotificationPreference(user=alice, daily_digest=True)
    )
    response = client.post(
        reverse("admin:notifications_notificationpreference_delete", args=[preference.pk]),
        {"post": "yes"},
    )
    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


def test_only_administrators_resend_reminders(alice, administrator):
    commitment = factories.CommitmentFactory()
    reminder = Reminder.objects.create(
        commitment=commitment,
        kind="due",
        due_date=commitment.meeting.start.date(),
        send_on=commitment.meeting.start.date(),
        days_from_due=0,
        recipient=alice,
        status=DispatchStatus.FAILED,
    )
    with pytest.raises(PermissionDenied):
        notifications.reminders_retry(actor=alice, reminder_ids=[reminder.pk])
    reminder.refresh_from_db()
    assert reminder.status == DispatchStatus.FAILED
    assert notifications.reminders_retry(actor=administrator, reminder_ids=[reminder.pk]) == 1
    reminder.refresh_from_db()
    assert reminder.status == DispatchStatus.PENDING
