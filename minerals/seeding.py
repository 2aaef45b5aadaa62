"""Loads minerals, data sources and the USGS world tables from seeds/ (`manage.py seed`).

The USGS loader here is a plain one for the seed extract: it reads the world tables of a
Mineral Commodity Summaries data release and reports every row it cannot map rather than
dropping it. Loading the same file again changes nothing.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from .models import DataSource, Mineral, MineralStatistic


class SeedDataError(ValueError):
    """The seed files are inconsistent (an unknown reference, a missing file, ...)."""


@dataclass
class StatisticsLoad:
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    unmapped: list[str] = field(default_factory=list)


@dataclass
class SeedReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    statistics: list[StatisticsLoad] = field(default_factory=list)

    def count(self, model: type[models.Model], outcome: str, number: int = 1) -> None:
        getattr(self, outcome)[model._meta.verbose_name_plural] += number

    def lines(self) -> list[str]:
        labels = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return [
            f"{label}: {self.created[label]} created, {self.updated[label]} updated, "
            f"{self.unchanged[label]} unchanged"
            for label in labels
        ]


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise SeedDataError(f"{path} cannot be read: {error}") from error
    if not isinstance(data, dict):
        raise SeedDataError(f"{path} should hold a mapping at the top level.")
    return data


def _stored(instance: models.Model, name: str) -> Any:
    model_field = instance._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey):
        return getattr(instance, model_field.attname)  # the id: no query for the object
    return getattr(instance, name)


def _comparable(instance: models.Model, name: str, value: Any) -> Any:
    if isinstance(instance._meta.get_field(name), models.ForeignKey):
        return value.pk if value is not None else None
    return value


def upsert(
    model: type[models.Model],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    report: SeedReport,
) -> Any:
    """Create the record, or update only the fields that differ, so that a second load
    writes nothing (and adds no history rows to models that keep history)."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance.full_clean()
        instance.save()
        report.count(model, "created")
        return instance
    changed = [
        name
        for name, value in values.items()
        if _stored(instance, name) != _comparable(instance, name, value)
    ]
    if not changed:
        report.count(model, "unchanged")
        return instance
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save(update_fields=changed)
    report.count(model, "updated")
    return instance


# --- minerals and data sources ----------------------------------------------------------


@transaction.atomic
def minerals_load(*, path: Path, report: SeedReport) -> None:
    """Minerals and data sources from minerals.yaml, then each source's statistics file."""
    data = read_yaml(path)
    for item in data.get("minerals", []):
        upsert(
            Mineral,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "symbol": item.get("symbol", ""),
                "usgs_commodity": item.get("usgs_commodity", ""),
                "hs_codes": item.get("hs_codes", []),
                "description": item.get("description", ""),
            },
            report=report,
        )
    for item in data.get("data_sources", []):
        source = upsert(
            DataSource,
            lookup={"slug": item["slug"]},
            values={
                name: item.get(name, default)
                for name, default in (
                    ("name", ""),
                    ("publisher", ""),
                    ("edition", ""),
                    ("doi", ""),
                    ("url", ""),
                    ("released_on", None),
                    ("retrieved_on", None),
                    ("licence", ""),
                )
            },
            report=report,
        )
        if item.get("usgs_file"):
            usgs_statistics_load(path=path.parent / item["usgs_file"], source=source, report=report)


# --- USGS Mineral Commodity Summaries -----------------------------------------------------

# USGS country names that are not ISO 3166 names. Short forms such as "Bolivia" for
# "Bolivia, Plurinational State of" are also matched by rule; listing them too keeps the
# common ones independent of the wording of the ISO list.
USGS_COUNTRY_ALIASES = {
    "Bahamas, The": "BS",
    "Bolivia": "BO",
    "Brunei": "BN",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Congo (Brazzaville)": "CG",
    "Congo (Kinshasa)": "CD",
    "Czech Republic": "CZ",
    "Gambia, The": "GM",
    "Iran": "IR",
    "Korea, North": "KP",
    "Korea, Republic of": "KR",
    "Laos": "LA",
    "Macau": "MO",
    "Macedonia": "MK",
    "Moldova": "MD",
    "North Korea": "KP",
    "Russia": "RU",
    "South Korea": "KR",
    "Swaziland": "SZ",
    "Syria": "SY",
    "Taiwan": "TW",
    "Tanzania": "TZ",
    "Turkey": "TR",
    "United Kingdom": "GB",
    "United States": "US",
    "Venezuela": "VE",
    "Vietnam": "VN",
}
AGGREGATE_AREAS = {
    "world total": MineralStatistic.Area.WORLD,
    "other countries": MineralStatistic.Area.OTHER,
}
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_UNITS_NOTE = re.compile(r"^\(Data in [^,()]+?(?:, (?P<basis>.+?))?,? unless otherwise specified\)")
_SECTION_BASIS = re.compile(r"\((?P<basis>[^()]*\bcontent)\)")


def _name_key(name: str) -> str:
    """Compare names without accents, curly apostrophes, case or doubled spaces."""
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def _short_name(iso_name: str) -> str:
    """'Bolivia, Plurinational State of' -> 'Bolivia'; 'Falkland Islands (Malvinas)' ->
    'Falkland Islands': the form USGS (and most people) use."""
    return re.sub(r"\s*\([^)]*\)", "", iso_name.split(",")[0]).strip()


def _country_index(country_model: type[models.Model]) -> dict[str, Any]:
    countries: list[Any] = list(country_model._default_manager.all())
    by_iso2 = {country.iso2: country for country in countries}
    index: dict[str, Any] = {}
    short_names = Counter(_name_key(_short_name(country.name)) for country in countries)
    for country in countries:
        short = _name_key(_short_name(country.name))
        # "Congo" or "Korea" alone would be ambiguous: only unique short names are used.
        if short_names[short] == 1:
            index[short] = country
    for country in countries:
        index[_name_key(country.name)] = country
    for name, iso2 in USGS_COUNTRY_ALIASES.items():
        if iso2 in by_iso2:
            index[_name_key(name)] = by_iso2[iso2]
    return index


@dataclass(frozen=True)
class ParsedValue:
    value: Decimal | None
    qualifier: str = MineralStatistic.Qualifier.EXACT
    is_withheld: bool = False


_MARKERS = {
    "W": ParsedValue(None, MineralStatistic.Qualifier.WITHHELD, is_withheld=True),
    "NA": ParsedValue(None, MineralStatistic.Qualifier.NOT_AVAILABLE),
    "Small": ParsedValue(None, MineralStatistic.Qualifier.SMALL),
    "Very small": ParsedValue(None, MineralStatistic.Qualifier.SMALL),
    # Graphite reserves of some countries are counted in the world total only.
    "s": ParsedValue(None, MineralStatistic.Qualifier.INCLUDED_ELSEWHERE),
    "\u2014": ParsedValue(Decimal(0)),  # USGS prints zero as an em dash
}


def parse_usgs_value(raw: str) -> ParsedValue:
    text = raw.strip()
    if text in _MARKERS:
        return _MARKERS[text]
    qualifier = MineralStatistic.Qualifier.EXACT
    if text[:1] in {">", "<"}:
        qualifier = (
            MineralStatistic.Qualifier.LOWER_BOUND
            if text[0] == ">"
            else MineralStatistic.Qualifier.UPPER_BOUND
        )
        text = text[1:].strip()
    if not _NUMBER.match(text):
        raise ValueError(f"value {raw!r} is not a number or a known marker")
    return ParsedValue(Decimal(text.replace(",", "")), qualifier)


def usgs_measure(statistics: str, detail: str) -> str:
    head = detail.split(":")[0].strip().casefold()
    if head.startswith("mine production"):
        return MineralStatistic.Measure.MINE_PRODUCTION
    if head.startswith("refinery production"):
        return MineralStatistic.Measure.REFINERY_PRODUCTION
    if statistics.strip().casefold() == "reserves" or head.endswith("reserves"):
        return MineralStatistic.Measure.RESERVES
    if "capacity" in head or statistics.strip().casefold() == "capacity":
        return MineralStatistic.Measure.CAPACITY
    return MineralStatistic.Measure.OTHER


def usgs_basis(section: str, other_notes: str) -> str:
    """The content basis. The section's own wording wins: manganese's world table is in
    manganese content while the chapter's general note says gross weight."""
    if match := _SECTION_BASIS.search(section):
        return match["basis"]
    if match := _UNITS_NOTE.match(other_notes.strip()):
        return match["basis"] or ""
    return ""


def _is_estimate(notes: str) -> bool:
    return any(part.strip().startswith("Estimated") for part in notes.split(" -- "))


_COMPARED_FIELDS = (
    "value",
    "qualifier",
    "unit",
    "basis",
    "raw_value",
    "is_estimate",
    "is_withheld",
    "notes",
)


def _statistic_key(statistic: MineralStatistic) -> tuple[Any, ...]:
    return (
        statistic.mineral_id,
        statistic.area,
        statistic.country_id,
        statistic.measure,
        statistic.detail,
        statistic.year,
    )


def _read_usgs_rows(path: Path) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        # newline="" keeps the CRLF inside quoted cells, as the csv module requires.
        with path.open(encoding="cp1252", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, {k.strip(): (v or "") for k, v in row.items() if k}
    except OSError as error:
        raise SeedDataError(f"{path} cannot be read: {error}") from error


@transaction.atomic
def usgs_statistics_load(*, path: Path, source: DataSource, report: SeedReport) -> StatisticsLoad:
    """Load the world tables of a USGS MCS data release CSV for the minerals in the database.

    A row is loaded, or listed in the result's `unmapped` with its line and the reason.
    """
    result = StatisticsLoad(file=path.name)
    country_model = MineralStatistic._meta.get_field("country").related_model
    countries = _country_index(country_model)  # type: ignore[arg-type]
    minerals = {
        _name_key(mineral.usgs_commodity): mineral
        for mineral in Mineral.objects.exclude(usgs_commodity="")
    }
    existing = {
        _statistic_key(statistic): statistic
        for statistic in MineralStatistic.objects.filter(source=source)
    }
    seen: dict[tuple[Any, ...], int] = {}
    to_create: list[MineralStatistic] = []
    to_update: list[MineralStatistic] = []
    for line, row in _read_usgs_rows(path):
        result.rows_read += 1

        def skip(reason: str, line: int = line, row: dict[str, str] = row) -> None:
            result.unmapped.append(
                f"{path.name} line {line}: {row.get('Commodity', '').strip()} / "
                f"{row.get('Country', '').strip()} / {row.get('Statistics_detail', '').strip()}"
                f" {row.get('Year', '').strip()}: {reason}"
            )

        section = row.get("Section", "").strip()
        if not section.startswith("World"):
            skip(f"section {section!r} is not a world table (left to the full importer)")
            continue
        mineral = minerals.get(_name_key(row.get("Commodity", "")))
        if mineral is None:
            skip("no mineral has this USGS commodity name")
            continue
        place = row.get("Country", "").strip()
        area = AGGREGATE_AREAS.get(place.casefold(), MineralStatistic.Area.COUNTRY)
        country = None
        if area == MineralStatistic.Area.COUNTRY:
            country = countries.get(_name_key(place))
            if country is None:
                skip(f"country {place!r} matches no ISO 3166 country")
                continue
        try:
            year = int(row.get("Year", "").strip())
        except ValueError:
            skip(f"year {row.get('Year')!r} is not a year")
            continue
        raw_value = row.get("Value", "").strip()
        try:
            parsed = parse_usgs_value(raw_value)
        except ValueError as error:
            skip(str(error))
            continue
        notes = row.get("Notes", "").strip()
        statistic = MineralStatistic(
            mineral=mineral,
            area=area,
            country=country,
            measure=usgs_measure(row.get("Statistics", ""), row.get("Statistics_detail", "")),
            detail=row.get("Statistics_detail", "").strip(),
            year=year,
            value=parsed.value,
            qualifier=parsed.qualifier,
            unit=row.get("Unit", "").strip(),
            basis=usgs_basis(section, row.get("Other notes", "")),
            raw_value=raw_value,
            is_estimate=_is_estimate(notes),
            is_withheld=parsed.is_withheld,
            notes=notes,
            source=source,
        )
        key = _statistic_key(statistic)
        if key in seen:
            skip(f"repeats the statistic of line {seen[key]}")
            continue
        try:
            # Foreign keys and constraints are checked by the database in the bulk write.
            statistic.full_clean(
                exclude=["mineral", "country", "source"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            skip("; ".join(error.messages))
            continue
        seen[key] = line
        result.rows_loaded += 1
        current = existing.get(key)
        if current is None:
            to_create.append(statistic)
            continue
        changed = [
            name for name in _COMPARED_FIELDS if getattr(current, name) != getattr(statistic, name)
        ]
        if changed:
            for name in _COMPARED_FIELDS:
                setattr(current, name, getattr(statistic, name))
            to_update.append(current)
        else:
            report.count(MineralStatistic, "unchanged")
    MineralStatistic.objects.bulk_create(to_create, batch_size=500)
    MineralStatistic.objects.bulk_update(to_update, _COMPARED_FIELDS, batch_size=500)
    report.count(MineralStatistic, "created", len(to_create))
    report.count(MineralStatistic, "updated", len(to_update))
    report.statistics.append(result)
    return result
