"""Tests for analytics.core.periods: hand-worked periods, labels and the panel's rounding."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.periods import (
    Period,
    calendar_year_period,
    financial_year,
    financial_year_label,
    financial_year_period,
    format_pct,
    held_label,
    mean_half_up,
    month_label,
    month_range_period,
    parse_period,
    pct_change,
    previous_period,
    rolling_12_months,
    round_half_up,
    round_ratio_half_up,
    same_period_last_year,
    year_to_date,
)

EN_DASH = "\u2013"

# Every example that a parse error must show, so a user can copy one.
VALID_EXAMPLES = (
    "FY2017",
    "CY2025",
    "2025",
    "2024-01..2024-04",
    "2025-03",
    "FYTD2025-10",
    "CYTD2025-10",
    "R12-2025-12",
)


# ---------------------------------------------------------------------------
# parse_period: each form, worked by hand
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, start, end, label, n_months",
    [
        ("FY2017", date(2017, 4, 1), date(2018, 3, 1), "2017-18", 12),
        ("FY2018", date(2018, 4, 1), date(2019, 3, 1), "2018-19", 12),
        ("FY1999", date(1999, 4, 1), date(2000, 3, 1), "1999-00", 12),
        ("CY2025", date(2025, 1, 1), date(2025, 12, 1), "2025", 12),
        ("2025", date(2025, 1, 1), date(2025, 12, 1), "2025", 12),
        ("2024-01..2024-04", date(2024, 1, 1), date(2024, 4, 1), f"Jan{EN_DASH}Apr 2024", 4),
        ("2018-10..2019-02", date(2018, 10, 1), date(2019, 2, 1), f"Oct 2018{EN_DASH}Feb 2019", 5),
        ("2025-03..2025-03", date(2025, 3, 1), date(2025, 3, 1), "Mar 2025", 1),
        ("2025-03", date(2025, 3, 1), date(2025, 3, 1), "Mar 2025", 1),
        ("FYTD2025-10", date(2025, 4, 1), date(2025, 10, 1), f"2025-26 to date (Apr{EN_DASH}Oct 2025)", 7),
        ("CYTD2025-10", date(2025, 1, 1), date(2025, 10, 1), f"2025 to date (Jan{EN_DASH}Oct 2025)", 10),
        ("R12-2025-12", date(2025, 1, 1), date(2025, 12, 1), "12 months to Dec 2025", 12),
        ("R12-2019-02", date(2018, 3, 1), date(2019, 2, 1), "12 months to Feb 2019", 12),
    ],
)
def test_parse_period_forms(text, start, end, label, n_months):
    period = parse_period(text)
    assert (period.start, period.end, period.label, period.n_months) == (start, end, label, n_months)
    assert str(period) == label


@pytest.mark.parametrize("text", ["fy2017", "  FY2017  ", "Fy2017\t", "\nfy2017"])
def test_parse_period_ignores_case_and_surrounding_space(text):
    assert parse_period(text) == parse_period("FY2017")


def test_lower_case_forms_with_letters():
    assert parse_period("r12-2025-12") == parse_period("R12-2025-12")
    assert parse_period("fytd2025-10") == parse_period("FYTD2025-10")
    assert parse_period("cy2025") == parse_period("2025")


@pytest.mark.parametrize(
    "text",
    [
        "FY2017",
        "CY2025",
        "2024-01..2024-04",
        "2018-10..2019-02",
        "2025-03",
        "FYTD2025-10",
        "FYTD2026-02",
        "CYTD2025-10",
        "R12-2025-12",
    ],
)
def test_spec_is_canonical_and_parses_back(text):
    period = parse_period(text)
    assert period.spec == text
    assert parse_period(period.spec) == period


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("2025", "CY2025"),
        ("fy2017", "FY2017"),
        ("2025-03..2025-03", "2025-03"),
        (" 2024-01 .. 2024-04 ", "2024-01..2024-04"),
    ],
)
def test_spec_of_equivalent_spellings(text, canonical):
    assert parse_period(text).spec == canonical


def test_same_months_with_a_different_label_are_a_different_period():
    # 2025-01..2025-12 covers the months of CY2025 but is written "Jan–Dec 2025", and its
    # spec must bring that label back, not the calendar-year one.
    months = parse_period("2025-01..2025-12")
    assert months.label == f"Jan{EN_DASH}Dec 2025"
    assert months != parse_period("CY2025")
    assert months.spec == "2025-01..2025-12"
    assert parse_period(months.spec) == months


def test_spec_of_a_hand_labelled_period_gives_its_months():
    period = Period(date(2017, 4, 1), date(2018, 3, 1), "Last year")
    assert period.spec == "2017-04..2018-03"
    assert parse_period(period.spec).months == period.months


# ---------------------------------------------------------------------------
# parse_period: errors list the valid forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "FY17",
        "FY 2017",
        "2017/18",
        "Q1 2025",
        "2025-1",
        "R12",
        "R6-2025-12",
        "2024-01..",
        "..2024-04",
        "2024-01...2024-04",
        "FY2017x",
    ],
)
def test_unrecognised_text_lists_valid_forms(text):
    with pytest.raises(AnalyticsError) as caught:
        parse_period(text)
    message = str(caught.value)
    assert f"Unknown period {text!r}" in message
    for example in VALID_EXAMPLES:
        assert example in message


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2025-13", "has month 13; months run from 01 to 12"),
        ("2025-00", "has month 00; months run from 01 to 12"),
        ("FYTD2025-13", "has month 13"),
        ("R12-2025-13", "has month 13"),
        ("2024-01..2024-13", "has month 13"),
        ("2025-04..2025-01", "ends (Jan 2025) before it starts (Apr 2025)"),
        ("2019-01..2018-12", "ends (Dec 2018) before it starts (Jan 2019)"),
        ("FY0999", "has year 0999"),
        ("0000", "has year 0000"),
    ],
)
def test_impossible_periods_say_why_and_list_valid_forms(text, reason):
    with pytest.raises(AnalyticsError) as caught:
        parse_period(text)
    message = str(caught.value)
    assert f"Period {text!r} {reason}" in message
    for example in VALID_EXAMPLES:
        assert example in message


def test_non_text_is_refused():
    with pytest.raises(AnalyticsError, match="Unknown period None"):
        parse_period(None)


# ---------------------------------------------------------------------------
# Period properties
# ---------------------------------------------------------------------------


def test_december_to_january_boundary():
    period = parse_period("2024-12..2025-01")
    assert period.label == f"Dec 2024{EN_DASH}Jan 2025"
    assert period.months == [date(2024, 12, 1), date(2025, 1, 1)]
    assert period.n_months == 2
    assert period.end_exclusive == date(2025, 2, 1)

    calendar_2024 = parse_period("CY2024")
    assert calendar_2024.end_exclusive == date(2025, 1, 1)
    assert calendar_2024.contains(date(2024, 12, 31))
    assert not calendar_2024.contains(date(2025, 1, 1))

    assert previous_period(parse_period("2025-01")) == parse_period("2024-12")
    assert previous_period(parse_period("2025-01")).label == "Dec 2024"
    assert rolling_12_months(date(2025, 1, 15)).start == date(2024, 2, 1)
    assert year_to_date(date(2025, 1, 31), financial=False) == parse_period("CYTD2025-01")
    assert year_to_date(date(2025, 1, 31), financial=False).label == "2025 to date (Jan 2025)"


def test_march_to_april_financial_year_boundary():
    assert financial_year(date(2018, 3, 31)) == 2017
    assert financial_year(date(2018, 4, 1)) == 2018
    assert financial_year(datetime.datetime(2018, 3, 31, 23, 59)) == 2017

    fy2017 = parse_period("FY2017")
    assert fy2017.contains(date(2017, 4, 1))
    assert fy2017.contains(date(2018, 3, 31))
    assert not fy2017.contains(date(2017, 3, 31))
    assert not fy2017.contains(date(2018, 4, 1))
    assert fy2017.end_exclusive == date(2018, 4, 1)

    # The last month of a financial year still belongs to the year that started 11 months before.
    march = year_to_date(date(2018, 3, 31))
    assert (march.start, march.end) == (date(2017, 4, 1), date(2018, 3, 1))
    assert march.label == f"2017-18 to date (Apr 2017{EN_DASH}Mar 2018)"
    april = year_to_date(date(2018, 4, 1))
    assert (april.start, april.end, april.n_months) == (date(2018, 4, 1), date(2018, 4, 1), 1)
    assert april.label == "2018-19 to date (Apr 2018)"


def test_months_lists_every_first_of_month():
    period = parse_period("FY2017")
    assert period.months == [date(2017, m, 1) for m in range(4, 13)] + [date(2018, m, 1) for m in range(1, 4)]


def test_end_exclusive_is_the_month_after_the_last():
    assert parse_period("2025-03").end_exclusive == date(2025, 4, 1)
    assert parse_period("FYTD2025-10").end_exclusive == date(2025, 11, 1)


def test_contains_any_day_of_a_month_and_datetimes():
    period = parse_period("2024-01..2024-04")
    assert period.contains(date(2024, 4, 30))
    assert period.contains(datetime.datetime(2024, 1, 1, 0, 0))
    assert not period.contains(date(2023, 12, 31))
    assert not period.contains(date(2024, 5, 1))


def test_period_refuses_days_other_than_the_first():
    with pytest.raises(AnalyticsError, match="first day of a month"):
        Period(date(2025, 1, 15), date(2025, 3, 1), "x")
    with pytest.raises(AnalyticsError, match="first day of a month"):
        Period("2025-01-01", date(2025, 3, 1), "x")


def test_period_refuses_an_end_before_its_start():
    with pytest.raises(AnalyticsError, match=r"ends \(Jan 2025\) before it starts \(Mar 2025\)"):
        Period(date(2025, 3, 1), date(2025, 1, 1), "backwards")


def test_period_stores_datetimes_as_dates():
    period = Period(datetime.datetime(2025, 1, 1), datetime.datetime(2025, 12, 1), "2025")
    assert type(period.start) is date and type(period.end) is date
    assert period == calendar_year_period(2025)


def test_period_is_frozen():
    with pytest.raises(AttributeError):
        parse_period("FY2017").label = "changed"


# ---------------------------------------------------------------------------
# Year helpers and comparisons
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fy, label", [(2017, "2017-18"), (2018, "2018-19"), (1999, "1999-00"), (2009, "2009-10"), (2099, "2099-00")]
)
def test_financial_year_label(fy, label):
    assert financial_year_label(fy) == label
    assert financial_year_period(fy).label == label


def test_financial_year_period():
    period = financial_year_period(2018)
    assert (period.start, period.end) == (date(2018, 4, 1), date(2019, 3, 1))
    assert period == parse_period("FY2018")


def test_month_range_period_accepts_any_day_of_each_month():
    period = month_range_period(date(2018, 10, 17), date(2019, 2, 28))
    assert period == parse_period("2018-10..2019-02")


def test_month_range_period_refuses_a_backwards_range():
    with pytest.raises(AnalyticsError, match="before it starts"):
        month_range_period(date(2025, 4, 1), date(2025, 1, 1))


@pytest.mark.parametrize(
    "text, expected_spec, expected_label",
    [
        ("FY2018", "FY2017", "2017-18"),
        ("CY2025", "CY2024", "2024"),
        ("2024-01..2024-04", "2023-01..2023-04", f"Jan{EN_DASH}Apr 2023"),
        ("2018-10..2019-02", "2017-10..2018-02", f"Oct 2017{EN_DASH}Feb 2018"),
        ("2025-03", "2024-03", "Mar 2024"),
        ("FYTD2025-10", "FYTD2024-10", f"2024-25 to date (Apr{EN_DASH}Oct 2024)"),
        ("CYTD2025-10", "CYTD2024-10", f"2024 to date (Jan{EN_DASH}Oct 2024)"),
        ("R12-2025-12", "R12-2024-12", "12 months to Dec 2024"),
    ],
)
def test_same_period_last_year(text, expected_spec, expected_label):
    last_year = same_period_last_year(parse_period(text))
    assert last_year.spec == expected_spec
    assert last_year.label == expected_label


def test_same_period_last_year_of_a_hand_labelled_period_uses_the_range_label():
    period = Period(date(2025, 1, 1), date(2025, 4, 1), "Winter 2025")
    assert same_period_last_year(period).label == f"Jan{EN_DASH}Apr 2024"


@pytest.mark.parametrize(
    "text, expected_spec, expected_label",
    [
        ("FY2018", "FY2017", "2017-18"),
        ("CY2025", "CY2024", "2024"),
        ("2024-01..2024-04", "2023-09..2023-12", f"Sep{EN_DASH}Dec 2023"),
        ("2025-03..2025-05", "2024-12..2025-02", f"Dec 2024{EN_DASH}Feb 2025"),
        ("R12-2025-12", "R12-2024-12", "12 months to Dec 2024"),
        # 7 months before Apr 2025 are not a year to date, so they get the range label.
        ("FYTD2025-10", "2024-09..2025-03", f"Sep 2024{EN_DASH}Mar 2025"),
    ],
)
def test_previous_period(text, expected_spec, expected_label):
    previous = previous_period(parse_period(text))
    assert previous.spec == expected_spec
    assert previous.label == expected_label
    assert previous.n_months == parse_period(text).n_months
    assert previous.end_exclusive == parse_period(text).start


def test_rolling_12_months():
    period = rolling_12_months(date(2019, 2, 28))
    assert (period.start, period.end) == (date(2018, 3, 1), date(2019, 2, 1))
    assert period.label == "12 months to Feb 2019"


@pytest.mark.parametrize(
    "d, label",
    [
        (date(2018, 10, 1), "Oct 2018"),
        (date(2025, 1, 31), "Jan 2025"),
        (datetime.datetime(2024, 12, 5, 13, 0), "Dec 2024"),
    ],
)
def test_month_label(d, label):
    assert month_label(d) == label


# ---------------------------------------------------------------------------
# Rounding as the panel's spreadsheets do it
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, expected",
    [
        (1504.5, 1505),
        (1421.5, 1422),
        (2.5, 3),
        (3.5, 4),
        (0.5, 1),
        (-0.5, -1),
        (-7.5, -8),
        (-2.5, -3),
        (0.49999, 0),
        (-0.49999, 0),
        (2.4, 2),
        (-2.6, -3),
        (7, 7),
        (-7, -7),
        (0, 0),
        (0.0, 0),
        (Decimal("2.5"), 3),
        (Decimal("-7.5"), -8),
        (Decimal("0.49999999999999999999999"), 0),
        (Decimal("1504.50"), 1505),
        (Fraction(5, 2), 3),
        (Fraction(-15, 2), -8),
        (Fraction(1, 3), 0),
        (Fraction(2, 3), 1),
    ],
)
def test_round_half_up(x, expected):
    assert round_half_up(x) == expected
    assert type(round_half_up(x)) is int


def test_round_half_up_differs_from_python_round_on_halves():
    # Python rounds halves to even; the published tables do not.
    assert (round(2.5), round(1504.5)) == (2, 1504)
    assert (round_half_up(2.5), round_half_up(1504.5)) == (3, 1505)


def test_round_half_up_is_exact_where_adding_a_half_in_floats_is_not():
    # The largest float below 0.5: floor(x + 0.5) in floats gives 1 because the sum rounds up.
    just_below_half = 0.49999999999999994
    assert just_below_half < 0.5 and just_below_half + 0.5 == 1.0
    assert round_half_up(just_below_half) == 0


def test_round_half_up_accepts_numpy_numbers():
    assert round_half_up(np.float64(2.5)) == 3
    assert round_half_up(np.float32(-7.5)) == -8
    assert round_half_up(np.int64(12)) == 12


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), "2.5", None, True])
def test_round_half_up_refuses_non_numbers(bad):
    with pytest.raises(AnalyticsError, match="Cannot round"):
        round_half_up(bad)


@pytest.mark.parametrize(
    "numerator, denominator, scale, expected",
    [
        (16, 91, 100, 18),  # Crabbs Cross: 17.58%
        (-93, 349, 100, -27),  # Winyates: -26.65%
        (-265, 3468, 100, -8),  # Redditch total: -7.64%
        (-41, 603, 100, -7),  # Abbey: -6.80%
        (1505, 10190, 100, 15),  # Youth related share of the mean: 14.77%
        (75, 10190, 100, 1),  # Begging: 0.74%
        (1, 8, 100, 13),  # exactly 12.5
        (-1, 8, 100, -13),  # exactly -12.5
        (1, 200, 100, 1),  # exactly 0.5
        (1, 3, 1, 0),
        (3, 2, 1, 2),  # 1.5 with scale 1
        (5, -2, 1, -3),  # a negative denominator: -2.5
    ],
)
def test_round_ratio_half_up(numerator, denominator, scale, expected):
    assert round_ratio_half_up(numerator, denominator, scale) == expected


def test_round_ratio_half_up_is_exact_where_float_division_is_not():
    # 29/200 is 14.5%, but 29 / 200 * 100 is 14.499999999999998 in floats.
    assert 29 / 200 * 100 < 14.5
    assert round_half_up(29 / 200 * 100) == 14
    assert round_ratio_half_up(29, 200) == 15


def test_round_ratio_half_up_refuses_zero_and_fractions():
    with pytest.raises(AnalyticsError, match="denominator of 0"):
        round_ratio_half_up(5, 0)
    with pytest.raises(AnalyticsError, match="numerator must be a whole number"):
        round_ratio_half_up(1.5, 2)


@pytest.mark.parametrize(
    "values, expected",
    [
        ((1715, 1294), 1505),
        ((1396, 1447), 1422),
        ((5426, 5320), 5373),
        ((114, 36), 75),
        ((1, 2, 3, 4), 3),
        ((-3, -4), -4),
        ([7], 7),
    ],
)
def test_mean_half_up(values, expected):
    assert mean_half_up(values) == expected


def test_mean_half_up_takes_any_iterable():
    assert mean_half_up(v for v in (1715, 1294)) == 1505


def test_mean_half_up_refuses_no_values():
    with pytest.raises(AnalyticsError, match="no values"):
        mean_half_up([])


# ---------------------------------------------------------------------------
# Percentage change and its text, checked against the published Redditch ward table
# ---------------------------------------------------------------------------

REDDITCH_WARDS_FY2017_FY2018 = [
    # ward, 2017-18, 2018-19, published percentage
    ("Abbey", 603, 562, "-7%"),
    ("Astwood Bank and Feckenham", 87, 84, "-3%"),
    ("Batchley and Brockhill", 391, 309, "-21%"),
    ("Central", 286, 269, "-6%"),
    ("Church Hill", 280, 298, "6%"),
    ("Crabbs Cross", 91, 107, "18%"),
    ("Greenlands", 572, 550, "-4%"),
    ("Headless Cross and Oakenshaw", 223, 267, "20%"),
    ("Lodge Park", 200, 207, "4%"),
    ("Matchborough", 286, 203, "-29%"),
    ("West", 100, 91, "-9%"),
    ("Winyates", 349, 256, "-27%"),
    ("Grand Total", 3468, 3203, "-8%"),
]


@pytest.mark.parametrize("ward, count_a, count_b, published", REDDITCH_WARDS_FY2017_FY2018)
def test_pct_change_matches_the_published_ward_table(ward, count_a, count_b, published):
    assert format_pct(pct_change(count_a, count_b), count_a, count_b) == published


def test_pct_change_hand_worked():
    assert pct_change(91, 107) == 18  # +16 / 91 = 17.58%
    assert pct_change(3468, 3203) == -8  # -265 / 3468 = -7.64%
    assert pct_change(200, 201) == 1  # exactly 0.5%
    assert pct_change(200, 199) == -1  # exactly -0.5%
    assert pct_change(10, 10) == 0
    assert pct_change(10, 0) == -100


def test_pct_change_accepts_counts_from_pandas():
    # Counts come back from pandas as numpy integers, or as floats after a merge.
    assert pct_change(np.int64(91), np.int64(107)) == 18
    assert pct_change(91.0, 107.0) == 18


def test_pct_change_from_zero_has_no_percentage():
    assert pct_change(0, 5) is None
    assert pct_change(0, 0) is None


@pytest.mark.parametrize("count_a, count_b", [(-1, 5), (5, -1), (1.5, 2), (None, 2)])
def test_pct_change_refuses_impossible_counts(count_a, count_b):
    with pytest.raises(AnalyticsError, match="count_"):
        pct_change(count_a, count_b)


@pytest.mark.parametrize(
    "value, count_a, count_b, text",
    [
        (-8, None, None, "-8%"),
        (18, None, None, "18%"),
        (0, None, None, "0%"),
        (-100, 10, 0, "-100%"),
        (None, 0, 5, "new"),
        (None, 0, 0, "n/a"),
        (None, None, None, "n/a"),
        (None, 0, None, "n/a"),
    ],
)
def test_format_pct(value, count_a, count_b, text):
    assert format_pct(value, count_a, count_b) == text


def test_format_pct_uses_a_plain_hyphen_minus():
    assert format_pct(-8) == "-8%"
    assert "\u2212" not in format_pct(-8)


@pytest.mark.parametrize(
    ("label", "months", "held", "shown"),
    [
        ("2018-19", 12, 5, "2018-19 (5 of 12 months held)"),  # police.uk's Oct 2018 to Feb 2019
        ("2024", 12, 4, "2024 (4 of 12 months held)"),
        ("2017-18", 12, 0, "2017-18 (no month held)"),
        ("2017-18", 12, 12, "2017-18"),
        ("Jan–Apr 2025", 4, 4, "Jan–Apr 2025"),
        ("2017-18", 0, 0, "2017-18"),  # coverage not known
    ],
)
def test_held_label_names_a_partly_held_period_by_its_months(label, months, held, shown):
    assert held_label(label, months, held) == shown
