"""/readyz: may this process take traffic? And /healthz (the notifications app) still answers."""

import socket

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from ops import probe, readiness


@pytest.fixture(autouse=True)
def fresh_migration_state():
    readiness.forget_migration_state()
    yield
    readiness.forget_migration_state()


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_it_is_ready_with_database_broker_and_migrations(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a real broker is expected and pinged
    response = client.get(reverse("readyz"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert body["checks"] == {
        "database": {"ok": True},
        "broker": {"ok": True, "mode": "redis"},
        "migrations": {"ok": True},
    }
    assert "no-cache" in response["Cache-Control"]


def test_an_unapplied_migration_makes_it_unavailable(client, db):
    applied = MigrationRecorder.Migration.objects.filter(app="accounts").order_by("-id").first()
    applied.delete()  # as if the code were newer than the database
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failed"] == ["migrations"]
    assert f"accounts.{applied.name}" in body["checks"]["migrations"]["pending"]


def test_a_broker_that_refuses_connections_makes_it_unavailable(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{refused_port()}/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_embedded_mode_needs_no_broker(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{refused_port()}/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "embedded"}


def test_the_liveness_endpoint_is_still_there(client, db):
    response = client.get(reverse("notifications:healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == {"ok": True}


def test_the_migration_graph_is_read_once_when_all_is_applied(
    client, db, django_assert_max_num_queries
):
    assert client.get(reverse("readyz")).status_code == 200
    with django_assert_max_num_queries(1):  # SELECT 1 only
        assert client.get(reverse("readyz")).status_code == 200


def test_the_container_probe_asks_as_the_proxy_would(live_server, monkeypatch, capsys):
    port = live_server.url.rsplit(":", 1)[1]
    monkeypatch.setenv("PROBE_PORT", port)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "*.wildcard,localhost")
    assert probe.probe_host() == "localhost"
    assert probe.main(["probe", "/readyz"]) == 0
    assert probe.main(["probe", "/no-such-page"]) == 1
    monkeypatch.setenv("PROBE_PORT", str(refused_port()))
    assert probe.main(["probe", "/readyz"]) == 1
