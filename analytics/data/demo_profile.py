"""The fixed profiles of the SYNTHETIC extract (:mod:`analytics.data.demo`): when and what ASB is.

Month, weekday, festival and hour-of-day rates, and the NIRS class by keyword, are documented
choices, not published figures. :func:`daily_intensity` turns the rates into a relative expected
count per day; :func:`largest_remainder` splits a total into integers in proportion to weights,
so every calibrated split sums exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError

__all__ = [
    "MONTH_RATE",
    "FESTIVAL_UPLIFT",
    "WEEKDAY_RATE",
    "HOUR_WEIGHT",
    "NIRS_DISTRIBUTION",
    "largest_remainder",
    "daily_intensity",
]

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


def largest_remainder(weights: Sequence[float] | np.ndarray, total: int) -> np.ndarray:
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
    parts: np.ndarray = np.floor(quotas).astype(np.int64)
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
