"""The meeting form: one main form and three formsets (participants, agenda, commitments).

The forms only parse and check what was typed; `meeting_input_from_forms` turns them into
a services.MeetingInput and the service does the writing (and the checks that need the
database, such as one head of delegation per side).

Choice lists shared by every row of a formset (topics, owners) are read once per request
and handed to each row, so a form with fifty rows costs the same queries as one with one.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Classification, Desk, User
from minerals.models import Mineral

from .models import (
    Attachment,
    Commitment,
    Country,
    Event,
    Instrument,
    Meeting,
    Participant,
    Person,
    Post,
    Topic,
)
from .services import (
    AgendaItemInput,
    CommitmentInput,
    MeetingInput,
    ParticipantInput,
)

PARTICIPANTS_PREFIX = "participants"
AGENDA_PREFIX = "agenda"
COMMITMENTS_PREFIX = "commitments"


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def default_time_zone(user: Any) -> str:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    return name if name in zoneinfo.available_timezones() else "UTC"


def desks_for(user: Any) -> Any:
    return policy.desks_writable_by(user)


def classification_choices_for(user: Any) -> list[tuple[int, str]]:
    return [(level.value, level.label) for level in policy.classifications_for(user)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    start_date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Start time"), required=False, widget=TimeInput())
    end_time = forms.TimeField(label=_("End time"), required=False, widget=TimeInput())
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    date_precision = forms.ChoiceField(
        label=_("The date is known to the"),
        choices=Meeting.DatePrecision.choices,
        initial=Meeting.DatePrecision.DAY,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    status = forms.ChoiceField(
        label=_("Status"), choices=Meeting.Status.choices, initial=Meeting.Status.HELD
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.all(), required=False
    )
    event = forms.ModelChoiceField(
        label=_("On the sidelines of"), queryset=Event.objects.all(), required=False
    )
    desk = forms.ModelChoiceField(label=_("Desk"), queryset=Desk.objects.none())
    classification = forms.TypedChoiceField(label=_("Classification"), coerce=int)
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.select_related("parent"), required=False
    )
    minerals = forms.ModelMultipleChoiceField(
        label=_("Minerals"), queryset=Mineral.objects.all(), required=False
    )
    instruments = forms.ModelMultipleChoiceField(
        label=_("Instruments"), queryset=Instrument.objects.all(), required=False
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(
        label=_("Notes (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    outcomes = forms.CharField(
        label=_("Outcomes (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, meeting: Meeting | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.meeting = meeting
        desk_field = self.fields["desk"]
        assert isinstance(desk_field, forms.ModelChoiceField)
        desk_field.queryset = desks_for(user)
        classification = self.fields["classification"]
        assert isinstance(classification, forms.TypedChoiceField)
        classification.choices = classification_choices_for(user)
        if meeting is None:
            self.fields["time_zone"].initial = default_time_zone(user)
            self.fields["classification"].initial = Classification.INTERNAL
        if meeting is not None:
            self.fields["version"].required = True

    def clean_time_zone(self) -> str:
        name: str = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(_("Unknown time zone.")) from error
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, name = data.get("start_date"), data.get("time_zone")
        if day is None or not name:
            return data
        zone = zoneinfo.ZoneInfo(name)
        start_time = data.get("start_time") or datetime.time(0, 0)
        data["start"] = datetime.datetime.combine(day, start_time, tzinfo=zone)
        data["end"] = None
        if data.get("end_time") is not None:
            data["end"] = datetime.datetime.combine(day, data["end_time"], tzinfo=zone)
            if data["end"] < data["start"]:
                self.add_error("end_time", _("The meeting cannot end before it starts."))
        return data

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        local = meeting.local_start
        local_end = meeting.end.astimezone(local.tzinfo) if meeting.end else None
        return {
            "title": meeting.title,
            "start_date": local.date(),
            "start_time": local.time() if (local.hour, local.minute) != (0, 0) else None,
            "end_time": local_end.time() if local_end else None,
            "time_zone": meeting.time_zone,
            "date_precision": meeting.date_precision,
            "kind": meeting.kind,
            "status": meeting.status,
            "place": meeting.place,
            "city": meeting.city,
            "country": meeting.country_id,
            "event": meeting.event_id,
            "desk": meeting.desk_id,
            "classification": meeting.classification,
            "topics": [topic.pk for topic in meeting.topics.all()],
            "minerals": [mineral.pk for mineral in meeting.minerals.all()],
            "instruments": [instrument.pk for instrument in meeting.instruments.all()],
            "summary": meeting.summary,
            "notes": meeting.notes,
            "outcomes": meeting.outcomes,
            "source": meeting.source,
            "version": meeting.version,
        }


class ParticipantForm(forms.Form):
    # The visible box is the autocomplete; picking a person fills the hidden id. Without an
    # id, the name typed is kept as the name recorded (raw_name).
    person_name = forms.CharField(label=_("Name"), max_length=300, required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    post = forms.IntegerField(required=False, widget=forms.HiddenInput)
    side = forms.ChoiceField(
        label=_("Side"), choices=Participant.Side.choices, initial=Participant.Side.COUNTERPART
    )
    post_label = forms.CharField(
        label=_("Title on the day"),
        max_length=300,
        required=False,
        help_text=_("Filled from the post held on the meeting date; you may change it."),
    )
    is_head_of_delegation = forms.BooleanField(label=_("Head of delegation"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = data.get("person") or (data.get("person_name") or "").strip()
        if not named and self.has_changed() and not data.get("DELETE"):
            self.add_error("person_name", _("Choose a person or type the name as recorded."))
        return data


class BaseRowFormSet(forms.BaseFormSet):
    def live_forms(self) -> list[forms.Form]:
        """The rows to save: every row that was there, and new rows something was typed in,
        less those marked for deletion."""
        initial_count = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < initial_count or form.has_changed())
            and hasattr(form, "cleaned_data")
            and not form.cleaned_data.get("DELETE")
        ]


class BaseParticipantFormSet(BaseRowFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        person_ids = {f.cleaned_data.get("person") for f in self.live_forms()} - {None}
        post_ids = {f.cleaned_data.get("post") for f in self.live_forms()} - {None}
        self.people = Person.objects.in_bulk(person_ids)
        self.posts = Post.objects.select_related("organization").in_bulk(post_ids)
        for form in self.live_forms():
            person_id = form.cleaned_data.get("person")
            if person_id and person_id not in self.people:
                form.add_error("person_name", _("Choose a person from the list."))
            post_id = form.cleaned_data.get("post")
            if post_id and post_id not in self.posts:
                form.cleaned_data["post"] = None


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=300)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, topic_choices: Sequence[tuple[Any, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        topic = self.fields["topic"]
        assert isinstance(topic, forms.TypedChoiceField)
        topic.choices = [("", "—"), *topic_choices]


class CommitmentForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Commitment"), max_length=300)
    owed_by = forms.ChoiceField(
        label=_("Owed by"), choices=Commitment.Side.choices, initial=Commitment.Side.HOME
    )
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), choices=Commitment.Status.choices, initial=Commitment.Status.OPEN
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, owner_choices: Sequence[tuple[Any, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.TypedChoiceField)
        owner.choices = [("", "—"), *owner_choices]


ParticipantFormSet = forms.formset_factory(
    ParticipantForm, formset=BaseParticipantFormSet, extra=1, can_delete=True
)
AgendaItemFormSet = forms.formset_factory(
    AgendaItemForm, formset=BaseRowFormSet, extra=1, can_delete=True
)
CommitmentFormSet = forms.formset_factory(
    CommitmentForm, formset=BaseRowFormSet, extra=1, can_delete=False
)


def topic_choices() -> list[tuple[int, str]]:
    return [(topic.pk, str(topic)) for topic in Topic.objects.select_related("parent")]


def owner_choices() -> list[tuple[int, str]]:
    return [
        (user.pk, str(user))
        for user in User.objects.filter(is_active=True).only(
            "id", "username", "first_name", "last_name"
        )
    ]


class MeetingForms:
    """The main form and its three formsets, bound or not, built together."""

    def __init__(
        self,
        *,
        user: Any,
        data: Any = None,
        meeting: Meeting | None = None,
        participants_initial: Iterable[dict[str, Any]] | None = None,
        agenda_initial: Iterable[dict[str, Any]] | None = None,
        commitments_initial: Iterable[dict[str, Any]] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.meeting = meeting
        self.main = MeetingForm(data, user=user, meeting=meeting, initial=initial)
        self.participants = cast(type[BaseParticipantFormSet], ParticipantFormSet)(
            data, prefix=PARTICIPANTS_PREFIX, initial=list(participants_initial or [])
        )
        self.agenda = cast(type[BaseRowFormSet], AgendaItemFormSet)(
            data,
            prefix=AGENDA_PREFIX,
            initial=list(agenda_initial or []),
            form_kwargs={"topic_choices": topic_choices()},
        )
        self.commitments = cast(type[BaseRowFormSet], CommitmentFormSet)(
            data,
            prefix=COMMITMENTS_PREFIX,
            initial=list(commitments_initial or []),
            form_kwargs={"owner_choices": owner_choices()},
        )

    @classmethod
    def for_meeting(cls, *, user: Any, meeting: Meeting, data: Any = None) -> MeetingForms:
        participants = [
            {
                "person": p.person_id,
                "person_name": p.display_name,
                "post": p.post_id,
                "side": p.side,
                "post_label": p.post_label,
                "is_head_of_delegation": p.is_head_of_delegation,
            }
            for p in meeting.participants.select_related("person").order_by("side", "order", "id")
        ]
        agenda = [
            {"title": a.title, "topic": a.topic_id, "notes": a.notes, "outcome": a.outcome}
            for a in meeting.agenda_items.order_by("order", "id")
        ]
        commitments = [
            {
                "id": c.pk,
                "title": c.title,
                "owed_by": c.owed_by,
                "owner": c.owner_id,
                "due_date": c.due_date,
                "status": c.status,
                "description": c.description,
            }
            for c in meeting.commitments.order_by("due_date", "id")
        ]
        return cls(
            user=user,
            data=data,
            meeting=meeting,
            participants_initial=participants,
            agenda_initial=agenda,
            commitments_initial=commitments,
            initial=None if data is not None else MeetingForm.initial_for(meeting),
        )

    @property
    def all(self) -> list[Any]:
        return [self.main, self.participants, self.agenda, self.commitments]

    def is_valid(self) -> bool:
        # Every part is validated, so that every error shows at once.
        results = [part.is_valid() for part in self.all]
        return all(results)

    def to_input(self) -> MeetingInput:
        data = self.main.cleaned_data
        people: dict[int, Person] = getattr(self.participants, "people", {})
        posts: dict[int, Post] = getattr(self.participants, "posts", {})
        participants = []
        self.participant_forms = self.participants.live_forms()
        for form in self.participant_forms:
            row = form.cleaned_data
            person = people.get(row["person"]) if row.get("person") else None
            participants.append(
                ParticipantInput(
                    side=row["side"],
                    person=person,
                    raw_name="" if person else row.get("person_name", "").strip(),
                    post=posts.get(row["post"]) if row.get("post") else None,
                    post_label=row.get("post_label") or None,
                    is_head_of_delegation=bool(row.get("is_head_of_delegation")),
                )
            )
        topics = {topic.pk: topic for topic in data.get("topics", [])}
        self.agenda_forms = self.agenda.live_forms()
        missing_topics = {
            form.cleaned_data["topic"]
            for form in self.agenda_forms
            if form.cleaned_data.get("topic") and form.cleaned_data["topic"] not in topics
        }
        topics.update(Topic.objects.in_bulk(missing_topics))
        agenda = [
            AgendaItemInput(
                title=form.cleaned_data["title"],
                topic=topics.get(form.cleaned_data["topic"])
                if form.cleaned_data.get("topic")
                else None,
                notes=form.cleaned_data.get("notes", ""),
                outcome=form.cleaned_data.get("outcome", ""),
            )
            for form in self.agenda_forms
        ]
        self.commitment_forms = self.commitments.live_forms()
        owners = User.objects.in_bulk(
            {f.cleaned_data["owner"] for f in self.commitment_forms if f.cleaned_data.get("owner")}
        )
        commitments = [
            CommitmentInput(
                id=form.cleaned_data.get("id"),
                title=form.cleaned_data["title"],
                owed_by=form.cleaned_data["owed_by"],
                owner=owners.get(form.cleaned_data["owner"])
                if form.cleaned_data.get("owner")
                else None,
                due_date=form.cleaned_data.get("due_date"),
                status=form.cleaned_data["status"],
                description=form.cleaned_data.get("description", ""),
            )
            for form in self.commitment_forms
        ]
        meeting = self.meeting
        return MeetingInput(
            title=data["title"],
            start=data["start"],
            end=data.get("end"),
            time_zone=data["time_zone"],
            date_precision=data["date_precision"],
            kind=data["kind"],
            status=data["status"],
            place=data.get("place", ""),
            city=data.get("city", ""),
            country=data.get("country"),
            event=data.get("event"),
            desk=data["desk"],
            classification=data["classification"],
            summary=data.get("summary", ""),
            notes=data.get("notes", ""),
            outcomes=data.get("outcomes", ""),
            source=data.get("source", ""),
            # Not on the form: kept as they are.
            source_url=meeting.source_url if meeting else "",
            external_source=meeting.external_source if meeting else "",
            external_id=meeting.external_id if meeting else "",
            counterpart_countries=list(meeting.counterpart_countries.all()) if meeting else [],
            topics=list(data.get("topics", [])),
            minerals=list(data.get("minerals", [])),
            instruments=list(data.get("instruments", [])),
            participants=participants,
            agenda_items=agenda,
            commitments=commitments,
        )

    # Service errors come keyed "participants[2].person": put each next to its field.
    _ROW_FIELD = {"person": "person_name", "raw_name": "person_name"}

    def add_service_errors(self, error: ValidationError) -> None:
        rows = {
            "participants": getattr(self, "participant_forms", []),
            "agenda_items": getattr(self, "agenda_forms", []),
            "commitments": getattr(self, "commitment_forms", []),
        }
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for key, texts in messages.items():
            target: forms.Form = self.main
            field: str | None = key if key in self.main.fields else None
            if "[" in key:
                group, _sep, rest = key.partition("[")
                index_text, _sep, name = rest.partition("].")
                forms_of_group = rows.get(group, [])
                if index_text.isdigit() and int(index_text) < len(forms_of_group):
                    target = forms_of_group[int(index_text)]
                    name = self._ROW_FIELD.get(name, name)
                    field = name if name in target.fields else None
            elif key == "start":
                field = "start_date"
            elif key == "end":
                field = "end_time"
            for text in texts:
                target.add_error(field, text)


class PersonQuickForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    native_name = forms.CharField(label=_("Name in native script"), max_length=200, required=False)
    honorific_prefix = forms.CharField(label=_("Honorific"), max_length=40, required=False)
    side = forms.ChoiceField(
        label=_("Side"), choices=Participant.Side.choices, initial=Participant.Side.COUNTERPART
    )
    post_label = forms.CharField(label=_("Title on the day"), max_length=300, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Attachment.Kind.choices, initial=Attachment.Kind.OTHER
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
