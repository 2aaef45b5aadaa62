"""Query plans of the API's meeting list and full-text search, on PostgreSQL.

A few thousand generated meetings (engagements.demo_data, the data set of `make bench`),
with planner statistics (ANALYZE), then the real requests through the API: the SQL each one
runs is captured and EXPLAINed. The list must be read through an index in its order (no
sequential scan of the meetings table, which would grow with the table), on the first page
and on the page a cursor leads to; a search for a rare word must use the GIN index
meeting_search_idx; a search for a common word may instead walk the newest-first index and
stop after a page, but must not scan the table either."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_token_create
from bench.users import desk_officers
from engagements import search
from engagements.demo_data import demo_data_generate
from engagements.models import Meeting
from engagements.search import MEETING_SEARCH_INDEX
from engagements.selectors import meetings_visible_to

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's"
)

MEETINGS = 3000
RARE_WORD = "tantalum"
URL = "/api/v1/meetings/"


@pytest.fixture(scope="module")
def generated(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The data set, made once for the module in a transaction rolled back at its end (each
    test runs in a savepoint inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed", verbosity=0)
            demo_data_generate(meetings=MEETINGS, seed=8)
            officer = desk_officers(1)[0]
            visible = meetings_visible_to(officer).order_by("id").values_list("id", flat=True)
            rare = list(visible)[::500]
            Meeting.objects.filter(pk__in=rare).update(
                notes=f"Exports of {RARE_WORD} concentrate were discussed."
            )
            with connection.cursor() as cursor:
                # What autovacuum does to a live table: statistics for the planner, and the
                # GIN index's pending list merged (the planner counts an unmerged list as
                # pages to read on every search). VACUUM cannot run in a transaction.
                cursor.execute("ANALYZE")
                cursor.execute(
                    "SELECT gin_clean_pending_list(%s::regclass)", [MEETING_SEARCH_INDEX]
                )
            yield {"officer": officer, "rare": rare}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def api(generated: dict[str, Any], db: Any) -> APIClient:
    _token, raw = api_token_create(
        user=generated["officer"], name="plans", scope=ApiToken.Scope.READ
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _meetings_query(client: APIClient, url: str) -> tuple[dict[str, Any], str]:
    """Run the request; return its JSON and the one SQL query that read the page of
    meetings (the others are the token, the user's desks and the like)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    pages = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        and 'FROM "engagements_meeting"' in query["sql"]
        and " LIMIT " in query["sql"]
    ]
    assert len(pages) == 1, [q["sql"][:200] for q in captured.captured_queries]
    return response.json(), pages[0]


def _plan_nodes(sql: str) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        found.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def _scans_of_meetings(nodes: list[dict[str, Any]]) -> list[str]:
    """How each node reading engagements_meeting reads it: "Seq Scan", "Index Scan" with
    its index, "Bitmap Index Scan" with its index..."""
    table = Meeting._meta.db_table
    with connection.cursor() as cursor:
        indexes = set(connection.introspection.get_constraints(cursor, table))
    scans = []
    for node in nodes:
        if node.get("Relation Name") == table or node.get("Index Name") in indexes:
            scans.append(f"{node['Node Type']} {node.get('Index Name', '')}".strip())
    return scans


def explain(sql: str) -> str:
    """The plan as text, for the message of a failing assertion."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_generated_data_set_is_there(generated: dict[str, Any], db: Any) -> None:
    assert Meeting.objects.count() >= MEETINGS
    officer = generated["officer"]
    assert officer.username.startswith("demo.officer")
    assert officer.desks.exists()


def test_a_page_of_the_meeting_list_is_read_through_an_index(api: APIClient) -> None:
    body, sql = _meetings_query(api, f"{URL}?page_size=50")
    assert len(body["results"]) == 50

    scans = _scans_of_meetings(_plan_nodes(sql))
    assert scans, sql
    assert not any(scan.endswith("Seq Scan") for scan in scans), explain(sql)
    assert "Index Scan meeting_start_desc_idx" in scans, explain(sql)


def test_the_page_a_cursor_leads_to_is_read_through_an_index(api: APIClient) -> None:
    first, _sql = _meetings_query(api, f"{URL}?page_size=50")
    second, sql = _meetings_query(api, first["next"])
    assert len(second["results"]) == 50
    assert {m["id"] for m in first["results"]}.isdisjoint({m["id"] for m in second["results"]})

    scans = _scans_of_meetings(_plan_nodes(sql))
    assert not any(scan.endswith("Seq Scan") for scan in scans), explain(sql)
    assert "Index Scan meeting_start_desc_idx" in scans, explain(sql)


def test_a_search_for_a_rare_word_uses_the_gin_index(
    api: APIClient, generated: dict[str, Any]
) -> None:
    body, sql = _meetings_query(api, f"{URL}?q={RARE_WORD}&page_size=50")
    assert {m["id"] for m in body["results"]} == set(generated["rare"])

    scans = _scans_of_meetings(_plan_nodes(sql))
    assert f"Bitmap Index Scan {MEETING_SEARCH_INDEX}" in scans, explain(sql)
    assert not any(scan.endswith("Seq Scan") for scan in scans), explain(sql)


def test_a_search_for_a_common_word_does_not_scan_the_table(api: APIClient) -> None:
    body, sql = _meetings_query(api, f"{URL}?q=lithium&page_size=50")
    assert len(body["results"]) == 50

    scans = _scans_of_meetings(_plan_nodes(sql))
    assert scans, sql
    assert not any(scan.endswith("Seq Scan") for scan in scans), explain(sql)


def _country_met(most: bool) -> str:
    """The country met most often, or one met a few times (3 to 30)."""
    counts = list(
        Meeting.counterpart_countries.through.objects.values_list("country__iso2")
        .annotate(n=Count("meeting_id"))
        .order_by("-n" if most else "n", "country__iso2")
    )
    first = next((iso2 for iso2, n in counts if most or 3 <= n <= 30), None)
    assert first is not None
    return str(first)


def _subplans_reading(node: dict[str, Any], table: str) -> list[str]:
    """The names of the subplans ("SubPlan 4") under `node` that read `table`."""

    def reads(tree: dict[str, Any]) -> bool:
        return tree.get("Relation Name") == table or any(
            reads(child) for child in tree.get("Plans", [])
        )

    found = []
    if "Subplan Name" in node and reads(node):
        found.append(node["Subplan Name"])
    for child in node.get("Plans", []):
        found += _subplans_reading(child, table)
    return found


def test_a_country_met_a_few_times_is_read_by_primary_key(api: APIClient) -> None:
    """Its meeting ids are read first; the page is read among them by primary key, not by
    walking the newest-first index through the meetings of other countries."""
    body, sql = _meetings_query(api, f"{URL}?country={_country_met(most=False)}&page_size=50")
    assert body["results"]

    scans = _scans_of_meetings(_plan_nodes(sql))
    assert not any(scan.endswith("Seq Scan") for scan in scans), explain(sql)
    assert "Index Scan meeting_start_desc_idx" not in scans, explain(sql)


def test_a_country_with_many_meetings_is_walked_with_a_lookup_per_meeting(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above COUNTRY_IDS_MAX meetings, the newest-first index is walked, each meeting tested
    with a lookup in the counterpart index: no hash of all the country's meetings first."""
    monkeypatch.setattr(search, "COUNTRY_IDS_MAX", 10)
    body, sql = _meetings_query(api, f"{URL}?country={_country_met(most=True)}&page_size=50")
    assert len(body["results"]) == 50

    nodes = _plan_nodes(sql)
    scans = _scans_of_meetings(nodes)
    assert "Index Scan meeting_start_desc_idx" in scans, explain(sql)
    assert not any(scan.endswith("Seq Scan") for scan in scans), explain(sql)
    text = explain(sql)
    subplans = _subplans_reading(nodes[0], Meeting.counterpart_countries.through._meta.db_table)
    assert subplans, text
    assert not any(f"hashed {name}" in text for name in subplans), text
