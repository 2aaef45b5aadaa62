"""Loads minerals, criticality lists, data sources and the USGS statistics from seeds/
(`manage.py seed`).

The statistics go through the USGS importer (minerals.services.usgs_mcs_import), the same
path as `manage.py import_usgs_mcs` and the Celery task, so there is one tested way in.
Loading the same files again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from .models import CriticalityList, CriticalityListMember, DataSource, Mineral, MineralStatistic
from .services import usgs_mcs_import
from .usgs import UsgsFileError


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
    create: Callable[[dict[str, Any]], Any] | None = None,
    update: Callable[[Any, dict[str, Any]], Any] | None = None,
) -> Any:
    """Create the record, or update only the fields that differ, so that a second load
    writes nothing (and adds no history rows to models that keep history). `create` and
    `update` are the owning app's services for the model, where it has them."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        if create is not None:
            instance = create({**lookup, **values})
        else:
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
    if update is not None:
        instance = update(instance, {name: values[name] for name in changed})
    else:
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save(update_fields=changed)
    report.count(model, "updated")
    return instance


# --- minerals, criticality lists and data sources -------------------------------------------


def _related(model: type[models.Model], field_name: str) -> Any:
    # The other app's model through the relation: minerals imports nothing from engagements.
    return model._meta.get_field(field_name).related_model


def _topics(slugs: list[str], what: str) -> list[Any]:
    topic_model = _related(Mineral, "topics")
    topics = list(topic_model._default_manager.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {topic.slug for topic in topics})
    if missing:
        raise SeedDataError(f"{what}: no topic with slug {', '.join(missing)}.")
    return topics


def _minerals_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    for item in items:
        values = {
            "name": item["name"],
            "symbol": item.get("symbol", ""),
            "category": item.get("category", ""),
            "usgs_commodity": item.get("usgs_commodity", ""),
            "hs_codes": [str(code) for code in item.get("hs_codes", [])],
            "description": item.get("description", ""),
        }
        # Without a unit in the file, the importer chooses one; the seed leaves it alone.
        if item.get("unit"):
            values["unit"] = item["unit"]
        mineral = upsert(Mineral, lookup={"slug": item["slug"]}, values=values, report=report)
        topics = _topics(item.get("topics", []), f"mineral {item['slug']}")
        if {topic.pk for topic in topics} != set(mineral.topics.values_list("pk", flat=True)):
            mineral.topics.set(topics)


def _criticality_lists_load(items: list[dict[str, Any]], report: SeedReport) -> None:
    country_model = _related(CriticalityList, "country")
    for item in items:
        what = f"criticality list {item['slug']}"
        country = None
        if item.get("country"):
            country = country_model._default_manager.filter(iso2=item["country"]).first()
            if country is None:
                raise SeedDataError(f"{what}: no country with iso2 {item['country']!r}.")
        critical_list = upsert(
            CriticalityList,
            lookup={"slug": item["slug"]},
            values={
                "name": item["name"],
                "issuer": item["issuer"],
                "country": country,
                "year": item["year"],
                "published_on": item.get("published_on"),
                "source": item.get("source", ""),
                "source_url": item.get("source_url", ""),
                "verification": item.get("verification", ""),
                "description": item.get("description", ""),
            },
            report=report,
        )
        wanted = {member["mineral"]: member for member in item.get("members", [])}
        minerals = {m.slug: m for m in Mineral.objects.filter(slug__in=wanted)}
        missing = sorted(set(wanted) - set(minerals))
        if missing:
            raise SeedDataError(f"{what}: no mineral with slug {', '.join(missing)}.")
        for slug, member in wanted.items():
            upsert(
                CriticalityListMember,
                lookup={"criticality_list": critical_list, "mineral": minerals[slug]},
                values={"tier": member.get("tier", ""), "note": member.get("note", "")},
                report=report,
            )
        stale = critical_list.memberships.exclude(mineral__slug__in=list(wanted))
        if stale.exists():
            stale.delete()


def _statistics_load(path: Path, source: DataSource, report: SeedReport) -> StatisticsLoad:
    try:
        result = usgs_mcs_import(path=path, source=source)
    except OSError as error:
        raise SeedDataError(f"{path} cannot be read: {error}") from error
    except UsgsFileError as error:
        raise SeedDataError(f"{path.name}: {error}") from error
    report.count(MineralStatistic, "created", result.created)
    report.count(MineralStatistic, "updated", result.updated)
    report.count(MineralStatistic, "unchanged", result.unchanged)
    load = StatisticsLoad(file=path.name, rows_read=result.rows_read, rows_loaded=result.imported)
    load.unmapped.extend(f"{path.name} {error}" for error in result.errors)
    load.unmapped.extend(
        f"{path.name}: {count} row(s) of section {section!r} skipped (not a world table)"
        for section, count in sorted(result.skipped_sections.items())
    )
    report.statistics.append(load)
    return load


@transaction.atomic
def minerals_load(*, path: Path, report: SeedReport) -> None:
    """Minerals, data sources and criticality lists from minerals.yaml, then each source's
    USGS file through the importer."""
    data = read_yaml(path)
    _minerals_load(data.get("minerals", []), report)
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
            _statistics_load(path.parent / item["usgs_file"], source, report)
    _criticality_lists_load(data.get("criticality_lists", []), report)
