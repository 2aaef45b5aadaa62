"""A deterministic, realistic data set for benchmarks and demonstrations.

Everything is written in bulk (a save per row would take hours at a million meetings), and
through the bulk services of engagements (engagements.services.bulk): meetings with their
participants, agenda, tags and commitments by meetings_bulk_write, as the generated
administrator "demo.generator", with audit entries on the channel "command" and the bulk
event meetings_saved_in_bulk like any import. Only the generated accounts (users and desk
memberships, which have no bulk service) are inserted here.
Frequencies are skewed the way real records are: a few countries, topics and
counterparts account for most engagements (Zipf-like weights).
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts import policy
from accounts import services as accounts_services
from accounts.models import Classification, Desk, DeskMembership, User
from minerals.models import Mineral

from .models import (
    Country,
    Event,
    Instrument,
    Meeting,
    Organization,
    Person,
    Post,
    Tenure,
    Topic,
)
from .services import (
    AgendaItemInput,
    BulkMeeting,
    CommitmentInput,
    MeetingInput,
    ParticipantInput,
    events_bulk_create,
    meetings_bulk_write,
    organizations_bulk_create,
    people_bulk_create,
    posts_bulk_create,
    tenures_bulk_create,
)

DEMO_SOURCE = "demo"
GENERATOR = "demo.generator"
CHANNEL, LABEL = "command", "generate_demo_data"
BATCH = 5_000
T = TypeVar("T")

GIVEN = [
    "Ana",
    "Carlos",
    "Maria",
    "José",
    "Luis",
    "Sofia",
    "Diego",
    "Lucia",
    "Jorge",
    "Elena",
    "Min-jun",
    "Seo-yeon",
    "Ji-ho",
    "Ha-eun",
    "Hiroshi",
    "Yuki",
    "Wei",
    "Li",
    "Arjun",
    "Priya",
    "Thabo",
    "Amara",
    "Pierre",
    "Claire",
    "Hans",
    "Ingrid",
    "Omar",
    "Leila",
    "Ivan",
    "Olga",
]
FAMILY = [
    "García",
    "Rodríguez",
    "Silva",
    "Pérez",
    "González",
    "Fernández",
    "López",
    "Martínez",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Tanaka",
    "Sato",
    "Wang",
    "Zhang",
    "Sharma",
    "Patel",
    "Nkosi",
    "Okafor",
    "Dubois",
    "Martin",
    "Müller",
    "Schmidt",
    "Haddad",
    "Hassan",
    "Petrov",
    "Ivanova",
]
TITLES = (
    "Minister of Finance",
    "Vice Minister of Finance",
    "Minister of Economy",
    "Minister of Mining",
    "Minister of Energy",
    "Governor of the Central Bank",
    "Director-General for International Finance",
    "Ambassador to the Republic of Korea",
    "Minister of Development Planning",
    "Secretary of the Treasury",
)
SENTENCES = (
    "The two sides reviewed cooperation on a stable supply of critical minerals.",
    "The counterpart described new rules for lithium extraction and the role of state companies.",
    "Both delegations welcomed progress on the co-financing facility at the development bank.",
    "Copper concentrate exports and refining capacity were discussed at length.",
    "The minister asked for technical cooperation on disaster risk finance.",
    "Renewable energy investment and grid interconnection were raised as priorities.",
    "The home side proposed a joint working group on supply-chain diversification.",
    "Information technology cooperation, including e-government, was noted for follow-up.",
    "The counterpart requested support from the trust funds for public capacity building.",
    "Both sides agreed to exchange data on mine production and reserves.",
    "A memorandum of understanding on critical minerals will be drafted by the desk.",
    "The delegation raised concerns about volatile prices and long-term offtake agreements.",
)
KOREAN = (
    "양측은 핵심광물 공급망 안정화를 위한 협력 방안을 논의하였다.",
    "리튬과 구리 분야의 투자 확대에 대해 의견을 교환하였다.",
    "신재생에너지 및 정보통신 분야 협력을 강화하기로 하였다.",
)
COMMITMENTS = (
    "Send the draft memorandum of understanding",
    "Share mine production statistics",
    "Propose dates for the working group",
    "Prepare a note on trust fund eligibility",
    "Follow up on the co-financing request",
    "Circulate the meeting minutes",
)


def zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def batched(items: Sequence[T] | Iterator[T], size: int = BATCH) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=dict)
    reused: bool = False

    def add(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number


def demo_meetings_count() -> int:
    return Meeting.objects.filter(external_source=DEMO_SOURCE).count()


def demo_data_generate(
    *, meetings: int, seed: int = 1, today: datetime.date | None = None
) -> DemoReport:
    """Add `meetings` generated meetings (with people, posts, events, commitments) on top of
    the seeds. Reuses what is there: a data set of that size or larger is left alone."""
    report = DemoReport()
    existing = demo_meetings_count()
    if existing >= meetings:
        report.reused = True
        report.add("meetings", existing)
        return report
    if existing:
        raise ValueError(
            f"{existing} demo meetings exist already; generate into an empty database "
            "(or one with at least as many) to keep the data set deterministic."
        )
    countries = list(Country.objects.exclude(is_home=True).order_by("iso2"))
    desks = list(Desk.objects.prefetch_related("countries").order_by("code"))
    if not countries or not desks:
        raise ValueError("Load the seeds first (manage.py seed).")
    rng = random.Random(seed)
    today = today or datetime.date.today()
    with transaction.atomic():
        _generate(rng, report, meetings=meetings, today=today, countries=countries, desks=desks)
    return report


def _generate(
    rng: random.Random,
    report: DemoReport,
    *,
    meetings: int,
    today: datetime.date,
    countries: list[Country],
    desks: list[Desk],
) -> None:
    home = Country.objects.filter(is_home=True).first()
    rng.shuffle(countries)
    country_weights = zipf_weights(len(countries))
    desk_of = {c.pk: d for d in desks for c in d.countries.all()}

    # Accounts: officers on each desk, a few leads.
    users = [
        User(
            username=f"demo.officer{i:04d}",
            email=f"demo.officer{i:04d}@example.org",
            clearance=rng.choice([1, 2, 2, 3]),
            password="!",  # unusable
        )
        for i in range(max(20, meetings // 500))
    ]
    # The author of the generated records: an administrator who cannot sign in.
    generator = User(
        username=GENERATOR,
        email=f"{GENERATOR}@example.org",
        clearance=Classification.CONFIDENTIAL,
        is_superuser=True,
        password="!",
    )
    accounts_services.users_bulk_create(users=[*users, generator], batch_size=BATCH)
    generator = User.objects.get(username=GENERATOR)
    users = list(User.objects.filter(username__startswith="demo.officer").order_by("username"))
    memberships = [
        DeskMembership(
            user=user, desk=desks[i % len(desks)], role="lead" if i % 10 == 0 else "officer"
        )
        for i, user in enumerate(users)
    ]
    accounts_services.desk_memberships_bulk_create(memberships=memberships, batch_size=BATCH)
    users_by_desk: dict[int, list[User]] = {}
    for membership in memberships:
        users_by_desk.setdefault(membership.desk_id, []).append(membership.user)
    report.add("users", len(users))

    # Organizations and posts in the countries met most often.
    organizations = []
    for index, country in enumerate(countries[: min(len(countries), 150)]):
        for kind, label in (
            ("ministry", "Ministry of Finance"),
            ("ministry", "Ministry of Mining"),
            ("central_bank", "Central Bank"),
        ):
            organizations.append(
                Organization(
                    name=f"{label} of {country.name}",
                    slug=f"demo-{index}-{label.lower().replace(' ', '-')}",
                    kind=kind,
                    country=country,
                )
            )
    organizations_bulk_create(organizations=organizations)
    organizations.sort(key=lambda organization: organization.slug)
    posts = [
        Post(
            label=TITLES[(i + j) % len(TITLES)],
            slug=f"{org.slug}-post-{j}",
            organization=org,
            rank=10 * (j + 1),
        )
        for i, org in enumerate(organizations)
        for j in range(2)
    ]
    posts_bulk_create(posts=posts)
    posts.sort(key=lambda post: (post.organization.name, post.rank, post.label))
    report.add("organizations", len(organizations))
    report.add("posts", len(posts))

    # People with successive, non-overlapping tenures of each post since 2000.
    people: list[Person] = []
    tenures: list[Tenure] = []
    holders: dict[int, list[tuple[datetime.date, datetime.date | None, int]]] = {}
    for post in posts:
        start = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(0, 900))
        while start < today:
            length = datetime.timedelta(days=rng.randrange(500, 2400))
            end: datetime.date | None = start + length
            if end is not None and end >= today:
                end = None
            person = Person(
                name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                slug=f"demo-person-{len(people)}",
                nationality_id=post.organization.country_id,
            )
            people.append(person)
            tenures.append(
                Tenure(
                    person=person,
                    post=post,
                    start_date=start,
                    end_date=end,
                    source="Generated demo data",
                )
            )
            if end is None:
                break
            start = end
    people_bulk_create(people=people)
    for tenure in tenures:
        # The people have their ids now: assigning again sets person_id and keeps the
        # instance (the audit entry names it without a query).
        tenure.person = tenure.person
    tenures_bulk_create(tenures=tenures, channel=CHANNEL, label=LABEL, user=generator)
    for tenure in tenures:
        holders.setdefault(tenure.post.pk, []).append(
            (tenure.start_date, tenure.end_date, tenure.person.pk)
        )
    report.add("people", len(people))
    report.add("tenures", len(tenures))
    posts_by_country: dict[int, list[Post]] = {}
    for post in posts:
        if post.organization.country_id:
            posts_by_country.setdefault(post.organization.country_id, []).append(post)
    home_people = [
        Person(
            name=f"{rng.choice(GIVEN[10:14])} {rng.choice(FAMILY[8:14])}",
            slug=f"demo-home-{i}",
            nationality=home,
        )
        for i in range(40)
    ]
    people_bulk_create(people=home_people)

    # Events, with a third of the meetings on their sidelines.
    events = []
    for year in range(2000, today.year + 2):
        for n in range(8):
            start = datetime.date(year, rng.randrange(1, 13), rng.randrange(1, 25))
            events.append(
                Event(
                    name=f"Demo Forum {year}-{n}",
                    slug=f"demo-event-{year}-{n}",
                    kind=rng.choice(["annual_meeting", "summit", "conference"]),
                    country=rng.choices(countries, country_weights)[0],
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.randrange(1, 5)),
                )
            )
    events_bulk_create(events=events)
    report.add("events", len(events))

    topics = list(Topic.objects.order_by("slug"))
    minerals = list(Mineral.objects.order_by("slug"))
    instruments = list(Instrument.objects.order_by("slug"))
    topic_weights = zipf_weights(len(topics), 0.9)
    mineral_weights = zipf_weights(len(minerals), 1.3)

    span_days = (today - datetime.date(2000, 1, 1)).days + 60
    utc = ZoneInfo("UTC")
    classifications = [
        Classification.PUBLIC,
        Classification.INTERNAL,
        Classification.RESTRICTED,
        Classification.CONFIDENTIAL,
    ]
    people_by_id = {person.pk: person for person in people}
    for chunk_start in range(0, meetings, BATCH):
        chunk = range(chunk_start, min(chunk_start + BATCH, meetings))
        rows: list[MeetingInput] = []
        plans: list[dict[str, Any]] = []
        for i in chunk:
            country = rng.choices(countries, country_weights)[0]
            desk = desk_of.get(country.pk) or desks[0]
            day = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(span_days))
            start = datetime.datetime.combine(day, datetime.time(rng.randrange(7, 19)), utc)
            event = rng.choice(events) if rng.random() < 0.3 else None
            main_topic = rng.choices(topics, topic_weights)[0]
            notes = " ".join(rng.choice(SENTENCES) for _ in range(rng.randrange(3, 15)))
            if rng.random() < 0.1:
                notes += "\n\n" + " ".join(rng.sample(KOREAN, 2))
            rows.append(
                MeetingInput(
                    title=f"Meeting with {country.name} on {main_topic.name}",
                    kind=rng.choice(["bilateral"] * 6 + ["multilateral", "call", "video"]),
                    status="planned" if day > today else rng.choice(["held"] * 12 + ["cancelled"]),
                    start=start,
                    time_zone="UTC",
                    date_precision="day" if rng.random() < 0.9 else "month",
                    country=country,
                    event=event,
                    desk=desk,
                    classification=rng.choices(classifications, [20, 50, 25, 5])[0],
                    summary=rng.choice(SENTENCES),
                    notes=notes,
                    outcomes=rng.choice(SENTENCES),
                    external_source=DEMO_SOURCE,
                    external_id=f"demo-{i}",
                )
            )
            plans.append({"country": country, "day": day, "desk": desk})
        _meeting_details(
            rng,
            rows,
            plans,
            posts_by_country,
            holders,
            people_by_id,
            home_people,
            topics,
            topic_weights,
            minerals,
            mineral_weights,
            instruments,
            users_by_desk,
            today,
        )
        meetings_bulk_write(
            user=generator,
            rows=[BulkMeeting(data=row) for row in rows],
            channel=CHANNEL,
            label=LABEL,
            batch_size=BATCH,
        )
        report.add("meetings", len(rows))
        report.add("participants", sum(len(row.participants) for row in rows))
        report.add("agenda items", sum(len(row.agenda_items) for row in rows))
        report.add("commitments", sum(len(row.commitments) for row in rows))


def _owners(
    users_by_desk: dict[int, list[User]],
    desk: Desk,
    classification: int,
    readers: dict[tuple[int, int, int], bool],
) -> list[Any]:
    """The desk's officers who may see a meeting of that classification (only they may
    own its follow-up, as meetings_bulk_write checks)."""
    found = []
    for user in users_by_desk.get(desk.pk, []):
        key = (user.pk, desk.pk, classification)
        if key not in readers:
            readers[key] = policy.can_read(
                user, classification=classification, desk_id=desk.pk, took_part=False
            )
        if readers[key]:
            found.append(user)
    return found


def _meeting_details(
    rng: random.Random,
    rows: list[MeetingInput],
    plans: list[dict[str, Any]],
    posts_by_country: dict[int, list[Post]],
    holders: dict[int, list[tuple[datetime.date, datetime.date | None, int]]],
    people_by_id: dict[int, Person],
    home_people: list[Person],
    topics: list[Topic],
    topic_weights: list[float],
    minerals: list[Mineral],
    mineral_weights: list[float],
    instruments: list[Instrument],
    users_by_desk: dict[int, list[User]],
    today: datetime.date,
) -> None:
    readers: dict[tuple[int, int, int], bool] = {}
    for meeting, plan in zip(rows, plans, strict=True):
        country, day = plan["country"], plan["day"]
        size = rng.randrange(2, 13)
        home_count = max(1, size // 3)
        participants: list[ParticipantInput] = [
            ParticipantInput(side="home", person=person, is_head_of_delegation=order == 1)
            for order, person in enumerate(rng.sample(home_people, home_count), start=1)
        ]
        seen: set[int] = set()
        for order in range(1, size - home_count + 1):
            post = (
                rng.choice(posts_by_country[country.pk]) if country.pk in posts_by_country else None
            )
            holder = None
            if post is not None:
                holder = next(
                    (
                        pid
                        for start, end, pid in holders.get(post.pk, ())
                        if start <= day and (end is None or end > day)
                    ),
                    None,
                )
            if holder is not None and holder not in seen:
                seen.add(holder)
                participants.append(
                    ParticipantInput(
                        side="counterpart",
                        person=people_by_id[holder],
                        post=post,
                        post_label=post.label if post else "",
                        organization=post.organization if post else None,
                        country=country,
                        is_head_of_delegation=order == 1,
                    )
                )
            else:
                participants.append(
                    ParticipantInput(
                        side="counterpart",
                        raw_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                        country=country,
                        post_label=rng.choice(TITLES),
                        is_head_of_delegation=order == 1,
                    )
                )
        meeting.participants = participants
        chosen_topics = {t.pk: t for t in rng.choices(topics, topic_weights, k=rng.randrange(1, 4))}
        meeting.topics = list(chosen_topics.values())
        if rng.random() < 0.4:
            chosen = {
                m.pk: m for m in rng.choices(minerals, mineral_weights, k=rng.randrange(1, 3))
            }
            meeting.minerals = list(chosen.values())
        if instruments and rng.random() < 0.2:
            meeting.instruments = [rng.choice(instruments)]
        meeting.counterpart_countries = [country]
        meeting.agenda_items = [
            AgendaItemInput(title=rng.choice(topics).name)
            for _order in range(1, rng.randrange(1, 4))
        ]
        if rng.random() < 0.5:
            owners = _owners(users_by_desk, plan["desk"], meeting.classification, readers) or [None]
            due = today + datetime.timedelta(days=rng.randrange(-180, 180))
            status = rng.choice(["open", "open", "in_progress", "done", "dropped"])
            meeting.commitments = [
                CommitmentInput(
                    title=rng.choice(COMMITMENTS),
                    desk=plan["desk"],
                    owner=rng.choice(owners),
                    due_date=due,
                    status=status,
                )
            ]
