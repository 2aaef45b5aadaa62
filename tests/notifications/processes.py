"""Real processes for the integration tests: an SMTP server (aiosmtpd, in a thread), Celery
workers and beat as subprocesses on the test database, and a private Redis server for the
test that stops its broker (the shared Redis on 6379 is never stopped or flushed)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import redis
from aiosmtpd.controller import Controller
from django.db import connection
from kombu import pools

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and can hold the Nth MAIL command."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        self.mail_commands = 0
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.delay = 0.0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_commands += 1
            number = self.mail_commands
        if number == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def received(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return list(self.messages)


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        mailbox.release.set()
        controller.stop()


def database_url_of_tests() -> str:
    settings = connection.settings_dict
    credentials = settings["USER"] or "postgres"
    if settings["PASSWORD"]:
        credentials += f":{settings['PASSWORD']}"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "EMAIL_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DJANGO_IGNORE_DOTENV="1",
        DATABASE_URL=database_url_of_tests(),
        CELERY_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Service:
    """A subprocess in its own session, killed with its children at the end."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def succeeded(self, task: str) -> int:
        """How many runs of `task` (e.g. "notifications.tasks.outbox_relay") this worker has
        finished, as its INFO log tells."""
        pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] succeeded in ")
        return len(pattern.findall(self.log.read_text(errors="replace")))


def celery_worker(tmp_path: Path, *, hostname: str, pool: str = "solo", **env: str) -> Service:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        f"--pool={pool}",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-n",
        hostname,
    ]
    if env.get("CELERY_QUEUE"):
        args += ["-Q", env["CELERY_QUEUE"]]
    return Service(args, process_env(**env), tmp_path / f"{hostname.split('@')[0]}.log")


def celery_beat(tmp_path: Path, **env: str) -> Service:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "beat",
        "--loglevel=INFO",
        "--max-interval=1",
        "--schedule",
        str(tmp_path / "beat-schedule"),
    ]
    return Service(args, process_env(**env), tmp_path / "beat.log")


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that keeps nothing on disk."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.service: Service | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.service = Service(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp_path),
            ],
            dict(os.environ),
            self.tmp_path / "redis.log",
        )
        wait_for(self.ping, timeout=20, what="the private Redis to answer")

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    def ping(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


def _reset_publisher_pools() -> None:
    # kombu keeps connection and producer pools in a registry of its own: clear it too, or a
    # later test gets back a pool closed here.
    pools.reset()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make this test process publish tasks to `broker_url` instead of running them."""
    conf = celery_app.conf
    saved = {"broker_url": conf.broker_url, "task_always_eager": conf.task_always_eager}
    conf.broker_url = broker_url
    conf.task_always_eager = False
    _reset_publisher_pools()
    try:
        yield
    finally:
        conf.update(saved)
        _reset_publisher_pools()


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def delete_queue(broker_url: str, queue: str) -> None:
    """Remove a test's queue, and the messages a killed worker left unacknowledged on it."""
    client = redis.Redis.from_url(broker_url)
    try:
        client.delete(queue, *(f"{queue}\x06\x16{priority}" for priority in range(10)))
        for tag, payload in client.hscan_iter("unacked"):
            if queue.encode() in payload:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []
