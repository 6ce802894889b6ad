"""What the SYNTHETIC extract (:mod:`analytics.data.demo`) must hold, before anything is drawn.

The checked inputs (police.uk snap points and WD22 wards, in a fixed order) and, for each
financial year of the extract, a :class:`YearPlan`: exact counts by keyword and by ward.
The published years take the panel's figures; the years before them and the part year
after are derived as the module docstring of :mod:`analytics.data.demo` describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from types import MappingProxyType
from typing import TypedDict, Unpack

import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError
from analytics.core.periods import round_half_up
from analytics.core.vocabulary import EXTRACT_KEYWORDS
from analytics.data.demo_profile import daily_intensity, largest_remainder
from analytics.data.demo_published import PUBLISHED_YEARS, Targets, ward_key

__all__ = [
    "DISTRICTS",
    "EXTRACT_START",
    "EXTRACT_END",
    "UNPUBLISHED_YEAR_TOTALS",
    "PART_YEAR",
    "YearPlan",
    "bad_input",
    "require_columns",
    "check_seed",
    "check_targets",
    "prepared_wards",
    "prepared_locations",
    "year_plans",
]

DISTRICTS = ("Bromsgrove", "Redditch", "Wyre Forest")

#: Inclusive, as the panel's chart "1 April 2015 to 28 August 2019".
EXTRACT_START = date(2015, 4, 1)
EXTRACT_END = date(2019, 8, 28)

LOCATION_COLUMNS = ("ward_code", "district", "longitude", "latitude", "location", "asb_count")
WARD_COLUMNS = ("ward_code", "ward_name", "district")

# ---------------------------------------------------------------------------
# Assumptions for the years the panel did not tabulate (documented choices)
# ---------------------------------------------------------------------------

#: Totals for the two years before the published ones. The published two-year mean is
#: 10,189; these sit near it with a small rise into 2016-17 (the 2016/17 briefing reported
#: recorded crime up in all three districts), so the series reads 10,300, 10,650, then the
#: published 10,502 and 9,876: "levels ... remained similar every year".
UNPUBLISHED_YEAR_TOTALS = MappingProxyType({"2015-16": 10_300, "2016-17": 10_650})
#: The extract's last, part year: 1 April to 28 August 2019, at the 2018-19 level.
PART_YEAR = "2019-20"


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def bad_input(message: str) -> AnalyticsError:
    """The error for arguments the generator cannot use."""
    return AnalyticsError(message, title="Cannot generate the synthetic extract")


def require_columns(frame: object, columns: Iterable[str], name: str) -> None:
    """Refuse anything but a DataFrame with every one of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise bad_input(f"{name} must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise bad_input(f"{name} is missing the column(s) {', '.join(missing)}.")


def check_seed(seed: object) -> int:
    """The seed as an int; refuses booleans, fractions, strings and negatives."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise bad_input(f"The seed must be a whole number of 0 or more; got {seed!r}.")
    return int(seed)


def prepared_wards(wards: pd.DataFrame) -> pd.DataFrame:
    """The wards' code, name and district as strings, checked, in ward-code order."""
    require_columns(wards, WARD_COLUMNS, "wards")
    wards = wards.loc[:, list(WARD_COLUMNS)].astype(str)
    if wards["ward_code"].duplicated().any():
        raise bad_input("wards lists a ward code more than once.")
    unknown = sorted(set(wards["district"]) - set(DISTRICTS))
    if unknown:
        raise bad_input(f"wards has unknown district(s) {', '.join(unknown)}; expected {', '.join(DISTRICTS)}.")
    absent = [d for d in DISTRICTS if d not in set(wards["district"])]
    if absent:
        raise bad_input(f"wards has no ward in {', '.join(absent)}.")
    # A fixed order so that the output does not depend on the order of the input rows.
    return wards.sort_values("ward_code", kind="stable").reset_index(drop=True)


def prepared_locations(locations: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """The snap points, typed and checked against ``wards``, in ward, coordinate and name order."""
    require_columns(locations, LOCATION_COLUMNS, "locations")
    frame = locations.loc[:, list(LOCATION_COLUMNS)].copy()
    frame["ward_code"] = frame["ward_code"].astype(str)
    frame["district"] = frame["district"].astype(str)
    frame["location"] = frame["location"].astype(str)
    try:
        for column in ("longitude", "latitude", "asb_count"):
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise bad_input(f"locations has a value that is not a number: {exc}.") from None
    if not np.isfinite(frame[["longitude", "latitude"]].to_numpy()).all():
        raise bad_input("locations has a missing or infinite longitude or latitude.")
    counts = frame["asb_count"].to_numpy()
    if not (np.isfinite(counts) & (counts > 0) & (counts == np.floor(counts))).all():
        raise bad_input("locations.asb_count must be a whole number of 1 or more at every point.")
    frame["asb_count"] = frame["asb_count"].astype(np.int64)
    district_of = wards.set_index("ward_code")["district"]
    unknown = sorted(set(frame["ward_code"]) - set(district_of.index))
    if unknown:
        raise bad_input(f"locations has ward code(s) not in wards: {', '.join(unknown[:5])}.")
    if (frame["district"].to_numpy() != district_of.loc[frame["ward_code"]].to_numpy()).any():
        raise bad_input("locations gives a district that differs from its ward's district in wards.")
    empty = sorted(set(wards["ward_code"]) - set(frame["ward_code"]))
    if empty:
        raise bad_input(f"Ward(s) {', '.join(empty[:5])} have no location to place incidents at.")
    return frame.sort_values(["ward_code", "longitude", "latitude", "location"], kind="stable").reset_index(drop=True)


def check_targets(targets: object) -> None:
    """Refuse anything but :class:`Targets` for the published years."""
    if not isinstance(targets, Targets):
        raise bad_input(f"targets must come from load_targets(); got {type(targets).__name__}.")
    if targets.years != PUBLISHED_YEARS or tuple(targets.redditch_ward_counts) != PUBLISHED_YEARS:
        raise bad_input(f"targets must hold the years {', '.join(PUBLISHED_YEARS)}.")


def _redditch_ward_codes(targets: Targets, wards: pd.DataFrame) -> dict[str, str]:
    """Published ward name -> ward code, matching names as the panel writes them."""
    redditch = wards[wards["district"] == "Redditch"]
    code_by_key = dict(zip(redditch["ward_name"].map(ward_key), redditch["ward_code"], strict=False))
    published = list(targets.redditch_ward_counts[PUBLISHED_YEARS[0]])
    for year in PUBLISHED_YEARS[1:]:
        if set(targets.redditch_ward_counts[year]) != set(published):
            raise bad_input("The published ward table does not list the same wards in both years.")
    unmatched = [w for w in published if ward_key(w) not in code_by_key]
    extra = sorted(set(code_by_key) - {ward_key(w) for w in published})
    if unmatched or extra:
        raise bad_input(
            "The published Redditch wards and the Redditch wards in wards differ: "
            f"unmatched published {unmatched}, unpublished {extra}."
        )
    return {w: code_by_key[ward_key(w)] for w in published}


# ---------------------------------------------------------------------------
# Year plans: exact counts by keyword, ward and month
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class YearPlan:
    """Exact counts for one financial year (or the part year) of the extract."""

    label: str
    start: date
    end: date  # inclusive
    keyword_counts: np.ndarray  # aligned with EXTRACT_KEYWORDS
    ward_counts: np.ndarray  # aligned with the prepared wards frame

    @property
    def total(self) -> int:
        return int(self.keyword_counts.sum())


def _split_remainder(remainder: int, redditch: int, bromsgrove_share: Fraction, label: str) -> tuple[int, int]:
    """Bromsgrove and Wyre Forest totals for the non-Redditch ``remainder``.

    Follows the observed share, then moves the fewest incidents needed to keep the panel's
    ordering Wyre Forest > Redditch > Bromsgrove.
    """
    bromsgrove = round_half_up(remainder * bromsgrove_share)
    bromsgrove = min(bromsgrove, redditch - 1)  # Bromsgrove below Redditch
    bromsgrove = min(bromsgrove, remainder - (redditch + 1))  # Wyre Forest above Redditch
    if bromsgrove < 0:
        raise bad_input(
            f"In {label} no split of {remainder} between Bromsgrove and Wyre Forest "
            f"keeps Redditch ({redditch}) between them."
        )
    return bromsgrove, remainder - bromsgrove


def _plan_year(
    label: str,
    start: date,
    end: date,
    keyword_counts: np.ndarray,
    redditch_counts: dict[str, int],
    wards: pd.DataFrame,
    ward_weight: pd.Series,
    bromsgrove_share: Fraction,
) -> YearPlan:
    """Exact ward counts for one year: Redditch as given, the rest by observed shares."""
    total = int(keyword_counts.sum())
    redditch = sum(redditch_counts.values())
    district_totals = dict(
        zip(
            ("Bromsgrove", "Wyre Forest"),
            _split_remainder(total - redditch, redditch, bromsgrove_share, label),
            strict=False,
        )
    )
    ward_counts = np.zeros(len(wards), dtype=np.int64)
    codes = wards["ward_code"].to_numpy()
    for code, count in redditch_counts.items():
        ward_counts[codes == code] = count
    for district, district_total in district_totals.items():
        members = (wards["district"] == district).to_numpy()
        ward_counts[members] = largest_remainder(ward_weight[codes[members]].to_numpy(), district_total)
    return YearPlan(label, start, end, np.asarray(keyword_counts, dtype=np.int64), ward_counts)


class _SharedPlanArgs(TypedDict):
    """The arguments every year's :func:`_plan_year` shares."""

    wards: pd.DataFrame
    ward_weight: pd.Series
    bromsgrove_share: Fraction


def _derived_year(
    label: str,
    start: date,
    end: date,
    total: int,
    keyword_weights: Sequence[float] | np.ndarray,
    redditch_share: Fraction,
    redditch_ward_weights: dict[str, float] | dict[str, int],
    **shared: Unpack[_SharedPlanArgs],
) -> YearPlan:
    """A year without published figures: ``total`` split by the given mixes."""
    keyword_counts = largest_remainder(keyword_weights, total)
    redditch_total = round_half_up(total * redditch_share)
    codes = list(redditch_ward_weights)
    split = largest_remainder([redditch_ward_weights[c] for c in codes], redditch_total)
    return _plan_year(label, start, end, keyword_counts, dict(zip(codes, split.tolist(), strict=False)), **shared)


def _fy_bounds(label: str) -> tuple[date, date]:
    """First and last day of the financial year ``label`` (``"2017-18"``)."""
    start = int(label[:4])
    return date(start, 4, 1), date(start + 1, 3, 31)


def _shared_args(wards: pd.DataFrame, locations: pd.DataFrame) -> _SharedPlanArgs:
    """Ward weights and Bromsgrove's share of the non-Redditch remainder, from police.uk ASB counts."""
    ward_weight = locations.groupby("ward_code")["asb_count"].sum()
    district_weight = locations.groupby("district")["asb_count"].sum()
    return _SharedPlanArgs(
        wards=wards,
        ward_weight=ward_weight,
        bromsgrove_share=Fraction(
            int(district_weight["Bromsgrove"]), int(district_weight["Bromsgrove"] + district_weight["Wyre Forest"])
        ),
    )


def _published_years(targets: Targets, code_of: dict[str, str], shared: _SharedPlanArgs) -> dict[str, YearPlan]:
    """The published years: the panel's keyword and Redditch ward counts exactly."""
    published = {}
    for label in PUBLISHED_YEARS:
        keyword_counts = np.array([targets.keyword_counts[label][k] for k in EXTRACT_KEYWORDS])
        redditch = {code_of[w]: c for w, c in targets.redditch_ward_counts[label].items()}
        published[label] = _plan_year(label, *_fy_bounds(label), keyword_counts, redditch, **shared)
    return published


def _unpublished_years(targets: Targets, code_of: dict[str, str], shared: _SharedPlanArgs) -> list[YearPlan]:
    """Unpublished full years: the published mean keyword mix, Redditch's mean share of the
    total and the mean of its two years' ward shares."""
    first, last = PUBLISHED_YEARS
    redditch_share = (
        Fraction(targets.redditch_total(first), targets.total(first))
        + Fraction(targets.redditch_total(last), targets.total(last))
    ) / 2
    mean_ward_share = {
        code_of[w]: (
            targets.redditch_ward_counts[first][w] / targets.redditch_total(first)
            + targets.redditch_ward_counts[last][w] / targets.redditch_total(last)
        )
        / 2
        for w in code_of
    }
    return [
        _derived_year(
            label,
            *_fy_bounds(label),
            total,
            [targets.keyword_mean[k] for k in EXTRACT_KEYWORDS],
            redditch_share,
            mean_ward_share,
            **shared,
        )
        for label, total in sorted(UNPUBLISHED_YEAR_TOTALS.items())
    ]


def _part_year(targets: Targets, code_of: dict[str, str], last_plan: YearPlan, shared: _SharedPlanArgs) -> YearPlan:
    """The part year: the seasonal share of a whole year at the 2018-19 level and mix."""
    last = PUBLISHED_YEARS[-1]
    part_start, part_year_end = _fy_bounds(PART_YEAR)
    intensity = daily_intensity(part_start, part_year_end)
    share = intensity[: pd.Timestamp(EXTRACT_END)].sum() / intensity.sum()
    return _derived_year(
        PART_YEAR,
        part_start,
        EXTRACT_END,
        round_half_up(last_plan.total * share),
        last_plan.keyword_counts,
        Fraction(targets.redditch_total(last), targets.total(last)),
        {code_of[w]: c for w, c in targets.redditch_ward_counts[last].items()},
        **shared,
    )


def year_plans(targets: Targets, wards: pd.DataFrame, locations: pd.DataFrame) -> list[YearPlan]:
    """The plan of every year of the extract, in time order, from prepared ``wards`` and ``locations``."""
    shared = _shared_args(wards, locations)
    code_of = _redditch_ward_codes(targets, wards)
    first, last = PUBLISHED_YEARS
    published = _published_years(targets, code_of, shared)
    plans = _unpublished_years(targets, code_of, shared)
    plans += [published[label] for label in PUBLISHED_YEARS]
    plans.append(_part_year(targets, code_of, published[last], shared))
    _check_reductions(published[first], published[last], wards)
    return plans


def _check_reductions(before: YearPlan, after: YearPlan, wards: pd.DataFrame) -> None:
    # "All districts recorded a reduction": true of the published figures with constant
    # shares; refuse targets for which it would not be.
    for district in DISTRICTS:
        members = (wards["district"] == district).to_numpy()
        if after.ward_counts[members].sum() >= before.ward_counts[members].sum():
            raise bad_input(
                f"The targets give {district} no reduction from {before.label} to "
                f"{after.label}, contrary to the published statement."
            )
