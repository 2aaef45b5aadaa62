from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from engagements.models import Country, Instrument, Person, Topic
from minerals.models import Mineral

from .models import NotificationPreference, Watch


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["language", "weekend_quiet", "daily_digest"]


def watchable(kind: str) -> QuerySet[Any]:
    querysets: dict[str, QuerySet[Any]] = {
        Watch.Kind.COUNTRY: Country.objects.order_by("name"),
        Watch.Kind.TOPIC: Topic.objects.select_related("parent").order_by("parent__name", "name"),
        Watch.Kind.PERSON: Person.objects.order_by("sort_name", "name"),
        Watch.Kind.MINERAL: Mineral.objects.order_by("name"),
        Watch.Kind.INSTRUMENT: Instrument.objects.order_by("name"),
    }
    return querysets[kind]


class WatchForm(forms.Form):
    kind = forms.ChoiceField(choices=Watch.Kind.choices, widget=forms.HiddenInput)
    target = forms.ModelChoiceField(queryset=Country.objects.none())

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = kind or self.data.get("kind") or Watch.Kind.COUNTRY
        if kind not in Watch.Kind.values:
            kind = Watch.Kind.COUNTRY
        self.kind_value = kind
        self.fields["kind"].initial = kind
        target = self.fields["target"]
        assert isinstance(target, forms.ModelChoiceField)
        target.queryset = watchable(kind)
        target.label = Watch.Kind(kind).label
