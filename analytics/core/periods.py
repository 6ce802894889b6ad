"""Reporting periods and the panel's rounding rules.

UK local government reports in financial years, 1 April to 31 March, and police.uk
publishes counts by calendar month. A :class:`Period` is therefore a run of whole
months; :func:`parse_period` reads the short forms the dashboard and the command line
accept (``FY2017``, ``CY2025``, ``2024-01..2024-04``, ``FYTD2025-10``, ``R12-2025-12``).

The rounding helpers reproduce the published spreadsheets, which round halves away
from zero (Excel ``ROUND``), not to even as Python's :func:`round` does. They work in
exact rational arithmetic so that a half is never mistaken for 0.4999...

Everything here is pure: no database, no Streamlit.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import SupportsInt, cast

from analytics.core.errors import AnalyticsError, invalid_choice, shown

__all__ = [
    "Period",
    "parse_period",
    "financial_year",
    "financial_year_label",
    "financial_year_period",
    "calendar_year_period",
    "month_range_period",
    "same_period_last_year",
    "previous_period",
    "year_to_date",
    "rolling_12_months",
    "month_label",
    "round_half_up",
    "round_ratio_half_up",
    "mean_half_up",
    "pct_change",
    "format_pct",
    "held_label",
]

#: Numbers the rounding helpers accept; each is converted exactly to a Fraction.
Number = int | float | Decimal | Fraction

# The financial year starts in April.
FINANCIAL_YEAR_START_MONTH = 4

# Fixed English abbreviations: strftime("%b") follows the process locale, and the
# labels must read the same on every server.
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# En dash between the ends of a month range, as in "Oct 2018–Feb 2019".
_RANGE_DASH = "\u2013"

# The forms parse_period accepts, each with an example; every parse error lists them.
# Kept in the order invalid_choice sorts them, so all parse errors read the same.
_VALID_FORMS = (
    "2024-01..2024-04 (months, inclusive)",
    "2025-03 (one month)",
    "CY2025 or 2025 (calendar year)",
    "CYTD2025-10 (calendar year to date, Jan to Oct 2025)",
    "FY2017 (financial year, Apr 2017 to Mar 2018)",
    "FYTD2025-10 (financial year to date, Apr to Oct 2025)",
    "R12-2025-12 (12 months ending Dec 2025)",
)

# Four-digit years only, so that every date a period needs (including the month after
# its end and the same months a year earlier) fits in datetime.date.
_MIN_YEAR, _MAX_YEAR = 1000, 9998


def _month_index(d: datetime.date) -> int:
    """Months since year 0, so month arithmetic is plain integer arithmetic."""
    return d.year * 12 + d.month - 1


def _add_months(d: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after the month of ``d`` (negative: before)."""
    year, month0 = divmod(_month_index(d) + months, 12)
    return datetime.date(year, month0 + 1, 1)


def _first_of_month(d: datetime.date) -> datetime.date:
    """The first day of d's month, as a plain date (a datetime or Timestamp loses its time)."""
    return datetime.date(d.year, d.month, 1)


def month_label(d: datetime.date) -> str:
    """The month of ``d`` as the panel writes it, e.g. ``"Oct 2018"``."""
    return f"{_MONTH_ABBREVIATIONS[d.month - 1]} {d.year}"


def _range_label(first_month: datetime.date, last_month: datetime.date) -> str:
    """``"Mar 2025"``, ``"Jan–Apr 2025"`` or ``"Oct 2018–Feb 2019"``: the year is written once when shared."""
    if first_month == last_month:
        return month_label(first_month)
    if first_month.year == last_month.year:
        return f"{_MONTH_ABBREVIATIONS[first_month.month - 1]}{_RANGE_DASH}{month_label(last_month)}"
    return f"{month_label(first_month)}{_RANGE_DASH}{month_label(last_month)}"


@dataclass(frozen=True)
class Period:
    """A run of whole calendar months.

    Attributes
    ----------
    start : datetime.date
        First day of the first month.
    end : datetime.date
        First day of the last month. The period includes this whole month.
    label : str
        How the period is written on a page or in a table, e.g. ``"2017-18"``.

    A ``datetime`` (or pandas ``Timestamp``) given for ``start`` or ``end`` is stored as a
    plain ``date``, so periods compare equal however they were built.
    """

    start: datetime.date
    end: datetime.date
    label: str

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime.date) or value.day != 1:
                raise AnalyticsError(
                    f"Period {name} must be the first day of a month; got {value!r}.", title="Invalid period"
                )
            # Frozen dataclass: object.__setattr__ is the documented way to normalise a field.
            object.__setattr__(self, name, _first_of_month(value))
        if self.end < self.start:
            raise AnalyticsError(
                f"Period {self.label!r} ends ({month_label(self.end)}) before it starts ({month_label(self.start)}).",
                title="Invalid period",
            )

    def __str__(self) -> str:
        return self.label

    @property
    def n_months(self) -> int:
        """Number of calendar months in the period, counting both ends."""
        return _month_index(self.end) - _month_index(self.start) + 1

    @property
    def months(self) -> list[datetime.date]:
        """The first day of every month in the period, in order, both ends included."""
        return [_add_months(self.start, i) for i in range(self.n_months)]

    @property
    def end_exclusive(self) -> datetime.date:
        """First day of the month after the last month.

        For SQL filters that cannot be off by a day: ``month >= start AND month < end_exclusive``.
        """
        return _add_months(self.end, 1)

    def contains(self, d: datetime.date) -> bool:
        """Whether the month of ``d`` (any day of it) is one of the period's months."""
        return self.start <= _first_of_month(d) <= self.end

    @property
    def spec(self) -> str:
        """The canonical text for this period: ``parse_period(p.spec) == p``.

        E.g. ``"FY2017"``, ``"CY2025"``, ``"FYTD2025-10"``, ``"R12-2025-12"``, ``"2025-03"`` or
        ``"2024-01..2024-04"``. A period built by hand with a label of its own gives the
        month range, which covers the same months under the standard range label.
        """
        form = _form_of(self)
        if form == "FY":
            return f"FY{self.start.year}"
        if form == "CY":
            return f"CY{self.start.year}"
        if form in ("FYTD", "CYTD"):
            return f"{form}{self.end:%Y-%m}"
        if form == "R12":
            return f"R12-{self.end:%Y-%m}"
        if self.n_months == 1:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m}..{self.end:%Y-%m}"


# ---------------------------------------------------------------------------
# Financial and calendar years
# ---------------------------------------------------------------------------


def financial_year(d: datetime.date) -> int:
    """The financial year containing ``d``, named by the calendar year it starts in.

    1 April to 31 March: ``financial_year(date(2018, 3, 31)) == 2017`` and
    ``financial_year(date(2018, 4, 1)) == 2018``.
    """
    return d.year if d.month >= FINANCIAL_YEAR_START_MONTH else d.year - 1


def financial_year_label(fy: int) -> str:
    """The panel's label for a financial year: 2017 gives ``"2017-18"``, 1999 gives ``"1999-00"``."""
    return f"{fy}-{(fy + 1) % 100:02d}"


def financial_year_period(fy: int) -> Period:
    """April of ``fy`` to March of ``fy + 1``, labelled like ``"2017-18"``."""
    start = datetime.date(fy, FINANCIAL_YEAR_START_MONTH, 1)
    return Period(start, _add_months(start, 11), financial_year_label(fy))


def calendar_year_period(year: int) -> Period:
    """January to December of ``year``, labelled ``"2025"``."""
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 1), str(year))


def month_range_period(first_month: datetime.date, last_month: datetime.date) -> Period:
    """The months from ``first_month`` to ``last_month`` inclusive (any day of each month).

    Labelled ``"Mar 2025"``, ``"Jan–Apr 2025"`` or ``"Oct 2018–Feb 2019"``.
    """
    start, end = _first_of_month(first_month), _first_of_month(last_month)
    return Period(start, end, _range_label(start, end))


def year_to_date(latest_month: datetime.date, financial: bool = True) -> Period:
    """From the start of the year to ``latest_month`` inclusive.

    Parameters
    ----------
    latest_month : datetime.date
        Any day of the last month to include (usually the latest month with data).
    financial : bool
        True: from 1 April of the financial year containing ``latest_month``, labelled
        ``"2025-26 to date (Apr–Oct 2025)"``. False: from 1 January, labelled
        ``"2025 to date (Jan–Oct 2025)"``.
    """
    end = _first_of_month(latest_month)
    if financial:
        fy = financial_year(end)
        start = datetime.date(fy, FINANCIAL_YEAR_START_MONTH, 1)
        year_label = financial_year_label(fy)
    else:
        start = datetime.date(end.year, 1, 1)
        year_label = str(end.year)
    return Period(start, end, f"{year_label} to date ({_range_label(start, end)})")


def rolling_12_months(latest_month: datetime.date) -> Period:
    """The 12 months ending with ``latest_month`` (any day of it), labelled ``"12 months to Dec 2025"``."""
    end = _first_of_month(latest_month)
    return Period(_add_months(end, -11), end, f"12 months to {month_label(end)}")


# ---------------------------------------------------------------------------
# Recognising a period's form, so comparisons keep the kind of label the user chose
# ---------------------------------------------------------------------------

_NAMED_FORMS = ("FY", "CY", "FYTD", "CYTD", "R12")


def _build(form: str, start: datetime.date, end: datetime.date) -> Period:
    """The period of the given form anchored at ``start`` (years) or ``end`` (to-date, rolling)."""
    if form == "FY":
        return financial_year_period(financial_year(start))
    if form == "CY":
        return calendar_year_period(start.year)
    if form == "FYTD":
        return year_to_date(end, financial=True)
    if form == "CYTD":
        return year_to_date(end, financial=False)
    if form == "R12":
        return rolling_12_months(end)
    return month_range_period(start, end)


def _form_of(period: Period) -> str:
    """Which parse_period form gives exactly this period (label included); ``"range"`` otherwise."""
    for form in _NAMED_FORMS:
        if _build(form, period.start, period.end) == period:
            return form
    return "range"


def _like(period: Period, start: datetime.date, end: datetime.date) -> Period:
    """The months start..end, labelled in the same form as ``period`` when that form fits them."""
    candidate = _build(_form_of(period), start, end)
    if (candidate.start, candidate.end) == (start, end):
        return candidate
    return month_range_period(start, end)


def same_period_last_year(period: Period) -> Period:
    """The same months one year earlier, e.g. FY2018 gives FY2017 (``"2017-18"``).

    Financial and calendar years, year-to-date and rolling periods keep their kind of
    label; month ranges get the range label (``"Jan–Apr 2024"``).
    """
    return _like(period, _add_months(period.start, -12), _add_months(period.end, -12))


def previous_period(period: Period) -> Period:
    """The period of the same number of months ending just before ``period`` starts.

    FY2018 gives FY2017 and ``2025-01..2025-04`` gives ``Sep–Dec 2024``. When the result is
    not of the same kind (the 7 months before ``FYTD2025-10`` are Sep 2024 to Mar 2025)
    it gets the range label.
    """
    end = _add_months(period.start, -1)
    return _like(period, _add_months(end, -(period.n_months - 1)), end)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_YEAR = r"(\d{4})"
_YEAR_MONTH = r"(\d{4})-(\d{2})"
_PATTERNS = {
    "FY": re.compile(rf"FY{_YEAR}"),
    "FYTD": re.compile(rf"FYTD{_YEAR_MONTH}"),
    "CYTD": re.compile(rf"CYTD{_YEAR_MONTH}"),
    "CY": re.compile(rf"(?:CY)?{_YEAR}"),
    "R12": re.compile(rf"R12-{_YEAR_MONTH}"),
    "month": re.compile(_YEAR_MONTH),
    "range": re.compile(rf"{_YEAR_MONTH}\s*\.\.\s*{_YEAR_MONTH}"),
}


def _period_error(text: str, reason: str) -> AnalyticsError:
    return AnalyticsError(
        f"Period {shown(text)} {reason}. Valid choices: {', '.join(_VALID_FORMS)}.", title="Invalid period"
    )


def _checked_year(text: str, year: str) -> int:
    value = int(year)
    if not _MIN_YEAR <= value <= _MAX_YEAR:
        raise _period_error(text, f"has year {year}; years run from {_MIN_YEAR} to {_MAX_YEAR}")
    return value


def _checked_month(text: str, year: str, month: str) -> datetime.date:
    if not 1 <= int(month) <= 12:
        raise _period_error(text, f"has month {month}; months run from 01 to 12")
    return datetime.date(_checked_year(text, year), int(month), 1)


def parse_period(text: str) -> Period:
    """Read a period from its short form (case-insensitive, surrounding spaces ignored).

    - ``FY2017``: financial year, Apr 2017 to Mar 2018, label ``"2017-18"``.
    - ``CY2025`` or ``2025``: calendar year, label ``"2025"``.
    - ``2024-01..2024-04``: months, both ends included, label ``"Jan–Apr 2024"``
      (``"Oct 2018–Feb 2019"`` across years).
    - ``2025-03``: one month, label ``"Mar 2025"``.
    - ``FYTD2025-10``: financial year to date, Apr to Oct 2025,
      label ``"2025-26 to date (Apr–Oct 2025)"``.
    - ``CYTD2025-10``: calendar year to date, Jan to Oct 2025,
      label ``"2025 to date (Jan–Oct 2025)"``.
    - ``R12-2025-12``: the 12 months ending Dec 2025, label ``"12 months to Dec 2025"``.

    Raises
    ------
    AnalyticsError
        For anything else, including month 00 or 13 and a range that ends before it
        starts; the message lists the valid forms with examples.
    """
    if not isinstance(text, str):
        raise invalid_choice("period", text, _VALID_FORMS)
    cleaned = text.strip().upper()
    for form, pattern in _PATTERNS.items():
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        parts = match.groups()
        if form == "FY":
            return financial_year_period(_checked_year(text, parts[0]))
        if form == "CY":
            return calendar_year_period(_checked_year(text, parts[0]))
        if form == "range":
            first = _checked_month(text, *parts[:2])
            last = _checked_month(text, *parts[2:])
            if last < first:
                raise _period_error(text, f"ends ({month_label(last)}) before it starts ({month_label(first)})")
            return month_range_period(first, last)
        month = _checked_month(text, *parts)
        return _build(form, month, month)
    raise invalid_choice("period", text, _VALID_FORMS)


# ---------------------------------------------------------------------------
# Rounding and percentages as the published spreadsheets do them
# ---------------------------------------------------------------------------


def _exact(x: Number) -> Fraction:
    """``x`` as an exact Fraction (a float becomes its exact binary value)."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, Decimal)):
        raise AnalyticsError(f"Cannot round {x!r}: it is not a number.", title="Not a number")
    try:
        if isinstance(x, (numbers.Rational, float, Decimal)):
            return Fraction(x)
        return Fraction(float(x))  # other reals, e.g. numpy.float32: widening to float is exact
    except (ValueError, OverflowError):
        raise AnalyticsError(f"Cannot round {x!r}: it is not a finite number.", title="Not a number") from None


def _half_up(value: Fraction) -> int:
    # Round the magnitude half up, then restore the sign: halves go away from zero.
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def round_half_up(x: Number) -> int:
    """Round to the nearest whole number, halves away from zero (Excel ``ROUND(x, 0)``).

    ``1504.5 -> 1505``, ``2.5 -> 3``, ``-7.5 -> -8``, ``0.49999 -> 0``. Python's
    :func:`round` would give 1504 and 2 (halves to even), which does not match the
    published tables. Accepts int, float, Decimal and Fraction and computes exactly.
    """
    return _half_up(_exact(x))


def _whole_number(name: str, value: object) -> int:
    """``value`` as an int; whole-valued floats (pandas turns counts into floats) are allowed."""
    # True/False are ints to Python, but as a count they are a mistake.
    if not isinstance(value, bool):
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            # numbers.Real does not declare __int__, but the Reals that come here (float, numpy's floats,
            # Fraction) have it, and int() keeps a whole Fraction beyond float's precision exact.
            return int(cast(SupportsInt, value))
    raise AnalyticsError(f"{name} must be a whole number; got {value!r}.", title="Not a whole number")


def round_ratio_half_up(numerator: int, denominator: int, scale: int = 100) -> int:
    """``round_half_up(scale * numerator / denominator)``, computed exactly.

    With the default ``scale`` of 100 this is a whole percentage:
    16/91 gives 18 (17.58%), -93/349 gives -27 (-26.65%), -265/3468 gives -8 (-7.64%).
    """
    numerator = _whole_number("numerator", numerator)
    denominator = _whole_number("denominator", denominator)
    scale = _whole_number("scale", scale)
    if denominator == 0:
        raise AnalyticsError("Cannot divide by a denominator of 0.", title="Division by zero")
    return _half_up(Fraction(scale * numerator, denominator))


def mean_half_up(values: Iterable[Number]) -> int:
    """The mean of ``values`` rounded half up, as the panel's "Mean" column.

    ``(1715, 1294) -> 1505`` (1504.5) and ``(1396, 1447) -> 1422`` (1421.5).
    """
    exact_values = [_exact(v) for v in values]
    if not exact_values:
        raise AnalyticsError("Cannot take the mean of no values.", title="No values")
    return _half_up(sum(exact_values, Fraction(0)) / len(exact_values))


def as_count(name: str, value: object) -> int:
    """``value`` as a count of incidents: a whole number, 0 or more (whole-valued floats allowed)."""
    count = _whole_number(name, value)
    if count < 0:
        raise AnalyticsError(f"{name} must be 0 or more; got {count}.", title="Negative count")
    return count


def pct_change(count_a: int, count_b: int) -> int | None:
    """Percentage change from ``count_a`` (earlier) to ``count_b`` (later), rounded half up.

    ``pct_change(91, 107) == 18``. Returns None when ``count_a`` is 0: a change from
    nothing has no percentage (see :func:`format_pct`).
    """
    count_a, count_b = as_count("count_a", count_a), as_count("count_b", count_b)
    if count_a == 0:
        return None
    return round_ratio_half_up(count_b - count_a, count_a)


def format_pct(value: int | None, count_a: int | None = None, count_b: int | None = None) -> str:
    """A whole percentage as the published CSV writes it: ``"-8%"``, ``"0%"``, ``"18%"``.

    Negatives use a plain hyphen-minus, as the CSV does. For ``value`` None (no
    percentage): ``"new"`` when ``count_a`` is 0 and ``count_b`` is more than 0,
    otherwise ``"n/a"``.
    """
    if value is not None:
        return f"{value}%"
    if count_a == 0 and count_b is not None and count_b > 0:
        return "new"
    return "n/a"


def held_label(label: str, months: int, held: int) -> str:
    """A period named honestly: by the months the source holds of it when that is not all of them.

    The one rule for every tile, table header, chart legend, caption and download, so a part of a
    year is never read as a whole one (police.uk holds Oct 2018 to Feb 2019 of 2018-19):

    >>> held_label("2018-19", 12, 5)
    '2018-19 (5 of 12 months held)'
    >>> held_label("2017-18", 12, 0)
    '2017-18 (no month held)'
    >>> held_label("2017-18", 12, 12)
    '2017-18'

    ``months`` 0 means the coverage is not known (a frame built by hand): the label as it is.
    """
    if months <= 0 or held >= months:
        return label
    if held <= 0:
        return f"{label} (no month held)"
    return f"{label} ({held} of {months} months held)"


def _as_month(value: object) -> datetime.date:
    if isinstance(value, datetime.date):
        return datetime.date(value.year, value.month, 1)
    text = str(value)
    try:
        year, month = int(text[:4]), int(text[5:7])
        return datetime.date(year, month, 1)
    except ValueError:
        raise AnalyticsError(
            f"Cannot read {value!r} as a month; expected 'YYYY-MM' or a date.", title="Not a month"
        ) from None


def month_runs(months: Iterable[object]) -> str:
    """Months (dates or ``"YYYY-MM"``) as runs of consecutive months, e.g.
    ``"Mar 2019–Dec 2023; May–Dec 2024"``; ``""`` for none."""
    ordered = sorted({_as_month(m) for m in months})
    runs: list[tuple[datetime.date, datetime.date]] = []
    for month in ordered:
        if runs:
            first, last = runs[-1]
            if (month.year * 12 + month.month) - (last.year * 12 + last.month) == 1:
                runs[-1] = (first, month)
                continue
        runs.append((month, month))
    return "; ".join(month_range_period(first, last).label for first, last in runs)
