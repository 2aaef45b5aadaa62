"""Forms of the import pages. They collect input; the rules (what a file must be, which
desk and classification a user may import into) are the import services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Classification, Desk

from .models import ImportJob, MappingPreset
from .parsing import FIELDS

FIELD_LABELS = {
    "home": _("Minister (home side)"),
    "date": _("Date"),
    "counterpart": _("Organisation or individual met"),
    "purpose": _("Purpose of meeting"),
    "classification": _("Classification (of each row; default: the one chosen below)"),
}


def desks_for(user: Any) -> Any:
    if policy.is_administrator(user):
        return Desk.objects.all()
    return Desk.objects.filter(memberships__user=user)


def classifications_for(user: Any) -> list[tuple[int, str]]:
    return [(level.value, level.label) for level in policy.classifications_for(user)]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, XLSX, XLSM or ODS: a return of meetings (minister, date, counterpart)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xlsm,.ods"}),
    )
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=20,
        help_text=_(
            'The year or quarter the return covers, e.g. "2016" or "2016-Q3": fills in '
            'dates written without a year, such as "October".'
        ),
    )
    desk = forms.ModelChoiceField(
        label=_("Desk"), queryset=Desk.objects.none(), to_field_name="code", empty_label=None
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), coerce=int, initial=Classification.PUBLIC
    )
    allow_create = forms.BooleanField(
        label=_("Create people and organisations not found"),
        required=False,
        help_text=_("Otherwise names without a match are kept as written on the meeting."),
    )
    preset = forms.ModelChoiceField(
        label=_("Column mapping preset"),
        queryset=MappingPreset.objects.all(),
        to_field_name="name",
        required=False,
        empty_label=_("Recognise the columns automatically"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        desk_field: Any = self.fields["desk"]
        desk_field.queryset = desks_for(user)
        classification: Any = self.fields["classification"]
        classification.choices = classifications_for(user)

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        options: dict[str, Any] = {
            "period": data["period"].strip(),
            "desk": data["desk"].code,
            "classification": data["classification"],
            "allow_create": data["allow_create"],
        }
        if data.get("preset"):
            options["preset"] = data["preset"].name
        return options

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's errors on the fields they name; the others above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class MappingForm(forms.Form):
    """The data sheet and the header of each field; optionally saved as a named preset."""

    sheet = forms.ChoiceField(label=_("Data sheet"), required=False)
    save_as = forms.CharField(
        label=_("Save this mapping as a preset named"),
        required=False,
        max_length=100,
        help_text=_("Leave empty not to save it. A preset of the same name is replaced."),
    )

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"sheet": job.sheet, **{f"field_{k}": v for k, v in job.mapping.items()}}
        )
        super().__init__(*args, **kwargs)
        sheet_field: Any = self.fields["sheet"]
        sheet_field.choices = [("", _("Every sheet that looks like data"))] + [
            (sheet["name"], sheet["name"]) for sheet in job.sheets
        ]
        headers: dict[str, None] = {}
        chosen = [s for s in job.sheets if not job.sheet or s["name"] == job.sheet]
        for sheet in chosen or job.sheets:
            headers.update(dict.fromkeys(sheet.get("headers", [])))
        for value in job.mapping.values():
            headers.setdefault(value)
        for name in FIELDS:
            self.fields[f"field_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS.get(name, name),
                required=False,
                choices=[("", _("(not in the file)"))] + [(h, h) for h in headers],
            )

    def field_rows(self) -> list[Any]:
        return [self[f"field_{name}"] for name in FIELDS]

    def mapping(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"field_{name}"]
            for name in FIELDS
            if self.cleaned_data.get(f"field_{name}")
        }

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = {"sheet": "sheet", "name": "save_as"}.get(name)
            self.add_error(target, messages)


class ConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Import"),
        choices=[
            (ImportJob.Mode.ALL, _("All rows, or nothing if any row has an error")),
            (ImportJob.Mode.VALID_ROWS, _("Only the valid rows; report the others")),
        ],
        widget=forms.RadioSelect,
        initial=ImportJob.Mode.ALL,
    )
