"""Single sign-on through OpenID Connect (mozilla-django-oidc), on when OIDC_ENABLED.

A verified email that matches one active account signs in as that account. Otherwise, when
OIDC_CREATE_USER, a new account is made with least privilege: no desk, no staff rights,
public clearance; an administrator grants desks and clearance afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import get_random_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.models import Classification, User


class OidcBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # An address the provider has not verified must not open someone else's account.
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return User.objects.filter(email__iexact=claims["email"].strip(), is_active=True)

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> User:
        email = claims["email"].strip()
        username = (claims.get("preferred_username") or email)[:150]
        if User.objects.filter(username__iexact=username).exists():
            username = f"{username[:140]}-{get_random_string(8).lower()}"
        user = User(
            username=username,
            email=email,
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
            clearance=Classification.PUBLIC,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        return user


def _when_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured")
        return view(request, *args, **kwargs)

    return wrapped


authenticate = _when_enabled(OIDCAuthenticationRequestView.as_view())
callback = _when_enabled(OIDCAuthenticationCallbackView.as_view())
