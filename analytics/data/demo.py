"""A SYNTHETIC force ASB incident extract, calibrated to the panel's published figures.

Real West Mercia Police incident records are restricted, so the dashboard demonstrates
itself on made-up incidents. Every row this module produces is invented: the incident
references start with ``SYN-``, the file name says ``SYNTHETIC``, and nothing in it
describes a real incident. Only the *places* are real (police.uk anonymised snap points)
and only the *aggregates* are real (the published tables of the Redditch Crime & Disorder
Scrutiny Panel, 25 September 2019).

The extract runs from 1 April 2015 to 28 August 2019, as the panel's seasonal chart does,
and is calibrated by construction, never by rejection sampling:

* Financial years 2017-18 and 2018-19 take the published keyword counts for North
  Worcestershire (10,502 and 9,876 incidents) and the published Redditch ward counts
  (3,468 and 3,203) exactly.
* The non-Redditch remainder is split between Bromsgrove and Wyre Forest by their shares
  of police.uk ASB (the ``asb_count`` of the snap points), nudged only if needed to keep
  the panel's "less than Wyre Forest but more than Bromsgrove" ordering; their wards get
  the district total in proportion to police.uk ward shares. All integer splits use the
  largest-remainder method, so they sum exactly.
* Keywords and wards are paired by shuffling two multisets of exactly the right sizes with
  the seeded generator (both marginals stay exact; keyword by district varies a little).
* Month counts come from a fixed seasonal profile (:data:`MONTH_RATE`, with Halloween and
  Bonfire Night uplifts and a weekday profile), rounded by largest remainder, so every
  year peaks in October and is lower in spring and summer. Only the day within the month
  and the time of day are random.
* FY2015-16 and FY2016-17 have no published figures; they get :data:`UNPUBLISHED_YEAR_TOTALS`
  with the published mean keyword mix and the mean of the two published years' Redditch
  share and ward shares. The part year to 28 August 2019 is the seasonal share of a year
  at the 2018-19 level with the 2018-19 mix.
* Each incident gets a NIRS class drawn from :data:`NIRS_DISTRIBUTION` for its keyword and
  a location drawn from its ward's police.uk snap points in proportion to ``asb_count``.

The same inputs and seed give the same rows (and a byte-identical CSV); another seed
gives different rows with exactly the same calibrated aggregates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import TypedDict, Unpack, cast

import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError, InputError
from analytics.core.periods import financial_year_label, mean_half_up, round_half_up, round_ratio_half_up
from analytics.core.vocabulary import EXTRACT_KEYWORDS, NIRS_CLASSES

__all__ = [
    "DISTRICTS",
    "EXTRACT_START",
    "EXTRACT_END",
    "DEFAULT_SEED",
    "SYNTHETIC_FILE_NAME",
    "OUTPUT_COLUMNS",
    "PUBLISHED_YEARS",
    "UNPUBLISHED_YEAR_TOTALS",
    "MONTH_RATE",
    "FESTIVAL_UPLIFT",
    "WEEKDAY_RATE",
    "HOUR_WEIGHT",
    "NIRS_DISTRIBUTION",
    "Targets",
    "load_targets",
    "generate_extract",
    "write_extract",
    "daily_intensity",
]

# ---------------------------------------------------------------------------
# Vocabulary and extent
# ---------------------------------------------------------------------------

DISTRICTS = ("Bromsgrove", "Redditch", "Wyre Forest")

#: Inclusive, as the panel's chart "1 April 2015 to 28 August 2019".
EXTRACT_START = date(2015, 4, 1)
EXTRACT_END = date(2019, 8, 28)
#: The panel meeting date, 25 September 2019.
DEFAULT_SEED = 20190925
SYNTHETIC_FILE_NAME = "force_asb_extract_SYNTHETIC_2015-04_2019-08.csv"
#: Incident references look like ``SYN-2017-000123``: never mistakable for a force reference.
INCIDENT_REF_PREFIX = "SYN"

OUTPUT_COLUMNS = (
    "incident_ref",
    "reported_at",
    "keyword",
    "nirs_class",
    "district",
    "ward_code",
    "longitude",
    "latitude",
    "location",
)
LOCATION_COLUMNS = ("ward_code", "district", "longitude", "latitude", "location", "asb_count")
WARD_COLUMNS = ("ward_code", "ward_name", "district")

# ---------------------------------------------------------------------------
# Published tables
# ---------------------------------------------------------------------------

KEYWORD_TABLE_FILE = "north_worcs_asb_incident_types_fy2017_fy2018.csv"
WARD_TABLE_FILE = "redditch_ward_asb_fy2017_fy2018.csv"
PUBLISHED_YEARS = ("2017-18", "2018-19")
_GRAND_TOTAL = "Grand Total"
_YEAR_COLUMN = re.compile(r"^fy(\d{4})_(\d{2})$")

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
# Seasonal and time-of-day profile
# ---------------------------------------------------------------------------

#: Relative daily rate of ASB by calendar month: a smooth cycle lowest in spring, a little
#: higher over the summer holidays but still below the year's mean, rising through the
#: darker evenings to a peak in October and November ("peak at around Halloween but lower
#: in the spring and summer months").
MONTH_RATE = MappingProxyType(
    {
        1: 0.97,
        2: 0.93,
        3: 0.90,
        4: 0.90,
        5: 0.92,
        6: 0.93,
        7: 0.95,
        8: 0.94,
        9: 1.00,
        10: 1.14,
        11: 1.10,
        12: 1.00,
    }
)
#: Extra daily rate, as a multiple of the ordinary day's rate, around Mischief Night,
#: Halloween and Bonfire Night. Adds roughly 3 ordinary days to each of October and
#: November, so October is every year's highest month.
FESTIVAL_UPLIFT = MappingProxyType(
    {
        (10, 30): 0.6,
        (10, 31): 2.0,
        (11, 1): 0.4,
        (11, 4): 0.6,
        (11, 5): 2.0,
        (11, 6): 0.4,
    }
)
#: Relative daily rate Monday..Sunday: more on Friday and Saturday.
WEEKDAY_RATE = (0.93, 0.92, 0.95, 0.98, 1.10, 1.16, 0.99)
#: Relative rate by hour of report, 00..23: fewest at 4am, rising through the day to an
#: evening peak at 7-8pm.
HOUR_WEIGHT = (
    2.6,
    1.9,
    1.4,
    1.0,
    0.7,
    0.8,
    1.1,
    1.8,
    2.7,
    3.3,
    3.8,
    4.2,
    4.5,
    4.6,
    4.8,
    5.4,
    6.0,
    6.5,
    6.9,
    7.0,
    6.6,
    5.7,
    4.5,
    3.4,
)

# ---------------------------------------------------------------------------
# NIRS class by keyword
# ---------------------------------------------------------------------------

#: Probability of (Nuisance, Personal, Environmental) for each keyword. Disputes and
#: threats are aimed at a person; youth, fights, begging and parking trouble the community
#: in general (parking partly Environmental: obstruction, abandoned vehicles); "Other"
#: spreads over all three.
NIRS_DISTRIBUTION = MappingProxyType(
    {
        "Other": (0.55, 0.20, 0.25),
        "Youth related": (0.85, 0.10, 0.05),
        "Neighbour Dispute": (0.15, 0.80, 0.05),
        "Threats/ Harassment": (0.05, 0.93, 0.02),
        "Fights/ Arguments": (0.75, 0.23, 0.02),
        "Parking": (0.70, 0.05, 0.25),
        "Begging": (0.90, 0.08, 0.02),
    }
)

_SECONDS_PER_HOUR = 3600


# ---------------------------------------------------------------------------
# Targets: the two published tables
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """The published figures the extract must reproduce (read-only mappings).

    ``keyword_counts[year][keyword]`` and ``redditch_ward_counts[year][ward]`` use the
    panel's financial-year labels (``"2017-18"``) and its spelling of ward names.
    """

    keyword_counts: Mapping[str, Mapping[str, int]]
    keyword_mean: Mapping[str, int]
    keyword_mean_percentage: Mapping[str, int]
    redditch_ward_counts: Mapping[str, Mapping[str, int]]

    @property
    def years(self) -> tuple[str, ...]:
        return tuple(self.keyword_counts)

    def total(self, year: str) -> int:
        """North Worcestershire total for ``year``."""
        return sum(self.keyword_counts[year].values())

    def redditch_total(self, year: str) -> int:
        return sum(self.redditch_ward_counts[year].values())


def _ward_key(name: str) -> str:
    # As analytics.data.geography.normalise_ward_name ("&" -> "and"), and case-blind for matching.
    return " ".join(str(name).replace("&", " and ").split()).casefold()


def _read_table(path: Path, first_column: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The CSV as strings, and its year columns mapped to labels (``fy2017_18`` -> ``2017-18``)."""
    if not path.is_file():
        raise InputError(
            "The published table is missing.",
            file=str(path),
            fix="Copy it from /work/shared/published/ into the published folder.",
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [c.strip() for c in frame.columns]
    years = {}
    for column in frame.columns:
        match = _YEAR_COLUMN.match(column)
        if match:
            start = int(match.group(1))
            if (start + 1) % 100 != int(match.group(2)):
                raise InputError(f"Column {column!r} is not a financial year.", file=str(path))
            years[column] = financial_year_label(start)
    if first_column not in frame.columns or tuple(years.values()) != PUBLISHED_YEARS:
        raise InputError(
            f"Expected columns {first_column!r} and the years {', '.join(PUBLISHED_YEARS)}; "
            f"found {', '.join(frame.columns)}.",
            file=str(path),
        )
    return frame, years


def _whole(path: Path, line: int, column: str, text: str, suffix: str = "") -> int:
    raw = text.strip()
    if suffix and raw.endswith(suffix):
        raw = raw[: -len(suffix)]
    if not re.fullmatch(r"-?\d+", raw):
        raise InputError(
            f"{column} {text!r} is not a whole number{' ' + suffix if suffix else ''}.", file=str(path), line=line
        )
    return int(raw)


def _read_keyword_table(path: Path):
    frame, years = _read_table(path, "keyword")
    counts: dict[str, dict[str, int]] = {label: {} for label in years.values()}
    mean, mean_pct = {}, {}
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2  # the header is line 1
        keyword = row["keyword"].strip()
        if keyword not in EXTRACT_KEYWORDS or keyword in mean:
            raise InputError(f"Unexpected or repeated keyword {keyword!r}.", file=str(path), line=line)
        for column, label in years.items():
            counts[label][keyword] = _whole(path, line, column, row[column])
        mean[keyword] = _whole(path, line, "mean", row.get("mean", ""))
        mean_pct[keyword] = _whole(path, line, "mean_percentage", row.get("mean_percentage", ""), "%")
        # The README's rule: Mean is the half-up mean of the two years.
        if mean[keyword] != mean_half_up(counts[label][keyword] for label in years.values()):
            raise InputError(
                f"Mean {mean[keyword]} of {keyword!r} is not the mean of its years.", file=str(path), line=line
            )
    if set(mean) != set(EXTRACT_KEYWORDS):
        raise InputError(
            f"Keywords missing: {', '.join(k for k in EXTRACT_KEYWORDS if k not in mean)}.", file=str(path)
        )
    sum_of_means = sum(mean.values())
    for keyword in EXTRACT_KEYWORDS:
        if mean_pct[keyword] != round_ratio_half_up(mean[keyword], sum_of_means):
            raise InputError(f"Mean percentage of {keyword!r} does not match its mean.", file=str(path))
    ordered = {label: MappingProxyType({k: c[k] for k in EXTRACT_KEYWORDS}) for label, c in counts.items()}
    return (
        MappingProxyType(ordered),
        MappingProxyType({k: mean[k] for k in EXTRACT_KEYWORDS}),
        MappingProxyType({k: mean_pct[k] for k in EXTRACT_KEYWORDS}),
    )


def _read_ward_table(path: Path):
    frame, years = _read_table(path, "ward")
    counts: dict[str, dict[str, int]] = {label: {} for label in years.values()}
    grand_total = None
    seen = set()
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        ward = " ".join(row["ward"].split())
        values = {label: _whole(path, line, column, row[column]) for column, label in years.items()}
        if ward == _GRAND_TOTAL:
            grand_total = (line, values)
            continue
        if _ward_key(ward) in seen:
            raise InputError(f"Ward {ward!r} is listed twice.", file=str(path), line=line)
        seen.add(_ward_key(ward))
        for label, value in values.items():
            if value < 0:
                raise InputError(f"Negative count for {ward!r}.", file=str(path), line=line)
            counts[label][ward] = value
    if grand_total is not None:
        line, values = grand_total
        for label, value in values.items():
            if value != sum(counts[label].values()):
                raise InputError(
                    f"Grand Total {value} for {label} is not the sum of the wards.", file=str(path), line=line
                )
    return MappingProxyType({label: MappingProxyType(c) for label, c in counts.items()})


def load_targets(published_dir: Path) -> Targets:
    """Read the two published tables from ``published_dir`` and check them against their own rules."""
    published_dir = Path(published_dir)
    if not published_dir.is_dir():
        raise AnalyticsError(f"No folder of published figures at {published_dir}.", title="Published figures not found")
    keyword_counts, mean, mean_pct = _read_keyword_table(published_dir / KEYWORD_TABLE_FILE)
    ward_counts = _read_ward_table(published_dir / WARD_TABLE_FILE)
    return Targets(keyword_counts, mean, mean_pct, ward_counts)


# ---------------------------------------------------------------------------
# Integer allocation and the seasonal profile
# ---------------------------------------------------------------------------


def _largest_remainder(weights, total: int) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (Hamilton's method).

    Each part is the floor or the ceiling of its exact quota and the parts sum to
    ``total``. Ties go to the earlier item, so the split is deterministic.
    """
    weights = np.asarray(weights, dtype=float)
    if total < 0 or weights.size == 0 or (weights < 0).any() or not np.isfinite(weights).all():
        raise AnalyticsError(f"Cannot split {total} over weights {weights.tolist()}.", title="Cannot split a total")
    if total == 0:
        return np.zeros(weights.size, dtype=np.int64)
    if weights.sum() <= 0:
        raise AnalyticsError(f"Cannot split {total} over weights that are all zero.", title="Cannot split a total")
    quotas = weights / weights.sum() * total
    parts = np.floor(quotas).astype(np.int64)
    short = total - int(parts.sum())
    order = np.argsort(-(quotas - parts), kind="stable")
    parts[order[:short]] += 1
    return parts


def daily_intensity(start: date, end: date) -> pd.Series:
    """Relative expected ASB per day from ``start`` to ``end`` inclusive, indexed by day.

    The product of :data:`MONTH_RATE`, :data:`WEEKDAY_RATE` and (1 + :data:`FESTIVAL_UPLIFT`).
    Month counts are this series summed by month, so they need no random numbers.
    """
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    month_rate = np.array([MONTH_RATE[m] for m in range(1, 13)])[days.month - 1]
    weekday_rate = np.asarray(WEEKDAY_RATE)[days.day_of_week]
    uplift = np.array([FESTIVAL_UPLIFT.get((m, d), 0.0) for m, d in zip(days.month, days.day, strict=False)])
    return pd.Series(month_rate * weekday_rate * (1.0 + uplift), index=days, name="intensity")


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _bad_input(message: str) -> AnalyticsError:
    return AnalyticsError(message, title="Cannot generate the synthetic extract")


def _require_columns(frame, columns, name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise _bad_input(f"{name} must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _bad_input(f"{name} is missing the column(s) {', '.join(missing)}.")


def _check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise _bad_input(f"The seed must be a whole number of 0 or more; got {seed!r}.")
    return int(seed)


def _prepared_wards(wards: pd.DataFrame) -> pd.DataFrame:
    _require_columns(wards, WARD_COLUMNS, "wards")
    wards = wards.loc[:, list(WARD_COLUMNS)].astype(str)
    if wards["ward_code"].duplicated().any():
        raise _bad_input("wards lists a ward code more than once.")
    unknown = sorted(set(wards["district"]) - set(DISTRICTS))
    if unknown:
        raise _bad_input(f"wards has unknown district(s) {', '.join(unknown)}; expected {', '.join(DISTRICTS)}.")
    absent = [d for d in DISTRICTS if d not in set(wards["district"])]
    if absent:
        raise _bad_input(f"wards has no ward in {', '.join(absent)}.")
    # A fixed order so that the output does not depend on the order of the input rows.
    return wards.sort_values("ward_code", kind="stable").reset_index(drop=True)


def _prepared_locations(locations: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    _require_columns(locations, LOCATION_COLUMNS, "locations")
    frame = locations.loc[:, list(LOCATION_COLUMNS)].copy()
    frame["ward_code"] = frame["ward_code"].astype(str)
    frame["district"] = frame["district"].astype(str)
    frame["location"] = frame["location"].astype(str)
    try:
        for column in ("longitude", "latitude", "asb_count"):
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise _bad_input(f"locations has a value that is not a number: {exc}.") from None
    if not np.isfinite(frame[["longitude", "latitude"]].to_numpy()).all():
        raise _bad_input("locations has a missing or infinite longitude or latitude.")
    counts = frame["asb_count"].to_numpy()
    if not (np.isfinite(counts) & (counts > 0) & (counts == np.floor(counts))).all():
        raise _bad_input("locations.asb_count must be a whole number of 1 or more at every point.")
    frame["asb_count"] = frame["asb_count"].astype(np.int64)
    district_of = wards.set_index("ward_code")["district"]
    unknown = sorted(set(frame["ward_code"]) - set(district_of.index))
    if unknown:
        raise _bad_input(f"locations has ward code(s) not in wards: {', '.join(unknown[:5])}.")
    if (frame["district"].to_numpy() != district_of.loc[frame["ward_code"]].to_numpy()).any():
        raise _bad_input("locations gives a district that differs from its ward's district in wards.")
    empty = sorted(set(wards["ward_code"]) - set(frame["ward_code"]))
    if empty:
        raise _bad_input(f"Ward(s) {', '.join(empty[:5])} have no location to place incidents at.")
    return frame.sort_values(["ward_code", "longitude", "latitude", "location"], kind="stable").reset_index(drop=True)


def _check_targets(targets) -> None:
    if not isinstance(targets, Targets):
        raise _bad_input(f"targets must come from load_targets(); got {type(targets).__name__}.")
    if targets.years != PUBLISHED_YEARS or tuple(targets.redditch_ward_counts) != PUBLISHED_YEARS:
        raise _bad_input(f"targets must hold the years {', '.join(PUBLISHED_YEARS)}.")


def _redditch_ward_codes(targets: Targets, wards: pd.DataFrame) -> dict[str, str]:
    """Published ward name -> ward code, matching names as the panel writes them."""
    redditch = wards[wards["district"] == "Redditch"]
    code_by_key = dict(zip(redditch["ward_name"].map(_ward_key), redditch["ward_code"], strict=False))
    published = list(targets.redditch_ward_counts[PUBLISHED_YEARS[0]])
    for year in PUBLISHED_YEARS[1:]:
        if set(targets.redditch_ward_counts[year]) != set(published):
            raise _bad_input("The published ward table does not list the same wards in both years.")
    unmatched = [w for w in published if _ward_key(w) not in code_by_key]
    extra = sorted(set(code_by_key) - {_ward_key(w) for w in published})
    if unmatched or extra:
        raise _bad_input(
            "The published Redditch wards and the Redditch wards in wards differ: "
            f"unmatched published {unmatched}, unpublished {extra}."
        )
    return {w: code_by_key[_ward_key(w)] for w in published}


# ---------------------------------------------------------------------------
# Year plans: exact counts by keyword, ward and month
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _YearPlan:
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
        raise _bad_input(
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
) -> _YearPlan:
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
        ward_counts[members] = _largest_remainder(ward_weight[codes[members]].to_numpy(), district_total)
    return _YearPlan(label, start, end, np.asarray(keyword_counts, dtype=np.int64), ward_counts)


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
    keyword_weights,
    redditch_share: Fraction,
    redditch_ward_weights: dict[str, float],
    **shared: Unpack[_SharedPlanArgs],
) -> _YearPlan:
    """A year without published figures: ``total`` split by the given mixes."""
    keyword_counts = _largest_remainder(keyword_weights, total)
    redditch_total = round_half_up(total * redditch_share)
    codes = list(redditch_ward_weights)
    split = _largest_remainder([redditch_ward_weights[c] for c in codes], redditch_total)
    return _plan_year(label, start, end, keyword_counts, dict(zip(codes, split.tolist(), strict=False)), **shared)


def _year_plans(targets: Targets, wards: pd.DataFrame, locations: pd.DataFrame) -> list[_YearPlan]:
    ward_weight = locations.groupby("ward_code")["asb_count"].sum()
    district_weight = locations.groupby("district")["asb_count"].sum()
    shared = _SharedPlanArgs(
        wards=wards,
        ward_weight=ward_weight,
        bromsgrove_share=Fraction(
            int(district_weight["Bromsgrove"]), int(district_weight["Bromsgrove"] + district_weight["Wyre Forest"])
        ),
    )
    code_of = _redditch_ward_codes(targets, wards)
    first, last = PUBLISHED_YEARS

    def fy_bounds(label: str) -> tuple[date, date]:
        start = int(label[:4])
        return date(start, 4, 1), date(start + 1, 3, 31)

    published = {}
    for label in PUBLISHED_YEARS:
        keyword_counts = np.array([targets.keyword_counts[label][k] for k in EXTRACT_KEYWORDS])
        redditch = {code_of[w]: c for w, c in targets.redditch_ward_counts[label].items()}
        published[label] = _plan_year(label, *fy_bounds(label), keyword_counts, redditch, **shared)

    # Unpublished full years: the published mean keyword mix, Redditch's mean share of the
    # total and the mean of its two years' ward shares.
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
    plans = [
        _derived_year(
            label,
            *fy_bounds(label),
            total,
            [targets.keyword_mean[k] for k in EXTRACT_KEYWORDS],
            redditch_share,
            mean_ward_share,
            **shared,
        )
        for label, total in sorted(UNPUBLISHED_YEAR_TOTALS.items())
    ]
    plans += [published[label] for label in PUBLISHED_YEARS]

    # The part year: the seasonal share of a whole year at the 2018-19 level and mix.
    part_start, part_year_end = fy_bounds(PART_YEAR)
    intensity = daily_intensity(part_start, part_year_end)
    share = intensity[: pd.Timestamp(EXTRACT_END)].sum() / intensity.sum()
    last_plan = published[last]
    plans.append(
        _derived_year(
            PART_YEAR,
            part_start,
            EXTRACT_END,
            round_half_up(last_plan.total * share),
            last_plan.keyword_counts,
            Fraction(targets.redditch_total(last), targets.total(last)),
            {code_of[w]: c for w, c in targets.redditch_ward_counts[last].items()},
            **shared,
        )
    )

    _check_reductions(published[first], published[last], wards)
    return plans


def _check_reductions(before: _YearPlan, after: _YearPlan, wards: pd.DataFrame) -> None:
    # "All districts recorded a reduction": true of the published figures with constant
    # shares; refuse targets for which it would not be.
    for district in DISTRICTS:
        members = (wards["district"] == district).to_numpy()
        if after.ward_counts[members].sum() >= before.ward_counts[members].sum():
            raise _bad_input(
                f"The targets give {district} no reduction from {before.label} to "
                f"{after.label}, contrary to the published statement."
            )


# ---------------------------------------------------------------------------
# Drawing incidents
# ---------------------------------------------------------------------------


def _draw_within_blocks(
    rng: np.random.Generator,
    block_of_row: np.ndarray,
    block_start: np.ndarray,
    block_end: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """For each row, an index into ``weights`` drawn in proportion to ``weights`` among the
    items ``block_start[b]:block_end[b]`` of the row's block ``b`` (inverse CDF, vectorised)."""
    cumulative = np.cumsum(weights, dtype=float)
    before = np.concatenate(([0.0], cumulative))
    low = before[block_start][block_of_row]
    high = before[block_end][block_of_row]
    target = low + rng.random(block_of_row.size) * (high - low)
    picked = np.searchsorted(cumulative, target, side="right")
    # Guard against float rounding at a block's edge.
    return np.clip(picked, block_start[block_of_row], block_end[block_of_row] - 1)


def _month_counts(plan: _YearPlan, intensity: pd.Series) -> pd.Series:
    in_year = intensity[pd.Timestamp(plan.start) : pd.Timestamp(plan.end)]
    by_month = in_year.groupby(cast(pd.DatetimeIndex, in_year.index).to_period("M")).sum()
    return pd.Series(_largest_remainder(by_month.to_numpy(), plan.total), index=by_month.index)


def _fix_spring_forward(moments: np.ndarray) -> np.ndarray:
    """Move times in the hour the clocks skip (01:00-02:00 on the last Sunday of March) on
    by an hour, so every local time exists in Europe/London."""
    stamps = pd.DatetimeIndex(moments)
    skipped = (stamps.month == 3) & (stamps.day_of_week == 6) & (stamps.day >= 25) & (stamps.hour == 1)
    return moments + np.where(skipped, np.timedelta64(_SECONDS_PER_HOUR, "s"), np.timedelta64(0, "s"))


def _incident_refs(moments: np.ndarray) -> np.ndarray:
    """``SYN-<year>-<nnnnnn>``, numbered from 1 within each calendar year (rows in time order)."""
    years = pd.DatetimeIndex(moments).year.to_numpy()
    first_row_of_year = np.searchsorted(years, years, side="left")
    sequence = np.arange(years.size) - first_row_of_year + 1
    refs = INCIDENT_REF_PREFIX + "-" + pd.Series(years).astype(str) + "-" + pd.Series(sequence).astype(str).str.zfill(6)
    return refs.to_numpy(dtype=object)


def generate_extract(
    locations: pd.DataFrame, wards: pd.DataFrame, targets: Targets, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """A SYNTHETIC incident extract, 1 April 2015 to 28 August 2019, one row per incident.

    ``locations`` holds police.uk ASB snap points (``ward_code``, ``district``, ``longitude``,
    ``latitude``, ``location``, ``asb_count``) and ``wards`` the WD22 wards (``ward_code``,
    ``ward_name``, ``district``). The result has :data:`OUTPUT_COLUMNS`, sorted by
    ``reported_at`` then ``incident_ref``; its aggregates match ``targets`` exactly (see the
    module docstring). Raises :class:`AnalyticsError` for unusable arguments.
    """
    seed = _check_seed(seed)
    _check_targets(targets)
    wards = _prepared_wards(wards)
    locations = _prepared_locations(locations, wards)
    plans = _year_plans(targets, wards, locations)
    rng = np.random.default_rng(seed)

    intensity = daily_intensity(EXTRACT_START, EXTRACT_END)
    month_of_day = cast(pd.DatetimeIndex, intensity.index).to_period("M")
    extract_months = month_of_day.unique()

    # Exact multisets per year: keywords and wards shuffled independently, months in order.
    keyword_parts, ward_parts, month_parts = [], [], []
    for plan in plans:
        keyword_parts.append(rng.permutation(np.repeat(np.arange(len(EXTRACT_KEYWORDS)), plan.keyword_counts)))
        ward_parts.append(rng.permutation(np.repeat(np.arange(len(wards)), plan.ward_counts)))
        months = _month_counts(plan, intensity)
        month_parts.append(np.repeat(extract_months.get_indexer(months.index), months.to_numpy()))
    keyword_idx = np.concatenate(keyword_parts)
    ward_idx = np.concatenate(ward_parts)
    month_idx = np.concatenate(month_parts)
    n = keyword_idx.size

    # Day within the month, in proportion to the daily intensity (weekends, festivals).
    month_first = np.searchsorted(month_of_day.asi8, extract_months.asi8, side="left")
    month_last = np.searchsorted(month_of_day.asi8, extract_months.asi8, side="right")
    day_idx = _draw_within_blocks(rng, month_idx, month_first, month_last, intensity.to_numpy())
    hour_p = np.asarray(HOUR_WEIGHT) / sum(HOUR_WEIGHT)
    seconds = rng.choice(24, size=n, p=hour_p) * _SECONDS_PER_HOUR + rng.integers(0, _SECONDS_PER_HOUR, n)
    days = intensity.index.to_numpy().astype("datetime64[D]")[day_idx]
    moments = _fix_spring_forward(days.astype("datetime64[s]") + seconds.astype("timedelta64[s]"))

    # NIRS class from the keyword's distribution.
    cumulative_nirs = np.cumsum([NIRS_DISTRIBUTION[k] for k in EXTRACT_KEYWORDS], axis=1)
    nirs_idx = (rng.random(n)[:, None] >= cumulative_nirs[keyword_idx]).sum(axis=1)
    nirs_idx = np.minimum(nirs_idx, len(NIRS_CLASSES) - 1)  # float sums just under 1

    # A snap point of the incident's ward, in proportion to its police.uk ASB count.
    location_ward = wards["ward_code"].to_numpy()
    ward_first = np.searchsorted(locations["ward_code"].to_numpy(), location_ward, side="left")
    ward_last = np.searchsorted(locations["ward_code"].to_numpy(), location_ward, side="right")
    point_idx = _draw_within_blocks(rng, ward_idx, ward_first, ward_last, locations["asb_count"].to_numpy())

    # Time order; ties broken by generation order so the references are reproducible.
    order = np.lexsort((np.arange(n), moments))
    moments = moments[order]
    points = locations.iloc[point_idx[order]]
    frame = pd.DataFrame(
        {
            "incident_ref": _incident_refs(moments),
            "reported_at": pd.DatetimeIndex(moments).as_unit("s"),
            "keyword": np.asarray(EXTRACT_KEYWORDS, dtype=object)[keyword_idx[order]],
            "nirs_class": np.asarray(NIRS_CLASSES, dtype=object)[nirs_idx[order]],
            "district": wards["district"].to_numpy(dtype=object)[ward_idx[order]],
            "ward_code": wards["ward_code"].to_numpy(dtype=object)[ward_idx[order]],
            "longitude": points["longitude"].to_numpy(),
            "latitude": points["latitude"].to_numpy(),
            "location": points["location"].to_numpy(dtype=object),
        }
    )
    return frame


def write_extract(frame: pd.DataFrame, path) -> None:
    """Write the extract as UTF-8 CSV: the header on the first line, no comments, ``\\n`` line ends.

    The file name must contain ``SYNTHETIC`` so the data can never pass for a real extract.
    Coordinates are written at full precision, so they read back equal to the snap points.
    """
    path = Path(path)
    if "SYNTHETIC" not in path.name:
        raise AnalyticsError(
            f"The file name {path.name!r} must say SYNTHETIC, e.g. {SYNTHETIC_FILE_NAME}.",
            title="Synthetic data must be labelled",
        )
    _require_columns(frame, OUTPUT_COLUMNS, "The extract")
    if tuple(frame.columns) != OUTPUT_COLUMNS:
        raise AnalyticsError(
            f"The extract must have exactly the columns {', '.join(OUTPUT_COLUMNS)}.", title="Unexpected columns"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")
