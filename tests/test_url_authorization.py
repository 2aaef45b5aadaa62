"""Every URL of the site and every operation of the API, against every standing user.

The test walks config.urls (django.urls.get_resolver, recursively) and the OpenAPI schema,
and needs an entry in one of the coverage tables below for each pattern and operation: a
new page or endpoint without one FAILS here, naming it. Each entry says who may use it and,
for a page about a record, how to build the URL for a record everyone may see and for one
hidden from some users (who must then get 404: a hidden record is never confirmed).

How to add an entry
-------------------
- A web page: add its route (as printed in the failure) to PAGES with
  Page(audience, args=..., hidden=..., method=...). `args(world)` returns the URL kwargs
  for a record every signed-in user may see; `hidden(world)` those for the confidential
  meeting (or its children), which HIDDEN_FROM must get 404 for. `audience` is
  ANONYMOUS (anyone), SIGNED_IN (any signed-in user; anonymous is sent to sign in),
  ADMINISTRATORS (others get 403 or 404), or a set of usernames who may (others 403/404).
  POST-only views: method="POST" (they are posted an empty form).
- An admin model: add its label to ADMIN_MODELS with the users whose changelist is 200
  (staff with the view permission); classified models go in ADMIN_CLASSIFIED too. A custom
  admin URL (ModelAdmin.get_urls) goes in ADMIN_EXTRA.
- An API operation: add "METHOD /api/v1/path/{id}/" to API_OPERATIONS with
  ApiOp(record=..., hidden=...) and, for reads, the users who may read it.

The world: a meeting of the Latin America desk that every standing user may see (internal)
and a confidential one only erin (its desk's cleared lead) and the administrators see, each
with a participant, a commitment and an attachment; reference records everyone reads.
"""

# ruff: noqa: F811 - the API tests' fixtures are imported, then requested by name
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Classification
from engagements import services
from tests import factories
from tests.api.conftest import client_for, roles, token_client, users  # noqa: F401

pytestmark = pytest.mark.django_db

USERS = ["alice", "bob", "charlie", "dana", "erin", "administrator", "admin_user"]
EVERYONE = frozenset(USERS)
ADMINS = frozenset({"administrator", "admin_user"})
# Who must get 404 for the confidential meeting and what hangs on it.
HIDDEN_FROM = frozenset({"alice", "bob", "charlie", "dana"})
# Who may log and edit meetings (desk members and administrators).
DESK_WRITERS = frozenset({"alice", "bob", "erin", "administrator", "admin_user"})
LATAM_WRITERS = frozenset({"alice", "erin", "administrator", "admin_user"})

# Records of alice's own (import jobs, drafts, tokens): others get 404, administrators see
# import jobs too.
NOT_ALICE = frozenset({"bob", "charlie", "dana", "erin"})

ALICE_AND_ADMINS = frozenset({"alice"}) | frozenset({"administrator", "admin_user"})

ANONYMOUS = "anonymous"
SIGNED_IN = "signed_in"
ADMINISTRATORS = "administrators"


@dataclass
class World:
    users: dict[str, Any]
    open_meeting: Any
    hidden_meeting: Any
    records: dict[str, Any] = field(default_factory=dict)

    def new_attachment(self) -> Any:
        return services.attachment_add(
            user=self.users["erin"],
            meeting=self.open_meeting,
            upload=SimpleUploadedFile("spare.txt", b"spare", content_type="text/plain"),
        )

    def __getattr__(self, name: str) -> Any:
        try:
            return self.records[name]
        except KeyError:
            raise AttributeError(name) from None


Args = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Page:
    audience: str | frozenset[str]
    args: Args | None = None
    hidden: Args | None = None
    hidden_from: frozenset[str] = HIDDEN_FROM
    method: str = "GET"
    # Statuses that count as "allowed" besides 200 (a redirect after a POST, ...).
    ok: frozenset[int] = frozenset({200})
    # Query (GET) or form (POST) data; called for each request, so it may make a file.
    data: Args | None = None


@dataclass(frozen=True)
class Api:
    """Covered by API_OPERATIONS."""


def _pk(name: str) -> Args:
    return lambda world: {"pk": getattr(world, name).pk}


def _hidden_pk(name: str) -> Args:
    return lambda world: {"pk": world.records[f"hidden_{name}"].pk}


ALL_POST_OK = frozenset({200, 204, 302, 400})

# Web pages, by route.
PAGES: dict[str, Page | Api] = {
    "": Page(SIGNED_IN),
    "commitments/": Page(SIGNED_IN),
    "commitments/<int:pk>/status/": Page(
        SIGNED_IN,
        args=_pk("commitment"),
        hidden=_hidden_pk("commitment"),
        method="POST",
        ok=ALL_POST_OK | {403},
    ),
    "briefings/": Page(SIGNED_IN),
    "briefings/countries/<str:iso2>/": Page(SIGNED_IN, args=lambda w: {"iso2": "CL"}),
    "briefings/countries/<str:iso2>/pdf/": Page(SIGNED_IN, args=lambda w: {"iso2": "CL"}),
    "briefings/people/<int:pk>/": Page(SIGNED_IN, args=_pk("person")),
    "briefings/people/<int:pk>/pdf/": Page(SIGNED_IN, args=_pk("person")),
    "meetings/new/": Page(DESK_WRITERS),
    "meetings/drafts/": Page(SIGNED_IN),
    "meetings/drafts/<int:pk>/delete/": Page(
        frozenset({"alice"}),
        args=_pk("draft"),
        hidden=_pk("draft"),
        hidden_from=EVERYONE - {"alice"},
        method="POST",
        ok=ALL_POST_OK,
    ),
    # Offered only to those who log meetings; others get 404.
    "meetings/people/search/": Page(
        DESK_WRITERS, data=lambda w: {"prefix": "participants-0", "q": "Mario"}
    ),
    "meetings/people/new/": Page(DESK_WRITERS, method="POST", ok=ALL_POST_OK),
    "meetings/participant-row/": Page(
        DESK_WRITERS, data=lambda w: {"prefix": "participants-0", "pick": w.person.pk}
    ),
    "meetings/<int:pk>/": Page(SIGNED_IN, args=_pk("open_meeting"), hidden=_hidden_pk("meeting")),
    "meetings/<int:pk>/edit/": Page(
        LATAM_WRITERS, args=_pk("open_meeting"), hidden=_hidden_pk("meeting")
    ),
    "meetings/<int:pk>/attachments/": Page(
        LATAM_WRITERS,
        args=_pk("open_meeting"),
        hidden=_hidden_pk("meeting"),
        method="POST",
        ok=ALL_POST_OK,
        data=lambda w: {
            "kind": "minutes",
            "file": SimpleUploadedFile("notes.txt", b"notes", content_type="text/plain"),
        },
    ),
    "attachments/<int:pk>/": Page(
        SIGNED_IN, args=_pk("attachment"), hidden=_hidden_pk("attachment")
    ),
    # accounts.policy.may_delete_attachment, as in the API: the desk's lead (here also the
    # uploader) and administrators; alice, an officer, may delete only her own uploads.
    "attachments/<int:pk>/delete/": Page(
        frozenset({"erin"}) | ADMINS,
        args=lambda w: {"pk": w.new_attachment().pk},
        hidden=_hidden_pk("attachment"),
        method="POST",
        ok=ALL_POST_OK,
    ),
    "meetings/": Page(SIGNED_IN),
    "meetings/export/": Page(SIGNED_IN),
    "countries/": Page(SIGNED_IN),
    "countries/<str:iso2>/": Page(SIGNED_IN, args=lambda w: {"iso2": "CL"}),
    "people/": Page(SIGNED_IN),
    "people/<int:pk>/": Page(SIGNED_IN, args=_pk("person")),
    "organizations/": Page(SIGNED_IN),
    "organizations/<int:pk>/": Page(SIGNED_IN, args=_pk("organization")),
    "events/": Page(SIGNED_IN),
    "events/<int:pk>/": Page(SIGNED_IN, args=_pk("event")),
    "instruments/": Page(SIGNED_IN),
    "instruments/<int:pk>/": Page(SIGNED_IN, args=_pk("instrument")),
    "topics/": Page(SIGNED_IN),
    "topics/<int:pk>/": Page(SIGNED_IN, args=_pk("topic")),
    "account/": Page(SIGNED_IN),
    "account/language/": Page(ANONYMOUS, method="POST", ok=ALL_POST_OK),
    "account/tokens/": Page(SIGNED_IN, method="POST", ok=ALL_POST_OK | {403}),
    "account/tokens/<int:pk>/revoke/": Page(
        frozenset({"alice"}),
        args=_pk("alice_token"),
        hidden=_pk("alice_token"),
        hidden_from=EVERYONE - {"alice", "administrator", "admin_user"},
        method="POST",
        ok=ALL_POST_OK,
    ),
    "imports/": Page(SIGNED_IN),
    "imports/new/": Page(SIGNED_IN),
    "imports/<int:pk>/": Page(
        ALICE_AND_ADMINS, args=_pk("import_job"), hidden=_pk("import_job"), hidden_from=NOT_ALICE
    ),
    "imports/<int:pk>/progress/": Page(
        ALICE_AND_ADMINS, args=_pk("import_job"), hidden=_pk("import_job"), hidden_from=NOT_ALICE
    ),
    "imports/<int:pk>/mapping/": Page(
        ALICE_AND_ADMINS,
        args=_pk("import_job"),
        hidden=_pk("import_job"),
        hidden_from=NOT_ALICE,
        method="POST",
        ok=ALL_POST_OK,
    ),
    "imports/<int:pk>/mapping.json": Page(
        ALICE_AND_ADMINS, args=_pk("import_job"), hidden=_pk("import_job"), hidden_from=NOT_ALICE
    ),
    "imports/<int:pk>/validate/": Page(
        ALICE_AND_ADMINS,
        args=_pk("import_job"),
        hidden=_pk("import_job"),
        hidden_from=NOT_ALICE,
        method="POST",
        ok=ALL_POST_OK,
    ),
    "imports/<int:pk>/confirm/": Page(
        ALICE_AND_ADMINS,
        args=_pk("import_job"),
        hidden=_pk("import_job"),
        hidden_from=NOT_ALICE,
        method="POST",
        ok=ALL_POST_OK,
    ),
    "imports/<int:pk>/cancel/": Page(
        ALICE_AND_ADMINS,
        args=_pk("import_job"),
        hidden=_pk("import_job"),
        hidden_from=NOT_ALICE,
        method="POST",
        ok=ALL_POST_OK,
    ),
    "imports/presets/<int:pk>/mapping.json": Page(SIGNED_IN, args=_pk("preset")),
    "exports/transparency.csv": Page(SIGNED_IN, ok=frozenset({200, 400})),
    "exports/popolo.json": Page(SIGNED_IN),
    "healthz": Page(ANONYMOUS, ok=frozenset({200, 503})),
    "readyz": Page(ANONYMOUS, ok=frozenset({200, 503})),
    "calendar/<str:token>.ics": Page(
        ANONYMOUS,  # the secret in the address is the credential
        args=lambda w: {"token": w.calendar_token},
        hidden=lambda w: {"token": "not-a-real-token"},
        hidden_from=EVERYONE,
    ),
    "notifications/": Page(SIGNED_IN),
    "notifications/watches/<int:pk>/delete/": Page(
        frozenset({"alice"}),
        args=_pk("watch"),
        hidden=_pk("watch"),
        hidden_from=EVERYONE - {"alice"},
        method="POST",
        ok=ALL_POST_OK,
    ),
    "notifications/commitments/": Page(SIGNED_IN),
    "notifications/commitments/<int:pk>/": Page(
        SIGNED_IN, args=_pk("commitment"), hidden=_hidden_pk("commitment")
    ),
    "notifications/meetings/<int:pk>/": Page(
        SIGNED_IN, args=_pk("open_meeting"), hidden=_hidden_pk("meeting")
    ),
    "oidc/authenticate/": Page(ANONYMOUS, ok=frozenset({200, 302, 404})),
    "oidc/callback/": Page(ANONYMOUS, ok=frozenset({200, 302, 400, 403, 404})),
    "minerals/": Page(SIGNED_IN),
    "minerals/coverage/": Page(SIGNED_IN),
    "minerals/country/<str:iso2>/": Page(SIGNED_IN, args=lambda w: {"iso2": "CL"}),
    "minerals/<slug:slug>/": Page(SIGNED_IN, args=lambda w: {"slug": w.mineral.slug}),
    "accounts/login/": Page(ANONYMOUS, ok=frozenset({200, 302})),
    "accounts/logout/": Page(ANONYMOUS, method="POST", ok=frozenset({200, 302})),
}
# API routes: their access is checked operation by operation below.
API_ROUTE = re.compile(r"^api/v1/")
API_NOT_OPERATIONS = {
    "api/v1/schema/": Page(SIGNED_IN),
    "api/v1/docs/": Page(SIGNED_IN),
    "api/v1/redoc/": Page(SIGNED_IN),
    "api/v1/": Page(ANONYMOUS, ok=frozenset({404})),  # the problem-details catch-all
}

# Admin: the users whose changelist of the model is 200 (others staff 403, non-staff are
# sent to sign in). Standing users other than the administrators are not staff.
ADMIN_MODELS: dict[str, frozenset[str]] = {
    # The Administrator role's permissions (accounts.services.ROLE_ALL_APPS) do not cover
    # these apps: only a superuser reads them in the admin.
    **{
        label: frozenset({"admin_user"})
        for label in (
            "axes.accessattempt",
            "axes.accessfailurelog",
            "axes.accesslog",
            "imports.importcreatedrecord",
            "imports.importjob",
            "imports.mappingpreset",
        )
    },
    **{
        label: ADMINS
        for label in (
            "accounts.apitoken",
            "accounts.desk",
            "accounts.deskmembership",
            "accounts.user",
            "audit.auditentry",
            "auth.group",
            "django_celery_beat.clockedschedule",
            "django_celery_beat.crontabschedule",
            "django_celery_beat.intervalschedule",
            "django_celery_beat.periodictask",
            "django_celery_beat.solarschedule",
            "engagements.agendaitem",
            "engagements.attachment",
            "engagements.commitment",
            "engagements.country",
            "engagements.event",
            "engagements.instrument",
            "engagements.instrumentparty",
            "engagements.meeting",
            "engagements.organization",
            "engagements.participant",
            "engagements.person",
            "engagements.post",
            "engagements.tenure",
            "engagements.topic",
            "minerals.criticalitylist",
            "minerals.datasource",
            "minerals.mineral",
            "minerals.mineralstatistic",
            "notifications.calendarfeed",
            "notifications.digest",
            "notifications.heartbeat",
            "notifications.notification",
            "notifications.notificationpreference",
            "notifications.reminder",
            "notifications.reminderpolicy",
            "notifications.sweeprun",
            "notifications.watch",
            "webhooks.webhookdelivery",
            "webhooks.webhookendpoint",
        )
    },
}
# Classified admin models: the change page of the hidden record, for a staff officer of the
# desk without the clearance (alice, made staff), answers as if it did not exist.
ADMIN_CLASSIFIED = {
    "engagements.meeting": "meeting",
    "engagements.participant": "participant",
    "engagements.commitment": "commitment",
    "engagements.attachment": "attachment",
}
ADMIN_SITE = {
    "",
    "login/",
    "logout/",
    "password_change/",
    "password_change/done/",
    "autocomplete/",
    "jsi18n/",
    "r/<path:content_type_id>/<path:object_id>/",
}
ADMIN_MODEL_ROUTES = {
    "",
    "add/",
    "<path:object_id>/history/",
    "<path:object_id>/delete/",
    "<path:object_id>/change/",
    "<path:object_id>/",
    "<path:object_id>/history/<str:version_id>/",
    # django-simple-history's page of one version (the revert form)
    "^([^/]+)/history/([^/]+)/$",
}
# Custom admin URLs: route -> (who gets 200, URL kwargs). Other staff get 403, non-staff are
# sent to sign in.
ADMIN_EXTRA: dict[str, tuple[frozenset[str], Args | None]] = {
    "admin/audit/auditentry/export.csv": (ADMINS, None),
    "admin/accounts/user/<id>/password/": (ADMINS, lambda w: {"id": w.users["alice"].pk}),
}


@dataclass(frozen=True)
class ApiOp:
    record: Args | None = None
    hidden: Args | None = None
    readers: frozenset[str] = EVERYONE
    hidden_from: frozenset[str] = HIDDEN_FROM


def _ref(name: str) -> ApiOp:
    return ApiOp(record=lambda w: {"id": getattr(w, name).pk})


def _classified(name: str) -> ApiOp:
    return ApiOp(
        record=lambda w: {"id": getattr(w, name).pk},
        hidden=lambda w: {"id": w.records[f"hidden_{name}"].pk},
    )


_COLLECTIONS = {
    "countries": "country",
    "organizations": "organization",
    "people": "person",
    "posts": "post",
    "tenures": "tenure",
    "events": "event",
    "topics": "topic",
    "instruments": "instrument",
    "minerals": "mineral",
    "data-sources": "data_source",
    "mineral-statistics": "statistic",
    "desks": "desk",
}
_CLASSIFIED = {
    "meetings": "meeting",
    "participants": "participant",
    "commitments": "commitment",
    "attachments": "attachment",
}
API_OPERATIONS: dict[str, ApiOp] = {}
for _path, _name in _COLLECTIONS.items():
    API_OPERATIONS[f"GET /api/v1/{_path}/"] = ApiOp()
    API_OPERATIONS[f"GET /api/v1/{_path}/{{id}}/"] = _ref(_name)
    for _method in ("POST",):
        API_OPERATIONS[f"{_method} /api/v1/{_path}/"] = ApiOp(readers=frozenset())
    for _method in ("PUT", "PATCH", "DELETE"):
        API_OPERATIONS[f"{_method} /api/v1/{_path}/{{id}}/"] = ApiOp(
            record=_ref(_name).record, readers=frozenset()
        )
for _path, _name in _CLASSIFIED.items():
    API_OPERATIONS[f"GET /api/v1/{_path}/"] = ApiOp()
    API_OPERATIONS[f"GET /api/v1/{_path}/{{id}}/"] = _classified(_name)
# Writes: a hidden record is 404 to those who may not see it, whatever the body.
for _path, _name, _methods in (
    ("meetings", "meeting", ("PUT", "PATCH", "DELETE")),
    ("commitments", "commitment", ("PUT", "PATCH", "DELETE")),
    ("attachments", "attachment", ("DELETE",)),
):
    API_OPERATIONS[f"POST /api/v1/{_path}/"] = ApiOp(readers=frozenset())
    for _method in _methods:
        API_OPERATIONS[f"{_method} /api/v1/{_path}/{{id}}/"] = ApiOp(
            hidden=_classified(_name).hidden, readers=frozenset()
        )
API_OPERATIONS.update(
    {
        "GET /api/v1/attachments/{id}/download/": _classified("attachment"),
        "GET /api/v1/minerals/countries/{iso2}/positions/": ApiOp(record=lambda w: {"iso2": "CL"}),
        "GET /api/v1/minerals/{slug}/analytics/": ApiOp(record=lambda w: {"slug": w.mineral.slug}),
        "GET /api/v1/minerals/coverage/": ApiOp(),
        "GET /api/v1/me/": ApiOp(),
        "GET /api/v1/tokens/": ApiOp(),
        "POST /api/v1/tokens/": ApiOp(readers=frozenset()),
        "GET /api/v1/tokens/{id}/": ApiOp(
            record=lambda w: {"id": w.alice_token.pk},
            hidden=lambda w: {"id": w.alice_token.pk},
            readers=frozenset({"alice", "administrator", "admin_user"}),
            hidden_from=EVERYONE - {"alice", "administrator", "admin_user"},
        ),
        "DELETE /api/v1/tokens/{id}/": ApiOp(
            hidden=lambda w: {"id": w.alice_token.pk},
            readers=frozenset(),
            hidden_from=EVERYONE - {"alice", "administrator", "admin_user"},
        ),
    }
)
_pk_id: Args = lambda w: {"id": w.import_job.pk}  # noqa: E731
API_OPERATIONS["GET /api/v1/imports/"] = ApiOp()
API_OPERATIONS["POST /api/v1/imports/"] = ApiOp(readers=frozenset())
API_OPERATIONS["GET /api/v1/imports/{id}/"] = ApiOp(
    record=_pk_id, hidden=_pk_id, readers=ALICE_AND_ADMINS, hidden_from=NOT_ALICE
)
for _action in ("confirm", "validate", "cancel"):
    API_OPERATIONS[f"POST /api/v1/imports/{{id}}/{_action}/"] = ApiOp(
        hidden=_pk_id, readers=frozenset(), hidden_from=NOT_ALICE
    )
API_OPERATIONS["GET /api/v1/meetings/{id}/"] = ApiOp(
    record=lambda w: {"id": w.open_meeting.pk}, hidden=lambda w: {"id": w.hidden_meeting.pk}
)
# A record's history is read by whoever may read the record.
API_OPERATIONS["GET /api/v1/meetings/{id}/history/"] = API_OPERATIONS["GET /api/v1/meetings/{id}/"]
API_OPERATIONS["GET /api/v1/commitments/{id}/history/"] = _classified("commitment")


# Walking the URLs


def walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "admin/":
                yield route, pattern
                continue
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def site_routes() -> list[tuple[str, Any]]:
    return list(walk(get_resolver().url_patterns))


def admin_routes(resolver: URLResolver) -> Iterator[str]:
    registered = {
        f"{model._meta.app_label}/{model._meta.model_name}/": model._meta.label_lower
        for model in admin.site._registry
    }
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver) and route in registered:
            for inner in pattern.url_patterns:
                inner_route = str(inner.pattern)
                if inner_route not in ADMIN_MODEL_ROUTES:
                    yield f"admin/{route}{inner_route}"
            continue
        if (
            route in ADMIN_SITE
            or getattr(pattern, "name", None) == "app_list"
            or route == "(?P<url>.*)$"
        ):
            continue
        yield f"admin/{route}"


def test_every_url_pattern_has_an_entry():
    missing = []
    for route, pattern in site_routes():
        if route == "admin/":
            missing += [r for r in admin_routes(pattern) if r not in ADMIN_EXTRA]
            continue
        if API_ROUTE.match(route) and route not in API_NOT_OPERATIONS:
            continue  # checked against the schema below
        if route not in PAGES and route not in API_NOT_OPERATIONS:
            missing.append(route)
    registered = {model._meta.label_lower for model in admin.site._registry}
    missing += [f"admin model {label}" for label in sorted(registered - set(ADMIN_MODELS))]
    assert not missing, (
        "URL patterns without an entry in the coverage tables of "
        f"tests/test_url_authorization.py: {missing}"
    )


def _schema_operations() -> list[str]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(document))
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    )


def test_every_api_operation_has_an_entry():
    missing = [op for op in _schema_operations() if op not in API_OPERATIONS]
    assert not missing, f"API operations without an entry in API_OPERATIONS: {missing}"
    stale = sorted(set(API_OPERATIONS) - set(_schema_operations()))
    assert not stale, f"API_OPERATIONS names operations the schema does not have: {stale}"


# The world


@pytest.fixture
def world(users, desk_latam, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    desk_latam.countries.add(chile)
    organization = factories.OrganizationFactory(country=chile, name="Ministry of Finance")
    person = factories.PersonFactory(name="Mario Marcel", nationality=chile)
    post = factories.PostFactory(organization=organization)
    tenure = services.tenure_create(
        person=person, post=post, start_date=timezone.localdate().replace(year=2020)
    )
    event = factories.EventFactory(country=chile)
    topic = factories.TopicFactory(name="Lithium supply")
    instrument = factories.InstrumentFactory()
    mineral = factories.MineralFactory(slug="lithium", name="Lithium")
    statistic = factories.MineralStatisticFactory(mineral=mineral, country=chile)
    dana_person = factories.PersonFactory(name="Dana", user=users["dana"])

    def meeting(level, title):
        created = services.meeting_create(
            user=users["erin"],
            data=services.MeetingInput(
                title=title,
                start=timezone.now(),
                desk=desk_latam,
                classification=level,
                country=chile,
                event=event,
                topics=[topic],
                instruments=[instrument],
                minerals=[mineral],
                participants=[services.ParticipantInput(side="counterpart", person=person)],
                commitments=[
                    services.CommitmentInput(title=f"Follow-up of {title}", owner=users["erin"])
                ],
            ),
        )
        attachment = services.attachment_add(
            user=users["erin"],
            meeting=created,
            upload=SimpleUploadedFile("minutes.txt", b"minutes", content_type="text/plain"),
        )
        return created, attachment

    open_meeting, attachment = meeting(Classification.INTERNAL, "Open meeting")
    hidden_meeting, hidden_attachment = meeting(Classification.CONFIDENTIAL, "Hidden meeting")
    # dana took part in neither: she sees the internal one through its classification.
    assert dana_person.pk

    from accounts.models import ApiToken
    from accounts.tokens import api_token_create
    from engagements.models import MeetingDraft
    from notifications import services as notification_services

    alice_token, _raw = api_token_create(
        user=users["alice"], name="walker", scope=ApiToken.Scope.READ
    )
    _feed, calendar_token = notification_services.calendar_feed_create(user=users["alice"])
    watch = notification_services.watch_add(user=users["alice"], target=topic)
    draft = MeetingDraft.objects.create(user=users["alice"], title="Half-written", data={})
    from imports.models import ImportJob, MappingPreset

    import_job = ImportJob.objects.create(
        created_by=users["alice"],
        file=SimpleUploadedFile("meetings.csv", b"title\nA meeting\n", content_type="text/csv"),
        original_name="meetings.csv",
        size=18,
        detected_format="csv",
        encoding="utf-8",
        delimiter=",",
    )
    preset = MappingPreset.objects.create(name="Transparency return", mapping={})
    return World(
        users=users,
        open_meeting=open_meeting,
        hidden_meeting=hidden_meeting,
        records={
            "country": chile,
            "organization": organization,
            "person": person,
            "post": post,
            "tenure": tenure,
            "event": event,
            "topic": topic,
            "instrument": instrument,
            "mineral": mineral,
            "statistic": statistic,
            "data_source": statistic.source,
            "desk": desk_latam,
            "meeting": open_meeting,
            "participant": open_meeting.participants.get(),
            "commitment": open_meeting.commitments.get(),
            "attachment": attachment,
            "hidden_meeting": hidden_meeting,
            "hidden_participant": hidden_meeting.participants.get(),
            "hidden_commitment": hidden_meeting.commitments.get(),
            "hidden_attachment": hidden_attachment,
            "alice_token": alice_token,
            "calendar_token": calendar_token,
            "watch": watch,
            "draft": draft,
            "import_job": import_job,
            "preset": preset,
        },
    )


def _fill(route: str, kwargs: dict[str, Any] | None) -> str:
    def replace(match: re.Match) -> str:
        return str((kwargs or {})[match.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", replace, route)


def _request(client, page: Page, url: str, world: World):
    data = page.data(world) if page.data else {}
    if page.method == "POST":
        return client.post(url, data)
    return client.get(url, data)


def _page_cases() -> list:
    return [
        pytest.param(route, id=route or "home")
        for route, page in PAGES.items()
        if isinstance(page, Page)
    ] + [pytest.param(route, id=route) for route in API_NOT_OPERATIONS]


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("route", _page_cases())
def test_each_page_for_each_user(client, world, route):
    page = PAGES.get(route) or API_NOT_OPERATIONS[route]
    assert isinstance(page, Page)

    def url() -> str:
        return _fill(route, page.args(world) if page.args else None)

    failures = []

    client.logout()
    response = _request(client, page, url(), world)
    if page.audience == ANONYMOUS:
        if response.status_code not in page.ok:
            failures.append(f"anonymous: {response.status_code}")
    elif not (_is_login_redirect(response) or response.status_code in (401, 403)):
        failures.append(f"anonymous not sent to sign in: {response.status_code}")

    for username in USERS:
        client.force_login(world.users[username])
        if page.audience in (ANONYMOUS, SIGNED_IN):
            allowed = True
        elif page.audience == ADMINISTRATORS:
            allowed = username in ADMINS
        else:
            allowed = username in page.audience
        response = _request(client, page, url(), world)
        status = response.status_code
        if status >= 500:
            failures.append(f"{username}: server error {status}")
        elif allowed and status not in page.ok:
            failures.append(f"{username}: {status}, expected one of {sorted(page.ok)}")
        elif not allowed and status not in (403, 404):
            failures.append(f"{username}: {status}, expected 403 or 404")
        if page.hidden is not None:
            hidden_url = _fill(route, page.hidden(world))
            hidden = _request(client, page, hidden_url, world)
            if username in page.hidden_from and hidden.status_code != 404:
                failures.append(f"{username}: hidden record answered {hidden.status_code}")
            if username not in page.hidden_from and hidden.status_code >= 500:
                failures.append(f"{username}: hidden record server error")
    assert not failures, f"{route}: {failures}"


def _admin_url(label: str, view: str, *args: Any) -> str:
    from django.urls import reverse

    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def test_admin_for_each_user(client, world):
    failures = []
    for label, viewers in sorted(ADMIN_MODELS.items()):
        url = _admin_url(label, "changelist")
        client.logout()
        if not _is_login_redirect(client.get(url)):
            failures.append(f"{label}: anonymous not sent to sign in")
        for username in USERS:
            client.force_login(world.users[username])
            response = client.get(url)
            user = world.users[username]
            if username in viewers:
                if response.status_code != 200:
                    failures.append(f"{label}: {username} got {response.status_code}")
            elif user.is_staff:
                if response.status_code != 403:
                    failures.append(f"{label}: {username} got {response.status_code}")
            elif not _is_login_redirect(response):
                failures.append(f"{label}: non-staff {username} got {response.status_code}")
    for route, (viewers, args) in ADMIN_EXTRA.items():
        url = _fill(route, args(world) if args else None)
        for username in USERS:
            client.force_login(world.users[username])
            status = client.get(url).status_code
            expected = {200} if username in viewers else {302, 403}
            if status not in expected:
                failures.append(f"{route}: {username} got {status}")
    assert not failures, failures


def test_admin_hides_classified_records_from_staff_without_clearance(client, world, roles):
    from django.contrib.auth.models import Group

    from accounts.models import Role

    alice = world.users["alice"]
    alice.is_staff = True
    alice.save()
    alice.groups.add(Group.objects.get(name=Role.DESK_OFFICER))
    client.force_login(alice)
    for label, name in ADMIN_CLASSIFIED.items():
        hidden = world.records[f"hidden_{name}"]
        visible = world.records[name]
        response = client.get(_admin_url(label, "change", hidden.pk))
        # The admin answers a missing object with a redirect to its index and a message.
        assert response.status_code in (302, 404), (label, response.status_code)
        assert client.get(_admin_url(label, "change", visible.pk)).status_code == 200, label
        listed = client.get(_admin_url(label, "changelist")).context["cl"].result_list
        assert hidden.pk not in {row.pk for row in listed}, label


@pytest.mark.parametrize("operation", sorted(API_OPERATIONS))
def test_each_api_operation_for_each_user(client_for, world, operation):
    method, path = operation.split(" ", 1)
    op = API_OPERATIONS[operation]

    def url(args: Args | None) -> str:
        values = args(world) if args else {}
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 0)), path)

    failures = []
    anonymous = getattr(client_for("alice").__class__(), method.lower())(url(op.record))
    if anonymous.status_code != 401:
        failures.append(f"anonymous: {anonymous.status_code}")
    for username in USERS:
        client = client_for(username)
        call = getattr(client, method.lower())
        if method == "GET" and ("{" not in path or op.record):
            response = call(url(op.record))
            expected = 200 if username in op.readers else (403, 404)
            if isinstance(expected, int) and response.status_code != expected:
                failures.append(f"{username}: {response.status_code}")
            if not isinstance(expected, int) and response.status_code not in expected:
                failures.append(f"{username}: {response.status_code}")
        if op.hidden is not None and username in op.hidden_from:
            response = (
                call(url(op.hidden), {}, format="json") if method != "GET" else call(url(op.hidden))
            )
            if response.status_code != 404:
                failures.append(f"{username}: hidden record answered {response.status_code}")
    assert not failures, f"{operation}: {failures}"
