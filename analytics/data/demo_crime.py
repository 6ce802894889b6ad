"""A SYNTHETIC force recorded-crime extract, calibrated to the 2016/17 briefing note's year-to-date figures.

The force's crime records are restricted, so the dashboard demonstrates its crime pages on made-up
crimes. Every row this module produces is invented: the crime references start with ``SYN-CR-``,
the file name says ``SYNTHETIC``, and nothing in it describes a real crime. Only the *places* are
real (police.uk anonymised snap points where crime was recorded) and only the *year-to-date changes*
are published (Redditch Crime and Disorder Scrutiny Panel, briefing note "North Worcestershire
Community Safety Partnership 2016/17", Appendix Three).

The extract runs from 1 April 2015 to 31 March 2017 and is calibrated by construction, never by
rejection sampling (data/README.md says which figures are published and which were chosen):

* Year to date (April to February), 2016-17 against 2015-16: Redditch +570 and +13%, Bromsgrove
  +8%, Wyre Forest +11% (published; percentages rounded half up, analytics.core.periods).
  Redditch's 2015-16 count, :data:`REDDITCH_BASE`, was chosen (any of 4,223 to 4,560 gives +570 as
  13%); Bromsgrove's and Wyre Forest's are in proportion to their police.uk recorded crime against
  Redditch's; each 2016-17 count is the 2015-16 count and its published percentage, rounded half up,
  so the percentage is exact for any base over 50. North Worcestershire as a whole falls between.
* Each year-to-date count is split over April to February by the police.uk months' seasonality
  (mean recorded crime per calendar month), by largest remainder, so it sums exactly; March gets
  the same seasonal share of the year.
* Each crime's type is drawn from its district's police.uk crime-type mix, its Home Office offence
  code from :data:`OFFENCE_WEIGHTS` (chosen, illustrative), its place from its district's police.uk
  crime snap points in proportion to how often crime was recorded there (so its ward too), and its
  day, time and the delay from committed to recorded at random. Only these draws use the seeded
  generator: another seed gives other crimes with exactly the same year-to-date counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError
from analytics.core.periods import round_half_up, round_ratio_half_up
from analytics.core.vocabulary import ASB_CATEGORY, POLICE_UK_CRIME_TYPES
from analytics.data.demo_plan import check_seed, require_columns
from analytics.data.demo_profile import largest_remainder

#: The North Worcestershire CSP meeting that discussed the figures, 8 March 2017.
DEFAULT_SEED = 20170308
SYNTHETIC_FILE_NAME = "force_crime_extract_SYNTHETIC_2015-04_2017-03.csv"
CRIME_REF_PREFIX = "SYN-CR"
OUTPUT_COLUMNS = (
    "crime_ref",
    "recorded_at",
    "committed_at",
    "offence_code",
    "offence",
    "district",
    "ward_code",
    "longitude",
    "latitude",
    "location",
)
#: The financial years of the extract (their starting years) and the year to date compared: April to February.
FINANCIAL_YEARS = (2015, 2016)
YTD_MONTHS = 11

# ---- published: the briefing note, Appendix Three (2016-17 year to date against 2015-16) -------------
REDDITCH_INCREASE = 570
PUBLISHED_PCT = {"Redditch": 13, "Bromsgrove": 8, "Wyre Forest": 11}

# ---- chosen, to make the rest consistent (data/README.md) ----------------------------------------------
#: Redditch's recorded crime, April 2015 to February 2016: 570 more is 13.0% (any of 4,223..4,560 is 13%).
REDDITCH_BASE = 4385
#: Home Office offence codes drawn within each police.uk crime type, with relative weights (illustrative:
#: the common offences of each type; burglary uses the dwelling / other-than-dwelling codes in use before
#: April 2017).
OFFENCE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "Violence and sexual offences": (
        ("105A", 30),
        ("8N", 20),
        ("8L", 14),
        ("8R", 12),
        ("3B", 4),
        ("8Q", 4),
        ("5D", 3),
        ("20A", 3),
        ("104", 2),
        ("19C", 2),
    ),
    "Criminal damage and arson": (("58A", 3), ("58B", 2), ("58C", 4), ("58D", 2), ("56B", 1)),
    "Other theft": (("49", 6), ("49A", 2), ("40", 1), ("41", 0.5)),
    "Burglary": (("28A", 5), ("28B", 1), ("30A", 4), ("30B", 1)),
    "Vehicle crime": (("45", 5), ("48", 3), ("126", 1)),
    "Public order": (("9A", 6), ("9B", 1), ("66", 1)),
    "Drugs": (("92E", 3), ("92D", 1), ("92A", 1)),
    "Shoplifting": (("46", 1),),
    "Other crime": (("54", 3), ("33", 2), ("83", 2), ("99", 2), ("802", 1)),
    "Possession of weapons": (("10D", 3), ("10C", 1)),
    "Robbery": (("34B", 4), ("34A", 1)),
    "Theft from the person": (("39", 1),),
    "Bicycle theft": (("44", 1),),
}
_HOURS = 24
_MAX_DELAY_HOURS = 72


@dataclass(frozen=True)
class CrimeProfile:
    """What the generator takes from the store's police.uk rows (store.crime_profile).

    locations: ward_code, district, longitude, latitude, location, crime_count (police.uk recorded crime
      at each snap point inside its WD22 ward); types: district, crime_type, crime_count; months:
      calendar_month (1..12), crime_count (mean recorded crime in that calendar month)."""

    locations: pd.DataFrame
    types: pd.DataFrame
    months: pd.DataFrame


def ytd_targets(profile: CrimeProfile) -> pd.DataFrame:
    """Per district: ``count_a`` (April 2015 to February 2016) and ``count_b`` (April 2016 to February
    2017), made to give the published changes, each checked (refused if the rounding ever missed)."""
    crime = profile.types.groupby("district")["crime_count"].sum()
    missing = sorted(set(PUBLISHED_PCT) - set(crime.index))
    if missing:
        raise AnalyticsError(f"No police.uk recorded crime for {', '.join(missing)}.", title="Cannot calibrate")
    rows = []
    for district, pct in PUBLISHED_PCT.items():
        if district == "Redditch":
            base, rise = REDDITCH_BASE, REDDITCH_INCREASE
        else:
            base = round_half_up(REDDITCH_BASE * float(crime[district]) / float(crime["Redditch"]))
            rise = round_half_up(base * pct / 100)
        rows.append((district, base, base + rise))
    for district, count_a, count_b in rows:
        if round_ratio_half_up(count_b - count_a, count_a) != PUBLISHED_PCT[district]:
            raise AnalyticsError(f"The calibration missed {district}'s published change.", title="Cannot calibrate")
    total_a, total_b = sum(r[1] for r in rows), sum(r[2] for r in rows)
    total = round_ratio_half_up(total_b - total_a, total_a)
    if not min(PUBLISHED_PCT.values()) <= total <= max(PUBLISHED_PCT.values()):
        raise AnalyticsError(
            f"North Worcestershire's change ({total}%) is not between the districts'.", title="Cannot calibrate"
        )
    return pd.DataFrame(rows, columns=["district", "count_a", "count_b"])


def month_counts(profile: CrimeProfile) -> pd.DataFrame:
    """Crimes per district and month, April 2015 to March 2017: each year to date split over April to
    February by the seasonal profile (largest remainder), March its seasonal share of the year."""
    weight = profile.months.set_index("calendar_month")["crime_count"].astype(float)
    if sorted(weight.index) != list(range(1, 13)) or (weight <= 0).any():
        raise AnalyticsError(
            "The seasonal profile needs recorded crime in every calendar month.", title="Cannot calibrate"
        )
    order = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2]
    rows = []
    targets = ytd_targets(profile)
    ytd_weight = float(weight[order].sum())
    for district, count_a, count_b in zip(targets.district, targets.count_a, targets.count_b, strict=True):
        for year, total in zip(FINANCIAL_YEARS, (int(count_a), int(count_b)), strict=True):
            parts = largest_remainder(weight[order].to_numpy(), total)
            for month, count in zip(order, parts, strict=True):
                rows.append((district, date(year + (month < 4), month, 1), int(count)))
            march = round_half_up(total * float(weight[3]) / ytd_weight)
            rows.append((district, date(year + 1, 3, 1), march))
    return pd.DataFrame(rows, columns=["district", "month", "crimes"])


def generate_crime_extract(profile: CrimeProfile, offences: pd.DataFrame, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The synthetic extract: one row per crime, OUTPUT_COLUMNS, ordered by date recorded.

    ``offences``: the Home Office offence lookup (analytics.data.offences.offence_lookup). The same
    profile and seed give the same rows; another seed other rows with the same monthly counts."""
    seed = check_seed(seed)
    require_columns(
        profile.locations, ("ward_code", "district", "longitude", "latitude", "location", "crime_count"), "locations"
    )
    require_columns(profile.types, ("district", "crime_type", "crime_count"), "types")
    check_types(profile.types)
    rng = np.random.default_rng(seed)
    counts = month_counts(profile)
    district = np.repeat(counts.district.to_numpy(dtype=object), counts.crimes.to_numpy())
    month = np.repeat(pd.to_datetime(counts.month).to_numpy(), counts.crimes.to_numpy())
    frame = pd.DataFrame({"district": district})
    frame["crime_type"] = _draw_by_district(rng, district, profile.types, "crime_type")
    frame["offence_code"] = _draw_offences(rng, frame.crime_type.to_numpy(dtype=object))
    places = _draw_places(rng, district, profile.locations)
    for column in ("ward_code", "longitude", "latitude", "location"):
        frame[column] = places[column].to_numpy()
    days = pd.DatetimeIndex(month).days_in_month.to_numpy()
    seconds = (rng.integers(0, days) * _HOURS + rng.integers(0, _HOURS, len(frame))) * 3600
    recorded = month + seconds.astype("timedelta64[s]") + rng.integers(0, 60, len(frame)).astype("timedelta64[m]")
    delay = rng.integers(0, _MAX_DELAY_HOURS * 60, len(frame)).astype("timedelta64[m]")
    frame["recorded_at"], frame["committed_at"] = recorded, recorded - delay
    description = offences.set_index("offence_code")["offence_description"]
    frame["offence"] = description.reindex(frame.offence_code).to_numpy()
    frame = frame.sort_values(["recorded_at", "district", "location"], kind="stable", ignore_index=True)
    years = pd.DatetimeIndex(frame.recorded_at).year
    number = frame.groupby(years).cumcount().to_numpy() + 1
    frame["crime_ref"] = [f"{CRIME_REF_PREFIX}-{y}-{n:06d}" for y, n in zip(years, number, strict=True)]
    return frame[list(OUTPUT_COLUMNS)]


def _draw_by_district(rng: np.random.Generator, district: np.ndarray, mix: pd.DataFrame, column: str) -> np.ndarray:
    """For each row, a value of ``column`` drawn from its district's mix (weights ``crime_count``)."""
    out = np.empty(district.size, dtype=object)
    for name, part in mix.groupby("district", sort=True):
        rows = np.flatnonzero(district == name)
        weights = part.crime_count.to_numpy(dtype=float)
        out[rows] = rng.choice(part[column].to_numpy(dtype=object), size=rows.size, p=weights / weights.sum())
    return out


def _draw_offences(rng: np.random.Generator, crime_type: np.ndarray) -> np.ndarray:
    out = np.empty(crime_type.size, dtype=object)
    for name in sorted(set(crime_type)):
        if name not in OFFENCE_WEIGHTS:
            raise AnalyticsError(f"No offence codes are set for the crime type {name!r}.", title="Cannot generate")
        codes, weights = zip(*OFFENCE_WEIGHTS[name], strict=True)
        rows = np.flatnonzero(crime_type == name)
        p = np.asarray(weights, dtype=float)
        out[rows] = rng.choice(np.asarray(codes, dtype=object), size=rows.size, p=p / p.sum())
    return out


def _draw_places(rng: np.random.Generator, district: np.ndarray, locations: pd.DataFrame) -> pd.DataFrame:
    """For each row, a police.uk crime snap point of its district, in proportion to its crime count."""
    index = np.empty(district.size, dtype=np.int64)
    ordered = locations.sort_values(["district", "ward_code", "longitude", "latitude", "location"], ignore_index=True)
    for name, part in ordered.groupby("district", sort=True):
        rows = np.flatnonzero(district == name)
        weights = part.crime_count.to_numpy(dtype=float)
        index[rows] = rng.choice(part.index.to_numpy(), size=rows.size, p=weights / weights.sum())
    return ordered.iloc[index].reset_index(drop=True)


def write_crime_extract(frame: pd.DataFrame, path: Path | str) -> None:
    """Write the extract as UTF-8 CSV; the file name must say SYNTHETIC."""
    path = Path(path)
    if "SYNTHETIC" not in path.name:
        raise AnalyticsError(
            f"The file name {path.name!r} must say SYNTHETIC, e.g. {SYNTHETIC_FILE_NAME}.",
            title="Synthetic data must be labelled",
        )
    if tuple(frame.columns) != OUTPUT_COLUMNS:
        raise AnalyticsError(
            f"The crime extract must have exactly the columns {', '.join(OUTPUT_COLUMNS)}.", title="Unexpected columns"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")


def check_types(types: pd.DataFrame) -> None:
    """Refuse a crime type police.uk has not, or ASB (not recorded crime)."""
    unknown = sorted(set(types.crime_type) - (set(POLICE_UK_CRIME_TYPES) - {ASB_CATEGORY}))
    if unknown:
        raise AnalyticsError(f"Unknown recorded-crime type(s): {unknown}.", title="Cannot generate")
