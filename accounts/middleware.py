"""Activates the signed-in user's language and time zone for the request.

Runs after AuthenticationMiddleware (and after LocaleMiddleware, which has already chosen a
language from the URL, the cookie or the browser). A signed-in user's own choice, when they
made one, overrides it; anonymous users keep LocaleMiddleware's choice. Times are shown in
the user's time zone when they chose a valid one, otherwise in settings.TIME_ZONE.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

_LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def user_time_zone(user: object) -> ZoneInfo | None:
    """The user's chosen time zone, or None when they chose none (or an unknown one)."""
    name = getattr(user, "time_zone", "") or ""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        authenticated = bool(getattr(user, "is_authenticated", False))
        language = getattr(user, "language", "") if authenticated else ""
        zone = user_time_zone(user) if authenticated else None
        if language in _LANGUAGE_CODES:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if language in _LANGUAGE_CODES:
            response.headers.setdefault("Content-Language", language)
        return response
