"""`manage.py seed`: the seed data, the starting scenario, the USGS statistics, demo users.

The seed is loaded once for the module, inside a transaction rolled back at the end, so the
tests stay fast and leave nothing behind for other modules.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import Classification, Desk, DeskMembership, Role, User
from audit.models import AuditEntry
from engagements.management.commands import seed as seed_command
from engagements.models import (
    Country,
    Event,
    Instrument,
    Meeting,
    Organization,
    Participant,
    Post,
    Tenure,
)
from engagements.seeding import SEEDS_DIR
from engagements.selectors import meetings_visible_to, post_holders_on
from minerals.models import CriticalityList, DataSource, Mineral, MineralStatistic
from minerals.seeding import SeedReport, StatisticsLoad
from minerals.services import usgs_mcs_import

DEMO_PASSWORD = "demo-password-for-tests"
USGS_FILE = SEEDS_DIR / "usgs_mcs2026_extract.csv"


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
        out = io.StringIO()
        call_command("seed", "--demo-users", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seed_output, db):
    return seed_output


def history_of(record) -> list[str]:
    """The actions the audit trail recorded for the record, oldest first."""
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=str(record.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def usgs_rows() -> list[dict[str, str]]:
    with USGS_FILE.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle))


def statistic(mineral: str, place: str, measure: str, year: int) -> MineralStatistic:
    lookup = {"mineral__slug": mineral, "measure": measure, "year": year}
    if place in {"world", "other"}:
        lookup["area"] = place
    else:
        lookup["country__iso2"] = place
    return MineralStatistic.objects.get(**lookup)


def meeting(external_id: str) -> Meeting:
    return Meeting.objects.get(external_source="seed", external_id=external_id)


# --- loading -------------------------------------------------------------------------------


def test_loading_again_changes_no_row_count(seeded, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    before = row_counts()
    out = io.StringIO()

    call_command("seed", "--demo-users", stdout=out)

    assert row_counts() == before
    assert before["engagements.Meeting"] == 2
    counts = [line for line in out.getvalue().splitlines() if " created, " in line]
    assert counts
    assert all(line.split(": ")[1].startswith("0 created, 0 updated") for line in counts)


def test_loading_again_restores_edited_reference_records_through_the_services(seeded):
    Country.objects.filter(iso2="CL").update(name="Chile (edited)")
    Instrument.objects.filter(short_name="KIF").update(amount=1)
    grau = Tenure.objects.get(person__slug="nicolas-grau", post__slug="cl-minister-of-finance")
    Tenure.objects.filter(pk=grau.pk).update(last_verified=None)
    kif_history = len(history_of(Instrument.objects.get(short_name="KIF")))
    out = io.StringIO()

    call_command("seed", stdout=out)

    assert Country.objects.get(iso2="CL").name == "Chile"
    assert Instrument.objects.get(short_name="KIF").amount == Decimal("500000000")
    assert len(history_of(Instrument.objects.get(short_name="KIF"))) == kif_history + 1
    grau.refresh_from_db()
    assert grau.last_verified == datetime.date(2025, 8, 21)
    assert history_of(grau) == ["create", "update"]
    assert "countries: 0 created, 1 updated, 248 unchanged" in out.getvalue()
    assert "tenures: 0 created, 1 updated, 4 unchanged" in out.getvalue()


def test_it_prints_a_summary(seeded):
    assert "countries: 249 created" in seeded
    assert "usgs_mcs2026_extract.csv: 396 rows read, 396 loaded, 0 not mapped" in seeded
    assert "Demo password" not in seeded


def test_it_loads_every_country_with_its_m49_regions_and_marks_home(seeded):
    assert Country.objects.count() == 249
    assert list(Country.objects.filter(is_home=True).values_list("iso2", flat=True)) == ["KR"]
    chile = Country.objects.get(iso2="CL")
    assert (chile.iso3, chile.numeric_code) == ("CHL", "152")
    assert (chile.region, chile.sub_region, chile.intermediate_region) == (
        "Americas",
        "Latin America and the Caribbean",
        "South America",
    )
    assert (chile.region_code, chile.sub_region_code, chile.intermediate_region_code) == (
        "019",
        "419",
        "005",
    )


def test_desks_cover_their_m49_regions_but_not_the_home_country(seeded):
    latam = Desk.objects.get(code="latam")
    assert latam.name == "Latin America and the Caribbean"
    assert {"CL", "BO", "MX", "JM"} <= set(latam.countries.values_list("iso2", flat=True))
    assert latam.countries.count() == 52
    asia = set(Desk.objects.get(code="asia").countries.values_list("iso2", flat=True))
    assert {"JP", "CN", "IN", "TW"} <= asia
    assert "KR" not in asia
    assert not Country.objects.get(iso2="KR").desks.exists()
    assert {"africa", "europe"} <= set(Desk.objects.values_list("code", flat=True))


# --- the scenario --------------------------------------------------------------------------


def test_the_annual_meeting_and_its_board_meeting_are_there(seeded):
    annual = Event.objects.get(slug="idb-annual-meeting-2025")
    assert annual.venue == "Estación Mapocho"
    assert (annual.city, annual.country.iso2) == ("Santiago", "CL")
    assert (annual.start_date, annual.end_date) == (
        datetime.date(2025, 3, 26),
        datetime.date(2025, 3, 30),
    )
    assert annual.organizer.abbreviation == "IDB"
    assert "hacienda.cl" in annual.source and "iadb.org" in annual.source
    board = annual.sub_events.get()
    assert (board.start_date, board.end_date) == (
        datetime.date(2025, 3, 28),
        datetime.date(2025, 3, 30),
    )


def test_the_multilateral_organizations_have_no_country(seeded):
    assert Organization.objects.get(slug="idb").country is None
    assert Organization.objects.get(slug="idb-invest").country is None
    assert Organization.objects.get(slug="cl-hacienda").country.iso2 == "CL"


def test_the_korea_chile_meeting_keeps_the_titles_held_that_day(seeded):
    record = meeting("idb-am-2025-korea-chile")

    assert record.event.slug == "idb-annual-meeting-2025"
    assert (record.kind, record.status) == (Meeting.Kind.BILATERAL, Meeting.Status.HELD)
    assert record.classification == Classification.RESTRICTED
    assert record.desk.code == "latam"
    assert record.time_zone == "America/Santiago"
    assert record.date_precision == Meeting.DatePrecision.MONTH
    assert record.meeting_date == datetime.date(2025, 3, 26)
    assert "no exact day" in record.notes and "26-30 March 2025" in record.notes
    assert "lithium and copper" in record.summary
    participants = [
        (p.person.slug, p.side, p.is_head_of_delegation, p.post_label)
        for p in record.participants.select_related("person").order_by("side")
    ]
    assert participants == [
        ("mario-marcel-cullell", "counterpart", True, "Minister of Finance"),
        ("kim-yoon-sang", "home", True, "Second Vice Minister of Economy and Finance"),
    ]
    marcel = record.participants.get(person__slug="mario-marcel-cullell")
    assert marcel.country.iso2 == "CL"
    assert marcel.post.slug == "cl-minister-of-finance"
    assert set(record.topics.values_list("slug", flat=True)) == {
        "critical-minerals",
        "lithium-supply",
        "copper-supply",
        "renewable-energy",
        "information-technology",
        "supply-chain-diversification",
    }
    assert set(record.minerals.values_list("slug", flat=True)) == {"lithium", "copper"}
    assert list(record.counterpart_countries.values_list("iso2", flat=True)) == ["CL"]
    assert record.agenda_items.count() == 2


def test_the_korea_bolivia_meeting_is_about_the_trust_funds(seeded):
    record = meeting("idb-am-2025-korea-bolivia")

    assert record.classification == Classification.INTERNAL
    assert record.desk.code == "latam"
    assert record.event.slug == "idb-annual-meeting-2025"
    counterpart = record.participants.get(side=Participant.Side.COUNTERPART)
    assert counterpart.person.native_name == ""
    assert counterpart.person.name == "Sergio Armando Cusicanqui Loayza"
    assert counterpart.post_label == "Minister of Development Planning"
    assert counterpart.is_head_of_delegation
    home = record.participants.get(side=Participant.Side.HOME)
    assert home.person.native_name == "김윤상"
    assert set(record.topics.values_list("slug", flat=True)) == {
        "development-finance",
        "trust-funds",
    }
    assert set(record.instruments.values_list("short_name", flat=True)) == {"KPC", "KPR"}


def test_chiles_minister_of_finance_today_is_grau(seeded):
    chile = Country.objects.get(iso2="CL")
    today = datetime.date.today()

    holders = {
        tenure.post.slug: tenure.person.slug
        for tenure in post_holders_on(day=today, country_id=chile.pk)
    }

    assert holders["cl-minister-of-finance"] == "nicolas-grau"
    post = Post.objects.get(slug="cl-minister-of-finance")
    assert post.holder_on(today).person.slug == "nicolas-grau"
    assert post.holder_on(datetime.date(2025, 8, 20)).person.slug == "mario-marcel-cullell"
    # End dates are exclusive: the successor holds the post from the handover day.
    assert post.holder_on(datetime.date(2025, 8, 21)).person.slug == "nicolas-grau"
    economy = Post.objects.get(slug="cl-minister-of-economy")
    assert economy.holder_on(datetime.date(2025, 3, 26)).person.slug == "nicolas-grau"
    assert economy.holder_on(today) is None


def test_tenures_are_sourced_and_dated_as_domain_gives_them(seeded):
    def tenure(person: str, post: str) -> Tenure:
        return Tenure.objects.get(person__slug=person, post__slug=post)

    kim = tenure("kim-yoon-sang", "kr-moef-second-vice-minister")
    assert (kim.start_date, kim.end_date) == (
        datetime.date(2023, 12, 27),
        datetime.date(2025, 6, 10),
    )
    assert "KBS World" in kim.source and "Asia Economy" in kim.source
    marcel = tenure("mario-marcel-cullell", "cl-minister-of-finance")
    assert (marcel.start_date, marcel.end_date) == (
        datetime.date(2022, 3, 11),
        datetime.date(2025, 8, 21),
    )
    cusicanqui = tenure("sergio-cusicanqui-loayza", "bo-minister-of-development-planning")
    assert (cusicanqui.start_date, cusicanqui.end_date) == (datetime.date(2022, 6, 9), None)
    assert cusicanqui.last_verified == datetime.date(2025, 4, 17)
    assert "El Deber" in cusicanqui.source and "La Patria" in cusicanqui.source
    assert Tenure.objects.count() == 5
    assert not Tenure.objects.filter(source="").exists()
    assert not Tenure.objects.filter(last_verified__isnull=True).exists()


def test_the_instruments_are_there_with_their_sources(seeded):
    kpc = Instrument.objects.get(short_name="KPC")
    assert kpc.kind == Instrument.Kind.TRUST_FUND
    assert kpc.administering_organization.slug == "idb"
    assert "2012" in kpc.description
    assert [(p.country.iso2, p.role) for p in kpc.parties.all()] == [("KR", "contributor")]
    kif = Instrument.objects.get(short_name="KIF")
    assert kif.kind == Instrument.Kind.FACILITY
    assert (kif.amount, kif.currency) == (Decimal("500000000"), "USD")
    assert "2021" in kif.source
    declaration = Instrument.objects.get(slug="ready-and-resilient-americas-declaration")
    assert declaration.kind == Instrument.Kind.DECLARATION
    assert declaration.other_names == ["Preparados y Resilientes en las Américas"]
    assert "37" in declaration.description
    programme = Instrument.objects.get(slug="ready-and-resilient-americas-programme")
    assert programme.kind == Instrument.Kind.PROGRAMME
    assert (programme.amount, programme.currency) == (Decimal("10000000"), "USD")
    assert "non-reimbursable" in programme.description
    assert list(declaration.related.all()) == [programme]
    assert list(programme.related.all()) == [declaration]


# --- USGS statistics -----------------------------------------------------------------------


def test_aggregate_rows_are_stored_as_world_or_other_never_as_a_country(seeded):
    rows = usgs_rows()
    world = MineralStatistic.objects.filter(area=MineralStatistic.Area.WORLD)
    other = MineralStatistic.objects.filter(area=MineralStatistic.Area.OTHER)

    assert world.count() == sum(row["Country"] == "World total" for row in rows)
    assert other.count() == sum(row["Country"] == "Other countries" for row in rows)
    assert not world.filter(country__isnull=False).exists()
    assert not other.filter(country__isnull=False).exists()
    assert not Country.objects.filter(name__in=["World total", "Other countries"]).exists()
    lithium = statistic("lithium", "world", MineralStatistic.Measure.RESERVES, 2025)
    assert lithium.value == 37_000_000
    assert lithium.detail == "Reserves: rounded"


def test_chiles_lithium_reserves_are_loaded(seeded):
    reserves = statistic("lithium", "CL", MineralStatistic.Measure.RESERVES, 2025)

    assert reserves.value == Decimal("9200000")
    assert reserves.raw_value == "9,200,000"
    assert (reserves.unit, reserves.basis) == ("metric tons", "lithium content")
    assert reserves.qualifier == MineralStatistic.Qualifier.EXACT
    assert reserves.source.doi == "10.5066/P1WKQ63T"


def test_estimates_are_told_from_reported_values(seeded):
    assert statistic("lithium", "CL", "mine_production", 2025).is_estimate
    reported = statistic("lithium", "CL", "mine_production", 2024)
    assert not reported.is_estimate
    assert reported.value == 48_900


def test_a_withheld_value_has_no_value(seeded):
    withheld = statistic("lithium", "US", MineralStatistic.Measure.MINE_PRODUCTION, 2024)

    assert withheld.is_withheld
    assert withheld.value is None
    assert withheld.qualifier == MineralStatistic.Qualifier.WITHHELD
    assert MineralStatistic.objects.filter(is_withheld=True).count() == sum(
        row["Value"] == "W" for row in usgs_rows()
    )


def test_usgs_markers_are_read(seeded):
    nickel = statistic("nickel", "world", MineralStatistic.Measure.RESERVES, 2025)
    assert (nickel.value, nickel.qualifier) == (140_000_000, MineralStatistic.Qualifier.LOWER_BOUND)
    zero = statistic("manganese", "US", MineralStatistic.Measure.MINE_PRODUCTION, 2025)
    assert (zero.value, zero.raw_value) == (0, "\u2014")
    small = statistic("manganese", "other", MineralStatistic.Measure.RESERVES, 2025)
    assert (small.value, small.qualifier) == (None, MineralStatistic.Qualifier.SMALL)
    included = statistic("graphite", "US", MineralStatistic.Measure.RESERVES, 2025)
    assert included.qualifier == MineralStatistic.Qualifier.INCLUDED_ELSEWHERE
    not_available = statistic("zinc", "BO", MineralStatistic.Measure.RESERVES, 2025)
    assert (not_available.value, not_available.qualifier) == (None, "NA")


def test_units_and_content_bases_follow_the_commodity(seeded):
    copper = statistic("copper", "CL", MineralStatistic.Measure.MINE_PRODUCTION, 2024)
    # Stored in the mineral's one unit; the published figure and unit are kept.
    assert (copper.value, copper.unit) == (5_510_000, "metric tons")
    assert (copper.original_value, copper.original_unit) == (5_510, "thousand metric tons")
    assert copper.basis == "copper content"
    assert MineralStatistic.objects.filter(
        mineral__slug="copper", measure=MineralStatistic.Measure.REFINERY_PRODUCTION
    ).exists()
    manganese = statistic("manganese", "ZA", MineralStatistic.Measure.MINE_PRODUCTION, 2025)
    assert manganese.basis == "manganese content"
    pgm = statistic("platinum-group-metals", "world", MineralStatistic.Measure.RESERVES, 2025)
    assert pgm.unit == "kilograms"


def test_usgs_country_names_are_matched_to_iso_countries(seeded):
    assert MineralStatistic.objects.filter(mineral__slug="cobalt", country__iso2="CD").exists()
    assert MineralStatistic.objects.filter(country__iso2="KR").exists()
    assert MineralStatistic.objects.filter(country__iso2="KP").exists()
    assert MineralStatistic.objects.filter(mineral__slug="rare-earths", country__iso2="MM").exists()
    assert MineralStatistic.objects.filter(country__iso2="CI").exists()
    assert MineralStatistic.objects.filter(country__iso2="US").exists()


def test_every_usgs_row_is_loaded_or_reported(seeded):
    source = DataSource.objects.get(slug="usgs-mcs-2026")

    result = usgs_mcs_import(path=USGS_FILE, source=source)

    assert result.rows_read == len(usgs_rows()) == 396
    assert (result.unchanged, result.skipped, result.failed) == (396, 0, 0)
    assert MineralStatistic.objects.filter(source=source).count() == 396


def test_rows_it_cannot_read_are_reported_with_their_line_and_column(seeded, tmp_path):
    header = (
        "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,"
        "Value,Notes,Is critical mineral 2025,Other notes"
    )
    lines = [
        header,
        "LITHIUM,World Mine Production and Reserves,Lithium,Kosovo,Production,"
        'Mine production,metric tons,2025,"1,000",Estimated.,Yes,',
        "LITHIUM,World Mine Production and Reserves,Lithium,Chile,Reserves,Reserves,"
        "metric tons,2025,Large,,Yes,",
        "LITHIUM,World Mine Production and Reserves,Lithium,Chile,Production,"
        "Mine production,metric tons,2025,330 - 390,,Yes,",
        "GOLD,World Mine Production and Reserves,Gold,Peru,Production,Mine production,"
        "metric tons,2025,100,,No,",
        "LITHIUM,Salient Statistics\u2014United States,Lithium,United States,Imports,"
        "Imports for consumption,metric tons,2025,3000,,Yes,",
        "LITHIUM,World Mine Production and Reserves,Lithium,Korea,Production,"
        "Mine production,metric tons,2025,5,,Yes,",
        "LITHIUM,World Mine Production and Reserves,Lithium,Bolivia,Reserves,Reserves,"
        'metric tons,2025,"<1,000",,Yes,"(Data in metric tons, lithium content, unless '
        'otherwise specified)"',
    ]
    path = tmp_path / "odd.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    source = DataSource.objects.create(name="Test release", slug="test-release")

    result = usgs_mcs_import(path=path, source=source)

    assert (result.rows_read, result.created, result.skipped, result.failed) == (7, 4, 1, 2)
    assert [(error.line, error.column, error.value) for error in result.errors] == [
        (2, "Country", "Kosovo"),
        (7, "Country", "Korea"),
    ]
    assert result.minerals_created == ["Gold"]
    assert Mineral.objects.get(name="Gold").statistics.get().country.iso2 == "PE"
    chile = MineralStatistic.objects.filter(source=source, country__iso2="CL")
    assert set(chile.values_list("qualifier", flat=True)) == {"qualitative", "range"}
    bolivia = MineralStatistic.objects.get(source=source, country__iso2="BO")
    assert (bolivia.value, bolivia.qualifier) == (1000, MineralStatistic.Qualifier.UPPER_BOUND)


def test_minerals_have_their_topics_units_and_hs_codes(seeded):
    lithium = Mineral.objects.get(slug="lithium")

    assert list(lithium.topics.values_list("slug", flat=True)) == ["lithium-supply"]
    assert (lithium.unit, lithium.category) == ("metric tons", "battery")
    assert "2836.91" in lithium.hs_codes
    assert Mineral.objects.get(slug="platinum-group-metals").unit == "kilograms"


def test_the_home_countrys_criticality_list_is_seeded_with_its_source(seeded):
    korea = CriticalityList.objects.get(country__iso2="KR")

    assert (korea.year, korea.published_on) == (2023, datetime.date(2023, 2, 27))
    assert "Ministry of Trade, Industry and Energy" in korea.issuer
    assert korea.source_url.startswith("https://english.motie.go.kr/")
    assert "Unverified" in korea.verification
    tiers = dict(korea.memberships.values_list("mineral__slug", "tier"))
    assert tiers["lithium"] == tiers["rare-earths"] == "strategic"
    assert tiers["copper"] == "critical"
    assert len(tiers) == 9
    us = CriticalityList.objects.get(slug="us-critical-minerals-2025")
    assert us.members.count() == 9


# --- demo users ----------------------------------------------------------------------------


def test_demo_users_have_their_groups_desks_and_clearances(seeded):
    expected = {
        "admin": (Role.ADMINISTRATOR, None, Classification.CONFIDENTIAL),
        "officer.latam": (Role.DESK_OFFICER, "latam", Classification.RESTRICTED),
        "officer.asia": (Role.DESK_OFFICER, "asia", Classification.RESTRICTED),
        "analyst": (Role.ANALYST, None, Classification.INTERNAL),
    }
    for username, (role, desk, clearance) in expected.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert list(user.desk_memberships.values_list("desk__code", flat=True)) == (
            [desk] if desk else []
        )
        assert user.clearance == clearance
    assert User.objects.get(username="admin").is_superuser
    membership = DeskMembership.objects.get(user__username="officer.latam")
    assert membership.role == DeskMembership.DeskRole.OFFICER


def test_demo_users_see_the_scenario_as_the_policy_says(seeded):
    restricted = meeting("idb-am-2025-korea-chile")
    internal = meeting("idb-am-2025-korea-bolivia")

    def visible(username: str) -> set[int]:
        user = User.objects.get(username=username)
        return set(meetings_visible_to(user).values_list("pk", flat=True))

    assert visible("officer.latam") == {restricted.pk, internal.pk}
    assert visible("admin") == {restricted.pk, internal.pk}
    assert visible("officer.asia") == {internal.pk}
    assert visible("analyst") == {internal.pk}


def test_seed_with_demo_password_lets_the_officer_log_in(seeded, client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")

    call_command("seed", "--demo-users", stdout=io.StringIO())

    assert client.login(username="officer.latam", password="another-demo-password")
    assert not client.login(username="officer.latam", password=DEMO_PASSWORD)


def test_without_demo_password_it_prints_a_generated_one_once(seeded, client, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    User.objects.filter(username__in=["admin", "analyst"]).delete()
    out = io.StringIO()

    call_command("seed", "--demo-users", stdout=out)

    printed = re.findall(r"Demo password \(shown only now\): (\S+)", out.getvalue())
    assert len(printed) == 1
    assert len(printed[0]) >= 20
    assert client.login(username="analyst", password=printed[0])

    # Run again: the accounts exist, so their password stays and nothing is printed.
    again = io.StringIO()
    call_command("seed", "--demo-users", stdout=again)
    assert "Demo password" not in again.getvalue()
    assert "kept their password" in again.getvalue()
    assert client.login(username="analyst", password=printed[0])


def test_it_refuses_demo_users_in_production(seeded, settings, monkeypatch):
    settings.DEMO_USERS_ALLOWED = False
    monkeypatch.setenv("DEMO_PASSWORD", "production-password")

    with pytest.raises(CommandError, match="DEMO_USERS_ALLOWED"):
        call_command("seed", "--demo-users", stdout=io.StringIO())

    assert User.objects.get(username="officer.latam").check_password(DEMO_PASSWORD)


def test_without_demo_users_it_still_syncs_the_roles(seeded, settings):
    settings.DEMO_USERS_ALLOWED = False
    out = io.StringIO()

    call_command("seed", stdout=out)

    assert "Role groups: Desk officer, Desk lead, Analyst, Administrator" in out.getvalue()
    assert "Demo users" not in out.getvalue()


def test_it_prints_the_rows_it_could_not_map(seeded, monkeypatch):
    report = SeedReport()
    unmapped = [f"release.csv line {line}: no mineral" for line in range(2, 62)]
    report.statistics.append(
        StatisticsLoad(file="release.csv", rows_read=61, rows_loaded=1, unmapped=unmapped)
    )
    monkeypatch.setattr(seed_command, "seed_load", lambda **kwargs: report)
    out = io.StringIO()

    call_command("seed", stdout=out)

    printed = out.getvalue()
    assert "release.csv: 61 rows read, 1 loaded, 60 not mapped" in printed
    assert "not mapped: release.csv line 2: no mineral" in printed
    assert "... and 10 more" in printed
    out = io.StringIO()

    call_command("seed", stdout=out, verbosity=2)

    assert "not mapped: release.csv line 61: no mineral" in out.getvalue()
