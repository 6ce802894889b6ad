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

This module draws the incidents and writes the file; the published tables are read by
:mod:`analytics.data.demo_published`, the profiles and the integer split live in
:mod:`analytics.data.demo_profile`, and the exact counts of each year are planned by
:mod:`analytics.data.demo_plan`.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import EXTRACT_KEYWORDS, NIRS_CLASSES
from analytics.data.demo_plan import (
    EXTRACT_END,
    EXTRACT_START,
    YearPlan,
    check_seed,
    check_targets,
    prepared_locations,
    prepared_wards,
    require_columns,
    year_plans,
)
from analytics.data.demo_profile import HOUR_WEIGHT, NIRS_DISTRIBUTION, daily_intensity, largest_remainder
from analytics.data.demo_published import Targets

__all__ = [
    "DEFAULT_SEED",
    "SYNTHETIC_FILE_NAME",
    "OUTPUT_COLUMNS",
    "generate_extract",
    "write_extract",
]

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

_SECONDS_PER_HOUR = 3600


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
    clipped: np.ndarray = np.clip(picked, block_start[block_of_row], block_end[block_of_row] - 1)
    return clipped


def _month_counts(plan: YearPlan, intensity: pd.Series) -> pd.Series:
    in_year = intensity[pd.Timestamp(plan.start) : pd.Timestamp(plan.end)]
    by_month = in_year.groupby(cast(pd.DatetimeIndex, in_year.index).to_period("M")).sum()
    return pd.Series(largest_remainder(by_month.to_numpy(), plan.total), index=by_month.index)


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


def _months(intensity: pd.Series) -> tuple[pd.PeriodIndex, pd.PeriodIndex]:
    """The month of each day of ``intensity``, and the extract's months in order."""
    month_of_day = cast(pd.DatetimeIndex, intensity.index).to_period("M")
    return month_of_day, month_of_day.unique()


def _exact_multisets(
    rng: np.random.Generator, plans: list[YearPlan], n_wards: int, intensity: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keyword, ward and month indices of every incident: exact multisets per year, keywords and
    wards shuffled independently, months in order."""
    _, extract_months = _months(intensity)
    keyword_parts, ward_parts, month_parts = [], [], []
    for plan in plans:
        keyword_parts.append(rng.permutation(np.repeat(np.arange(len(EXTRACT_KEYWORDS)), plan.keyword_counts)))
        ward_parts.append(rng.permutation(np.repeat(np.arange(n_wards), plan.ward_counts)))
        months = _month_counts(plan, intensity)
        month_parts.append(np.repeat(extract_months.get_indexer(months.index), months.to_numpy()))
    return np.concatenate(keyword_parts), np.concatenate(ward_parts), np.concatenate(month_parts)


def _draw_moments(rng: np.random.Generator, month_idx: np.ndarray, intensity: pd.Series) -> np.ndarray:
    """A report time for each incident: the day within its month in proportion to the daily
    intensity (weekends, festivals), the hour by :data:`HOUR_WEIGHT`, the second uniform."""
    n = month_idx.size
    month_of_day, extract_months = _months(intensity)
    month_first = np.searchsorted(month_of_day.asi8, extract_months.asi8, side="left")
    month_last = np.searchsorted(month_of_day.asi8, extract_months.asi8, side="right")
    day_idx = _draw_within_blocks(rng, month_idx, month_first, month_last, intensity.to_numpy())
    hour_p = np.asarray(HOUR_WEIGHT) / sum(HOUR_WEIGHT)
    seconds = rng.choice(24, size=n, p=hour_p) * _SECONDS_PER_HOUR + rng.integers(0, _SECONDS_PER_HOUR, n)
    days = intensity.index.to_numpy().astype("datetime64[D]")[day_idx]
    return _fix_spring_forward(days.astype("datetime64[s]") + seconds.astype("timedelta64[s]"))


def _draw_nirs(rng: np.random.Generator, keyword_idx: np.ndarray) -> np.ndarray:
    """An index into NIRS_CLASSES for each incident, from its keyword's :data:`NIRS_DISTRIBUTION`."""
    cumulative_nirs = np.cumsum([NIRS_DISTRIBUTION[k] for k in EXTRACT_KEYWORDS], axis=1)
    nirs_idx = (rng.random(keyword_idx.size)[:, None] >= cumulative_nirs[keyword_idx]).sum(axis=1)
    capped: np.ndarray = np.minimum(nirs_idx, len(NIRS_CLASSES) - 1)  # float sums just under 1
    return capped


def _draw_points(
    rng: np.random.Generator, ward_idx: np.ndarray, wards: pd.DataFrame, locations: pd.DataFrame
) -> np.ndarray:
    """A snap point (row of ``locations``) of each incident's ward, in proportion to its police.uk ASB count."""
    location_ward = wards["ward_code"].to_numpy()
    ward_first = np.searchsorted(locations["ward_code"].to_numpy(), location_ward, side="left")
    ward_last = np.searchsorted(locations["ward_code"].to_numpy(), location_ward, side="right")
    return _draw_within_blocks(rng, ward_idx, ward_first, ward_last, locations["asb_count"].to_numpy())


def _in_time_order(
    moments: np.ndarray,
    keyword_idx: np.ndarray,
    nirs_idx: np.ndarray,
    ward_idx: np.ndarray,
    point_idx: np.ndarray,
    wards: pd.DataFrame,
    locations: pd.DataFrame,
) -> pd.DataFrame:
    """The incidents as :data:`OUTPUT_COLUMNS` in time order; ties broken by generation order so
    the references are reproducible."""
    order = np.lexsort((np.arange(moments.size), moments))
    moments = moments[order]
    points = locations.iloc[point_idx[order]]
    return pd.DataFrame(
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
    seed = check_seed(seed)
    check_targets(targets)
    wards = prepared_wards(wards)
    locations = prepared_locations(locations, wards)
    plans = year_plans(targets, wards, locations)
    rng = np.random.default_rng(seed)
    # The random draws in a fixed order: the same seed gives the same rows.
    intensity = daily_intensity(EXTRACT_START, EXTRACT_END)
    keyword_idx, ward_idx, month_idx = _exact_multisets(rng, plans, len(wards), intensity)
    moments = _draw_moments(rng, month_idx, intensity)
    nirs_idx = _draw_nirs(rng, keyword_idx)
    point_idx = _draw_points(rng, ward_idx, wards, locations)
    return _in_time_order(moments, keyword_idx, nirs_idx, ward_idx, point_idx, wards, locations)


def write_extract(frame: pd.DataFrame, path: Path | str) -> None:
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
    require_columns(frame, OUTPUT_COLUMNS, "The extract")
    if tuple(frame.columns) != OUTPUT_COLUMNS:
        raise AnalyticsError(
            f"The extract must have exactly the columns {', '.join(OUTPUT_COLUMNS)}.", title="Unexpected columns"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")
