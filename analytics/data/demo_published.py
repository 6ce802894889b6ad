"""The panel's published tables that the SYNTHETIC extract (:mod:`analytics.data.demo`) is calibrated to.

Two tables of the Redditch Crime & Disorder Scrutiny Panel, 25 September 2019, copied into
``data/published/``: ASB incidents in North Worcestershire by keyword, and in Redditch by
ward, for the financial years 2017-18 and 2018-19. :func:`load_targets` reads both and checks
them against their own rules (the mean column is the half-up mean of the years, the mean
percentages match the means, the Grand Total is the sum of the wards).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from analytics.core.errors import AnalyticsError, InputError
from analytics.core.periods import financial_year_label, mean_half_up, round_ratio_half_up
from analytics.core.vocabulary import EXTRACT_KEYWORDS, GRAND_TOTAL

__all__ = [
    "KEYWORD_TABLE_FILE",
    "WARD_TABLE_FILE",
    "PUBLISHED_YEARS",
    "Targets",
    "load_targets",
    "ward_key",
]

KEYWORD_TABLE_FILE = "north_worcs_asb_incident_types_fy2017_fy2018.csv"
WARD_TABLE_FILE = "redditch_ward_asb_fy2017_fy2018.csv"
PUBLISHED_YEARS = ("2017-18", "2018-19")
_YEAR_COLUMN = re.compile(r"^fy(\d{4})_(\d{2})$")

#: Counts by year, then by keyword or ward.
_YearCounts = Mapping[str, Mapping[str, int]]


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


def ward_key(name: str) -> str:
    """A ward name for matching: as analytics.data.geography.normalise_ward_name ("&" -> "and"), case-blind."""
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


def _read_keyword_table(path: Path) -> tuple[_YearCounts, Mapping[str, int], Mapping[str, int]]:
    """Counts by year and keyword, the mean and the mean percentage by keyword, each in EXTRACT_KEYWORDS order."""
    frame, years = _read_table(path, "keyword")
    counts: dict[str, dict[str, int]] = {label: {} for label in years.values()}
    mean: dict[str, int] = {}
    mean_pct: dict[str, int] = {}
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


def _read_ward_table(path: Path) -> _YearCounts:
    """Redditch counts by year and ward (the panel's spelling), checked against the Grand Total row if any."""
    frame, years = _read_table(path, "ward")
    counts: dict[str, dict[str, int]] = {label: {} for label in years.values()}
    grand_total = None
    seen = set()
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        ward = " ".join(row["ward"].split())
        values = {label: _whole(path, line, column, row[column]) for column, label in years.items()}
        if ward == GRAND_TOTAL:
            grand_total = (line, values)
            continue
        if ward_key(ward) in seen:
            raise InputError(f"Ward {ward!r} is listed twice.", file=str(path), line=line)
        seen.add(ward_key(ward))
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
