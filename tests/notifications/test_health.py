import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Heartbeat, SweepRun
from tests.notifications.conftest import AS_OF, commitment_for
from tests.notifications.processes import free_port


@pytest.fixture
def with_broker(settings):
    """Not embedded: a broker, a worker and beat are expected."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings


def beat(kind: str, age_seconds: float) -> None:
    Heartbeat.objects.update_or_create(
        name=kind if kind == "beat" else f"worker:{kind}",
        defaults={
            "kind": Heartbeat.Kind.BEAT if kind == "beat" else Heartbeat.Kind.WORKER,
            "seen_at": timezone.now() - datetime.timedelta(seconds=age_seconds),
        },
    )


def test_embedded_mode_is_healthy_without_broker_worker_or_beat(client, db):
    response = client.get(reverse("notifications:healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["mode"] == "embedded"


def test_with_fresh_heartbeats_and_redis_it_is_healthy(client, with_broker, db):
    beat("beat", 5)
    beat("celery@host", 10)
    response = client.get(reverse("notifications:healthz"))
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["broker"] == {"ok": True, "mode": "redis"}
    assert checks["worker"]["ok"] and checks["worker"]["age_seconds"] >= 10
    assert checks["beat"]["ok"]


def test_a_stale_beat_makes_it_unavailable(client, with_broker, db):
    beat("beat", with_broker.HEALTH_BEAT_MAX_AGE_SECONDS + 30)
    beat("celery@host", 1)
    response = client.get(reverse("notifications:healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["beat"]["ok"] is False and body["checks"]["worker"]["ok"] is True


def test_no_worker_ever_seen_makes_it_unavailable(client, with_broker, db):
    beat("beat", 1)
    response = client.get(reverse("notifications:healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {
        "ok": False,
        "last_seen": None,
        "age_seconds": None,
        "max_age_seconds": with_broker.HEALTH_WORKER_MAX_AGE_SECONDS,
    }


def test_an_unreachable_broker_makes_it_unavailable(client, with_broker, db):
    with_broker.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    beat("beat", 1)
    beat("celery@host", 1)
    response = client.get(reverse("notifications:healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_it_reports_the_last_sweep(client, owner):
    commitment_for(owner, 7)
    services.reminder_sweep(as_of=AS_OF, trigger=SweepRun.Trigger.SCHEDULE)
    last = client.get(reverse("notifications:healthz")).json()["last_sweep"]
    assert last["as_of"] == AS_OF.isoformat() and last["reminders_sent"] == 1


def test_the_admin_shows_when_the_last_sweep_ran_and_what_it_sent(client, admin_user, owner):
    commitment_for(owner, 7)
    commitment_for(owner, 1)
    services.reminder_sweep(as_of=AS_OF, trigger=SweepRun.Trigger.SCHEDULE)
    client.force_login(admin_user)
    page = client.get(reverse("admin:notifications_reminder_changelist")).content.decode()
    assert "Last sweep: started" in page
    assert "<strong>2 reminders sent</strong>" in page
