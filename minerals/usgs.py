"""Reading the USGS Mineral Commodity Summaries data release CSV (the long layout: one
value per row). Pure functions: no database writes here; minerals.services imports.

The layout and its quirks are described in docs/minerals.md: Windows-1252, quoted
numbers with thousands separators, aggregate rows, markers instead of numbers, notes that
say whether a value is an estimate, and units and content bases that differ by commodity.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .models import MineralStatistic

Qualifier = MineralStatistic.Qualifier
Measure = MineralStatistic.Measure
Area = MineralStatistic.Area

REQUIRED_COLUMNS = (
    "Section",
    "Commodity",
    "Country",
    "Statistics",
    "Statistics_detail",
    "Unit",
    "Year",
    "Value",
)
# "Is critical mineral 2025" in the 2026 release; the year will move with the editions.
CRITICAL_COLUMN = re.compile(r"^Is critical mineral (?P<year>\d{4})$")


class UsgsFileError(ValueError):
    """The file as a whole cannot be read (encoding, missing columns)."""


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) when the bytes are UTF-8, else Windows-1252,
    the encoding USGS publishes in. Windows-1252 text is almost never valid UTF-8 (its
    dashes and curly quotes are lone high bytes), so trying UTF-8 first is safe."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise UsgsFileError(
            f"the file is neither UTF-8 nor Windows-1252 (byte {error.start}): {error.reason}"
        ) from error


def read_rows(data: bytes) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows, every cell stripped of surrounding spaces (USGS has a unit
    with a leading space and a commodity with a trailing one)."""
    text = decode(data)
    # newline="" semantics: the csv module itself handles CRLF and newlines inside quotes.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration as error:
        raise UsgsFileError("the file is empty") from error
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise UsgsFileError(f"not an MCS data release CSV: missing column(s) {', '.join(missing)}")

    def rows() -> Iterator[Row]:
        for cells in reader:
            yield Row(
                line=reader.line_num,
                cells={
                    column: (cells[index].strip() if index < len(cells) else "")
                    for index, column in enumerate(header)
                },
            )

    return header, rows()


def critical_column(header: list[str]) -> tuple[str, int] | None:
    for column in header:
        if match := CRITICAL_COLUMN.match(column):
            return column, int(match["year"])
    return None


def is_world_table(section: str) -> bool:
    """World production, refinery, smelter, capacity and reserves tables all start so;
    U.S. salient statistics and import sources do not."""
    return section.casefold().startswith("world")


# --- names -----------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Compare names without accents, curly apostrophes, case or doubled spaces."""
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'").replace("\u2018", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


AGGREGATE_AREAS = {
    "world total": Area.WORLD,
    "world": Area.WORLD,
    "other countries": Area.OTHER,
}


def aggregate_area(place: str) -> str | None:
    """World or other for the aggregate rows ("World total", "World total (rounded)",
    "Other countries"), None for a country."""
    key = re.sub(r"\s*\([^)]*\)\s*$", "", name_key(place))
    return AGGREGATE_AREAS.get(key)


# USGS names that are not ISO 3166 names. Short forms such as "Bolivia" for "Bolivia,
# Plurinational State of" are also matched by rule (CountryIndex); listing the common ones
# too keeps them independent of the wording of the ISO list.
USGS_COUNTRY_ALIASES = {
    "Bahamas, The": "BS",
    "Bolivia": "BO",
    "Bosnia": "BA",
    "Brunei": "BN",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Congo (Brazzaville)": "CG",
    "Congo (Kinshasa)": "CD",
    "Czech Republic": "CZ",
    "East Timor": "TL",
    "Gambia, The": "GM",
    "Hong Kong": "HK",
    "Iran": "IR",
    "Ivory Coast": "CI",
    "Korea, North": "KP",
    "Korea, Republic of": "KR",
    "Korea, South": "KR",
    "Laos": "LA",
    "Macau": "MO",
    "Macedonia": "MK",
    "Micronesia": "FM",
    "Moldova": "MD",
    "Netherlands": "NL",
    "North Korea": "KP",
    "Russia": "RU",
    "South Korea": "KR",
    "Swaziland": "SZ",
    "Syria": "SY",
    "Taiwan": "TW",
    "Tanzania": "TZ",
    "Turkey": "TR",
    "United Kingdom": "GB",
    "United States": "US",
    "Venezuela": "VE",
    "Vietnam": "VN",
}


def _short_name(iso_name: str) -> str:
    """'Bolivia, Plurinational State of' -> 'Bolivia'; 'Falkland Islands (Malvinas)' ->
    'Falkland Islands': the form USGS (and most people) use."""
    return re.sub(r"\s*\([^)]*\)", "", iso_name.split(",")[0]).strip()


class CountryIndex:
    """USGS country names to the project's countries (any model with iso2 and name)."""

    def __init__(self, countries: list[Any]) -> None:
        by_iso2 = {country.iso2: country for country in countries}
        self._index: dict[str, Any] = {}
        short_names = Counter(name_key(_short_name(country.name)) for country in countries)
        for country in countries:
            short = name_key(_short_name(country.name))
            # "Congo" or "Korea" alone would be ambiguous: only unique short names are used.
            if short_names[short] == 1:
                self._index[short] = country
        for country in countries:
            self._index[name_key(country.name)] = country
        for name, iso2 in USGS_COUNTRY_ALIASES.items():
            if iso2 in by_iso2:
                self._index[name_key(name)] = by_iso2[iso2]

    def get(self, name: str) -> Any | None:
        return self._index.get(name_key(name))


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedValue:
    value: Decimal | None
    qualifier: str = Qualifier.EXACT
    upper: Decimal | None = None
    is_withheld: bool = False


_WORDS = {
    "w": ParsedValue(None, Qualifier.WITHHELD, is_withheld=True),
    "na": ParsedValue(None, Qualifier.NOT_AVAILABLE),
    "xx": ParsedValue(None, Qualifier.NOT_APPLICABLE),
    "small": ParsedValue(None, Qualifier.SMALL),
    "very small": ParsedValue(None, Qualifier.SMALL),
    "large": ParsedValue(None, Qualifier.QUALITATIVE),
    "very large": ParsedValue(None, Qualifier.QUALITATIVE),
    "moderate": ParsedValue(None, Qualifier.QUALITATIVE),
    "moderate to large": ParsedValue(None, Qualifier.QUALITATIVE),
    "small to moderate": ParsedValue(None, Qualifier.QUALITATIVE),
    # Graphite reserves of some countries are counted in the world total only.
    "s": ParsedValue(None, Qualifier.INCLUDED_ELSEWHERE),
    # USGS prints zero as a dash (an em dash in this release).
    "\u2014": ParsedValue(Decimal(0)),
    "\u2013": ParsedValue(Decimal(0)),
    "-": ParsedValue(Decimal(0)),
    "--": ParsedValue(Decimal(0)),
}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_PLAIN = re.compile(rf"^(?P<number>{_NUMBER})$")
_BOUND = re.compile(rf"^(?P<sign>[<>]|less than|more than)\s*(?P<number>{_NUMBER})$", re.I)
_RANGE = re.compile(
    rf"^(?P<low>{_NUMBER})\s*(?:-|\u2013|\u2014|to)\s*(?P<high>{_NUMBER})$", re.IGNORECASE
)


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def parse_value(raw: str) -> ParsedValue:
    """A Value cell: a number, a bound (>140,000,000 or <200,000), a range (330 - 390), or one
    of the USGS markers (docs/minerals.md). ValueError for anything else."""
    text = " ".join(raw.split())
    if not text:
        # An empty cell says nothing about the figure: the same as USGS's NA.
        return ParsedValue(None, Qualifier.NOT_AVAILABLE)
    if marker := _WORDS.get(text.casefold()):
        return marker
    if match := _PLAIN.match(text):
        return ParsedValue(_decimal(match["number"]))
    if match := _BOUND.match(text):
        lower = match["sign"] in (">",) or match["sign"].casefold() == "more than"
        return ParsedValue(
            _decimal(match["number"]), Qualifier.LOWER_BOUND if lower else Qualifier.UPPER_BOUND
        )
    if match := _RANGE.match(text):
        low, high = _decimal(match["low"]), _decimal(match["high"])
        if low > high:
            raise ValueError(f"range {raw!r} runs backwards")
        return ParsedValue(low, Qualifier.RANGE, upper=high)
    raise ValueError(f"{raw!r} is not a number, a bound, a range or a known marker")


def note_flags(notes: str) -> tuple[bool, bool]:
    """(is_estimate, is_reported) from the notes, which USGS joins with " -- "."""
    parts = [part.strip().casefold() for part in notes.split(" -- ")]
    return (
        any(part.startswith("estimated") for part in parts),
        any(part.startswith("reported") for part in parts),
    )


# --- statistics -----------------------------------------------------------------------------

_ROUNDED = re.compile(r"\s*[:,]?\s*\(?rounded\)?\s*$", re.IGNORECASE)


def series_of(detail: str) -> tuple[str, bool]:
    """'Mine production: rounded' -> ('Mine production', True): aggregate rows say
    "rounded" where the country rows of the same table do not."""
    series = _ROUNDED.sub("", detail)
    return series, series != detail


def measure_of(statistics: str, detail: str) -> str:
    words = f"{statistics} {detail}".casefold()
    if "reserve" in words:
        return Measure.RESERVES
    if "capacity" in words:
        return Measure.CAPACITY
    if any(word in words for word in ("refinery", "refined", "smelter", "smelting")):
        return Measure.REFINERY_PRODUCTION
    if "mine" in words or "mining" in words:
        return Measure.MINE_PRODUCTION
    if "production" in statistics.casefold() and detail.casefold() in ("", "production"):
        return Measure.MINE_PRODUCTION
    return Measure.OTHER


_UNITS_NOTE = re.compile(
    r"^\(Data in (?P<unit>[^,()]+?)(?:, (?P<basis>.+?))?,? unless otherwise (?:specified|noted)\)",
    re.IGNORECASE,
)
_SECTION_BASIS = re.compile(r"\((?P<basis>[^()]*\b(?:content|equivalent|weight))\)", re.I)


def basis_of(section: str, other_notes: str, unit_basis: str = "") -> str:
    """The content basis. The unit's own wording wins, then the section's: manganese's world
    table is in manganese content while the chapter's general note says gross weight."""
    if unit_basis:
        return unit_basis
    if match := _SECTION_BASIS.search(section):
        return match["basis"]
    if match := _UNITS_NOTE.match(other_notes.strip()):
        return match["basis"] or ""
    return ""


# --- units ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    name: str  # canonical, e.g. "thousand metric tons"
    dimension: str  # mass, carats, volume, percent
    factor: Decimal  # to the dimension's base unit
    basis: str = ""


BASE_UNITS = {
    "mass": "metric tons",
    "carats": "carats",
    "volume": "cubic meters",
    "percent": "percent",
}
_MULTIPLIERS = {
    "": Decimal(1),
    "thousand": Decimal(1000),
    "million": Decimal(1_000_000),
    "billion": Decimal(1_000_000_000),
}
# MCS states that "tons" are metric tons throughout unless said otherwise.
_BASE_UNITS: dict[str, tuple[str, str, Decimal]] = {
    "metric tons": ("metric tons", "mass", Decimal(1)),
    "metric ton": ("metric tons", "mass", Decimal(1)),
    "tons": ("metric tons", "mass", Decimal(1)),
    "tonnes": ("metric tons", "mass", Decimal(1)),
    "kilograms": ("kilograms", "mass", Decimal("0.001")),
    "grams": ("grams", "mass", Decimal("0.000001")),
    "troy ounces": ("troy ounces", "mass", Decimal("0.0000311034768")),
    "pounds": ("pounds", "mass", Decimal("0.00045359237")),
    "short tons": ("short tons", "mass", Decimal("0.90718474")),
    # A flask of mercury holds 76 pounds, 34.473 kilograms.
    "flasks": ("flasks", "mass", Decimal("0.034473")),
    "carats": ("carats", "carats", Decimal(1)),
    "cubic meters": ("cubic meters", "volume", Decimal(1)),
    "liters": ("liters", "volume", Decimal("0.001")),
    "cubic feet": ("cubic feet", "volume", Decimal("0.028316846592")),
    "percent": ("percent", "percent", Decimal(1)),
}
_UNIT = re.compile(
    r"^(?P<multiplier>thousand|million|billion)?\s*(?P<dry>dry\s+)?(?P<base>.+?)"
    r"(?:\s*,\s*(?P<basis>.+)|\s+of\s+(?:contained\s+)?(?P<of>.+))?$"
)


def parse_unit(raw: str) -> Unit:
    text = " ".join(raw.split()).casefold()
    # "dry metric tons" and "metric dry tons" alike: dryness is a basis, not a unit.
    dry = bool(re.search(r"\bdry\b", text))
    text = re.sub(r"\s*\bdry\b\s*", " ", text).strip()
    match = _UNIT.match(text)
    if not match or match["base"] not in _BASE_UNITS:
        raise ValueError(f"unit {raw!r} is not one this importer can convert")
    name, dimension, factor = _BASE_UNITS[match["base"]]
    multiplier = match["multiplier"] or ""
    basis = match["basis"] or (f"{match['of']} content" if match["of"] else "")
    if dry:
        basis = ", ".join(part for part in ("dry weight", basis) if part)
    return Unit(
        name=f"{multiplier} {name}".strip(),
        dimension=dimension,
        factor=factor * _MULTIPLIERS[multiplier],
        basis=basis,
    )


STORED_PLACES = Decimal("0.00000001")


def convert(value: Decimal | None, *, source: Unit, target: Unit) -> Decimal | None:
    if value is None:
        return None
    if source.dimension != target.dimension:
        raise ValueError(f"{source.name} cannot be converted to {target.name}")
    if source.factor == target.factor:
        return value
    return (value * source.factor / target.factor).quantize(STORED_PLACES).normalize()
