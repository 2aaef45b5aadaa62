"""Every admin page renders with data, searches and autocompletes, in bounded queries."""

import datetime
import warnings

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Desk, DeskMembership, Role
from engagements import services
from engagements.models import (
    AgendaItem,
    Attachment,
    Commitment,
    Country,
    Event,
    Instrument,
    InstrumentParty,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Tenure,
    Topic,
)
from minerals.models import DataSource, Mineral, MineralStatistic
from tests import factories

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _first_or(model, create):
    return model._default_manager.first() or create()


def _load_seed() -> bool:
    if "seed" not in get_commands():
        return False
    try:
        with transaction.atomic():
            call_command("seed", verbosity=0)
    # Another helper is writing the seed command: until it works, factories stand in.
    except Exception as error:
        warnings.warn(f"manage.py seed failed ({error!r}); using factories", stacklevel=2)
        return False
    return True


def _complete_with_factories(user) -> None:
    """One row of each model the seed (if any) left empty, linked to existing rows."""
    country = _first_or(Country, factories.CountryFactory)
    desk = _first_or(Desk, factories.DeskFactory)
    desk.countries.add(country)
    if not DeskMembership.objects.exists():
        DeskMembership.objects.create(user=user, desk=desk)
    organization = _first_or(Organization, lambda: factories.OrganizationFactory(country=country))
    person = _first_or(Person, lambda: factories.PersonFactory(nationality=country))
    post = _first_or(Post, lambda: factories.PostFactory(organization=organization))
    if not Tenure.objects.exists():
        services.tenure_create(person=person, post=post, start_date=datetime.date(2020, 1, 1))
    event = _first_or(Event, lambda: factories.EventFactory(organizer=organization))
    topic = _first_or(Topic, factories.TopicFactory)
    instrument = _first_or(
        Instrument, lambda: factories.InstrumentFactory(administering_organization=organization)
    )
    if not InstrumentParty.objects.exists():
        InstrumentParty.objects.create(
            instrument=instrument, organization=organization, role="contributor"
        )
    mineral = _first_or(Mineral, factories.MineralFactory)
    meeting = _first_or(
        Meeting,
        lambda: factories.MeetingFactory(desk=desk, event=event, country=country, created_by=user),
    )
    meeting.topics.add(topic)
    meeting.minerals.add(mineral)
    meeting.instruments.add(instrument)
    meeting.counterpart_countries.add(country)
    if not Participant.objects.exists():
        factories.ParticipantFactory(meeting=meeting, person=person, post=post)
    if not AgendaItem.objects.exists():
        factories.AgendaItemFactory(meeting=meeting, topic=topic)
    if not Commitment.objects.exists():
        factories.CommitmentFactory(meeting=meeting, owner=user, instrument=instrument)
    if not Attachment.objects.exists():
        upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf")
        services.attachment_add(user=user, meeting=meeting, upload=upload, kind="minutes")
    if not MineralStatistic.objects.exists():
        factories.MineralStatisticFactory(
            mineral=mineral,
            country=country,
            source=_first_or(DataSource, factories.DataSourceFactory),
        )
    Group.objects.get_or_create(name=Role.ADMINISTRATOR)
    if apps.is_installed("django_celery_beat"):
        _complete_beat_schedules()


def _complete_beat_schedules() -> None:
    def beat(name):
        return apps.get_model("django_celery_beat", name)

    interval = _first_or(
        beat("IntervalSchedule"),
        lambda: beat("IntervalSchedule").objects.create(every=1, period="days"),
    )
    _first_or(
        beat("CrontabSchedule"),
        lambda: beat("CrontabSchedule").objects.create(minute="0", hour="7"),
    )
    _first_or(
        beat("SolarSchedule"),
        lambda: beat("SolarSchedule").objects.create(
            event="sunrise", latitude=37.57, longitude=126.98
        ),
    )
    _first_or(
        beat("ClockedSchedule"),
        lambda: beat("ClockedSchedule").objects.create(clocked_time=timezone.now()),
    )
    _first_or(
        beat("PeriodicTask"),
        lambda: beat("PeriodicTask").objects.create(
            name="Send reminders", task="engagements.tasks.send_reminders", interval=interval
        ),
    )


@pytest.fixture(scope="class")
def admin_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seed (or factories standing in for it), loaded once for the class inside a
    transaction rolled back after it: each test's own transaction nests in this one."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        curator = factories.UserFactory(username="curator", is_staff=True, is_superuser=True)
        _load_seed()
        _complete_with_factories(curator)
        yield
        transaction.set_rollback(True)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# The models this module fills in; other apps' admins are covered when they have rows.
OWN_ADMINS = {"accounts.admin", "engagements.admin", "minerals.admin"}


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


AUTOCOMPLETE = [
    ("engagements", "meeting", "event", Event, "name"),
    ("engagements", "meeting", "topics", Topic, "name"),
    ("engagements", "meeting", "counterpart_countries", Country, "name"),
    ("engagements", "participant", "person", Person, "name"),
    ("engagements", "participant", "post", Post, "label"),
    ("engagements", "commitment", "meeting", Meeting, "title"),
    ("engagements", "commitment", "owner", None, "username"),
    ("engagements", "organization", "country", Country, "iso3"),
    ("engagements", "instrument", "administering_organization", Organization, "name"),
    ("engagements", "tenure", "person", Person, "name"),
    ("accounts", "desk", "countries", Country, "name"),
    ("minerals", "mineralstatistic", "mineral", Mineral, "name"),
]


@pytest.mark.usefixtures("admin_data")
class TestEveryAdminPageWithData:
    @pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
    def test_changelist_and_add_page_render(self, client, admin_user, model):
        model_admin = admin.site._registry[model]
        request = _admin_request(admin_user)
        client.force_login(admin_user)

        changelist = client.get(_url(model, "changelist"))
        add = client.get(_url(model, "add"))

        assert changelist.status_code == 200
        shown = changelist.context["cl"].result_count
        assert shown == model_admin.get_queryset(request).count()
        assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)
        if model_admin.search_fields:
            assert client.get(_url(model, "changelist"), {"q": "a"}).status_code == 200

    @pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
    def test_change_and_history_page_render(self, client, admin_user, model):
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            module = type(admin.site._registry[model]).__module__
            assert module.split(".")[0] + ".admin" not in OWN_ADMINS
            pytest.skip(f"no {model._meta.label} row: add one in _complete_with_factories")
        client.force_login(admin_user)

        change = client.get(_url(model, "change", obj.pk))
        history = client.get(_url(model, "history", obj.pk))

        assert change.status_code == 200
        assert change.context["original"] == obj
        assert history.status_code == 200

    def test_search_finds_a_meeting_by_participant_name(self, client, admin_user):
        client.force_login(admin_user)
        participant = (
            Participant.objects.filter(person__isnull=False).select_related("person").first()
        )

        response = client.get(_url(Meeting, "changelist"), {"q": participant.person.name})

        assert participant.meeting_id in {m.pk for m in response.context["cl"].result_list}

    @pytest.mark.parametrize(
        ("app_label", "model_name", "field_name", "target", "attribute"),
        AUTOCOMPLETE,
        ids=[f"{case[1]}.{case[2]}" for case in AUTOCOMPLETE],
    )
    def test_autocomplete_finds_the_related_record(
        self, client, admin_user, app_label, model_name, field_name, target, attribute
    ):
        target = target or get_user_model()
        obj = target._default_manager.order_by("pk").first()
        client.force_login(admin_user)

        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": app_label,
                "model_name": model_name,
                "field_name": field_name,
                "term": getattr(obj, attribute),
            },
        )

        assert response.status_code == 200
        assert str(obj.pk) in {result["id"] for result in response.json()["results"]}


# Query counts: the same bound at 1 row and at 30.


def _meeting_rows(desk):
    meeting = factories.MeetingFactory(
        desk=desk,
        event=factories.EventFactory(organizer=factories.OrganizationFactory()),
        country=factories.CountryFactory(),
    )
    meeting.counterpart_countries.add(factories.CountryFactory(), factories.CountryFactory())
    meeting.topics.add(factories.TopicFactory())


def _participant_rows(desk):
    organization = factories.OrganizationFactory()
    factories.ParticipantFactory(
        meeting=factories.MeetingFactory(desk=desk),
        organization=organization,
        country=organization.country,
        post=factories.PostFactory(organization=organization),
        post_label="Minister",
    )


def _commitment_rows(desk):
    factories.CommitmentFactory(
        meeting=factories.MeetingFactory(desk=desk),
        owner=factories.UserFactory(),
        instrument=factories.InstrumentFactory(),
    )


def _tenure_rows(desk):
    factories.TenureFactory()


def _statistic_rows(desk):
    factories.MineralStatisticFactory()


# Ceilings at one row: what a non-administrator's page needs (session, user, permissions,
# the policy's group and desk lookups — its delete rules ask whether the user leads a desk
# once per question Django asks —, counts, filters, date hierarchy), with room for a
# lookup or two by other apps' admins in the sidebar.
CHANGELISTS = {
    Meeting: (_meeting_rows, 19),
    Participant: (_participant_rows, 12),
    Commitment: (_commitment_rows, 17),
    Tenure: (_tenure_rows, 13),
    MineralStatistic: (_statistic_rows, 14),
}


@pytest.fixture
def staff_alice(alice):
    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return alice


@pytest.mark.parametrize("viewer", ["admin_user", "staff_alice"])
@pytest.mark.parametrize("model", list(CHANGELISTS), ids=lambda model: model.__name__)
def test_changelist_queries_do_not_grow_with_rows(
    request, client, django_assert_max_num_queries, desk_latam, model, viewer
):
    make_row, ceiling = CHANGELISTS[model]
    client.force_login(request.getfixturevalue(viewer))
    url = _url(model, "changelist")
    make_row(desk_latam)

    with django_assert_max_num_queries(ceiling) as at_one_row:
        one = client.get(url)
    for _ in range(29):
        make_row(desk_latam)
    with django_assert_max_num_queries(len(at_one_row.captured_queries)):
        thirty = client.get(url)

    assert one.context["cl"].result_count == 1
    assert thirty.context["cl"].result_count == 30


def test_superuser_adds_a_user_with_a_clearance_and_a_desk(client, admin_user, desk_latam):
    client.force_login(admin_user)
    user_model = get_user_model()

    response = client.post(
        _url(user_model, "add"),
        {
            "username": "frank",
            "usable_password": "true",
            "password1": "a long and uncommon passphrase",
            "password2": "a long and uncommon passphrase",
            "email": "frank@example.org",
            "clearance": 2,
            "desk_memberships-TOTAL_FORMS": 1,
            "desk_memberships-INITIAL_FORMS": 0,
            "desk_memberships-MIN_NUM_FORMS": 0,
            "desk_memberships-MAX_NUM_FORMS": 1000,
            "desk_memberships-0-desk": desk_latam.pk,
            "desk_memberships-0-role": "officer",
        },
    )

    assert response.status_code == 302
    frank = user_model.objects.get(username="frank")
    assert (frank.email, frank.clearance) == ("frank@example.org", 2)
    assert list(frank.desks.all()) == [desk_latam]


def test_superuser_adds_a_desk_with_countries_and_members(client, admin_user, alice):
    country = factories.CountryFactory()
    client.force_login(admin_user)

    response = client.post(
        _url(Desk, "add"),
        {
            "name": "Africa",
            "code": "africa",
            "countries": [country.pk],
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 0,
            "memberships-MIN_NUM_FORMS": 0,
            "memberships-MAX_NUM_FORMS": 1000,
            "memberships-0-user": alice.pk,
            "memberships-0-role": "lead",
        },
    )

    assert response.status_code == 302
    desk = Desk.objects.get(code="africa")
    assert list(desk.countries.all()) == [country]
    assert desk.memberships.get().role == "lead"


def test_contact_details_are_hidden_from_those_who_only_view_people(client, alice):
    person = factories.PersonFactory(email="minister@example.org")
    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(alice)

    response = client.get(_url(Person, "change", person.pk))

    assert response.status_code == 200
    assert person.name in response.content.decode()
    assert "minister@example.org" not in response.content.decode()
