"""End to end: a real Celery worker on Redis delivers to a real HTTP server started here,
signed with the endpoint's secret, and retried after a first failure."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from config.celery import app
from engagements import services as engagements
from tests.webhooks.conftest import meeting_input
from webhooks import services, signing
from webhooks.models import EventType, WebhookDelivery

BASE_DIR = Path(__file__).resolve().parents[2]
WORKER_START_SECONDS = 40
DELIVERY_SECONDS = 30


class Receiver(BaseHTTPRequestHandler):
    server: "RecordingServer"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            status = self.server.answers.pop(0) if self.server.answers else 200
            self.server.received.append(
                {
                    "status": status,
                    "body": body,
                    "id": self.headers.get("Webhook-Id"),
                    "timestamp": self.headers.get("Webhook-Timestamp"),
                    "signature": self.headers.get("Webhook-Signature"),
                }
            )
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answers):
        super().__init__(("127.0.0.1", 0), Receiver)
        self.answers = list(answers)
        self.received = []
        self.lock = threading.Lock()


@pytest.fixture
def receiver():
    """Answers 500 to the first request and 200 to the next."""
    server = RecordingServer(answers=[500, 200])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _database_url():
    db = connection.settings_dict  # the test database by now (test_...)
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition, *, seconds, what, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    details = f"\n--- worker log ---\n{log.read_text()}" if log and log.exists() else ""
    pytest.fail(f"Timed out after {seconds} s waiting for {what}{details}")


@pytest.fixture
def worker(transactional_db, tmp_path, settings):
    """A worker subprocess on its own queue, on the broker this test process uses
    (REDIS_URL), reading and writing the test database. Requesting transactional_db makes
    the worker stop before the database is flushed."""
    queue = f"webhooks-test-{uuid.uuid4().hex[:10]}"
    log = tmp_path / "worker.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_IGNORE_DOTENV": "1",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": app.conf.broker_url,
        "CELERY_EAGER": "false",
        "CELERY_QUEUE": queue,
        "WEBHOOK_QUEUE": queue,
        "WEBHOOK_RETRY_BASE_DELAY_SECONDS": "0.5",
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS": "1",
        "WEBHOOK_MAX_ATTEMPTS": "3",
        "WEBHOOK_CONNECT_TIMEOUT_SECONDS": "2",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "--loglevel=INFO",
        "-n",
        f"{queue}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    eager = app.conf.task_always_eager
    try:
        _wait_for(
            lambda: process.poll() is not None or " ready." in log.read_text(),
            seconds=WORKER_START_SECONDS,
            what="the worker to start",
            log=log,
        )
        assert process.poll() is None, f"the worker exited:\n{log.read_text()}"
        # This process publishes to the worker's queue instead of running tasks itself.
        app.conf.task_always_eager = False
        settings.WEBHOOK_QUEUE = queue
        yield {"queue": queue, "log": log}
    finally:
        app.conf.task_always_eager = eager
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        # Only this test's own keys: the broker may be shared with other workers.
        broker = redis.Redis.from_url(app.conf.broker_url)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_a_signed_webhook_and_retries_after_a_failure(
    worker, receiver, alice, desk_latam
):
    endpoint = services.endpoint_create(
        name="Treasury ERP",
        url=f"http://127.0.0.1:{receiver.server_port}/hooks",
        owner=alice,
        event_types=[EventType.MEETING_CREATED],
    )

    meeting = engagements.meeting_create(user=alice, data=meeting_input(desk_latam))

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    def finished():
        delivery.refresh_from_db()
        return delivery.status != WebhookDelivery.Status.PENDING

    _wait_for(finished, seconds=DELIVERY_SECONDS, what="the delivery", log=worker["log"])
    assert [request["status"] for request in receiver.received] == [500, 200]
    for request in receiver.received:
        assert request["id"] == str(delivery.event_id)
        assert signing.verify(
            secret=endpoint.secret,
            body=request["body"],
            timestamp_header=request["timestamp"],
            signature_header=request["signature"],
        )
        payload = json.loads(request["body"])
        assert payload["event_type"] == "meeting.created"
        assert payload["data"]["meeting"]["id"] == meeting.pk
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        WebhookDelivery.Status.SUCCEEDED,
        2,
        200,
    )
