"""Who is doing what, from where: the context of the current request or piece of work.

RequestContextMiddleware sets it for each request; `channel()` sets it for work outside a
request (imports, Celery tasks, management commands). Logs (request id in every line),
django-axes (the client's address) and the audit trail read it through `current()`.

The user is resolved lazily: the middleware runs before authentication, and the API
authenticates inside the view. Outside any request or channel, `current()` is an empty
context whose channel is "system".
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming request id is kept when it is short and plain (it ends up in logs and headers).
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
USER_AGENT_MAX = 512

# Channels of a request, by path; work outside requests names its own (import, task, ...).
WEB, ADMIN, API = "web", "admin", "api"
SYSTEM = "system"


@dataclass
class AuditContext:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    channel: str = SYSTEM
    # What the channel ran: an import job id, a task or command name.
    label: str = ""
    request: HttpRequest | None = field(default=None, repr=False)
    # Set explicitly for work outside a request (channel(..., user=...)).
    explicit_user: Any = field(default=None, repr=False)

    @property
    def user(self) -> Any:
        """The signed-in user, once authentication has run; None otherwise."""
        if self.explicit_user is not None:
            return self.explicit_user
        if self.request is None:
            return None
        user = getattr(self.request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user

    @property
    def user_id(self) -> int | None:
        user = self.user
        return getattr(user, "pk", None) if user is not None else None

    def as_log_fields(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "client_ip": self.ip or "",
            "user_id": self.user_id,
            "channel": self.channel,
        }


_EMPTY = AuditContext()
_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def current() -> AuditContext:
    return _current.get() or _EMPTY


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind N trusted proxies (settings.TRUSTED_PROXY_COUNT) it is
    the Nth address from the right of X-Forwarded-For: each proxy appends the address it
    was called from, so addresses further left were written by the client and prove nothing.
    A short or malformed header falls back to REMOTE_ADDR."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    addresses = [part.strip() for part in header.split(",")] if header else []
    if len(addresses) < proxies:
        return remote
    return _valid_ip(addresses[-proxies]) or remote


def channel_of_path(path: str) -> str:
    if path.startswith("/admin/") or path == "/admin":
        return ADMIN
    if path.startswith("/api/"):
        return API
    return WEB


def context_for_request(request: HttpRequest) -> AuditContext:
    return AuditContext(
        request_id=request_id_from(request),
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX],
        channel=channel_of_path(request.path_info),
        request=request,
    )


@contextmanager
def activate(context: AuditContext) -> Iterator[AuditContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextmanager
def channel(
    name: str, label: str | int = "", *, user: Any = None, request_id: str | None = None
) -> Iterator[AuditContext]:
    """Work outside a request: `with channel("import", job.pk, user=job.created_by): ...`.

    Inside a request the request's id and address are kept (an import confirmed from a page
    runs eagerly in it); the channel, label and user are those given here."""
    outer = current()
    context = AuditContext(
        request_id=request_id or outer.request_id or new_request_id(),
        ip=outer.ip,
        user_agent=outer.user_agent,
        channel=name,
        label=str(label),
        request=outer.request,
        explicit_user=user if user is not None else outer.explicit_user,
    )
    with activate(context):
        yield context


@contextmanager
def acting(user: Any) -> Iterator[AuditContext]:
    """Work a service does for `user`: the trail names them where the context knows no
    user (a service called from a shell, a test or a task that did not say)."""
    outer = current()
    if user is None or not getattr(user, "pk", None) or outer.user is not None:
        yield outer
        return
    with activate(replace(outer, explicit_user=user)) as context:
        yield context
