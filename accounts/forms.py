"""Forms of the account page: language and time zone, API tokens, the language switch."""

from __future__ import annotations

import functools
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User

MAX_TOKEN_DAYS = 3650


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA names zoneinfo knows."""
    return tuple(sorted(available_timezones()))


def language_choices(*, blank_label: Any = None) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(code, name) for code, name in settings.LANGUAGES]
    return [("", blank_label), *choices] if blank_label is not None else choices


class PreferencesForm(forms.ModelForm):
    """Language of the pages and time zone of the times shown, stored on the user."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=(),
        help_text=_("Empty: follow the browser's language."),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=64,
        help_text=format_lazy(
            _("An IANA name such as Asia/Seoul or America/Santiago. Empty: {default}."),
            default=settings.TIME_ZONE,
        ),
    )

    class Meta:
        model = User
        fields = ["language", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = language_choices(blank_label=_("Follow the browser"))

    def clean_time_zone(self) -> str:
        name = (self.cleaned_data.get("time_zone") or "").strip()
        if not name:
            return ""
        if name not in time_zone_names():
            raise forms.ValidationError(
                _("Unknown time zone “%(name)s”: give an IANA name such as Asia/Seoul."),
                code="invalid_time_zone",
                params={"name": name},
            )
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError(
                _("Unknown time zone “%(name)s”."), code="invalid_time_zone", params={"name": name}
            ) from error
        return name


class LanguageSwitchForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=())
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = language_choices()


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “document system”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[
            (ApiToken.Scope.READ, _("Read")),
            (ApiToken.Scope.READ_WRITE, _("Read and write")),
        ],
        initial=ApiToken.Scope.READ,
    )
    expires_in_days = forms.IntegerField(
        label=_("Lifetime in days"),
        required=False,
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        help_text=format_lazy(
            _("Empty: {days} days."), days=settings.API_TOKEN_DEFAULT_EXPIRY_DAYS
        ),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."), code="required")
        return name
