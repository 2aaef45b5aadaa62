import datetime

import factory
from django.utils import timezone

from accounts.models import Classification, Desk, DeskMembership, User
from engagements.models import (
    AgendaItem,
    Commitment,
    Country,
    Event,
    Instrument,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Tenure,
    Topic,
)
from minerals.models import DataSource, Mineral, MineralStatistic


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")
    clearance = Classification.INTERNAL


class CountryFactory(factory.django.DjangoModelFactory[Country]):
    class Meta:
        model = Country
        django_get_or_create = ("iso2",)

    iso2 = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    iso3 = factory.LazyAttribute(lambda o: f"{o.iso2}X")

    @factory.lazy_attribute_sequence
    def numeric_code(self, n):
        # Seeded countries hold real ISO numeric codes: take the next free one.
        used = set(Country.objects.values_list("numeric_code", flat=True))
        return next(code for i in range(1000) if (code := f"{(n + i) % 1000:03d}") not in used)

    name = factory.LazyAttribute(lambda o: f"Country {o.iso2}")
    region = "Americas"
    sub_region = "Latin America and the Caribbean"


class DeskFactory(factory.django.DjangoModelFactory[Desk]):
    class Meta:
        model = Desk
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"desk-{n}")
    name = factory.LazyAttribute(lambda o: f"Desk {o.code}")


class DeskMembershipFactory(factory.django.DjangoModelFactory[DeskMembership]):
    class Meta:
        model = DeskMembership

    user = factory.SubFactory(UserFactory)
    desk = factory.SubFactory(DeskFactory)
    role = DeskMembership.DeskRole.OFFICER


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Ministry {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    kind = Organization.Kind.MINISTRY
    country = factory.SubFactory(CountryFactory)


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"person-{n}")


class PostFactory(factory.django.DjangoModelFactory[Post]):
    class Meta:
        model = Post

    label = factory.Sequence(lambda n: f"Minister {n}")
    slug = factory.Sequence(lambda n: f"post-{n}")
    organization = factory.SubFactory(OrganizationFactory)


class TenureFactory(factory.django.DjangoModelFactory[Tenure]):
    class Meta:
        model = Tenure

    person = factory.SubFactory(PersonFactory)
    post = factory.SubFactory(PostFactory)
    start_date = datetime.date(2020, 1, 1)
    end_date = None


class EventFactory(factory.django.DjangoModelFactory[Event]):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Annual Meeting {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    start_date = datetime.date(2025, 3, 26)
    end_date = datetime.date(2025, 3, 30)


class TopicFactory(factory.django.DjangoModelFactory[Topic]):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class InstrumentFactory(factory.django.DjangoModelFactory[Instrument]):
    class Meta:
        model = Instrument

    name = factory.Sequence(lambda n: f"Trust Fund {n}")
    slug = factory.Sequence(lambda n: f"instrument-{n}")
    kind = Instrument.Kind.TRUST_FUND


class MeetingFactory(factory.django.DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    title = factory.Sequence(lambda n: f"Meeting {n}")
    start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    time_zone = "UTC"
    desk = factory.SubFactory(DeskFactory)
    classification = Classification.INTERNAL


class ParticipantFactory(factory.django.DjangoModelFactory[Participant]):
    class Meta:
        model = Participant

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(PersonFactory)
    side = Participant.Side.COUNTERPART


class AgendaItemFactory(factory.django.DjangoModelFactory[AgendaItem]):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Agenda item {n}")


class CommitmentFactory(factory.django.DjangoModelFactory[Commitment]):
    class Meta:
        model = Commitment

    title = factory.Sequence(lambda n: f"Follow-up {n}")
    meeting = factory.SubFactory(MeetingFactory)
    desk = factory.LazyAttribute(lambda o: o.meeting.desk if o.meeting else DeskFactory())
    due_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=14))


class MineralFactory(factory.django.DjangoModelFactory[Mineral]):
    class Meta:
        model = Mineral
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Mineral {n}")
    slug = factory.Sequence(lambda n: f"mineral-{n}")


class DataSourceFactory(factory.django.DjangoModelFactory[DataSource]):
    class Meta:
        model = DataSource

    name = "Mineral Commodity Summaries"
    slug = factory.Sequence(lambda n: f"source-{n}")


class MineralStatisticFactory(factory.django.DjangoModelFactory[MineralStatistic]):
    class Meta:
        model = MineralStatistic

    mineral = factory.SubFactory(MineralFactory)
    country = factory.SubFactory(CountryFactory)
    measure = MineralStatistic.Measure.MINE_PRODUCTION
    year = 2024
    value = 1000
    unit = "metric tons"
    source = factory.SubFactory(DataSourceFactory)
