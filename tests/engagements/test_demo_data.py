import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from engagements.demo_data import DEMO_SOURCE, demo_data_generate
from engagements.models import Meeting, Participant


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
