"""Loads the starting data in seeds/ (`manage.py seed`; seeds/README.md says what it holds).

Countries, desks and topics, then minerals and their statistics (minerals.seeding), then
the scenario. Reference records are keyed on natural keys (ISO alpha-2 code, slug, desk
code) and updated only where they differ from the files, so loading again changes nothing.
Tenures and meetings go through the services like every other change: tenures are created
or corrected from the file, meetings are created once and then left to the desk officers.
"""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction

from accounts.models import Classification, Desk
from minerals.models import Mineral
from minerals.seeding import SeedDataError, SeedReport, minerals_load, read_yaml, upsert

from . import services
from .models import (
    Country,
    Event,
    Instrument,
    InstrumentParty,
    Meeting,
    Organization,
    Person,
    Post,
    Tenure,
    Topic,
)
from .services import (
    AgendaItemInput,
    MeetingInput,
    ParticipantInput,
    meeting_create,
    tenure_create,
    tenure_update,
)

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
SEED_SOURCE = "seed"


class _SeedActor:
    """Who writes the seed's meetings: the system, with an administrator's reach and no
    account (so `created_by` stays empty rather than naming a person who did not)."""

    pk = None
    is_authenticated = True
    is_active = True
    is_administrator = True
    clearance = Classification.CONFIDENTIAL

    def __str__(self) -> str:
        return "seed data"


SEED_ACTOR = _SeedActor()


def _person_create(values: dict[str, Any]) -> Person:
    person = services.person_create(
        user=SEED_ACTOR,
        name=values["name"],
        native_name=values.get("native_name", ""),
        honorific_prefix=values.get("honorific_prefix", ""),
        nationality=values.get("nationality"),
    )
    return services.person_update(user=SEED_ACTOR, person=person, **values)


# The services that write each kind of reference record the scenario holds, as
# (create, update) for upsert: the seed is one more face of the same doors.
WRITERS: dict[type[models.Model], tuple[Any, Any]] = {
    Organization: (
        lambda values: services.organization_create(user=SEED_ACTOR, values=values),
        lambda record, changes: services.organization_update(
            user=SEED_ACTOR, organization=record, changes=changes
        ),
    ),
    Person: (
        _person_create,
        lambda record, changes: services.person_update(user=SEED_ACTOR, person=record, **changes),
    ),
    Post: (
        lambda values: services.post_create(user=SEED_ACTOR, values=values),
        lambda record, changes: services.post_update(user=SEED_ACTOR, post=record, changes=changes),
    ),
    Event: (
        lambda values: services.event_create(user=SEED_ACTOR, values=values),
        lambda record, changes: services.event_update(
            user=SEED_ACTOR, event=record, changes=changes
        ),
    ),
    Topic: (
        lambda values: services.topic_create(user=SEED_ACTOR, values=values),
        lambda record, changes: services.topic_update(
            user=SEED_ACTOR, topic=record, changes=changes
        ),
    ),
    Instrument: (
        lambda values: services.instrument_create(user=SEED_ACTOR, values=values),
        lambda record, changes: services.instrument_update(
            user=SEED_ACTOR, instrument=record, changes=changes
        ),
    ),
    InstrumentParty: (
        lambda values: services.instrument_party_create(user=SEED_ACTOR, values=values),
        lambda record, changes: services.instrument_party_update(
            user=SEED_ACTOR, party=record, changes=changes
        ),
    ),
}


def _upsert(model: type[models.Model], **kwargs: Any) -> Any:
    create, update = WRITERS[model]
    return upsert(model, create=create, update=update, **kwargs)


@transaction.atomic
def seed_load(*, seeds_dir: Path = SEEDS_DIR) -> SeedReport:
    report = SeedReport()
    countries_load(path=seeds_dir / "iso3166_m49_regions.csv", report=report)
    desks_load(path=seeds_dir / "desks.yaml", report=report)
    topics_load(path=seeds_dir / "topics.yaml", report=report)
    minerals_load(path=seeds_dir / "minerals.yaml", report=report)
    scenario_load(path=seeds_dir / "scenario.yaml", report=report)
    return report


def _find(model: type[models.Model], what: str, **lookup: Any) -> Any:
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        detail = ", ".join(f"{key}={value!r}" for key, value in lookup.items())
        raise SeedDataError(f"{what}: no {model._meta.verbose_name} with {detail}.")
    return instance


def _country(iso2: str | None, what: str) -> Country | None:
    return _find(Country, what, iso2=iso2) if iso2 else None


# --- countries, desks, topics -------------------------------------------------------------


# Country fields and the columns of iso3166_m49_regions.csv they come from.
COUNTRY_COLUMNS = {
    "iso3": "alpha-3",
    "numeric_code": "country-code",
    "name": "name",
    "region": "region",
    "region_code": "region-code",
    "sub_region": "sub-region",
    "sub_region_code": "sub-region-code",
    "intermediate_region": "intermediate-region",
    "intermediate_region_code": "intermediate-region-code",
}


@transaction.atomic
def countries_load(*, path: Path, report: SeedReport) -> None:
    """All ISO 3166 countries with their UN M49 regions; settings.HOME_COUNTRY is home."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise SeedDataError(f"{path} cannot be read: {error}") from error
    home = settings.HOME_COUNTRY
    if home not in {row["alpha-2"] for row in rows}:
        raise SeedDataError(f"HOME_COUNTRY={home!r} is not an ISO 3166 code in {path.name}.")
    # One home at most (a unique constraint): clear a former home before marking the new one.
    Country.objects.filter(is_home=True).exclude(iso2=home).update(is_home=False)
    existing = {country.iso2: country for country in Country.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        values = {name: row[column] for name, column in COUNTRY_COLUMNS.items()}
        values["is_home"] = row["alpha-2"] == home
        country = existing.get(row["alpha-2"])
        if country is None:
            country = Country(iso2=row["alpha-2"], **values)
            to_create.append(country)
        elif any(getattr(country, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(country, name, value)
            to_update.append(country)
        else:
            report.count(Country, "unchanged")
            continue
        # In bulk, as checking the unique and check constraints row by row costs a query
        # each; the database still enforces them all in the write.
        country.full_clean(validate_unique=False, validate_constraints=False)
    Country.objects.bulk_create(to_create)
    Country.objects.bulk_update(to_update, [*COUNTRY_COLUMNS, "is_home"])
    report.count(Country, "created", len(to_create))
    report.count(Country, "updated", len(to_update))


_COVER_FIELDS = {"region", "sub_region", "intermediate_region"}


def _covered_countries(item: dict[str, Any]) -> list[Country]:
    countries: dict[int, Country] = {}
    for cover in item.get("covers", []):
        for key, value in cover.items():
            if key not in _COVER_FIELDS:
                raise SeedDataError(f"desk {item['code']}: unknown coverage {key!r}.")
            found = list(Country.objects.filter(**{key: value}))
            if not found:
                # A misspelt region would otherwise leave the desk silently empty.
                raise SeedDataError(f"desk {item['code']}: no country has {key} {value!r}.")
            countries.update((country.pk, country) for country in found)
    for iso2 in item.get("include", []):
        country = _find(Country, f"desk {item['code']}", iso2=iso2)
        countries[country.pk] = country
    # Desks look after counterparts; the home country is the ministry's own side.
    return [country for country in countries.values() if not country.is_home]


@transaction.atomic
def desks_load(*, path: Path, report: SeedReport) -> None:
    for item in read_yaml(path).get("desks", []):
        desk = upsert(
            Desk,
            lookup={"code": item["code"]},
            values={"name": item["name"], "description": item.get("description", "")},
            report=report,
        )
        desk.countries.set(_covered_countries(item))


def _topics_load(items: list[dict[str, Any]], *, parent: Topic | None, report: SeedReport) -> None:
    for item in items:
        topic = _upsert(
            Topic,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "parent": parent,
                "description": item.get("description", ""),
            },
            report=report,
        )
        _topics_load(item.get("children", []), parent=topic, report=report)


@transaction.atomic
def topics_load(*, path: Path, report: SeedReport) -> None:
    _topics_load(read_yaml(path).get("topics", []), parent=None, report=report)


# --- the scenario -------------------------------------------------------------------------


@transaction.atomic
def scenario_load(*, path: Path, report: SeedReport) -> None:
    data = read_yaml(path)
    _organizations_load(data.get("organizations", []), report)
    _people_load(data.get("people", []), report)
    _posts_load(data.get("posts", []), report)
    _tenures_load(data.get("tenures", []), report)
    _events_load(data.get("events", []), report)
    _instruments_load(data.get("instruments", []), report)
    _meetings_load(data.get("meetings", []), report)


def _organizations_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    for item in items:
        what = f"organization {item['slug']}"
        _upsert(
            Organization,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "abbreviation": item.get("abbreviation", ""),
                "kind": item["kind"],
                "country": _country(item.get("country"), what),
                "parent": _find(Organization, what, slug=item["parent"])
                if item.get("parent")
                else None,
                "other_names": item.get("other_names", []),
                "website": item.get("website", ""),
            },
            report=report,
        )


def _people_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    for item in items:
        _upsert(
            Person,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "native_name": item.get("native_name", ""),
                "sort_name": item.get("sort_name") or item["name"],
                "honorific_prefix": item.get("honorific_prefix", ""),
                "nationality": _country(item.get("nationality"), f"person {item['slug']}"),
                "summary": item.get("summary", ""),
                "identifiers": item.get("identifiers", []),
            },
            report=report,
        )


def _posts_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    for item in items:
        _upsert(
            Post,
            lookup={"slug": item["slug"]},
            values={
                "label": item["label"],
                "organization": _find(
                    Organization, f"post {item['slug']}", slug=item["organization"]
                ),
                "rank": item.get("rank", 100),
                "single_holder": item.get("single_holder", True),
            },
            report=report,
        )


def _tenures_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    # By start date, so that a tenure is closed before its successor's is written: the
    # services refuse overlapping tenures of a single-holder post.
    for item in sorted(items, key=lambda item: item["start_date"]):
        what = f"tenure of {item['person']} as {item['post']}"
        person = _find(Person, what, slug=item["person"])
        post = _find(Post, what, slug=item["post"])
        values = {
            "end_date": item.get("end_date"),
            "source": item.get("source", ""),
            "source_url": item.get("source_url", ""),
            "last_verified": item.get("last_verified"),
            "note": item.get("note", ""),
        }
        tenure = Tenure.objects.filter(
            person=person, post=post, start_date=item["start_date"]
        ).first()
        if tenure is None:
            tenure_create(person=person, post=post, start_date=item["start_date"], **values)
            report.count(Tenure, "created")
            continue
        changes = {name: value for name, value in values.items() if getattr(tenure, name) != value}
        if changes:
            tenure_update(tenure=tenure, **changes)
            report.count(Tenure, "updated")
        else:
            report.count(Tenure, "unchanged")


def _events_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    for item in items:
        what = f"event {item['slug']}"
        _upsert(
            Event,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "kind": item.get("kind", Event.Kind.OTHER),
                "parent": _find(Event, what, slug=item["parent"]) if item.get("parent") else None,
                "organizer": _find(Organization, what, slug=item["organizer"])
                if item.get("organizer")
                else None,
                "venue": item.get("venue", ""),
                "city": item.get("city", ""),
                "country": _country(item.get("country"), what),
                "start_date": item["start_date"],
                "end_date": item["end_date"],
                "description": item.get("description", ""),
                "source": item.get("source", ""),
                "url": item.get("url", ""),
            },
            report=report,
        )


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _instruments_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    instruments = {}
    for item in items:
        what = f"instrument {item['slug']}"
        administrator = item.get("administering_organization")
        instrument = _upsert(
            Instrument,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "short_name": item.get("short_name", ""),
                "other_names": item.get("other_names", []),
                "kind": item["kind"],
                "status": item.get("status", Instrument.Status.ACTIVE),
                "administering_organization": _find(Organization, what, slug=administrator)
                if administrator
                else None,
                "amount": _decimal(item.get("amount")),
                "currency": item.get("currency", ""),
                "start_date": item.get("start_date"),
                "end_date": item.get("end_date"),
                "identifier": item.get("identifier", ""),
                "description": item.get("description", ""),
                "source": item.get("source", ""),
                "source_url": item.get("source_url", ""),
            },
            report=report,
        )
        instruments[item["slug"]] = instrument
        for party in item.get("parties", []):
            organization = (
                _find(Organization, what, slug=party["organization"])
                if party.get("organization")
                else None
            )
            country = _country(party.get("country"), what)
            lookup: dict[str, Any] = {
                "instrument": instrument,
                "role": party["role"],
                "organization": organization,
            }
            values: dict[str, Any] = {"amount": _decimal(party.get("amount"))}
            values["note"] = party.get("note", "")
            if organization is None:
                lookup["country"] = country
            else:
                values["country"] = country
            _upsert(InstrumentParty, lookup=lookup, values=values, report=report)
    for item in items:
        # Added, never replaced: curators may have related more instruments since.
        related = [
            instruments.get(slug) or _find(Instrument, f"instrument {item['slug']}", slug=slug)
            for slug in item.get("related", [])
        ]
        instrument = instruments[item["slug"]]
        current = list(instrument.related.all())
        if any(other not in current for other in related):
            services.instrument_update(
                user=SEED_ACTOR,
                instrument=instrument,
                changes={},
                related=[*current, *(other for other in related if other not in current)],
            )


def _start(item: dict[str, Any]) -> datetime.datetime:
    """The local start given in the file, in the meeting's own time zone."""
    start = item["start"]
    if not isinstance(start, datetime.datetime):
        start = datetime.datetime.fromisoformat(str(start))
    return start.replace(tzinfo=ZoneInfo(item["time_zone"]))


def _meetings_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    for item in items:
        external_id = item["external_id"]
        if Meeting.objects.filter(external_source=SEED_SOURCE, external_id=external_id).exists():
            report.count(Meeting, "unchanged")
            continue
        what = f"meeting {external_id}"
        participants = [
            ParticipantInput(
                side=participant["side"],
                person=_find(Person, what, slug=participant["person"]),
                post=_find(Post, what, slug=participant["post"])
                if participant.get("post")
                else None,
                # None: the label is taken from the tenure held on the meeting date.
                post_label=participant.get("post_label"),
                is_head_of_delegation=participant.get("head", False),
            )
            for participant in item.get("participants", [])
        ]
        agenda = [
            AgendaItemInput(
                title=entry["title"],
                topic=_find(Topic, what, slug=entry["topic"]) if entry.get("topic") else None,
                notes=entry.get("notes", ""),
                outcome=entry.get("outcome", ""),
            )
            for entry in item.get("agenda", [])
        ]
        data = MeetingInput(
            title=item["title"],
            start=_start(item),
            desk=_find(Desk, what, code=item["desk"]),
            time_zone=item["time_zone"],
            kind=item.get("kind", Meeting.Kind.BILATERAL),
            status=item.get("status", Meeting.Status.HELD),
            date_precision=item.get("date_precision", Meeting.DatePrecision.DAY),
            place=item.get("place", ""),
            city=item.get("city", ""),
            country=_country(item.get("country"), what),
            event=_find(Event, what, slug=item["event"]) if item.get("event") else None,
            classification=Classification[item["classification"].upper()],
            summary=item.get("summary", ""),
            notes=item.get("notes", ""),
            outcomes=item.get("outcomes", ""),
            source=item.get("source", ""),
            source_url=item.get("source_url", ""),
            external_source=SEED_SOURCE,
            external_id=external_id,
            topics=[_find(Topic, what, slug=slug) for slug in item.get("topics", [])],
            minerals=[_find(Mineral, what, slug=slug) for slug in item.get("minerals", [])],
            instruments=[
                _find(Instrument, what, slug=slug) for slug in item.get("instruments", [])
            ],
            participants=participants,
            agenda_items=agenda,
        )
        meeting_create(user=SEED_ACTOR, data=data)
        report.count(Meeting, "created")
