"""Hand-made frames shaped as the analyses return them, for the chart tests (test_charts,
test_layout, test_alt_text, test_png): each with a few small counts, so public mode has something
to hide."""

from __future__ import annotations

import datetime

import pandas as pd

from analytics.core.periods import pct_change
from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.core.vocabulary import ALL_CRIME

EXTRACT_META = TableMeta(
    source="force ASB incident extract (SYNTHETIC demonstration data)",
    measure="Anti-social behaviour",
    place="Redditch",
    boundaries="WD22",
    period_a=PeriodCoverage("2017-18", 12),
    period_b=PeriodCoverage("2018-19", 12),
)
POLICE_META = TableMeta(
    source="police.uk street-level data (real, open data)",
    measure="Anti-social behaviour",
    place="North Worcestershire",
    boundaries="WD25",
    period_a=PeriodCoverage("Jan 2019–Aug 2019", 8),
    missing_months=("2019-04",),
)


# ---------------------------------------------------------------------------
# Hand-made frames, shaped as the analyses return them
# ---------------------------------------------------------------------------


def ward_frame(rows=None) -> pd.DataFrame:
    """rows: (ward_name, count_a, count_b, p_value, significant, small_numbers, rate_a, rate_b)."""
    rows = rows or [
        ("Alpha", 120, 150, 0.0123, True, False, 21.3, 26.6),  # +30 (+25%), significant
        ("Bravo", 2, 40, 0.0001, True, True, 0.31, 6.13),  # from 2: hidden in public mode
        ("Charlie", 60, 4, 0.0002, True, True, 9.17, 0.61),  # to 4: hidden in public mode
        ("Delta", 0, 4, 0.1250, False, True, 0.0, 0.53),  # from none: no percentage
        ("Echo", 80, 64, 0.2101, False, False, 11.9, 9.5),  # -16 (-20%)
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "ward_name",
            "count_a",
            "count_b",
            "p_value",
            "significant",
            "small_numbers",
            "rate_a_per_1000",
            "rate_b_per_1000",
        ],
    )
    total = {
        "ward_name": "Grand Total",
        "count_a": frame.count_a.sum(),
        "count_b": frame.count_b.sum(),
        "p_value": 0.5,
        "significant": False,
        "small_numbers": False,
        "rate_a_per_1000": 11.1,
        "rate_b_per_1000": 11.2,
    }
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame.insert(0, "ward_code", [f"E0500{i:04d}" for i in range(len(frame) - 1)] + [""])
    frame["difference"] = frame.count_b - frame.count_a
    frame["pct_change"] = pd.array(
        [pct_change(a, b) for a, b in zip(frame.count_a, frame.count_b, strict=False)], dtype="Int64"
    )
    return with_meta(frame, EXTRACT_META)


# Numbers public mode must not show for ward_frame with suppress_below=5: the small counts, each
# difference and percentage built on one, rates from a small count, and those rows' p-values.
# (0 is where the placeholders sit, so it is not looked for.)
WARD_HIDDEN = {2, 4, 38, 1900, 56, 93, 0.31, 0.61, 0.53, 0.0001, 0.0002, 0.125}


def monthly_frame() -> pd.DataFrame:
    """Eight months of a decomposition: March missing (a gap), May flagged, two tiny counts."""
    months = [datetime.date(2019, m, 1) for m in range(1, 9)]
    frame = pd.DataFrame(
        {
            "month": months,
            "count": pd.array([110, 3, None, 4, 160, 95, 100, 105], dtype="Int64"),
            "trend": [100.0, 100.0, None, 100.0, 100.0, 100.0, 100.0, 100.0],
            "seasonal": [5.0, -93.5, None, -95.75, 10.0, -5.0, 0.0, 5.0],
            "residual": [5.0, -3.5, None, -0.25, 50.0, 0.0, 0.0, 0.0],
            "expected": [105.0, 6.5, None, 4.25, 110.0, 95.0, 100.0, 105.0],
            "lower": [85.0, 1.5, None, 0.75, 89.5, 75.5, 80.5, 84.5],
            "upper": [125.0, 11.5, None, 7.75, 130.5, 114.5, 119.5, 125.5],
            "outside_band": [False, False, False, False, True, False, False, False],
            "present": [True, True, False, True, True, True, True, True],
            "partial": [False] * 8,
            "method": ["profile: a test band"] * 8,
            "method_code": ["profile"] * 8,
        }
    )
    return with_meta(frame, POLICE_META)


MONTHLY_HIDDEN = {3, 4, 6.5, 1.5, 11.5, 4.25, 0.75, 7.75}


def profile_frame() -> pd.DataFrame:
    means = [50.0, 2.0, 60.0, 62.0, 64.0, 66.0, 68.0, 75.0, 72.0, 130.0, 120.0, 90.0]  # February: 2 a month
    overall = sum(means) / 12
    index = [round(100 * m / overall) for m in means]
    frame = pd.DataFrame(
        {
            "month_of_year": range(1, 13),
            "month_name": [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            "mean_count": means,
            "years": [4] * 12,
            "index": pd.array(index, dtype="Int64"),
            "adjusted_index": pd.array(index, dtype="Int64"),
        }
    )
    return with_meta(frame, POLICE_META.with_(balanced=True))


def year_on_year_frame() -> pd.DataFrame:
    rows = []
    names = [
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "January",
        "February",
        "March",
    ]
    for year, counts in (
        (2017, [80, 82, 84, 86, 88, 90, 120, 110, 95, 85, 70, 75]),
        (2018, [81, 83, 17, 87, None, 91, 121, 111, 96, None, None, None]),
    ):
        for position, (name, count) in enumerate(zip(names, counts, strict=False), start=1):
            rows.append((f"{year}-{(year + 1) % 100:02d}", year, position, name, count, count is not None, False))
    frame = pd.DataFrame(rows, columns=["year_label", "year", "position", "month_name", "count", "present", "partial"])
    frame["count"] = frame["count"].astype("Int64")
    return with_meta(frame, EXTRACT_META.with_(period_a=PeriodCoverage("Apr 2017–Dec 2018", 21), period_b=None))


def types_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "type": ["Other", "Youth related", "Begging"],
            "count_a": [500, 210, 2],
            "count_b": [520, 150, 30],
            "significant": [False, True, True],
        }
    )
    return with_meta(frame, EXTRACT_META.with_(grouped_by="key-word type"))


def districts_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "district": ["Wyre Forest", "Redditch", "North Worcestershire"],
            "count_a": [1000, 3, 1003],
            "count_b": [1100, 50, 1150],
            "significant": [True, True, True],
            "rate_a_per_1000": [9.9, 0.07, 3.52],
            "rate_b_per_1000": [10.9, 1.19, 4.04],
        }
    )
    return with_meta(frame, EXTRACT_META.with_(place="North Worcestershire"))


def crime_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "crime_type": ["Violence and sexual offences", "Robbery", ALL_CRIME],
            "count_a": [600, 3, 603],
            "count_b": [650, 22, 672],
            "significant": [True, True, True],
        }
    )
    return with_meta(
        frame,
        POLICE_META.with_(
            measure="Recorded crime (excluding ASB)",
            period_a=PeriodCoverage("2023-24", 12),
            period_b=PeriodCoverage("2024-25", 12, ("2024-05", "2024-06")),
            missing_months=(),
        ),
    )
