import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from engagements import services
from engagements.models import Tenure
from tests import factories


@pytest.fixture
def post(db):
    return factories.PostFactory(label="Minister of Finance")


def test_overlapping_tenures_of_a_single_holder_post_are_rejected(post):
    services.tenure_create(
        person=factories.PersonFactory(),
        post=post,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    with pytest.raises(ValidationError) as caught:
        services.tenure_create(
            person=factories.PersonFactory(), post=post, start_date=datetime.date(2025, 1, 1)
        )
    assert "start_date" in caught.value.message_dict
    assert Tenure.objects.count() == 1


def test_a_successor_may_start_the_day_the_predecessor_left(post):
    services.tenure_create(
        person=factories.PersonFactory(),
        post=post,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    services.tenure_create(
        person=factories.PersonFactory(), post=post, start_date=datetime.date(2025, 8, 21)
    )
    assert Tenure.objects.count() == 2


def test_an_open_tenure_blocks_a_later_one(post):
    services.tenure_create(
        person=factories.PersonFactory(), post=post, start_date=datetime.date(2020, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.tenure_create(
            person=factories.PersonFactory(),
            post=post,
            start_date=datetime.date(2030, 1, 1),
            end_date=datetime.date(2031, 1, 1),
        )


def test_posts_with_several_holders_allow_overlap(db):
    post = factories.PostFactory(label="Executive Director", single_holder=False)
    for _ in range(2):
        services.tenure_create(
            person=factories.PersonFactory(), post=post, start_date=datetime.date(2024, 1, 1)
        )
    assert post.tenures.count() == 2


def test_the_database_rejects_overlap_even_without_the_service(post):
    # The exclusion constraint backs the service's check on PostgreSQL.
    Tenure.objects.create(
        person=factories.PersonFactory(), post=post, start_date=datetime.date(2022, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenure.objects.create(
            person=factories.PersonFactory(), post=post, start_date=datetime.date(2023, 1, 1)
        )


def test_the_database_rejects_a_tenure_ending_before_it_starts(post):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenure.objects.create(
            person=factories.PersonFactory(),
            post=post,
            start_date=datetime.date(2023, 1, 1),
            end_date=datetime.date(2022, 1, 1),
        )


def test_moving_a_tenure_into_overlap_is_rejected(post):
    first = services.tenure_create(
        person=factories.PersonFactory(),
        post=post,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2022, 1, 1),
    )
    services.tenure_create(
        person=factories.PersonFactory(), post=post, start_date=datetime.date(2022, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.tenure_update(tenure=first, end_date=datetime.date(2023, 1, 1))
    first.refresh_from_db()
    assert first.end_date == datetime.date(2022, 1, 1)


def test_valid_on_treats_the_end_date_as_the_successors_first_day(post):
    marcel = factories.PersonFactory(name="Marcel")
    grau = factories.PersonFactory(name="Grau")
    services.tenure_create(
        person=marcel,
        post=post,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    services.tenure_create(person=grau, post=post, start_date=datetime.date(2025, 8, 21))
    assert post.holder_on(datetime.date(2025, 3, 28)).person == marcel
    assert post.holder_on(datetime.date(2025, 8, 20)).person == marcel
    assert post.holder_on(datetime.date(2025, 8, 21)).person == grau
    assert post.holder_on(datetime.date(2022, 3, 10)) is None


def test_the_database_keeps_one_home_country(db):
    factories.CountryFactory(iso2="KR", iso3="KOR", numeric_code="410", name="Korea", is_home=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CountryFactory(
            iso2="CL", iso3="CHL", numeric_code="152", name="Chile", is_home=True
        )


def test_a_participant_needs_a_person_or_a_name(db):
    meeting = factories.MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ParticipantFactory(meeting=meeting, person=None, raw_name="")
