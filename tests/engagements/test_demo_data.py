import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from audit.models import AuditEntry
from engagements.demo_data import DEMO_SOURCE, demo_data_generate
from engagements.models import Meeting, Participant
from engagements.signals import meetings_saved_in_bulk


@pytest.fixture
def seeded(db):
    call_command("seed", verbosity=0)


def _fingerprint():
    return list(
        Meeting.objects.filter(external_source=DEMO_SOURCE)
        .order_by("external_id")
        .values_list("external_id", "title", "classification", "start")[:20]
    )


def test_it_generates_meetings_with_two_to_twelve_participants(seeded):
    report = demo_data_generate(meetings=60, seed=7)
    assert report.counts["meetings"] == 60
    sizes = (
        Meeting.objects.filter(external_source=DEMO_SOURCE)
        .annotate(n=Count("participants"))
        .values_list("n", flat=True)
    )
    assert all(2 <= n <= 12 for n in sizes)
    assert Participant.objects.filter(meeting__external_source=DEMO_SOURCE, side="home").exists()
    assert {level for level in Meeting.objects.values_list("classification", flat=True)} >= {1, 2}


def test_it_is_deterministic_and_reuses_an_existing_data_set(seeded):
    with transaction.atomic():
        demo_data_generate(meetings=30, seed=3)
        first = _fingerprint()
        transaction.set_rollback(True)
    assert not Meeting.objects.filter(external_source=DEMO_SOURCE).exists()

    demo_data_generate(meetings=30, seed=3)
    assert [row[:3] for row in _fingerprint()] == [row[:3] for row in first]
    again = demo_data_generate(meetings=30, seed=3)
    assert again.reused
    assert Meeting.objects.filter(external_source=DEMO_SOURCE).count() == 30


def test_it_writes_through_the_bulk_service_with_history_and_the_bulk_event(seeded):
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    meetings_saved_in_bulk.connect(listener, dispatch_uid="test_demo_data")
    try:
        demo_data_generate(meetings=12, seed=5)
    finally:
        meetings_saved_in_bulk.disconnect(dispatch_uid="test_demo_data")
    ids = set(Meeting.objects.filter(external_source=DEMO_SOURCE).values_list("pk", flat=True))
    assert [set(event["created_ids"]) for event in heard] == [ids]
    assert heard[0]["user"].username == "demo.generator"
    entries = AuditEntry.objects.filter(
        content_type__model="meeting", action="create", channel="command"
    )
    assert {int(entry.object_id) for entry in entries} == ids
    assert {entry.label for entry in entries} == {"generate_demo_data"}
    participants = Participant.objects.filter(meeting__external_source=DEMO_SOURCE).count()
    assert (
        AuditEntry.objects.filter(content_type__model="participant", channel="command").count()
        == participants
    )
