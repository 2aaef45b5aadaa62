"""Cells of a return: dates with their precision, headers, names."""

from __future__ import annotations

import datetime

import pytest

from imports.parsing import (
    DateError,
    Period,
    guess_mapping,
    parse_date,
    split_counterparts,
    split_name_and_title,
)

Q3 = Period.parse("2016-Q3")


@pytest.mark.parametrize(
    ("raw", "start", "end", "precision"),
    [
        ("13/07/2016", "2016-07-13", None, "day"),
        ("2023-01-12", "2023-01-12", None, "day"),
        ("07-Jul-16", "2016-07-07", None, "day"),
        ("7 July 2016", "2016-07-07", None, "day"),
        ("Oct-12", "2012-10-01", None, "month"),
        ("October", "2016-10-01", None, "month"),
        ("Sept 2016", "2016-09-01", None, "month"),
        ("02-06 September", "2016-09-02", "2016-09-06", "day"),
        ("28 September - 2 October", "2016-09-28", "2016-10-02", "day"),
        ("13/07/2016 - 15/07/2016", "2016-07-13", "2016-07-15", "day"),
        ("2016", "2016-01-01", None, "year"),
        (datetime.date(2016, 7, 13), "2016-07-13", None, "day"),
        (datetime.datetime(2016, 7, 13, 0, 0), "2016-07-13", None, "day"),
    ],
)
def test_dates_are_read_with_their_precision(raw, start, end, precision):
    parsed = parse_date(raw, period=Q3)
    assert parsed.start.isoformat() == start
    assert (parsed.end.isoformat() if parsed.end else None) == end
    assert parsed.precision == precision


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("sometime soon", "Unreadable date 'sometime soon'"),
        ("31/02/2016", "Unreadable date '31/02/2016'"),
        ("06-02 September", "ends before it starts"),
        ("", "missing"),
    ],
)
def test_unreadable_dates_say_so(raw, reason):
    with pytest.raises(DateError) as caught:
        parse_date(raw, period=Q3)
    assert reason in str(caught.value)


def test_a_month_without_a_year_needs_the_period():
    with pytest.raises(DateError) as caught:
        parse_date("October", period=None)
    assert "give the period" in str(caught.value)


def test_header_synonyms():
    assert guess_mapping(
        ["Name of individual or organisation", "DATE", "Minister", "purpose of meeting"]
    ) == {
        "counterpart": "Name of individual or organisation",
        "date": "DATE",
        "home": "Minister",
        "purpose": "purpose of meeting",
    }


def test_name_and_title_in_one_cell_are_split():
    assert split_name_and_title("Kim Yoon-sang, Second Vice Minister") == (
        "Kim Yoon-sang",
        "Second Vice Minister",
    )
    assert split_name_and_title("Ministry of Economy, Trade and Industry") == (
        "Ministry of Economy, Trade and Industry",
        "",
    )


def test_several_counterparts_in_one_cell():
    parts = split_counterparts("Bank of England; HM Treasury\nMario Marcel, Minister of Finance")
    assert [(p.name, p.post_label) for p in parts] == [
        ("Bank of England", ""),
        ("HM Treasury", ""),
        ("Mario Marcel", "Minister of Finance"),
    ]
    (listed,) = split_counterparts("Barclays, HSBC and Lloyds Banking Group")
    assert [p.name for p in listed.pieces] == ["Barclays", "HSBC", "Lloyds Banking Group"]
    (ministry,) = split_counterparts("Ministry of Economy, Trade and Industry")
    assert ministry.pieces == []
