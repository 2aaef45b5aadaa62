"""Stored cross-site scripting: markup typed into any free-text field stays text.

A payload set is stored in every free-text field of meetings (and their participants'
post labels, agenda and commitments), people, organizations, events, instruments and
topics. Then every surface that shows them is read and must hold the payload inert:
HTML pages escape it (no live <script>, <img onerror>, <svg onload>, javascript: link),
the API returns it as JSON data, emails escape it in their HTML part, exports are not HTML.

Web pages built by other parts are included by URL name when they exist (PAGES below);
a name that does not resolve yet skips that page only.
"""

# ruff: noqa: F811 - the API tests' fixtures are imported, then requested by name
from __future__ import annotations

import datetime
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Classification
from engagements import services
from engagements.models import Commitment
from tests import factories
from tests.api.conftest import client_for, roles, users  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
LINK = "[click me](javascript:alert(1))"
# Everything at once, for fields long enough; short fields get the shortest live payload.
PAYLOAD = f"XSS {SCRIPT} {IMG} {SVG} {LINK}"
SHORT = SVG

# What must never appear in a page: the payloads as live markup.
LIVE = [
    re.compile(r"<script>alert\(1\)", re.IGNORECASE),
    re.compile(r"<img[^>]*onerror\s*=", re.IGNORECASE),
    re.compile(r"<svg[^>]*onload\s*=", re.IGNORECASE),
    re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.IGNORECASE),
]


def assert_inert(html: str, where: str) -> None:
    found = [pattern.pattern for pattern in LIVE if pattern.search(html)]
    assert not found, f"{where}: live payload {found}"


@pytest.fixture
def stored(users, desk_latam):
    """Records of the Latin America desk with the payload in every free-text field."""
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    desk_latam.countries.add(chile)
    organization = factories.OrganizationFactory(
        name=PAYLOAD, abbreviation=SHORT, country=chile, website="https://example.org"
    )
    person = factories.PersonFactory(
        name=PAYLOAD,
        native_name=PAYLOAD,
        sort_name=PAYLOAD,
        honorific_prefix=SHORT,
        summary=PAYLOAD,
        nationality=chile,
    )
    post = factories.PostFactory(label=PAYLOAD, organization=organization)
    services.tenure_create(
        person=person,
        post=post,
        start_date=datetime.date(2020, 1, 1),
        source=PAYLOAD,
        note=PAYLOAD,
    )
    event = factories.EventFactory(
        name=PAYLOAD, venue=PAYLOAD, city=PAYLOAD, description=PAYLOAD, country=chile
    )
    topic = factories.TopicFactory(name=PAYLOAD, description=PAYLOAD)
    instrument = factories.InstrumentFactory(
        name=PAYLOAD, short_name=SHORT, description=PAYLOAD, source=PAYLOAD
    )
    meeting = services.meeting_create(
        user=users["erin"],
        data=services.MeetingInput(
            title=PAYLOAD,
            start=timezone.now().replace(microsecond=0) - datetime.timedelta(days=1),
            desk=desk_latam,
            classification=Classification.INTERNAL,
            place=PAYLOAD,
            city=PAYLOAD,
            country=chile,
            event=event,
            summary=PAYLOAD,
            notes=PAYLOAD,
            outcomes=PAYLOAD,
            source=PAYLOAD,
            topics=[topic],
            instruments=[instrument],
            counterpart_countries=[chile],
            participants=[
                services.ParticipantInput(side="counterpart", person=person, post_label=PAYLOAD),
                services.ParticipantInput(side="observer", raw_name=PAYLOAD, post_label=PAYLOAD),
            ],
            agenda_items=[
                services.AgendaItemInput(title=PAYLOAD, topic=topic, notes=PAYLOAD, outcome=PAYLOAD)
            ],
            commitments=[
                services.CommitmentInput(
                    title=PAYLOAD,
                    description=PAYLOAD,
                    owner=users["alice"],
                    due_date=timezone.localdate() + datetime.timedelta(days=7),
                    instrument=instrument,
                )
            ],
        ),
    )
    commitment = meeting.commitments.get()
    Commitment.objects.filter(pk=commitment.pk).update(completion_note=PAYLOAD)
    return {
        "meeting": meeting,
        "commitment": commitment,
        "person": person,
        "organization": organization,
        "event": event,
        "topic": topic,
        "instrument": instrument,
        "post": post,
        "country": chile,
    }


def test_the_payload_is_stored_as_typed(stored):
    # Sanitising on the way in would hide an escaping bug on the way out.
    assert stored["meeting"].title == PAYLOAD
    assert stored["meeting"].participants.filter(post_label=PAYLOAD).count() == 2


ADMIN_PAGES = [
    ("engagements", "meeting", "meeting"),
    ("engagements", "commitment", "commitment"),
    ("engagements", "person", "person"),
    ("engagements", "organization", "organization"),
    ("engagements", "event", "event"),
    ("engagements", "topic", "topic"),
    ("engagements", "instrument", "instrument"),
    ("engagements", "post", "post"),
]


@pytest.mark.parametrize(("app", "model", "key"), ADMIN_PAGES)
def test_admin_change_and_list_pages_escape(client, users, stored, app, model, key):
    client.force_login(users["admin_user"])
    change = client.get(reverse(f"admin:{app}_{model}_change", args=[stored[key].pk]))
    assert change.status_code == 200
    assert_inert(change.content.decode(), f"admin {model} change")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in change.content.decode()
    listing = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "XSS"})
    assert listing.status_code == 200
    assert_inert(listing.content.decode(), f"admin {model} list")


def test_admin_children_and_history_pages_escape(client, users, stored):
    client.force_login(users["admin_user"])
    meeting = stored["meeting"]
    for participant in meeting.participants.all():
        page = client.get(reverse("admin:engagements_participant_change", args=[participant.pk]))
        assert_inert(page.content.decode(), "admin participant")
    for agenda_item in meeting.agenda_items.all():
        page = client.get(reverse("admin:engagements_agendaitem_change", args=[agenda_item.pk]))
        assert_inert(page.content.decode(), "admin agenda item")
    history = client.get(reverse("admin:engagements_meeting_history", args=[meeting.pk]))
    assert_inert(history.content.decode(), "admin meeting history")
    trail = client.get(reverse("admin:audit_auditentry_changelist"))
    assert_inert(trail.content.decode(), "audit trail")


def _web_pages(stored) -> list[tuple[str, list, dict]]:
    """(URL name, args, query) of the pages that show the records."""
    meeting, person = stored["meeting"], stored["person"]
    return [
        ("home", [], {}),
        ("meeting_list", [], {}),
        ("meeting_list", [], {"q": "XSS"}),
        ("meeting_detail", [meeting.pk], {}),
        ("meeting_edit", [meeting.pk], {}),
        ("country_profile", ["CL"], {}),
        ("person_profile", [person.pk], {}),
        ("organization_profile", [stored["organization"].pk], {}),
        ("event_profile", [stored["event"].pk], {}),
        ("instrument_profile", [stored["instrument"].pk], {}),
        ("topic_profile", [stored["topic"].pk], {}),
        ("person_index", [], {}),
        ("organization_index", [], {}),
        ("event_index", [], {}),
        ("instrument_index", [], {}),
        ("topic_index", [], {}),
        ("commitment_board", [], {}),
        ("briefing_country", ["CL"], {}),
        ("briefing_person", [person.pk], {}),
        ("notifications:commitments", [], {}),
        ("notifications:commitment", [stored["commitment"].pk], {}),
        ("notifications:meeting", [meeting.pk], {}),
        ("meeting_person_search", [], {"prefix": "participants-0", "q": "XSS"}),
        ("meeting_participant_row", [], {"prefix": "participants-0", "pick": person.pk}),
    ]


PAGE_NAMES = [
    "home",
    "meeting_list",
    "meeting_list?q",
    "meeting_detail",
    "meeting_edit",
    "country_profile",
    "person_profile",
    "organization_profile",
    "event_profile",
    "instrument_profile",
    "topic_profile",
    "person_index",
    "organization_index",
    "event_index",
    "instrument_index",
    "topic_index",
    "commitment_board",
    "briefing_country",
    "briefing_person",
    "notifications:commitments",
    "notifications:commitment",
    "notifications:meeting",
    "meeting_person_search",
    "meeting_participant_row",
]


@pytest.mark.parametrize("index", range(len(PAGE_NAMES)), ids=PAGE_NAMES)
@pytest.mark.parametrize("username", ["alice", "administrator"])
def test_web_pages_escape(client, users, stored, index, username):
    name, args, query = _web_pages(stored)[index]
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        pytest.skip(f"The page {name} does not exist yet.")
    client.force_login(users[username])
    response = client.get(url, query)
    assert response.status_code == 200, (name, response.status_code)
    assert_inert(response.content.decode(), name)


def test_the_api_returns_data_not_html(client_for, stored):
    response = client_for("alice").get(f"/api/v1/meetings/{stored['meeting'].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["title"] == PAYLOAD and body["summary"] == PAYLOAD
    assert PAYLOAD in {p["post_label"] for p in body["participants"]}
    person = client_for("alice").get(f"/api/v1/people/{stored['person'].pk}/")
    assert person["Content-Type"].startswith("application/json")
    assert person.json()["name"] == PAYLOAD
    assert response["X-Content-Type-Options"] == "nosniff"


def test_emails_escape_the_payload(users, stored):
    from notifications import emails
    from notifications.models import Notification, Reminder

    commitment = stored["commitment"]
    reminder = Reminder(
        commitment=commitment,
        kind="before_7d",
        due_date=commitment.due_date,
        send_on=timezone.localdate(),
        days_from_due=-7,
    )
    message = emails.reminder_message(
        reminder=reminder,
        commitment=commitment,
        recipient=users["alice"],
        as_of=timezone.localdate(),
    )
    html = message.alternatives[0][0]
    assert_inert(html, "reminder email")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\n" not in message.subject and "\r" not in message.subject

    notification = Notification(
        pk=1, recipient=users["alice"], kind=Notification.Kind.MEETING_CHANGED
    )
    message = emails.meeting_notification_message(
        notification=notification, meeting=stored["meeting"], recipient=users["alice"]
    )
    html = message.alternatives[0][0]
    assert_inert(html, "meeting email")
    assert "&lt;script&gt;" in html


EXPORTS = [
    ("meeting_export", {"format": "csv"}),
    ("meeting_export", {"format": "xlsx"}),
    ("transparency_return", {}),
    ("popolo_export", {}),
]


@pytest.mark.parametrize(("name", "query"), EXPORTS, ids=lambda value: str(value))
def test_exports_are_not_html(client, users, stored, name, query):
    try:
        url = reverse(name)
    except NoReverseMatch:
        pytest.skip(f"The export {name} does not exist yet.")
    client.force_login(users["administrator"])
    response = client.get(url, query)
    if response.status_code == 400:
        pytest.skip(f"{name} needs parameters this test does not give: {response.content[:200]!r}")
    assert response.status_code == 200
    assert not response["Content-Type"].startswith("text/html"), name
    assert response["Content-Disposition"].startswith("attachment") or response[
        "Content-Type"
    ].startswith("application/json")


def test_the_audit_trail_fragment_escapes(users, stored, rf):
    from django.template.loader import render_to_string

    from audit.selectors import entries_for

    request = rf.get("/")
    request.user = users["administrator"]
    html = render_to_string(
        "audit/_trail.html",
        {"entries": entries_for(stored["meeting"], request.user), "request": request},
    )
    assert "XSS" in html
    assert_inert(html, "audit trail fragment")
