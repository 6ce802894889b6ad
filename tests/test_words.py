"""How numbers and lists read in a sentence (analytics/present/words.py): counts, signed changes,
ranges of months and the change phrase every summary uses."""

from __future__ import annotations

import datetime

import pytest

from analytics.core.periods import month_runs
from analytics.core.table_meta import TableMeta
from analytics.present import words
from analytics.present.words import (
    change_phrase,
    format_count,
    format_signed,
    format_signed_pct,
    join_and,
    listed,
    measure_words,
    number_word,
    subject,
)


def test_number_formats():
    assert format_count(4158) == "4,158"
    assert format_count(3, suppress_below=5) == "<5" and format_count(5, suppress_below=5) == "5"
    assert format_signed(-1234) == "-1,234" and format_signed(44) == "+44" and format_signed(0) == "0"
    assert format_signed_pct(-8) == "-8%" and format_signed_pct(20) == "+20%"
    # The minus is the hyphen-minus of the published tables, never U+2212.
    assert words.MINUS == "-"


def test_month_runs():
    months = ["2019-03", "2019-04", "2019-05", "2024-05", "2024-06", "2019-08"]
    assert month_runs(months) == "Mar–May 2019; Aug 2019; May–Jun 2024"
    assert month_runs([datetime.date(2023, 12, 1), datetime.date(2024, 1, 1)]) == "Dec 2023–Jan 2024"
    assert month_runs([]) == ""


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (3468, 3203, "fell 8% (-265)"),  # -7.64% rounds half up to -8
        (91, 107, "rose 18% (+16)"),  # 17.58% -> 18
        (3203, 3203, "was unchanged at 3,203"),
        (0, 12, "rose from none to 12"),
        (12, 0, "fell from 12 to none"),
        (1000, 997, "fell under 1% (-3)"),  # -0.3% rounds to 0: say so rather than "fell 0%"
    ],
)
def test_change_phrase(a, b, expected):
    assert change_phrase(a, b) == expected


def test_change_phrase_public_mode_gives_no_difference():
    assert change_phrase(3, 40, suppress_below=5) == "went from <5 to 40"


def test_lists_and_number_words():
    assert join_and(["a"]) == "a" and join_and(["a", "b", "c"]) == "a, b and c" and join_and([]) == ""
    assert listed(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert listed(["A, +1%", "B, +2%", "C, +3%", "D, +4%"], sep="; ") == "A, +1%; B, +2%; C, +3%; and 1 more"
    assert number_word(0) == "none" and number_word(3) == "three" and number_word(1234) == "1,234"


def test_subject_names_what_the_table_counts():
    assert subject(TableMeta()) == "ASB"  # a table that does not say counts ASB
    assert subject(TableMeta(measure="Recorded crime (excluding ASB)")) == "recorded crime"
    assert measure_words("Burglary") == "burglary"
