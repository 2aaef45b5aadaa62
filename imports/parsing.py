"""Reading the cells of a transparency return: headers, dates, names (no database here)."""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

FIELDS = ("home", "date", "counterpart", "purpose", "classification")
REQUIRED_FIELDS = ("home", "date", "counterpart")

# Compared after normalise_header: lower case, single spaces, no punctuation around.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "home": (
        "minister",
        "special adviser",
        "special advisor",
        "minister / special adviser",
        "minister/special adviser",
        "name of minister",
        "name of special adviser",
        "official",
        "home",
    ),
    "date": (
        "date",
        "date of meeting",
        "date(s) of trip",
        "dates of trip",
        "date of trip",
        "meeting date",
        "month",
    ),
    "counterpart": (
        "name of organisation or individual",
        "name of individual or organisation",
        "name of organization or individual",
        "name of individual or organization",
        "person or organisation that meeting was with",
        "person or organization that meeting was with",
        "organisation",
        "organization",
        "organisations",
        "counterpart",
        "met with",
    ),
    "purpose": (
        "purpose of meeting",
        "purpose",
        "issues discussed",
        "purpose of trip",
        "subject",
        "topic",
    ),
    # Optional: a row's own classification (default: the job's).
    "classification": (
        "classification",
        "security classification",
        "protective marking",
        "marking",
        "sensitivity",
    ),
}


def normalise_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*/\s*", " / ", text)
    return text.strip(" :*")


def _compact(value: str) -> str:
    return re.sub(r"[\s/]+", "", value)


def guess_mapping(headers: list[Any]) -> dict[str, str]:
    """Field -> the header (as written in the file) that holds it, by synonyms."""
    mapping: dict[str, str] = {}
    for header in headers:
        if header in (None, ""):
            continue
        key = normalise_header(header)
        for field_name, synonyms in HEADER_SYNONYMS.items():
            if field_name in mapping:
                continue
            if key in synonyms or _compact(key) in {_compact(s) for s in synonyms}:
                mapping[field_name] = str(header).strip()
                break
    return mapping


def column_indexes(headers: list[Any], mapping: dict[str, str]) -> dict[str, int]:
    """Field -> column index, matching the mapping's headers case- and space-insensitively."""
    by_key: dict[str, int] = {}
    for index, header in enumerate(headers):
        if header not in (None, ""):
            by_key.setdefault(normalise_header(header), index)
    found: dict[str, int] = {}
    for field_name, header in mapping.items():
        column = by_key.get(normalise_header(header))
        if column is not None:
            found[field_name] = column
    return found


# --- dates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, value: str | None) -> Period | None:
        if not value:
            return None
        match = re.fullmatch(r"\s*(\d{4})(?:\s*-?\s*Q([1-4]))?\s*", str(value), re.IGNORECASE)
        if not match:
            raise ValueError(_("Period %(value)r: expected YYYY or YYYY-QN.") % {"value": value})
        return cls(int(match.group(1)), int(match.group(2)) if match.group(2) else None)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)


@dataclass(frozen=True)
class ParsedDate:
    start: datetime.date
    precision: str  # day | month | year
    end: datetime.date | None = None


class DateError(ValueError):
    pass


MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = r"([A-Za-z]{3,9})\.?"
EXAMPLES = "13/07/2016, 2023-01-12, 07-Jul-16, Oct-12, October, 02-06 September"


def _month(name: str) -> int | None:
    return MONTHS.get(name.lower().rstrip("."))


def _year(text: str) -> int:
    year = int(text)
    if year < 100:
        year += 2000 if year < 70 else 1900
    return year


def _day(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise ValueError(str(error)) from error


def _year_of(period: Period | None, raw: str) -> int:
    if period is None:
        raise DateError(
            _("The date %(raw)r has no year: give the period (YYYY or YYYY-QN) of the return.")
            % {"raw": raw}
        )
    return period.year


def parse_date(value: Any, *, period: Period | None = None) -> ParsedDate:
    """A date cell as written in a return, with its precision. Raises DateError."""
    if isinstance(value, datetime.datetime):
        return ParsedDate(value.date(), "day")
    if isinstance(value, datetime.date):
        return ParsedDate(value, "day")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1900 <= value <= 2100 and float(value).is_integer():
            return ParsedDate(datetime.date(int(value), 1, 1), "year")
        raise DateError(_("Unreadable date %(raw)r.") % {"raw": value})
    raw = re.sub(r"\s+", " ", str(value or "")).strip()
    if not raw:
        raise DateError(_("The date is missing."))
    text = raw.replace("\u2013", "-").replace("\u2014", "-")
    try:
        return _parse_text(text, raw, period)
    except DateError:
        raise
    except (ValueError, OverflowError) as error:
        raise DateError(
            _("Unreadable date %(raw)r: %(error)s") % {"raw": raw, "error": error}
        ) from error


def _parse_text(text: str, raw: str, period: Period | None) -> ParsedDate:
    # 13/07/2016, 13/07/16, 13.07.2016 (day first: the returns are British)
    if match := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})", text):
        day, month, year = match.groups()
        return ParsedDate(_day(_year(year), int(month), int(day)), "day")
    # 2023-01-12, possibly with a time
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?", text):
        year, month, day = match.groups()
        return ParsedDate(_day(int(year), int(month), int(day)), "day")
    # 07-Jul-16, 7 July 2016, 7 Jul 16
    if match := re.fullmatch(
        rf"(\d{{1,2}})(?:st|nd|rd|th)?[- ]{_MONTH}[- ,]+(\d{{2}}|\d{{4}})", text
    ):
        day, month_name, year = match.groups()
        if (month := _month(month_name)) is not None:
            return ParsedDate(_day(_year(year), month, int(day)), "day")
    # July 7, 2016
    if match := re.fullmatch(rf"{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})", text):
        month_name, day, year = match.groups()
        if (month := _month(month_name)) is not None:
            return ParsedDate(_day(int(year), month, int(day)), "day")
    # Oct-12, Oct 2012, October 2012
    if match := re.fullmatch(rf"{_MONTH}[- ,]+'?(\d{{2}}|\d{{4}})", text):
        month_name, year = match.groups()
        if (month := _month(month_name)) is not None:
            return ParsedDate(datetime.date(_year(year), month, 1), "month")
    # 2012-10, 10/2012
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return ParsedDate(_day(int(match.group(1)), int(match.group(2)), 1), "month")
    if match := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
        return ParsedDate(_day(int(match.group(2)), int(match.group(1)), 1), "month")
    # October (in the year of the period)
    if match := re.fullmatch(_MONTH, text):
        month = _month(match.group(1))
        if month is not None:
            return ParsedDate(datetime.date(_year_of(period, raw), month, 1), "month")
    # 2016
    if re.fullmatch(r"\d{4}", text):
        return ParsedDate(datetime.date(int(text), 1, 1), "year")
    # Ranges: 02-06 September [2016]; 28 September - 2 October [2016]; 13/07/2016 - 15/07/2016
    if match := re.fullmatch(rf"(\d{{1,2}}) ?- ?(\d{{1,2}}) {_MONTH}(?: (\d{{4}}))?", text):
        first, last, month_name, year = match.groups()
        month = _month(month_name)
        if month is not None:
            the_year = int(year) if year else _year_of(period, raw)
            return _range(_day(the_year, month, int(first)), _day(the_year, month, int(last)), raw)
    if match := re.fullmatch(
        rf"(\d{{1,2}}) {_MONTH} ?- ?(\d{{1,2}}) {_MONTH}(?: (\d{{4}}))?", text
    ):
        first, first_month, last, last_month, year = match.groups()
        month_a, month_b = _month(first_month), _month(last_month)
        if month_a is not None and month_b is not None:
            the_year = int(year) if year else _year_of(period, raw)
            end_year = the_year + 1 if month_b < month_a else the_year
            return _range(
                _day(the_year, month_a, int(first)), _day(end_year, month_b, int(last)), raw
            )
    if " - " in text or re.fullmatch(r"[\d/.]+-[\d/.]+", text):
        left, right = re.split(r" - |(?<=\d)-(?=\d{1,2}[/.])", text, maxsplit=1)
        start, end = _parse_text(left.strip(), raw, period), _parse_text(right.strip(), raw, period)
        if start.precision == end.precision == "day":
            return _range(start.start, end.start, raw)
    raise DateError(
        _("Unreadable date %(raw)r: expected e.g. %(examples)s.")
        % {"raw": raw, "examples": EXAMPLES}
    )


def _range(start: datetime.date, end: datetime.date, raw: str) -> ParsedDate:
    if end < start:
        raise DateError(_("The date range %(raw)r ends before it starts.") % {"raw": raw})
    return ParsedDate(start, "day", end)


# --- names ---------------------------------------------------------------------------------

NIL_RETURN = re.compile(r"^\s*nil\s*(return)?\s*\.?\s*$", re.IGNORECASE)

_TITLE_WORDS = re.compile(
    r"\b(minister|secretary|director|chief|ceo|cfo|coo|chair|chairman|chairwoman|president|"
    r"governor|ambassador|head|deputy|vice|adviser|advisor|manager|officer|executive|"
    r"commissioner|partner|founder|mp|mep|lord|general|counsellor|consul|leader|treasurer|"
    r"member|representative|envoy|economist|chancellor|mayor|senator|principal|dean)\b",
    re.IGNORECASE,
)
_ORG_WORDS = re.compile(
    r"\b(ministry|bank|group|ltd|limited|plc|inc|llp|llc|association|council|department|agency|"
    r"fund|institute|university|company|corporation|corp|federation|confederation|society|"
    r"trust|foundation|office|commission|committee|authority|board|government|embassy|club|"
    r"forum|partners|capital|holdings|services|union|chamber|network|centre|center|school|"
    r"college|industries|international|organisation|organization|treasury|exchange|"
    r"insurance|securities|investments?|management|consulting|energy|airways|motors|media|"
    r"news|times|post|journal|ag|sa|gmbh|nv|bv|idb|imf|oecd|bis|g20|g7|un|eu)\b|&",
    re.IGNORECASE,
)
_HONORIFIC = re.compile(
    r"^(mr|mrs|ms|miss|dr|prof|professor|sir|dame|lord|lady|baroness|baron|rt hon|the rt hon|"
    r"hon|h\.?e\.?|his excellency|her excellency)\.?\s+",
    re.IGNORECASE,
)


def clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[ \t\u00a0]+", " ", str(value)).strip()


def name_key(value: str) -> str:
    """The key names are compared by: case-, accent- and space-insensitive."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w&]+", " ", text.casefold())
    return re.sub(r"\s+", " ", text).strip()


def looks_like_title(text: str) -> bool:
    return bool(_TITLE_WORDS.search(text))


def looks_like_organization(text: str) -> bool:
    return bool(_ORG_WORDS.search(text)) or (text.isupper() and len(text) <= 12)


def looks_like_person(text: str) -> bool:
    if _HONORIFIC.match(text):
        return True
    if looks_like_organization(text):
        return False
    words = text.split()
    return 2 <= len(words) <= 5 and all(
        w[:1].isupper() or (w.islower() and len(w) <= 3) for w in words
    )


def split_name_and_title(text: str) -> tuple[str, str]:
    """ "Kim Yoon-sang, Second Vice Minister" -> ("Kim Yoon-sang", "Second Vice Minister").
    Only splits when what follows the first comma reads as a job title."""
    if "," not in text:
        return text.strip(), ""
    name, rest = (part.strip() for part in text.split(",", 1))
    if name and rest and looks_like_title(rest) and not looks_like_organization(name):
        return name, rest
    return text.strip(), ""


@dataclass
class NamePart:
    raw: str
    name: str
    post_label: str = ""
    kind_hint: str = ""  # person | organization | "" (unknown)
    # Where the part lists several names ("Barclays, HSBC and Lloyds"): the pieces, used
    # when the part as a whole matches no record.
    pieces: list[NamePart] = field(default_factory=list)


def split_counterparts(cell: str) -> list[NamePart]:
    """Several organisations or people in one cell: split on new lines and semicolons; a
    part reading "Name, Job title" stays one person with that label; a part listing names
    with commas and "and" offers its pieces when every piece reads as a name of its own."""
    parts: list[NamePart] = []
    for chunk in re.split(r"[;\n\r]+|\s+/\s+", cell):
        chunk = clean(chunk).strip(" ,.")
        if not chunk:
            continue
        name, title = split_name_and_title(chunk)
        if title:
            parts.append(NamePart(raw=chunk, name=name, post_label=title, kind_hint="person"))
            continue
        part = NamePart(raw=chunk, name=chunk, kind_hint=_hint(chunk))
        pieces = [clean(p).strip(" ,.") for p in re.split(r",\s*|\s+and\s+", chunk)]
        pieces = [p for p in pieces if p]
        if len(pieces) > 1 and all(_reads_as_a_name(p) for p in pieces):
            part.pieces = [NamePart(raw=p, name=p, kind_hint=_hint(p)) for p in pieces]
        parts.append(part)
    return parts


# Words that end a ministry's or department's name ("Economy, Trade and Industry"), not names.
_PORTFOLIO_WORDS = {
    "trade",
    "industry",
    "energy",
    "finance",
    "development",
    "planning",
    "culture",
    "media",
    "sport",
    "innovation",
    "skills",
    "science",
    "technology",
    "transport",
    "health",
    "education",
    "environment",
    "food",
    "rural",
    "affairs",
    "justice",
    "security",
    "communities",
    "investment",
    "economy",
    "business",
    "tourism",
    "labour",
    "labor",
    "welfare",
    "agriculture",
    "fisheries",
    "mining",
    "mines",
    "industrial strategy",
}


def _reads_as_a_name(piece: str) -> bool:
    if piece.lower() in _PORTFOLIO_WORDS or not piece[:1].isupper():
        return False
    return looks_like_organization(piece) or looks_like_person(piece) or len(piece.split()) == 1


def _hint(text: str) -> str:
    if looks_like_organization(text):
        return "organization"
    if looks_like_person(text):
        return "person"
    return ""


def strip_honorific(name: str) -> str:
    previous = None
    while previous != name:
        previous = name
        name = _HONORIFIC.sub("", name).strip()
    return re.sub(r"\s+(MP|MEP|QC|KC|OBE|CBE|MBE|KCB)$", "", name).strip()
