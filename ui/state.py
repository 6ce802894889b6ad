"""The dashboard's shared filters, held in the URL query string so a copied link reproduces the
screen exactly.

URL keys: src (police_uk | extract), d (districts, comma-separated), w (a ward code), cat
(asb | crime | a police.uk crime type), pt (fy | cy | months), a and b (period specs such as FY2017
or 2024-01..2024-04), v (wd22 | wd25), present (1 for presentation mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period, parse_period
from analytics.core.selection import Selection

PERIOD_TYPES = {"fy": "Financial years (April–March)", "cy": "Calendar years", "months": "Custom months"}
SOURCE_NAMES = {"police_uk": "police.uk (real open data)", "extract": "Force extract (SYNTHETIC demonstration)"}
DEFAULT_VINTAGE = {"extract": "wd22", "police_uk": "wd25"}


@dataclass(frozen=True)
class Filters:
    source: str
    districts: tuple[str, ...]
    ward: str | None
    category: str
    period_type: str
    period_a: Period
    period_b: Period
    boundaries: str
    present: bool = False

    @property
    def selection(self) -> Selection:
        return Selection(self.source, self.category, self.districts, (self.ward,) if self.ward else (), self.boundaries)

    @property
    def area_selection(self) -> Selection:
        """The same without the ward: for tables that list every ward of the districts."""
        return Selection(self.source, self.category, self.districts, (), self.boundaries)

    def query_params(self) -> dict[str, str]:
        params = {
            "src": self.source,
            "cat": self.category,
            "pt": self.period_type,
            "a": self.period_a.spec,
            "b": self.period_b.spec,
            "v": self.boundaries,
        }
        if self.districts:
            params["d"] = ",".join(self.districts)
        if self.ward:
            params["w"] = self.ward
        if self.present:
            params["present"] = "1"
        return params


def current() -> Filters:
    """The filters app.py put in session state on this run."""
    filters = st.session_state.get("filters")
    if filters is None:
        raise AnalyticsError(
            "The page was opened without the app's filters.",
            title="Open the app",
            fix="Open the dashboard through app.py (scripts/serve.sh).",
        )
    return filters


def param(name: str, default: str | None = None) -> str | None:
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def parse_or_none(text: str | None) -> Period | None:
    if not text:
        return None
    try:
        return parse_period(text)
    except AnalyticsError:
        return None
