"""The account page: language and time zone, the notification settings at a glance (read
by the notifications app's template tag: accounts imports no other app), and API tokens
(made and revoked through accounts.tokens). The language switch of every page's footer
posts here too."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services, tokens
from .forms import ApiTokenCreateForm, LanguageSwitchForm, PreferencesForm, time_zone_names
from .models import ApiToken, User


def _own_tokens(user: User) -> Any:
    return tokens.api_tokens_of(user).filter(user=user).order_by("revoked_at", "-created_at")


def _account_page(
    request: HttpRequest,
    *,
    preferences_form: PreferencesForm | None = None,
    token_form: ApiTokenCreateForm | None = None,
    new_token: tuple[ApiToken, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context = {
        "preferences_form": preferences_form or PreferencesForm(instance=user),
        "token_form": token_form or ApiTokenCreateForm(),
        "new_token": new_token,
        "api_tokens": list(_own_tokens(user)),
        "memberships": list(user.desk_memberships.select_related("desk")),
        "time_zone_names": time_zone_names(),
        "default_time_zone": settings.TIME_ZONE,
        "default_token_days": settings.API_TOKEN_DEFAULT_EXPIRY_DAYS,
    }
    return render(request, "accounts/account.html", context, status=status)


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if request.method != "POST":
        return _account_page(request)
    form = PreferencesForm(request.POST, instance=User.objects.get(pk=user.pk))
    if not form.is_valid():
        return _account_page(request, preferences_form=form, status=400)
    services.user_preferences_update(
        user=user,
        language=form.cleaned_data["language"],
        time_zone=form.cleaned_data["time_zone"],
    )
    # The rest of this response (the message) speaks the language just chosen.
    if user.language:
        translation.activate(user.language)
    messages.success(request, _("Your preferences are saved."))
    return _with_language_cookie(redirect("account"), user.language)


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Every page's language switch: saved on a signed-in user, a cookie for anyone."""
    form = LanguageSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _("Unknown language: choose one of %(choices)s.")
            % {"choices": ", ".join(code for code, _name in settings.LANGUAGES)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    language = form.cleaned_data["language"]
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        services.user_preferences_update(user=user, language=language, time_zone=user.time_zone)
    target = form.cleaned_data.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home") if user.is_authenticated else reverse("login")
    return _with_language_cookie(HttpResponseRedirect(target), language)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ApiTokenCreateForm(request.POST)
    if not form.is_valid():
        return _account_page(request, token_form=form, status=400)
    days = form.cleaned_data["expires_in_days"]
    try:
        created = tokens.api_token_create(
            user=user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_in_days=-1 if days is None else days,
            created_by=user,
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _account_page(request, token_form=form, status=400)
    # The secret is shown on this response only: it is not stored and cannot be shown again.
    response = _account_page(request, new_token=created, status=201)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    token = _own_tokens(user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    tokens.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("account")
