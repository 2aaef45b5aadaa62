"""The USGS Mineral Commodity Summaries importer (minerals.services.usgs_mcs_import), its
command and its task, on the real extract and on fixtures with what the extract lacks."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from engagements.models import Country
from minerals import usgs
from minerals.models import CriticalityList, DataSource, Mineral, MineralStatistic
from minerals.services import usgs_mcs_import
from minerals.tasks import usgs_mcs_import_task

from .conftest import ERRORS, EXTRACT, QUIRKS

Measure = MineralStatistic.Measure
Qualifier = MineralStatistic.Qualifier


def extract_rows() -> list[dict[str, str]]:
    with EXTRACT.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle))


def statistic(mineral: str, place: str, measure: str, year: int, **lookup) -> MineralStatistic:
    lookup.update({"mineral__slug": mineral, "measure": measure, "year": year})
    if place in {"world", "other"}:
        lookup["area"] = place
    else:
        lookup["country__iso2"] = place
    return MineralStatistic.objects.get(**lookup)


# --- the extract ------------------------------------------------------------------------------


def test_it_imports_every_row_of_the_extract(extract):
    assert extract.rows_read == len(extract_rows()) == 396
    assert (extract.created, extract.updated, extract.unchanged) == (396, 0, 0)
    assert (extract.skipped, extract.failed, extract.errors) == (0, 0, [])
    assert MineralStatistic.objects.count() == 396
    assert Mineral.objects.count() == 9


def test_chiles_lithium_reserves_are_9_2_million_tons(extract):
    reserves = statistic("lithium", "CL", Measure.RESERVES, 2025)

    assert reserves.value == Decimal("9200000")
    assert (reserves.unit, reserves.basis) == ("metric tons", "lithium content")
    assert (reserves.original_value, reserves.original_unit) == (Decimal("9200000"), "metric tons")
    assert reserves.raw_value == "9,200,000"
    assert reserves.qualifier == Qualifier.EXACT
    assert reserves.source.doi == "10.5066/P1WKQ63T"


def test_copper_is_stored_in_metric_tons_keeping_the_published_thousands(extract):
    chile = statistic("copper", "CL", Measure.MINE_PRODUCTION, 2024)

    assert (chile.original_value, chile.original_unit) == (Decimal(5510), "thousand metric tons")
    assert (chile.value, chile.unit) == (Decimal(5_510_000), "metric tons")
    assert chile.basis == "copper content"
    assert not chile.is_estimate
    assert Mineral.objects.get(slug="copper").unit == "metric tons"
    units = set(
        MineralStatistic.objects.filter(mineral__slug="copper").values_list("unit", flat=True)
    )
    assert units == {"metric tons"}


def test_estimate_and_reported_flags_come_from_the_notes(extract):
    estimated = statistic("lithium", "CL", Measure.MINE_PRODUCTION, 2025)
    reported = statistic("lithium", "CL", Measure.MINE_PRODUCTION, 2024)

    assert (estimated.is_estimate, estimated.is_reported) == (True, False)
    assert (reported.is_estimate, reported.is_reported, reported.value) == (False, True, 48_900)
    world = statistic("lithium", "world", Measure.MINE_PRODUCTION, 2025)
    assert world.is_estimate and world.notes == "Estimated. -- Excludes U.S. production."


def test_withheld_values_have_no_number(extract):
    withheld = statistic("lithium", "US", Measure.MINE_PRODUCTION, 2024)

    assert withheld.is_withheld
    assert (withheld.value, withheld.qualifier, withheld.raw_value) == (None, "W", "W")
    assert MineralStatistic.objects.filter(is_withheld=True).count() == sum(
        row["Value"] == "W" for row in extract_rows()
    )


def test_markers_of_the_extract(extract):
    nickel = statistic("nickel", "world", Measure.RESERVES, 2025)
    assert (nickel.value, nickel.qualifier) == (140_000_000, Qualifier.LOWER_BOUND)
    assert nickel.display_value == ">140,000,000"
    zero = statistic("manganese", "US", Measure.MINE_PRODUCTION, 2025)
    assert (zero.value, zero.raw_value) == (0, "\u2014")
    small = statistic("manganese", "other", Measure.RESERVES, 2025)
    assert (small.value, small.qualifier) == (None, Qualifier.SMALL)
    included = statistic("graphite", "US", Measure.RESERVES, 2025)
    assert (included.value, included.qualifier) == (None, Qualifier.INCLUDED_ELSEWHERE)
    not_available = statistic("zinc", "BO", Measure.RESERVES, 2025)
    assert (not_available.value, not_available.qualifier) == (None, Qualifier.NOT_AVAILABLE)


def test_aggregate_rows_are_world_or_other_never_a_country(extract):
    rows = extract_rows()

    world = MineralStatistic.objects.filter(area=MineralStatistic.Area.WORLD)
    other = MineralStatistic.objects.filter(area=MineralStatistic.Area.OTHER)
    assert world.count() == sum(row["Country"] == "World total" for row in rows)
    assert other.count() == sum(row["Country"] == "Other countries" for row in rows)
    assert not world.filter(country__isnull=False).exists()
    assert not other.filter(country__isnull=False).exists()
    assert not Country.objects.filter(name__in=["World total", "Other countries"]).exists()
    lithium = statistic("lithium", "world", Measure.RESERVES, 2025)
    assert (lithium.value, lithium.detail) == (37_000_000, "Reserves: rounded")
    assert (lithium.series, lithium.is_rounded) == ("Reserves", True)


def test_units_and_bases_follow_the_commodity(extract):
    manganese = statistic("manganese", "ZA", Measure.MINE_PRODUCTION, 2025)
    assert manganese.basis == "manganese content"  # the section's, not the chapter's note
    pgm = statistic("platinum-group-metals", "world", Measure.RESERVES, 2025)
    assert (pgm.unit, pgm.original_unit) == ("kilograms", "kilograms")
    assert MineralStatistic.objects.filter(
        mineral__slug="copper", measure=Measure.REFINERY_PRODUCTION
    ).exists()


def test_usgs_country_names_are_matched_to_iso_codes(extract):
    def has(mineral: str, iso2: str) -> bool:
        return MineralStatistic.objects.filter(mineral__slug=mineral, country__iso2=iso2).exists()

    assert has("cobalt", "CD")  # Congo (Kinshasa)
    assert has("copper", "KR")  # Korea, Republic of
    assert has("rare-earths", "MM")  # Burma
    assert has("cobalt", "TR")  # Turkey
    assert MineralStatistic.objects.filter(country__iso2="KP").exists()  # Korea, North
    assert MineralStatistic.objects.filter(country__iso2="CI").exists()  # curly apostrophe
    assert MineralStatistic.objects.filter(country__iso2="VN").exists()


def test_importing_the_same_file_again_changes_nothing(extract, source):
    before = {
        statistic.pk: (statistic.value, statistic.qualifier, statistic.notes, statistic.unit)
        for statistic in MineralStatistic.objects.all()
    }

    again = usgs_mcs_import(path=EXTRACT, source=source)

    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 396, 0)
    after = {
        statistic.pk: (statistic.value, statistic.qualifier, statistic.notes, statistic.unit)
        for statistic in MineralStatistic.objects.all()
    }
    assert after == before
    assert Mineral.objects.count() == 9


def test_a_changed_figure_is_updated_in_place(extract, source):
    chile = statistic("lithium", "CL", Measure.RESERVES, 2025)
    MineralStatistic.objects.filter(pk=chile.pk).update(value=1, raw_value="1")

    again = usgs_mcs_import(path=EXTRACT, source=source)

    assert (again.created, again.updated, again.unchanged) == (0, 1, 395)
    chile.refresh_from_db()
    assert chile.value == 9_200_000


def test_the_release_column_gives_the_us_2025_list(extract):
    us_list = CriticalityList.objects.get(slug="us-critical-minerals-2025")

    assert us_list.year == 2025
    assert us_list.country.iso2 == "US"
    assert set(us_list.members.values_list("slug", flat=True)) == set(
        Mineral.objects.values_list("slug", flat=True)
    )


def test_a_dry_run_writes_nothing(countries, source):
    report = usgs_mcs_import(path=EXTRACT, source=source, dry_run=True)

    assert report.dry_run
    assert (report.created, report.failed) == (396, 0)
    assert len(report.minerals_created) == 9
    assert not MineralStatistic.objects.exists()
    assert not Mineral.objects.exists()


# --- what the extract lacks -------------------------------------------------------------------


@pytest.fixture
def quirks(extract, source):
    return usgs_mcs_import(path=QUIRKS, source=source)


def test_other_sections_are_skipped_and_counted(quirks):
    assert quirks.rows_read == 17
    assert quirks.failed == 0, quirks.errors
    assert quirks.skipped == 3
    assert quirks.skipped_sections == {
        "Salient Statistics\u2014United States": 2,
        "Import Sources": 1,
    }
    assert quirks.created == 14
    assert not MineralStatistic.objects.filter(measure=Measure.OTHER).exists()


def test_new_commodities_become_minerals_with_their_own_unit(quirks):
    assert sorted(quirks.minerals_created) == ["Diamond (Industrial)", "Helium", "Rhenium"]
    botswana = statistic("diamond-industrial", "BW", Measure.MINE_PRODUCTION, 2025)
    assert (botswana.value, botswana.unit) == (Decimal(6_900_000_000), "carats")
    assert (botswana.original_value, botswana.original_unit) == (Decimal(6900), "million carats")
    qatar = statistic("helium", "QA", Measure.MINE_PRODUCTION, 2025)
    assert (qatar.value, qatar.unit) == (Decimal(66_000_000), "cubic meters")
    assert qatar.original_unit == "million cubic meters"  # the leading space is gone
    assert Mineral.objects.get(slug="rhenium").unit == "metric tons"
    kazakhstan = statistic("rhenium", "KZ", Measure.MINE_PRODUCTION, 2025)
    assert (kazakhstan.value, kazakhstan.original_value) == (Decimal(1), Decimal(1000))
    assert kazakhstan.is_reported


def test_qualitative_words_are_kept_without_a_number(quirks):
    expected = {
        "BW": "Large",
        "CD": "Moderate to large",
        "RU": "Moderate",
        "ZA": "Very small",
    }
    for iso2, word in expected.items():
        reserves = statistic("diamond-industrial", iso2, Measure.RESERVES, 2025)
        assert (reserves.value, reserves.raw_value) == (None, word)
        assert reserves.display_value == word
    assert statistic("diamond-industrial", "ZA", Measure.RESERVES, 2025).qualifier == "small"
    assert statistic("diamond-industrial", "BW", Measure.RESERVES, 2025).qualifier == (
        Qualifier.QUALITATIVE
    )


def test_upper_bounds_ranges_and_xx(quirks):
    algeria = statistic("helium", "DZ", Measure.RESERVES, 2025)
    assert (algeria.qualifier, algeria.original_value) == (Qualifier.UPPER_BOUND, 200_000)
    assert algeria.value == Decimal(200_000_000_000)
    chile = statistic("rhenium", "CL", Measure.MINE_PRODUCTION, 2025)
    assert chile.qualifier == Qualifier.RANGE
    assert (chile.value, chile.value_upper) == (Decimal("0.33"), Decimal("0.39"))
    assert chile.raw_value == "330 - 390"
    poland = statistic("helium", "PL", Measure.RESERVES, 2025)
    assert (poland.value, poland.qualifier) == (None, Qualifier.NOT_APPLICABLE)


def test_a_commodity_with_a_trailing_space_is_the_same_mineral(quirks):
    chile = statistic("lithium", "CL", Measure.MINE_PRODUCTION, 2023)
    assert chile.value == 44_000
    assert Mineral.objects.filter(name__startswith="Lithium").count() == 1


def test_reimporting_the_quirks_changes_nothing(quirks, source):
    again = usgs_mcs_import(path=QUIRKS, source=source)

    assert (again.created, again.updated, again.unchanged, again.skipped) == (0, 0, 14, 3)
    assert again.minerals_created == []


# --- errors -----------------------------------------------------------------------------------


def test_each_failed_row_is_reported_with_line_column_and_reason(countries, minerals, source):
    report = usgs_mcs_import(path=ERRORS, source=source)

    assert (report.rows_read, report.created, report.failed) == (6, 1, 5)
    found = {(error.line, error.column): error for error in report.errors}
    assert set(found) == {(2, "Country"), (3, "Year"), (4, "Value"), (5, "Unit"), (6, "Unit")}
    assert found[(2, "Country")].value == "Kosovo"
    assert "matches no ISO 3166 country" in found[(2, "Country")].reason
    assert found[(4, "Value")].value == "about 5"
    assert "cannot be converted" in found[(6, "Unit")].reason
    # The valid row is imported all the same.
    assert statistic("lithium", "AR", Measure.MINE_PRODUCTION, 2025).value == 23_000


def test_the_command_reports_as_json_and_fails_when_a_row_failed(countries, minerals, source):
    out = io.StringIO()

    with pytest.raises(CommandError, match="5 row"):
        call_command("import_usgs_mcs", str(ERRORS), "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert (report["created"], report["failed"], report["skipped"]) == (1, 5, 0)
    assert {"line": 2, "column": "Country", "value": "Kosovo"}.items() <= report["errors"][
        0
    ].items()


def test_the_command_imports_and_prints_counts(countries, minerals):
    out = io.StringIO()

    call_command(
        "import_usgs_mcs",
        str(EXTRACT),
        "--doi",
        "10.5066/P1WKQ63T",
        "--edition",
        "2026, initial release",
        "--retrieved-on",
        "2026-02-10",
        stdout=out,
    )

    assert "396 rows read, 396 created, 0 updated, 0 unchanged, 0 skipped, 0 failed" in (
        out.getvalue()
    )
    source = DataSource.objects.get(slug="usgs-mcs-2026")
    assert (source.doi, source.edition) == ("10.5066/P1WKQ63T", "2026, initial release")
    assert source.retrieved_on.isoformat() == "2026-02-10"


def test_the_command_dry_run_writes_nothing(countries):
    out = io.StringIO()

    call_command("import_usgs_mcs", str(QUIRKS), "--dry-run", "--source", "new", stdout=out)

    assert out.getvalue().startswith("Dry run, nothing written:")
    assert not DataSource.objects.exists()
    assert "skipped: 2 row(s) of section 'Salient Statistics\u2014United States'" in out.getvalue()
    assert not MineralStatistic.objects.exists()


def test_a_file_that_is_not_a_release_is_refused(countries, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,value\nChile,1\n")

    with pytest.raises(CommandError, match="missing column"):
        call_command("import_usgs_mcs", str(path), stdout=io.StringIO())


def test_the_task_imports_the_stored_file_of_a_data_source(
    countries, minerals, source, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    source.file = SimpleUploadedFile("mcs2026.csv", EXTRACT.read_bytes())
    source.save()

    report = usgs_mcs_import_task.delay(source_id=source.pk).get()

    assert (report["created"], report["failed"]) == (396, 0)
    again = usgs_mcs_import_task.delay(source_id=source.pk, path=str(EXTRACT)).get()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 396)


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "qualifier", "upper"),
    [
        ('"9,200,000"'.strip('"'), Decimal(9_200_000), "", None),
        ("770", Decimal(770), "", None),
        ("0.5", Decimal("0.5"), "", None),
        (">140,000,000", Decimal(140_000_000), ">", None),
        ("<200,000", Decimal(200_000), "<", None),
        ("330 - 390", Decimal(330), "range", Decimal(390)),
        ("1,000\u20132,000", Decimal(1000), "range", Decimal(2000)),
        ("\u2014", Decimal(0), "", None),
        ("W", None, "W", None),
        ("NA", None, "NA", None),
        ("XX", None, "XX", None),
        ("s", None, "included", None),
        ("Small", None, "small", None),
        ("Very small", None, "small", None),
        ("Large", None, "qualitative", None),
        ("Moderate to large", None, "qualitative", None),
    ],
)
def test_parse_value(raw, value, qualifier, upper):
    parsed = usgs.parse_value(raw)

    assert (parsed.value, parsed.qualifier, parsed.upper) == (value, qualifier, upper)


@pytest.mark.parametrize("raw", ["about 5", "1,00", "5e", "390 - 330"])
def test_parse_value_refuses_what_it_cannot_read(raw):
    with pytest.raises(ValueError):
        usgs.parse_value(raw)


@pytest.mark.parametrize(
    ("raw", "name", "dimension", "factor", "basis"),
    [
        ("metric tons", "metric tons", "mass", Decimal(1), ""),
        (" thousand metric tons", "thousand metric tons", "mass", Decimal(1000), ""),
        ("kilograms", "kilograms", "mass", Decimal("0.001"), ""),
        ("thousand dry metric tons", "thousand metric tons", "mass", Decimal(1000), "dry weight"),
        ("metric tons, gross weight", "metric tons", "mass", Decimal(1), "gross weight"),
        ("million carats", "million carats", "carats", Decimal(1_000_000), ""),
        ("million cubic meters", "million cubic meters", "volume", Decimal(1_000_000), ""),
        ("liters", "liters", "volume", Decimal("0.001"), ""),
    ],
)
def test_parse_unit(raw, name, dimension, factor, basis):
    unit = usgs.parse_unit(raw)

    assert (unit.name, unit.dimension, unit.factor, unit.basis) == (name, dimension, factor, basis)


def test_windows_1252_and_utf8_both_decode():
    text = "Côte d\u2019Ivoire \u2014"
    assert usgs.decode(text.encode("cp1252")) == text
    assert usgs.decode(("\ufeff" + text).encode("utf-8")) == text


def test_the_admin_action_queues_the_import_after_commit(
    admin_user,
    client,
    countries,
    minerals,
    source,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    source.file = SimpleUploadedFile("mcs2026.csv", EXTRACT.read_bytes())
    source.save()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/admin/minerals/datasource/",
            {"action": "import_stored_file", "_selected_action": [source.pk]},
        )

    assert response.status_code == 302
    assert len(callbacks) == 1
    assert MineralStatistic.objects.filter(source=source).count() == 396
