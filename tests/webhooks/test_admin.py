import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from engagements import services as engagements
from tests.webhooks.conftest import meeting_input
from webhooks import tasks
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

Status = WebhookDelivery.Status


def url(model, view, *args):
    return reverse(f"admin:webhooks_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def delivery(subscribe, alice, desk_latam):
    subscribe(alice, EventType.MEETING_CREATED)
    engagements.meeting_create(user=alice, data=meeting_input(desk_latam))
    return WebhookDelivery.objects.get()


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(
        tasks.webhook_deliver, "apply_async", lambda args, **options: sent.append(args[0])
    )
    return sent


def test_the_pages_render_for_an_administrator(client, admin_user, delivery):
    client.force_login(admin_user)
    endpoint = delivery.endpoint

    assert client.get(url(WebhookEndpoint, "changelist")).status_code == 200
    filtered = client.get(url(WebhookEndpoint, "changelist"), {"event_type": "meeting.created"})
    assert filtered.context["cl"].result_count == 1
    assert client.get(url(WebhookEndpoint, "add")).status_code == 200
    change = client.get(url(WebhookEndpoint, "change", endpoint.pk))
    assert change.status_code == 200
    assert endpoint.secret in change.content.decode()
    listing = client.get(url(WebhookDelivery, "changelist"), {"status": "pending", "q": "a"})
    assert listing.status_code == 200
    detail = client.get(url(WebhookDelivery, "change", delivery.pk))
    assert detail.status_code == 200
    assert delivery.payload["data"]["meeting"]["title"] in detail.content.decode()
    assert client.get(url(WebhookEndpoint, "history", endpoint.pk)).status_code == 200
    assert client.get(url(WebhookDelivery, "history", delivery.pk)).status_code == 200


def test_the_owner_is_chosen_by_autocomplete(client, admin_user, alice):
    client.force_login(admin_user)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "webhooks",
            "model_name": "webhookendpoint",
            "field_name": "owner",
            "term": "alic",
        },
    )

    assert response.status_code == 200
    assert str(alice.pk) in {result["id"] for result in response.json()["results"]}


def test_an_administrator_registers_an_endpoint_with_event_checkboxes(client, admin_user, alice):
    client.force_login(admin_user)

    response = client.post(
        url(WebhookEndpoint, "add"),
        {
            "name": "Treasury ERP",
            "url": "https://erp.example.org/hooks",
            "owner": alice.pk,
            "event_types": ["meeting.created", "commitment.overdue"],
            "is_active": "on",
            "description": "",
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.owner, endpoint.created_by) == (alice, admin_user)
    assert endpoint.event_types == ["meeting.created", "commitment.overdue"]
    assert endpoint.secret.startswith("whsec_")


def test_a_url_other_than_http_is_refused(client, admin_user, alice):
    client.force_login(admin_user)

    response = client.post(
        url(WebhookEndpoint, "add"),
        {
            "name": "Files",
            "url": "ftp://files.example.org/drop",
            "owner": alice.pk,
            "event_types": ["meeting.created"],
        },
    )

    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.exists()


def test_the_redeliver_action_sends_the_selected_deliveries_again(
    client, admin_user, delivery, published, django_capture_on_commit_callbacks
):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.FAILED, attempts=10, next_attempt_at=None
    )
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(WebhookDelivery, "changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    assert published == [delivery.pk]


def test_staff_who_are_not_administrators_see_no_webhooks(client, alice, delivery):
    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks"))
    client.force_login(alice)

    assert client.get(url(WebhookDelivery, "changelist")).status_code == 403
    assert client.get(url(WebhookDelivery, "change", delivery.pk)).status_code == 403
    assert client.get(url(WebhookEndpoint, "changelist")).status_code == 403


def test_administrators_by_role_manage_webhooks(client, administrator, delivery):
    client.force_login(administrator)

    assert client.get(url(WebhookEndpoint, "changelist")).status_code == 200
    assert client.get(url(WebhookDelivery, "changelist")).status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_the_delivery_log_queries_do_not_grow_with_rows(
    client, admin_user, subscribe, alice, desk_latam, django_assert_max_num_queries, rows
):
    for number in range(rows):
        subscribe(alice, EventType.MEETING_CREATED, url=f"https://erp{number}.example.org/")
    engagements.meeting_create(user=alice, data=meeting_input(desk_latam))
    client.force_login(admin_user)

    with django_assert_max_num_queries(8):
        response = client.get(url(WebhookDelivery, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
