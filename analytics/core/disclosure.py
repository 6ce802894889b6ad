"""Disclosure control for public mode: one rule, declared column by column, failing closed.

Following ONS disclosure-control guidance, a count of incidents below a threshold (default 5) is
not shown: it reads "<5". Nothing on its row that rests on it is shown either (a difference, a
percentage, a mean, a rate, a share, a rank, a significance test, a model's fit, expected value
or components, an index), because any of those would give the small count away: a mean of 8 and
a hidden count reads 5 only when the hidden count is 1 or 2.

Every column of every table that can reach a screen or a file is declared once, in ``COLUMNS``:

- a **label** (an identifier, a name, a date, a coordinate, a population, a flag about the data
  rather than about the count): always shown;
- a **count** of incidents: hidden below the threshold;
- a value **derived** from named counts on its row: hidden when any of them is hidden. A period's
  rate rests on its own count alone, so the ward table, the map and the charts agree on it.

A row's place in a table ordered by its counts is derived from them too: swapping two hidden counts
must not swap two rows. ``public_order`` moves the rows that hide a count after the rows that show
theirs, in the order of their labels (totals stay last).

A column that is not declared is hidden whole, and ``undeclared`` names it, so a new column can
never pass untouched: tests/test_disclosure.py walks every analysis and fails naming any.
``hidden_cells`` is the rule; ``suppress`` (tables, downloads, the briefing pack) and
``is_hidden`` (sentences, chart bars and map layers, which draw hidden values their own way) are
how every door applies it.

Limits. This is primary suppression, for showing figures on a screen. It is not a safe way to
publish tables: in a tool where any ward, period and district can be picked, a hidden count can
be worked out by differencing (a district's total minus its other wards, a year minus eleven of
its months), which suppressing a second cell in one table would not stop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import pandas as pd

from analytics.core.table_meta import meta_of, with_meta
from analytics.core.vocabulary import ALL_CRIME, GRAND_TOTAL, NORTH_WORCESTERSHIRE, suppressed_label


class Kind(Enum):
    LABEL = "label"
    COUNT = "count"
    DERIVED = "derived"
    #: Free text that may state counts in words ("3 of them with no location"): shown, with every
    #: whole number below the threshold in it read as "<threshold".
    TEXT = "text"


@dataclass(frozen=True)
class Column:
    """What a column is, for disclosure: its kind and, when derived, the counts it rests on."""

    kind: Kind
    rests_on: tuple[str, ...] = ()


LABEL = Column(Kind.LABEL)
COUNT = Column(Kind.COUNT)
TEXT = Column(Kind.TEXT)


def derived(*counts: str) -> Column:
    return Column(Kind.DERIVED, counts)


_BOTH = ("count_a", "count_b")
_LABELS = (
    # identifiers, names and places
    "ward_code",
    "ward_name",
    "district",
    "type",
    "crime_type",
    "cell_id",
    "location",
    "lsoa_code",
    "lsoa_name",
    "source",
    "vintage",
    "check",
    "load_id",
    "file_name",
    "sha256",
    "loaded_at",
    "undone_at",
    "synthetic",
    "months",
    "polygon",
    "col",
    "row",
    "easting",
    "northing",
    "longitude",
    "latitude",
    # time: which month or year a row is, and whether the source holds it
    "month",
    "month_label",
    "month_of_year",
    "month_name",
    "year",
    "year_label",
    "position",
    "present",
    "partial",
    "in_window",
    "years",
    "months_complete",
    "full_year",
    "method",
    "method_code",
    # the forecast: how far ahead a month is, whether a month is in the model
    "horizon",
    "horizons",
    "in_model",
    # the backtest: how many forecasts it tested and its errors over all of them (averages over
    # many months of the history, from which no one month's count can be read)
    "origins",
    "forecasts",
    "mae",
    "mase",
    "mase_naive",
    "coverage_80",
    "coverage_95",
    "backtest_forecasts",
    "backtest_mase",
    "backtest_mase_naive",
    "backtest_coverage_80",
    "backtest_coverage_95",
    # NIRS classes and the hours of the week: what a row is, not how many
    "nirs_class",
    "day_of_week",
    "day_name",
    "hour",
    "time",
    # the West Mercia comparison: a district's partnership, whether a row is a district or a
    # partnership's total, and how many months of a period its counts cover
    "partnership",
    "level",
    "months_held_a",
    "months_held_b",
    # police.uk's last outcome category of a crime
    "outcome",
    # residents, not incidents; and counts of wards, not of incidents
    "population_mid2018",
    "wards",
    "wards_with_rows",
    # the register of ASB tools and powers (analytics/data/register.py) and the impact evaluation's areas
    *("register_id", "kind", "name", "boundaries", "area_geojson", "start", "end", "counted", "reported_for"),
    *("version", "area"),
)
_COUNTS = (
    "count_a",
    "count_b",
    "count",
    "total",
    "rows",
    "asb_rows",
    "rows_by_point",
    "rows_by_lsoa",
    "rows_by_extract_code",
    "rows_without_ward",
    "rows_read",
    "rows_stored",
    "rows_replaced",
    "rows_outside",
    "rows_outside_no_location",
    "value",
    # a month's mean count over the years the profile holds: a count of incidents in all but name
    "mean_count",
    # a coming month's expected count: a count of incidents in all but name
    "forecast",
)
_DERIVED: dict[str, Column] = {
    # the change between two periods and its test
    **{
        name: derived(*_BOTH)
        for name in (
            "difference",
            "pct_change",
            "percentage",
            "z",
            "p_value",
            "significant",
            "small_numbers",
            "mean",
            "mean_pct",
            "mean_percentage",
            "persistence",
            # the impact evaluation (analytics/analyses/impact.py): after against before and the comparison
            "expected_after",
            "effect",
            "effect_lower",
            "effect_upper",
        )
    },
    "rate_a_per_1000": derived("count_a"),
    # a class's share of its place's incidents in one period (nirs)
    "share_a_pct": derived("count_a"),
    "share_b_pct": derived("count_b"),
    "rate_b_per_1000": derived("count_b"),
    # incidents per month of periods of different lengths (command line, --allow-unequal)
    "per_month_a": derived("count_a"),
    "per_month_b": derived("count_b"),
    # one period's cells: Gi* and its class rest on the cell's own count among its neighbours'
    **{
        name: derived("count")
        for name in (
            "gi_z",
            "gi_p",
            "gi_p_adjusted",
            "gi_bin",
            "hotspot_class",
            "share_pct",
            "rank",
            # the seasonal model's fit of the month and its components: count = trend + seasonal + residual
            "trend",
            "seasonal",
            "residual",
            "expected",
            "lower",
            "upper",
            "outside_band",
            # a funnel plot's unit: its rate and where it lies against the limits
            "rate_per_1000",
            "funnel_position",
            # a funnel's control limits rest on the area's rate, its total over its units: hidden with
            # the unit's count, so an area whose total is hidden (every unit's count is then) shows none
            "limit_lower_95",
            "limit_upper_95",
            "limit_lower_998",
            "limit_upper_998",
        )
    },
    # a forecast's prediction intervals rest on it: a bound would give a hidden forecast away
    **{name: derived("forecast") for name in ("lower_80", "upper_80", "lower_95", "upper_95")},
    **{f"{name}_{p}": derived(f"count_{p}") for name in ("gi_z", "gi_p", "class") for p in ("a", "b")},
    # the month-of-year profile: its index is the month's mean count over the mean of all months
    **{name: derived("mean_count") for name in ("index", "above_mean", "adjusted_index", "adjusted_factor")},
}

#: Labels of total rows, which stay at the foot of a table.
TOTAL_LABELS = (GRAND_TOTAL, NORTH_WORCESTERSHIRE, ALL_CRIME)

#: Every column that can reach a screen or a file, declared once.
COLUMNS: dict[str, Column] = {
    **{name: LABEL for name in _LABELS},
    # the quality report's explanation of a check, which gives some counts in words
    "detail": TEXT,
    # what a committee paper says of a register entry, which may give counts in words
    "note": TEXT,
    **{name: COUNT for name in _COUNTS},
    **_DERIVED,
}


def is_hidden(count: object, threshold: int | None) -> bool:
    """Whether public mode hides this count: the rule for one value (sentences, bars, map cells)."""
    if threshold is None or count is None or count is pd.NA:
        return False
    try:
        value = float(count)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False  # "<5" already: hidden and labelled
    return value == value and value < threshold


def undeclared(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that ``COLUMNS`` does not declare (public mode hides them whole)."""
    return [str(c) for c in frame.columns if c not in COLUMNS]


def _counts_hidden(frame: pd.DataFrame, threshold: int) -> dict[str, pd.Series]:
    hidden = {}
    for column in frame.columns:
        if COLUMNS.get(column) is COUNT:
            values = pd.to_numeric(frame[column], errors="coerce")
            hidden[column] = (values.notna() & (values < threshold)).fillna(False).astype(bool)
    return hidden


def hidden_cells(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The rule: a boolean frame, True where public mode hides the cell.

    A count below ``threshold``; a derived value whose counts on its row include a hidden one (a
    derived column whose counts are not in the frame is hidden whole: nothing says it is safe);
    every cell of an undeclared column.
    """
    counts = _counts_hidden(frame, threshold)
    none = pd.Series(False, index=frame.index)
    every = pd.Series(True, index=frame.index)
    mask = {}
    for column in frame.columns:
        declared = COLUMNS.get(column)
        if declared is None:
            mask[column] = every
        elif declared.kind in (Kind.LABEL, Kind.TEXT):
            mask[column] = none
        elif declared.kind is Kind.COUNT:
            mask[column] = counts[column]
        else:
            rests = [counts[c] for c in declared.rests_on if c in counts]
            if len(rests) < len(declared.rests_on):
                mask[column] = every
            else:
                combined = none
                for part in rests:
                    combined = combined | part
                mask[column] = combined
    return pd.DataFrame(mask, index=frame.index, columns=frame.columns)


def _label_column(frame: pd.DataFrame) -> str | None:
    """The column that names a row: the first label column holding text, or None."""
    for column in frame.columns:
        if COLUMNS.get(column) is LABEL and not pd.api.types.is_numeric_dtype(frame[column]):
            return str(column)
    return None


def public_order(frame: pd.DataFrame, threshold: int | None) -> pd.DataFrame:
    """``frame``'s rows in an order that does not rest on a hidden count.

    Rows that show all their counts keep their order; rows that hide one follow them, ordered by
    their label; total rows ("Grand Total", "North Worcestershire", "All recorded crime") stay last.
    Always, whatever the table's own order: a rule that left a table alone when it happened to be in
    label order would itself tell hidden counts apart. A frame with no hidden count is returned as
    it is.
    """
    if threshold is None or frame.empty:
        return frame
    label = _label_column(frame)
    hiding = pd.Series(False, index=frame.index)
    for hide in _counts_hidden(frame, threshold).values():
        hiding |= hide
    if label is None or not hiding.any():
        return frame
    total = frame[label].astype(str).isin(TOTAL_LABELS)
    shown = frame[~hiding & ~total]
    hidden = frame[hiding & ~total].sort_values(label, key=lambda s: s.astype(str), kind="stable")
    out = pd.concat([shown, hidden, frame[total]])
    out.attrs = dict(frame.attrs)
    return out


def suppress(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A copy of ``frame`` as public mode shows it: hidden counts read "<threshold", hidden derived
    values and undeclared columns are blank, rows in :func:`public_order`. ``attrs`` are kept, with
    ``suppressed_below`` set."""
    frame = public_order(frame, threshold)
    mask = hidden_cells(frame, threshold)
    out = frame.copy()
    label = suppressed_label(threshold)
    for column in frame.columns:
        hide = mask[column]
        if not hide.any():
            continue
        filler = label if COLUMNS.get(column) is COUNT else ""
        out[column] = out[column].astype(object).where(~hide, filler)
    for column in frame.columns:
        if COLUMNS.get(column) is TEXT:
            out[column] = out[column].map(lambda text: hide_small_numbers(text, threshold))
    out.attrs = dict(frame.attrs)
    return with_meta(out, meta_of(frame).with_(suppressed_below=threshold))


#: A whole number standing alone in text (not part of 1,234, 2.5 or a code like E05007868).
_NUMBER_IN_TEXT = re.compile(r"(?<![\w,.])(\d+)(?![\w,.])")


def hide_small_numbers(text: object, threshold: int) -> object:
    """``text`` with every whole number below ``threshold`` in it read as "<threshold": the rule
    for counts given in words. Anything that is not text is returned as it is.

    >>> hide_small_numbers("3 of them with no location; 12 moved", 5)
    '<5 of them with no location; 12 moved'
    """
    if not isinstance(text, str):
        return text
    return _NUMBER_IN_TEXT.sub(lambda m: suppressed_label(threshold) if int(m[1]) < threshold else m[1], text)
