"""Writes of reference statistics: the USGS Mineral Commodity Summaries importer.

`usgs_mcs_import` reads a whole MCS data release CSV (see minerals.usgs and
docs/minerals.md) and writes its world tables in one transaction: every row is
created, updated, left unchanged, skipped (sections other than world tables, counted by
section) or failed (with its line, column and reason). A dry run reports the same and
writes nothing. Importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from . import usgs
from .models import CriticalityList, CriticalityListMember, DataSource, Mineral, MineralStatistic

# Created (or found) by the importer: the United States' list that the release flags in its
# "Is critical mineral <year>" column, and nothing else of it.
US_LIST_SLUG = "us-critical-minerals-{year}"


@dataclass
class RowError:
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column} ({self.value!r}): {self.reason}"


@dataclass
class ImportReport:
    file: str
    source: str
    dry_run: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_sections: Counter[str] = field(default_factory=Counter)
    minerals_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "source": self.source,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "skipped_sections": dict(sorted(self.skipped_sections.items())),
            "minerals_created": self.minerals_created,
            "errors": [asdict(error) for error in self.errors],
        }


class _DryRunRollback(Exception):
    pass


# Compared to decide whether a stored statistic changed; the key fields are in _key().
_COMPARED_FIELDS = (
    "series",
    "value",
    "value_upper",
    "qualifier",
    "unit",
    "original_value",
    "original_unit",
    "basis",
    "raw_value",
    "is_estimate",
    "is_reported",
    "is_withheld",
    "is_rounded",
    "notes",
)


def _key(statistic: MineralStatistic) -> tuple[Any, ...]:
    return (
        statistic.mineral_id,
        statistic.area,
        statistic.country_id,
        statistic.measure,
        statistic.detail,
        statistic.year,
    )


def _same(current: Any, new: Any) -> bool:
    # Decimals compare by value (9200000 == 9200000.00000000), everything else as is.
    return bool(current == new)


class _Minerals:
    """Minerals by USGS commodity name; a commodity not followed yet becomes a mineral, as
    every commodity's world tables are imported."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.by_name = {
            usgs.name_key(mineral.usgs_commodity or mineral.name): mineral
            for mineral in Mineral.objects.all()
        }
        self.slugs = set(Mineral.objects.values_list("slug", flat=True))
        self.names = {name.casefold() for name in Mineral.objects.values_list("name", flat=True)}
        self.units: dict[int, usgs.Unit | None] = {}

    def get(self, commodity: str) -> Mineral:
        key = usgs.name_key(commodity)
        mineral = self.by_name.get(key)
        if mineral is None:
            name = " ".join(commodity.split())
            if name.casefold() in self.names:
                name = f"{name} (USGS)"
            slug = base = slugify(name)[:110] or "mineral"
            counter = 2
            while slug in self.slugs:
                slug, counter = f"{base}-{counter}", counter + 1
            mineral = Mineral(name=name, slug=slug, usgs_commodity=name)
            mineral.full_clean(exclude=["topics"])
            mineral.save()
            self.slugs.add(slug)
            self.names.add(name.casefold())
            self.by_name[key] = mineral
            self.report.minerals_created.append(name)
        return mineral

    def stored_unit(self, mineral: Mineral, published: usgs.Unit) -> usgs.Unit:
        """The mineral's one stored unit: its own when set, else the base unit of the first
        unit it is published in (metric tons for any mass), recorded on the mineral."""
        if mineral.pk not in self.units:
            self.units[mineral.pk] = usgs.parse_unit(mineral.unit) if mineral.unit else None
        unit = self.units[mineral.pk]
        if unit is None:
            base = usgs.BASE_UNITS[published.dimension]
            unit = usgs.parse_unit(base)
            mineral.unit = unit.name
            mineral.save(update_fields=["unit"])
            self.units[mineral.pk] = unit
        return unit


def _critical_list(year: int, source: DataSource) -> CriticalityList:
    critical_list, _ = CriticalityList.objects.get_or_create(
        slug=US_LIST_SLUG.format(year=year),
        defaults={
            "name": f"United States critical minerals list {year}",
            "issuer": "U.S. Department of the Interior (U.S. Geological Survey)",
            "year": year,
            "country": MineralStatistic._meta.get_field("country")
            .related_model._default_manager.filter(iso2="US")  # type: ignore[union-attr]
            .first(),
            "source": f'"Is critical mineral {year}" column of {source}',
            "verification": "Membership as flagged per commodity chapter in the USGS data "
            "release; the list itself was not checked against the Federal Register notice.",
        },
    )
    return critical_list


def _sync_critical_flags(flags: dict[int, bool], *, year: int, source: DataSource) -> None:
    critical_list = _critical_list(year, source)
    members = set(
        CriticalityListMember.objects.filter(criticality_list=critical_list).values_list(
            "mineral_id", flat=True
        )
    )
    wanted = {mineral_id for mineral_id, flagged in flags.items() if flagged}
    unwanted = {mineral_id for mineral_id, flagged in flags.items() if not flagged}
    CriticalityListMember.objects.bulk_create(
        [
            CriticalityListMember(criticality_list=critical_list, mineral_id=mineral_id)
            for mineral_id in sorted(wanted - members)
        ]
    )
    CriticalityListMember.objects.filter(
        criticality_list=critical_list, mineral_id__in=unwanted & members
    ).delete()


def usgs_mcs_import(
    *, path: Path, source: DataSource, dry_run: bool = False, data: bytes | None = None
) -> ImportReport:
    """Import the world tables of an MCS data release CSV into `source`.

    Raises usgs.UsgsFileError when the file as a whole cannot be read; a row that cannot
    be read is an error in the report, and the other rows are still imported."""
    report = ImportReport(file=path.name, source=source.slug, dry_run=dry_run)
    raw = path.read_bytes() if data is None else data
    try:
        with transaction.atomic():
            _import(raw, source=source, report=report)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return report


def _import(raw: bytes, *, source: DataSource, report: ImportReport) -> None:
    header, rows = usgs.read_rows(raw)
    critical = usgs.critical_column(header)
    country_model: type[models.Model] = MineralStatistic._meta.get_field("country").related_model  # type: ignore[assignment]
    countries = usgs.CountryIndex(list(country_model._default_manager.all()))
    minerals = _Minerals(report)
    existing = {_key(statistic): statistic for statistic in source.statistics.all()}
    seen: dict[tuple[Any, ...], int] = {}
    critical_flags: dict[int, bool] = {}
    to_create: list[MineralStatistic] = []
    to_update: list[MineralStatistic] = []

    for row in rows:
        if not any(row.cells.values()):
            continue  # a blank line is not a row
        report.rows_read += 1
        statistic = _statistic(row, source=source, countries=countries, minerals=minerals)
        if isinstance(statistic, str):
            report.skipped += 1
            report.skipped_sections[statistic] += 1
            continue
        if isinstance(statistic, list):
            report.errors.extend(statistic)
            continue
        if critical is not None:
            critical_flags[statistic.mineral_id] = row.get(critical[0]).casefold() == "yes"
        key = _key(statistic)
        if key in seen:
            report.errors.append(
                RowError(row.line, "Country", row.get("Country"), f"repeats line {seen[key]}")
            )
            continue
        seen[key] = row.line
        current = existing.get(key)
        if current is None:
            to_create.append(statistic)
            report.created += 1
        elif all(
            _same(getattr(current, name), getattr(statistic, name)) for name in _COMPARED_FIELDS
        ):
            report.unchanged += 1
        else:
            for name in _COMPARED_FIELDS:
                setattr(current, name, getattr(statistic, name))
            to_update.append(current)
            report.updated += 1

    MineralStatistic.objects.bulk_create(to_create, batch_size=500)
    MineralStatistic.objects.bulk_update(to_update, _COMPARED_FIELDS, batch_size=500)
    if critical is not None and critical_flags:
        _sync_critical_flags(critical_flags, year=critical[1], source=source)


def _statistic(
    row: usgs.Row, *, source: DataSource, countries: usgs.CountryIndex, minerals: _Minerals
) -> MineralStatistic | list[RowError] | str:
    """The statistic a row holds; the name of its section when it is not a world table;
    or its errors."""
    section = row.get("Section")
    if not usgs.is_world_table(section):
        return section or "(no section)"
    errors: list[RowError] = []

    def fail(column: str, reason: str) -> None:
        errors.append(RowError(row.line, column, row.get(column), reason))

    commodity = row.get("Commodity")
    if not commodity:
        fail("Commodity", "no commodity")
    place = row.get("Country")
    area = usgs.aggregate_area(place)
    country = None
    if area is None:
        country = countries.get(place)
        if country is None:
            fail("Country", "matches no ISO 3166 country")
        area = MineralStatistic.Area.COUNTRY
    year_text = row.get("Year")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    if year is None:
        fail("Year", "not a four-digit year")
    try:
        parsed = usgs.parse_value(row.get("Value"))
    except ValueError as error:
        fail("Value", str(error))
        parsed = None
    try:
        published_unit: usgs.Unit | None = usgs.parse_unit(row.get("Unit"))
    except ValueError as error:
        fail("Unit", str(error))
        published_unit = None
    if errors or parsed is None or published_unit is None or year is None:
        return errors

    mineral = minerals.get(commodity)
    stored_unit = minerals.stored_unit(mineral, published_unit)
    try:
        value = usgs.convert(parsed.value, source=published_unit, target=stored_unit)
        upper = usgs.convert(parsed.upper, source=published_unit, target=stored_unit)
    except ValueError as error:
        fail("Unit", f"{error} (the unit {mineral} is stored in)")
        return errors
    detail = row.get("Statistics_detail")
    series, is_rounded = usgs.series_of(detail)
    notes = row.get("Notes")
    is_estimate, is_reported = usgs.note_flags(notes)
    statistic = MineralStatistic(
        mineral=mineral,
        area=area,
        country=country,
        measure=usgs.measure_of(row.get("Statistics"), detail),
        detail=detail,
        series=series,
        year=year,
        value=value,
        value_upper=upper,
        qualifier=parsed.qualifier,
        unit=stored_unit.name,
        original_value=parsed.value,
        original_unit=row.get("Unit"),
        basis=usgs.basis_of(section, row.get("Other notes"), published_unit.basis),
        raw_value=row.get("Value"),
        is_estimate=is_estimate,
        is_reported=is_reported,
        is_withheld=parsed.is_withheld,
        is_rounded=is_rounded,
        notes=notes,
        source=source,
    )
    return statistic


def data_source_upsert(
    *,
    slug: str,
    name: str = "",
    publisher: str = "",
    edition: str = "",
    doi: str = "",
    url: str = "",
    released_on: datetime.date | None = None,
    retrieved_on: datetime.date | None = None,
    licence: str = "",
) -> DataSource:
    """The data source of an import: created with the details given, or updated with those
    given (an empty value leaves a stored one alone)."""
    values: dict[str, Any] = {
        "name": name,
        "publisher": publisher,
        "edition": edition,
        "doi": doi,
        "url": url,
        "released_on": released_on,
        "retrieved_on": retrieved_on,
        "licence": licence,
    }
    source = DataSource.objects.filter(slug=slug).first()
    if source is None:
        source = DataSource(slug=slug, **values)
        source.name = source.name or slug
        source.full_clean()
        source.save()
        return source
    changed = [key for key, value in values.items() if value and getattr(source, key) != value]
    for key in changed:
        setattr(source, key, values[key])
    if changed:
        source.full_clean()
        source.save(update_fields=changed)
    return source


# Reference records as the admin writes them: one service per entity and action. The
# admin's model permissions decide who may; these keep the model's own rules (full_clean).


def _save(record: models.Model) -> None:
    record.full_clean()
    record.save()


@transaction.atomic
def mineral_create(*, mineral: Mineral, topics: Iterable[Any] | None = None) -> Mineral:
    if mineral.pk is not None:
        raise ValueError("mineral_create takes a mineral that is not saved yet")
    return mineral_update(mineral=mineral, topics=topics)


@transaction.atomic
def mineral_update(*, mineral: Mineral, topics: Iterable[Any] | None = None) -> Mineral:
    _save(mineral)
    if topics is not None:
        mineral.topics.set(topics)
    return mineral


@transaction.atomic
def mineral_delete(*, mineral: Mineral) -> None:
    mineral.delete()


@transaction.atomic
def data_source_save(*, source: DataSource) -> DataSource:
    """Create or update a data source built or changed by the caller (the admin's form)."""
    _save(source)
    return source


@transaction.atomic
def data_source_delete(*, source: DataSource) -> None:
    """Delete a source no statistic cites (the statistics PROTECT it: ProtectedError)."""
    source.delete()


@transaction.atomic
def mineral_statistic_save(*, statistic: MineralStatistic) -> MineralStatistic:
    _save(statistic)
    return statistic


@transaction.atomic
def mineral_statistic_delete(*, statistic: MineralStatistic) -> None:
    statistic.delete()


@transaction.atomic
def criticality_list_save(*, criticality_list: CriticalityList) -> CriticalityList:
    _save(criticality_list)
    return criticality_list


@transaction.atomic
def criticality_list_delete(*, criticality_list: CriticalityList) -> None:
    criticality_list.delete()


@transaction.atomic
def criticality_list_member_save(*, member: CriticalityListMember) -> CriticalityListMember:
    _save(member)
    return member


@transaction.atomic
def criticality_list_member_delete(*, member: CriticalityListMember) -> None:
    member.delete()
