"""The registered measurements. Each issue that asks for one adds a few lines here."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client

from accounts.models import Classification, DeskMembership, User
from bench.harness import Case, measurement
from engagements.selectors import meetings_for_list

PAGE = 50


def bench_user() -> User:
    """A desk officer with restricted clearance on the busiest desk: the common case."""
    user, _ = User.objects.get_or_create(
        username="bench.officer", defaults={"clearance": Classification.RESTRICTED}
    )
    busiest = DeskMembership.objects.values("desk_id").order_by("desk_id").first() or {
        "desk_id": None
    }
    if busiest["desk_id"] is not None:
        DeskMembership.objects.get_or_create(user=user, desk_id=busiest["desk_id"])
    return user


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


@measurement("home page render (page of 25)")
def home_page(size: int) -> Case:
    user = bench_user()
    client = Client()
    client.force_login(user)

    def render() -> None:
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    return Case(run=render, repetitions=20)
