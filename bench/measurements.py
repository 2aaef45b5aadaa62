"""The registered measurements: a new one is a few lines here (see bench/README.md)."""

from __future__ import annotations

import json
import os
from typing import Any

from django.db import connection
from django.test import Client

from accounts.models import ApiToken, Role, User
from accounts.services import roles_sync
from accounts.tokens import api_token_create
from bench.harness import Case, Skip, measurement
from bench.reminder_sweep import bench_reminder_sweep
from bench.users import desk_officers
from engagements.selectors import meetings_for_list, meetings_visible_to

PAGE = 50


def bench_user() -> User:
    """A generated desk officer with restricted clearance on the busiest desk (bench.users):
    the common case."""
    return desk_officers(1)[0]


def _raw_meetings_page(user: User) -> str:
    """The baseline: the same page of visible meetings and their participants and topics,
    fetched with one hand-written SQL query and serialised with json."""
    sql = """
        WITH page AS (
            SELECT m.id, m.title, m.start, m.classification, d.name AS desk
            FROM engagements_meeting m JOIN accounts_desk d ON d.id = m.desk_id
            WHERE m.classification <= 1
               OR (m.classification <= %(clearance)s AND (
                    m.desk_id IN (SELECT desk_id FROM accounts_deskmembership
                                  WHERE user_id = %(user)s)
                 OR m.id IN (SELECT p.meeting_id FROM engagements_participant p
                             JOIN engagements_person pe ON pe.id = p.person_id
                             WHERE pe.user_id = %(user)s)))
            ORDER BY m.start DESC, m.id DESC
            LIMIT %(limit)s
        )
        SELECT page.id, page.title, page.start, page.classification, page.desk,
          (SELECT coalesce(json_agg(json_build_object(
                'name', coalesce(pe.name, p.raw_name), 'side', p.side, 'post', p.post_label)
                ORDER BY p.side, p."order"), '[]')
             FROM engagements_participant p
             LEFT JOIN engagements_person pe ON pe.id = p.person_id
            WHERE p.meeting_id = page.id) AS participants,
          (SELECT coalesce(json_agg(t.name), '[]') FROM engagements_meeting_topics mt
             JOIN engagements_topic t ON t.id = mt.topic_id WHERE mt.meeting_id = page.id)
             AS topics
        FROM page ORDER BY page.start DESC, page.id DESC
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"clearance": user.clearance, "user": user.pk, "limit": PAGE})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return json.dumps(rows, default=str)


def _selector_meetings_page(user: User) -> str:
    rows: list[dict[str, Any]] = []
    for meeting in meetings_for_list(user=user)[:PAGE]:
        rows.append(
            {
                "id": meeting.pk,
                "title": meeting.title,
                "start": meeting.start,
                "classification": meeting.classification,
                "desk": meeting.desk.name,
                "participants": [
                    {"name": p.display_name, "side": p.side, "post": p.post_label}
                    for p in meeting.participants.all()
                ],
                "topics": [t.name for t in meeting.topics.all()],
            }
        )
    return json.dumps(rows, default=str)


@measurement("meetings list selector (page of 50, participants and topics)")
def meetings_list_selector(size: int) -> Case:
    user = bench_user()
    return Case(
        run=lambda: _selector_meetings_page(user),
        baseline=lambda: _raw_meetings_page(user),
    )


# The REST API: a page of the meetings list and a meeting's detail, through the
# whole stack in process (middleware, token authentication, role check, access policy,
# serialisation, JSON), each beside one raw SQL query returning the same fields.

_VISIBLE_MEETINGS = """
    m.classification <= 1
    OR (m.classification <= %(clearance)s AND (
        m.desk_id IN (SELECT desk_id FROM accounts_deskmembership WHERE user_id = %(user)s)
        OR m.id IN (SELECT p.meeting_id FROM engagements_participant p
                    JOIN engagements_person pe ON pe.id = p.person_id
                    WHERE pe.user_id = %(user)s)))
"""
_MEETING_COLUMNS = """
    m.id, m.title, m.kind, m.status, m.start, m."end", m.time_zone, m.date_precision,
    m.place, m.city, c.iso2 AS country, e.slug AS event, d.code AS desk, m.classification,
    m.version, m.created_at, m.updated_at
"""
_MEETING_JOINS = """
    FROM engagements_meeting m JOIN accounts_desk d ON d.id = m.desk_id
    LEFT JOIN engagements_country c ON c.id = m.country_id
    LEFT JOIN engagements_event e ON e.id = m.event_id
"""
_MEETING_NESTED = """
    (SELECT coalesce(json_agg(t.slug), '[]') FROM engagements_meeting_topics x
       JOIN engagements_topic t ON t.id = x.topic_id WHERE x.meeting_id = page.id) AS topics,
    (SELECT coalesce(json_agg(t.slug), '[]') FROM engagements_meeting_minerals x
       JOIN minerals_mineral t ON t.id = x.mineral_id WHERE x.meeting_id = page.id) AS minerals,
    (SELECT coalesce(json_agg(t.slug), '[]') FROM engagements_meeting_instruments x
       JOIN engagements_instrument t ON t.id = x.instrument_id
       WHERE x.meeting_id = page.id) AS instruments,
    (SELECT coalesce(json_agg(t.iso2), '[]') FROM engagements_meeting_counterpart_countries x
       JOIN engagements_country t ON t.id = x.country_id
       WHERE x.meeting_id = page.id) AS counterpart_countries,
    (SELECT coalesce(json_agg(json_build_object(
            'id', p.id, 'person', pe.slug, 'name', coalesce(pe.name, p.raw_name),
            'raw_name', p.raw_name, 'side', p.side, 'organization', o.slug,
            'country', pc.iso2, 'post', po.slug, 'post_label', p.post_label,
            'is_head_of_delegation', p.is_head_of_delegation, 'order', p."order")
            ORDER BY p.side, p."order", p.id), '[]')
       FROM engagements_participant p
       LEFT JOIN engagements_person pe ON pe.id = p.person_id
       LEFT JOIN engagements_organization o ON o.id = p.organization_id
       LEFT JOIN engagements_country pc ON pc.id = p.country_id
       LEFT JOIN engagements_post po ON po.id = p.post_id
      WHERE p.meeting_id = page.id) AS participants
"""


def _api_client(user: User) -> Client:

    groups = {group.name: group for group in roles_sync()}
    user.groups.add(groups[Role.DESK_OFFICER])
    ApiToken.objects.filter(user=user, name="bench").delete()
    _token, raw = api_token_create(user=user, name="bench", scope="read")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _fetch_json(sql: str, params: dict[str, Any]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return json.dumps(rows, default=str)


def _raw_api_meetings_page(user: User) -> str:
    sql = f"""
        WITH page AS (
            SELECT {_MEETING_COLUMNS} {_MEETING_JOINS}
            WHERE {_VISIBLE_MEETINGS}
            ORDER BY m.start DESC, m.id DESC LIMIT %(limit)s
        )
        SELECT page.*, {_MEETING_NESTED} FROM page ORDER BY page.start DESC, page.id DESC
    """
    return _fetch_json(sql, {"clearance": user.clearance, "user": user.pk, "limit": PAGE})


def _raw_api_meeting_detail(user: User, meeting_id: int) -> str:
    sql = f"""
        WITH page AS (
            SELECT {_MEETING_COLUMNS}, m.summary, m.notes, m.outcomes, m.source,
                   m.source_url, m.external_source, m.external_id, u.username AS created_by
            {_MEETING_JOINS} LEFT JOIN accounts_user u ON u.id = m.created_by_id
            WHERE m.id = %(id)s AND ({_VISIBLE_MEETINGS})
        )
        SELECT page.*, {_MEETING_NESTED},
          (SELECT coalesce(json_agg(json_build_object('order', a."order",
                  'title', a.title, 'topic', t.slug, 'notes', a.notes, 'outcome', a.outcome)
                  ORDER BY a."order"), '[]')
             FROM engagements_agendaitem a LEFT JOIN engagements_topic t ON t.id = a.topic_id
            WHERE a.meeting_id = page.id) AS agenda_items,
          (SELECT coalesce(json_agg(json_build_object('id', k.id, 'title', k.title,
                  'description', k.description, 'instrument', i.slug, 'owed_by', k.owed_by,
                  'owner', ou.username, 'desk', kd.code, 'due_date', k.due_date,
                  'status', k.status, 'completed_on', k.completed_on,
                  'completion_note', k.completion_note, 'created_at', k.created_at,
                  'updated_at', k.updated_at) ORDER BY k.due_date, k.id), '[]')
             FROM engagements_commitment k JOIN accounts_desk kd ON kd.id = k.desk_id
             LEFT JOIN engagements_instrument i ON i.id = k.instrument_id
             LEFT JOIN accounts_user ou ON ou.id = k.owner_id
            WHERE k.meeting_id = page.id) AS commitments,
          (SELECT coalesce(json_agg(json_build_object('id', f.id, 'kind', f.kind,
                  'original_name', f.original_name, 'content_type', f.content_type,
                  'size', f.size, 'description', f.description,
                  'uploaded_at', f.uploaded_at)), '[]')
             FROM engagements_attachment f WHERE f.meeting_id = page.id) AS attachments
        FROM page
    """
    return _fetch_json(sql, {"clearance": user.clearance, "user": user.pk, "id": meeting_id})


def _get_ok(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.content


@measurement("API meetings list (page of 50, participants and tags)")
def api_meetings_list(size: int) -> Case:
    user = bench_user()
    client = _api_client(user)
    url = f"/api/v1/meetings/?page_size={PAGE}"
    return Case(
        run=lambda: _get_ok(client, url),
        baseline=lambda: _raw_api_meetings_page(user),
    )


@measurement("API meeting detail (with agenda, commitments, files)")
def api_meeting_detail(size: int) -> Case:

    user = bench_user()
    client = _api_client(user)
    meeting = (
        meetings_visible_to(user)
        .filter(commitments__isnull=False, agenda_items__isnull=False)
        .order_by("-start", "-id")
        .first()
    )
    assert meeting is not None, "the data set has no meeting with commitments"
    url = f"/api/v1/meetings/{meeting.pk}/"
    return Case(
        run=lambda: _get_ok(client, url),
        baseline=lambda: _raw_api_meeting_detail(user, meeting.pk),
    )


# The sweep makes and sweeps commitments of its own, and with them every commitment of the
# generated data due a reminder that day (on the first run of a day on a database: about
# 8,000 more reminders at 100,000 meetings, ten times as many at 1,000,000). On a loaded
# machine it takes several times longer: BENCH_SWEEP_COMMITMENTS=20000 keeps `make bench`
# short there (the rate, emails/s, hardly depends on the count). Above SWEEP_MAX_SIZE
# meetings it is skipped (BENCH_SWEEP_ALWAYS=1 runs it anyway).
SWEEP_COMMITMENTS = int(os.environ.get("BENCH_SWEEP_COMMITMENTS", "100000"))
SWEEP_MAX_SIZE = 100_000


@measurement(f"reminder sweep ({SWEEP_COMMITMENTS:,} open commitments, about 5% due)")
def reminder_sweep(size: int) -> Case:
    """One run is the whole sweep (its own commitments, made and removed by
    bench.reminder_sweep): the timing row is that run; the extra columns give emails/s."""

    if size > SWEEP_MAX_SIZE and not os.environ.get("BENCH_SWEEP_ALWAYS"):
        raise Skip(
            f"runs at sizes up to {SWEEP_MAX_SIZE:,} meetings: above, the generated data's "
            "due commitments add tens of thousands of emails (BENCH_SWEEP_ALWAYS=1 runs it)"
        )
    figures: dict[str, Any] = {}

    def sweep() -> None:
        figures.clear()
        figures.update(bench_reminder_sweep(SWEEP_COMMITMENTS))

    return Case(
        run=sweep, repetitions=1, warmup=0, extra=lambda: dict(figures), count_queries=False
    )


# Full-text search through the API: the first page of meetings matching a common
# word, newest first, beside one raw SQL query doing the same search and returning the same
# fields.

SEARCH_TERM = "lithium"


def _raw_api_search_page(user: User, term: str) -> str:
    sql = f"""
        WITH page AS (
            SELECT {_MEETING_COLUMNS} {_MEETING_JOINS}
            WHERE ({_VISIBLE_MEETINGS})
              AND m.search_vector @@ websearch_to_tsquery('english'::regconfig, %(term)s)
            ORDER BY m.start DESC, m.id DESC LIMIT %(limit)s
        )
        SELECT page.*, {_MEETING_NESTED} FROM page ORDER BY page.start DESC, page.id DESC
    """
    return _fetch_json(
        sql, {"clearance": user.clearance, "user": user.pk, "limit": PAGE, "term": term}
    )


@measurement(f"API full-text search (q={SEARCH_TERM}, page of 50)")
def api_meetings_search(size: int) -> Case:
    user = bench_user()
    client = _api_client(user)
    url = f"/api/v1/meetings/?q={SEARCH_TERM}&page_size={PAGE}"
    return Case(
        run=lambda: _get_ok(client, url),
        baseline=lambda: _raw_api_search_page(user, SEARCH_TERM),
    )


# The country filter through the API: a page of the meetings held in or met with the
# country met most often, and with the 50th (about 300 meetings at 100,000, 2,700 at
# 1,000,000; see engagements.api.filters.meetings_with_country for the two ways they are
# read).


def _country_by_rank(rank: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.iso2 FROM engagements_meeting_counterpart_countries mc
               JOIN engagements_country c ON c.id = mc.country_id
               GROUP BY c.iso2 ORDER BY count(*) DESC, c.iso2 OFFSET %s LIMIT 1""",
            [rank - 1],
        )
        row = cursor.fetchone()
    if row is None:
        raise Skip(f"fewer than {rank} countries met")
    return str(row[0])


def _country_case(rank: int) -> Case:
    client = _api_client(bench_user())
    url = f"/api/v1/meetings/?country={_country_by_rank(rank)}&page_size={PAGE}"
    return Case(run=lambda: _get_ok(client, url), extra=lambda: {"url": url})


@measurement("API meetings list by country (the one met most)")
def api_meetings_country_common(size: int) -> Case:
    return _country_case(1)


@measurement("API meetings list by country (the 50th most met)")
def api_meetings_country_rare(size: int) -> Case:
    return _country_case(50)


# The web pages, rendered by the server for a signed-in desk officer of the
# generated data: the whole Django stack in process (middleware, session, view, template),
# without the network. A page whose URL name does not exist yet is skipped, not failed.


def _page_case(url_name: str, query: str = "", repetitions: int = 30) -> Case:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse(url_name)
    except NoReverseMatch:
        raise Skip(f"no URL named {url_name!r} in this build") from None
    client = Client()
    client.force_login(bench_user())
    full = f"{url}?{query}" if query else url
    try:
        response = client.get(full)
    except Exception as error:  # a page under construction elsewhere must not stop the run
        raise Skip(f"{full} failed: {type(error).__name__}: {error}") from None
    if response.status_code != 200:
        raise Skip(f"{full} answered {response.status_code}, not 200")

    def render() -> None:
        page = client.get(full)
        assert page.status_code == 200, page.status_code

    return Case(run=render, repetitions=repetitions)


@measurement("dashboard page (home)")
def dashboard_page(size: int) -> Case:
    return _page_case("home")


@measurement("meetings list page (page of 50)")
def meeting_list_page(size: int) -> Case:
    return _page_case("meeting_list")


@measurement(f"meetings search page (q={SEARCH_TERM})")
def meeting_search_page(size: int) -> Case:
    return _page_case("meeting_list", f"q={SEARCH_TERM}")
