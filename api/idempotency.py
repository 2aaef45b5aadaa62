"""Idempotency-Key on POST (after the IETF httpapi draft and Stripe).

The key is claimed by inserting a row in the same transaction as the change. A retry that
arrives while the first attempt is still running waits on the unique index, then finds the
committed response and gets it again, so the change happens once. A first attempt that
fails with a server error rolls back with its row, so a retry runs afresh. Reusing a key
with a different request is an error (422)."""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .exceptions import PROBLEM_CONTENT_TYPE, UnprocessableContent
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
PURGE_EVERY_SECONDS = 600
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Location", "ETag")


_last_purge = -float(PURGE_EVERY_SECONDS)


def _purge_expired(now: datetime.datetime) -> None:
    """Expired keys go in passing, every few minutes per process (the index on expires_at
    makes it cheap), so the table holds about a day of keys."""
    global _last_purge
    if time.monotonic() - _last_purge < PURGE_EVERY_SECONDS:
        return
    _last_purge = time.monotonic()
    IdempotencyKey.objects.filter(expires_at__lte=now).delete()


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if (request.content_type or "").startswith("multipart/"):
        data: Any = request.data
        for name in sorted(data.keys()):
            for value in data.getlist(name):
                digest.update(f"{name}=".encode())
                if isinstance(value, UploadedFile):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\n")
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _validated_key(raw: str) -> str:
    key = raw.strip()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: ["Give a key of 1 to 255 printable characters, e.g. a UUID."]}
        )
    return key


def _replay(record: IdempotencyKey) -> Response:
    headers = dict(record.response_headers or {})
    headers[REPLAYED_HEADER] = "true"
    return Response(
        record.response_body,
        status=record.status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE if record.status_code >= 400 else None,
    )


def idempotent(
    view: Any,
    request: Request,
    handler: Callable[[], Response],
    *,
    redact: tuple[str, ...] = (),
) -> Response:
    """Run `handler` once per Idempotency-Key. Members named in `redact` (secrets) are not
    kept: a replay answers null for them."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return handler()
    key = _validated_key(raw)
    user: Any = request.user
    fingerprint = _fingerprint(request)
    now = timezone.now()
    _purge_expired(now)
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=0,
                    expires_at=now
                    + datetime.timedelta(hours=settings.API_IDEMPOTENCY_KEY_TTL_HOURS),
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.get(user=user, key=key)
            if existing.fingerprint != fingerprint:
                raise UnprocessableContent(
                    "This Idempotency-Key was used for a different request.",
                    code="idempotency_key_reused",
                ) from None
            return _replay(existing)
        try:
            with transaction.atomic():
                response = handler()
        except Exception as error:
            response = view.handle_exception(error)
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        if isinstance(body, dict):
            body.update({name: None for name in redact if name in body})
        record.response_body = body
        record.response_headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
        record.save(update_fields=["status_code", "response_body", "response_headers"])
    return response
