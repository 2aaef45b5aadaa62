"""API tokens: made, checked and revoked here, whether from the admin, the API or the
command line. The secret is random (256 bits) and only its SHA-256 is stored, so a leaked
database does not leak working tokens; a plain hash is enough for a secret of that entropy."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import PermissionDenied

from .models import ApiToken, User
from .policy import is_administrator

TOKEN_PREFIX = "et_"
PREFIX_LENGTH = 8


class TokenInvalid(Exception):
    """Unknown, revoked or expired token, or one whose user may no longer sign in."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_in_days: int | None = -1,
    created_by: Any = None,
) -> tuple[ApiToken, str]:
    """Make a token and return it with its secret, which is not stored and cannot be shown
    again. expires_in_days: -1 for the default lifetime, None for no expiry."""
    if expires_in_days == -1:
        expires_in_days = settings.API_TOKEN_DEFAULT_EXPIRY_DAYS
    if expires_in_days is not None and expires_in_days <= 0:
        raise ValidationError({"expires_in_days": "Give a positive number of days."})
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=raw[: len(TOKEN_PREFIX) + PREFIX_LENGTH],
        key_hash=token_hash(raw),
        created_by=created_by if getattr(created_by, "pk", None) else None,
        expires_at=(
            timezone.now() + datetime.timedelta(days=expires_in_days)
            if expires_in_days is not None
            else None
        ),
    )
    token.full_clean()
    token.save()
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def api_token_delete(*, actor: Any, token: ApiToken) -> None:
    """Remove a token for good (revoking keeps it listed): its owner or an administrator."""
    if not (is_administrator(actor) or token.user_id == getattr(actor, "pk", None)):
        raise PermissionDenied("Only the token's owner or an administrator may delete it.")
    token.delete()


def api_token_authenticate(raw: str) -> ApiToken:
    """The live token for a presented secret, with its user; raises TokenInvalid."""
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw.strip())).first()
    if token is None:
        raise TokenInvalid("Invalid token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenInvalid("This token has been revoked.")
    if token.is_expired(now):
        raise TokenInvalid("This token has expired.")
    if not token.user.is_active:
        raise TokenInvalid("The token's user is inactive.")
    _record_use(token, now)
    return token


def _record_use(token: ApiToken, now: datetime.datetime) -> None:
    # A write per request would serialise every request of a busy token on one row.
    interval = datetime.timedelta(seconds=settings.API_TOKEN_LAST_USED_INTERVAL_SECONDS)
    if token.last_used_at is not None and now - token.last_used_at < interval:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - interval), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now


def api_tokens_of(user: Any) -> Any:
    """Tokens a user may list and revoke: their own; administrators see everyone's."""
    tokens = ApiToken.objects.select_related("user")
    if not getattr(user, "is_authenticated", False):
        return tokens.none()
    return tokens if is_administrator(user) else tokens.filter(user=user)
