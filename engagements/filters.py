"""Filters and full-text search of the meetings list and its export (HTML pages).

Every filter narrows a queryset that already comes from the access policy
(selectors.meetings_visible_to), so it can only choose among visible meetings. The search
is the API's (engagements.search.search_meetings): on PostgreSQL it matches the stored
search vector and its GIN index, elsewhere it falls back to a substring match. Highlighting
happens only for the page shown."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Classification, Desk
from minerals.models import Mineral

from .models import Country, Instrument, Meeting, Participant, Topic
from .search import MEETING_SEARCH_CONFIG, meetings_with_country, search_meetings
from .selectors import topic_with_descendants

# Private-use characters mark the matches in ts_headline's output; the text around them is
# escaped, then only they become <mark> tags (marked_html).
MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"
SNIPPET_CHARS = 240


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), ZoneInfo(settings.TIME_ZONE))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class MeetingFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the date range is before its start."))
        return cleaned


class MeetingFilter(django_filters.FilterSet):
    """The filters of /meetings/ and /meetings/export/. Reference choices (countries,
    desks, topics, minerals, instruments) are not classified; meetings are filtered only
    among those the user may see."""

    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        label=_("Search"),
        help_text=_('Words in the title, summary, notes or outcomes; "a phrase"; -excluded.'),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", label=_("From"), widget=DateInput()
    )
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("To"), widget=DateInput())
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.order_by("name"),
        to_field_name="iso2",
        method="filter_country",
        label=_("Country"),
        empty_label=_("Any country"),
    )
    desk = django_filters.ModelChoiceFilter(
        queryset=Desk.objects.order_by("name"),
        to_field_name="code",
        field_name="desk",
        label=_("Desk"),
        empty_label=_("Any desk"),
    )
    person = django_filters.CharFilter(
        method="filter_person",
        max_length=200,
        label=_("Person"),
        help_text=_("Part of a participant's name."),
    )
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.select_related("parent").order_by("parent__name", "name"),
        to_field_name="slug",
        method="filter_topic",
        label=_("Topic"),
        empty_label=_("Any topic"),
    )
    mineral = django_filters.ModelChoiceFilter(
        queryset=Mineral.objects.order_by("name"),
        to_field_name="slug",
        method="filter_mineral",
        label=_("Mineral"),
        empty_label=_("Any mineral"),
    )
    instrument = django_filters.ModelChoiceFilter(
        queryset=Instrument.objects.order_by("name"),
        to_field_name="slug",
        method="filter_instrument",
        label=_("Instrument"),
        empty_label=_("Any instrument"),
    )
    status = django_filters.ChoiceFilter(
        choices=Meeting.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    classification = django_filters.ChoiceFilter(
        choices=Classification.choices,
        field_name="classification",
        label=_("Classification"),
        empty_label=_("Any classification"),
    )

    class Meta:
        model = Meeting
        fields: list[str] = []
        form = MeetingFilterForm

    def filter_q(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        return search_meetings(queryset, value)

    def filter_date_from(
        self, queryset: QuerySet[Meeting], name: str, value: datetime.date
    ) -> QuerySet[Meeting]:
        return queryset.filter(start__gte=_local_midnight(value))

    def filter_date_to(
        self, queryset: QuerySet[Meeting], name: str, value: datetime.date
    ) -> QuerySet[Meeting]:
        if value >= datetime.date.max - datetime.timedelta(days=1):
            return queryset
        return queryset.filter(start__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_country(
        self, queryset: QuerySet[Meeting], name: str, value: Country
    ) -> QuerySet[Meeting]:
        return meetings_with_country(queryset, value.pk)

    def filter_person(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        value = value.strip()
        if not value:
            return queryset
        took_part = Participant.objects.filter(meeting_id=OuterRef("pk")).filter(
            Q(person__slug=value)
            | Q(person__name__icontains=value)
            | Q(person__native_name__icontains=value)
            | Q(raw_name__icontains=value)
        )
        return queryset.filter(Exists(took_part))

    def filter_topic(
        self, queryset: QuerySet[Meeting], name: str, value: Topic
    ) -> QuerySet[Meeting]:
        tagged = Meeting.topics.through.objects.filter(
            meeting_id=OuterRef("pk"), topic_id__in=topic_with_descendants(slug=value.slug)
        )
        return queryset.filter(Exists(tagged))

    def filter_mineral(
        self, queryset: QuerySet[Meeting], name: str, value: Mineral
    ) -> QuerySet[Meeting]:
        tagged = Meeting.minerals.through.objects.filter(
            meeting_id=OuterRef("pk"), mineral_id=value.pk
        )
        return queryset.filter(Exists(tagged))

    def filter_instrument(
        self, queryset: QuerySet[Meeting], name: str, value: Instrument
    ) -> QuerySet[Meeting]:
        tagged = Meeting.instruments.through.objects.filter(
            meeting_id=OuterRef("pk"), instrument_id=value.pk
        )
        return queryset.filter(Exists(tagged))

    @property
    def search_text(self) -> str:
        if not self.is_bound:
            return ""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        return str(self.form.cleaned_data.get("q") or "").strip()

    def error_messages(self) -> list[str]:
        """One line per invalid filter, naming it: 'Country: Select a valid choice...'."""
        lines = []
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            for error in errors:
                lines.append(f"{label} ({name}): {error}")
        return lines


# --- highlighting ------------------------------------------------------------------------


def marked_html(text: str | None) -> SafeString:
    """Escape `text` and turn the private-use markers into balanced <mark> tags: whatever
    the stored text contains, the only HTML in the result is <mark>...</mark>."""
    out: list[str] = []
    open_mark = False
    for piece in re.split(f"([{MARK_OPEN}{MARK_CLOSE}])", text or ""):
        if piece == MARK_OPEN:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == MARK_CLOSE:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(str(escape(piece)))
    if open_mark:
        out.append("</mark>")
    # Every piece above is escaped; only the <mark> tags are markup.
    return mark_safe("".join(out))


def with_headlines(queryset: QuerySet[Meeting], text: str) -> QuerySet[Meeting]:
    """On PostgreSQL, annotate `title_headline` and `body_headline` (ts_headline of the
    matches, marked with MARK_OPEN/MARK_CLOSE). ts_headline is costly; PostgreSQL computes
    it only for the rows of the page returned."""
    text = text.strip()
    if not text or connection.vendor != "postgresql":
        return queryset
    query = SearchQuery(text, config=MEETING_SEARCH_CONFIG, search_type="websearch")
    body = Concat(
        "summary", Value(" \n"), "notes", Value(" \n"), "outcomes", output_field=TextField()
    )
    return queryset.annotate(
        title_headline=SearchHeadline(
            "title",
            query,
            config=MEETING_SEARCH_CONFIG,
            start_sel=MARK_OPEN,
            stop_sel=MARK_CLOSE,
            highlight_all=True,
        ),
        body_headline=SearchHeadline(
            body,
            query,
            config=MEETING_SEARCH_CONFIG,
            start_sel=MARK_OPEN,
            stop_sel=MARK_CLOSE,
            max_words=30,
            min_words=12,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
    )


def _search_terms(text: str) -> list[str]:
    """The words of a web-search query that must match (not the excluded ones)."""
    terms = []
    for phrase, word in re.findall(r'"([^"]+)"|(\S+)', text):
        term = (phrase or word).strip()
        if not term or term.lower() == "or" or term.startswith("-"):
            continue
        terms.append(term.strip('"'))
    return [term for term in terms if term]


def _mark_terms(text: str, terms: list[str]) -> str:
    if not terms:
        return text
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    return pattern.sub(lambda match: f"{MARK_OPEN}{match.group(0)}{MARK_CLOSE}", text)


def _window(text: str, terms: list[str]) -> str:
    lowered = text.lower()
    positions = [lowered.find(term.lower()) for term in terms]
    found = [position for position in positions if position >= 0]
    start = max(min(found) - SNIPPET_CHARS // 3, 0) if found else 0
    excerpt = text[start : start + SNIPPET_CHARS]
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    return f"{prefix}{excerpt}{suffix}"


def highlight_meetings(meetings: list[Meeting], text: str) -> None:
    """Set `title_html` and `snippet_html` (safe HTML, only <mark> tags) on each meeting
    of a page: from ts_headline on PostgreSQL (with_headlines), from a substring match
    elsewhere."""
    text = text.strip()
    terms = _search_terms(text)
    for meeting in meetings:
        title_headline = getattr(meeting, "title_headline", None)
        if title_headline is not None:
            meeting.title_html = marked_html(title_headline)  # type: ignore[attr-defined]
            body = getattr(meeting, "body_headline", "") or ""
            meeting.snippet_html = marked_html(body.strip())  # type: ignore[attr-defined]
            continue
        meeting.title_html = marked_html(_mark_terms(meeting.title, terms))  # type: ignore[attr-defined]
        if text:
            body = " \n".join(
                part for part in (meeting.summary, meeting.notes, meeting.outcomes) if part
            )
            meeting.snippet_html = marked_html(_mark_terms(_window(body, terms), terms))  # type: ignore[attr-defined]
        else:
            meeting.snippet_html = mark_safe("")  # type: ignore[attr-defined]
