"""Matching names in a file to people, organizations and countries.

Exact matches (case-, accent- and space-insensitive, on names, other names, abbreviations,
sort names and native-script names) are linked. Near matches found by PostgreSQL trigram
similarity (pg_trgm, see migration 0002) are not linked: they are reported with
needs_review so that a person decides. A fixed number of queries per job, whatever the
number of rows: reference tables are read once, near matches looked up in one query per kind.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from engagements.models import Country, Organization, Person

from .parsing import name_key, strip_honorific

PERSON, ORGANIZATION, COUNTRY = "person", "organization", "country"
NEAR_MATCH_MIN_SIMILARITY = 0.45
_SQLITE_FUZZY_LIMIT = 5000


@dataclass
class Candidate:
    id: int
    name: str
    kind: str
    country_id: int | None = None


@dataclass
class Match:
    raw: str
    kind: str
    candidate: Candidate | None = None
    similarity: float = 0.0
    needs_review: bool = False

    @property
    def linked(self) -> bool:
        return self.candidate is not None and not self.needs_review

    def as_report(self) -> dict[str, object]:
        return {
            "raw": self.raw,
            "matched_id": self.candidate.id if self.candidate else None,
            "matched_name": self.candidate.name if self.candidate else None,
            "kind": self.candidate.kind if self.candidate else self.kind,
            "similarity": round(self.similarity, 3),
            "needs_review": self.needs_review,
        }


@dataclass
class Directory:
    """Names of every person, organization and country, keyed by name_key."""

    people: dict[str, Candidate] = field(default_factory=dict)
    organizations: dict[str, Candidate] = field(default_factory=dict)
    countries: dict[str, Candidate] = field(default_factory=dict)
    tenure_labels: dict[int, list[tuple[object, object, str, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Directory:
        directory = cls()
        for pk, name, native, sort_name, country_id in Person.objects.values_list(
            "id", "name", "native_name", "sort_name", "nationality_id"
        ):
            candidate = Candidate(pk, name, PERSON, country_id)
            for value in (name, native, sort_name, strip_honorific(name)):
                if value:
                    directory.people.setdefault(name_key(value), candidate)
        for pk, name, abbreviation, other_names, country_id in Organization.objects.values_list(
            "id", "name", "abbreviation", "other_names", "country_id"
        ):
            candidate = Candidate(pk, name, ORGANIZATION, country_id)
            names = [name, abbreviation, *(other_names if isinstance(other_names, list) else [])]
            for value in names:
                if isinstance(value, str) and value:
                    directory.organizations.setdefault(name_key(value), candidate)
        for pk, name, iso3 in Country.objects.values_list("id", "name", "iso3"):
            candidate = Candidate(pk, name, COUNTRY, pk)
            for value in (name, iso3, f"Government of {name}", f"Embassy of {name}"):
                directory.countries.setdefault(name_key(value), candidate)
        return directory

    def exact(self, name: str, *, kinds: Iterable[str]) -> Candidate | None:
        key = name_key(name)
        bare = name_key(strip_honorific(name))
        for kind in kinds:
            table = self._table(kind)
            found = table.get(key) or table.get(bare)
            if found is not None:
                return found
        return None

    def _table(self, kind: str) -> dict[str, Candidate]:
        return {PERSON: self.people, ORGANIZATION: self.organizations, COUNTRY: self.countries}[
            kind
        ]


_TRIGRAM_SQL = {
    PERSON: """
        SELECT q.name, c.id, c.name, c.nationality_id, c.score
        FROM unnest(%s::text[]) AS q(name)
        CROSS JOIN LATERAL (
            SELECT p.id, p.name, p.nationality_id,
                   greatest(similarity(lower(p.name), q.name),
                            similarity(lower(p.native_name), q.name)) AS score
            FROM engagements_person p
            WHERE lower(p.name) %% q.name OR lower(p.native_name) %% q.name
            ORDER BY score DESC, p.id LIMIT 1
        ) c
        WHERE c.score >= %s
    """,
    ORGANIZATION: """
        SELECT q.name, c.id, c.name, c.country_id, c.score
        FROM unnest(%s::text[]) AS q(name)
        CROSS JOIN LATERAL (
            SELECT o.id, o.name, o.country_id, similarity(lower(o.name), q.name) AS score
            FROM engagements_organization o
            WHERE lower(o.name) %% q.name
            ORDER BY score DESC, o.id LIMIT 1
        ) c
        WHERE c.score >= %s
    """,
    COUNTRY: """
        SELECT q.name, c.id, c.name, c.id, c.score
        FROM unnest(%s::text[]) AS q(name)
        CROSS JOIN LATERAL (
            SELECT k.id, k.name, similarity(lower(k.name), q.name) AS score
            FROM engagements_country k
            WHERE lower(k.name) %% q.name
            ORDER BY score DESC, k.id LIMIT 1
        ) c
        WHERE c.score >= %s
    """,
}


def near_matches(names: Iterable[str], *, kind: str, directory: Directory) -> dict[str, Match]:
    """name -> its best near match of `kind` (trigram similarity), for names with none exact."""
    wanted = sorted({name for name in names if name})
    if not wanted:
        return {}
    found: dict[str, Match] = {}
    if connection.vendor == "postgresql":
        lowered = {strip_honorific(name).lower(): name for name in wanted}
        with connection.cursor() as cursor:
            cursor.execute(_TRIGRAM_SQL[kind], [list(lowered), NEAR_MATCH_MIN_SIMILARITY])
            for query, pk, matched_name, country_id, score in cursor.fetchall():
                raw = lowered[query]
                found[raw] = Match(
                    raw=raw,
                    kind=kind,
                    candidate=Candidate(pk, matched_name, kind, country_id),
                    similarity=float(score),
                    needs_review=True,
                )
        return found
    # SQLite (make run): the same idea with difflib over the names already loaded.
    table = directory._table(kind)
    keys = list(table)[:_SQLITE_FUZZY_LIMIT]
    for name in wanted:
        key = name_key(strip_honorific(name))
        best = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
        if best:
            score = difflib.SequenceMatcher(None, key, best[0]).ratio()
            found[name] = Match(
                raw=name, kind=kind, candidate=table[best[0]], similarity=score, needs_review=True
            )
    return found
