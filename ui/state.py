"""The dashboard's shared filters, held in the URL query string so a copied link reproduces the
screen exactly.

URL keys: src (police_uk | extract), d (districts, comma-separated), w (a ward code), cat
(asb | crime | a police.uk crime type), pt (fy | cy | months), a and b (period specs such as FY2017
or 2024-01..2024-04), v (wd22 | wd25), present (1 for presentation mode); and the choices a page
makes for itself (PAGE_CHOICES: what the ward map is coloured by, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period, parse_period
from analytics.core.selection import Selection
from ui import data

PERIOD_TYPES = {"fy": "Financial years (April–March)", "cy": "Calendar years", "months": "Custom months"}
SOURCE_NAMES = {"police_uk": "police.uk (real open data)", "extract": "Force extract (SYNTHETIC demonstration)"}
DEFAULT_VINTAGE = {"extract": "wd22", "police_uk": "wd25"}


#: A page's own controls whose choice is kept in the address too: URL key -> what it chooses.
PAGE_CHOICES = {
    "wm": "what the ward map is coloured by (Ward patterns)",
    "dm": "counts or rates (Districts)",
    "by": "what the crime table is by (Crime)",
    "ytd": "the month a financial year to date ends (Crime, force extract)",
    "iv": "the intervention evaluated (Tools and powers)",
    "is": "the month it started (Tools and powers)",
    "im": "the months after the start (Tools and powers)",
    "nb": "what the NIRS table is by (Incident types)",
    "sl": "the part of a page a slide shows (presentation mode: ui/slides.py)",
}


def linked_choice(url_key: str, widget_key: str, options: list[str], default: str) -> str:
    """The default to give a page's control: on its first run in a session, the link's choice
    (when it is one of ``options``); afterwards the control keeps its own. Call
    :func:`keep_choice` with what the control returns, so a copied link reopens it."""
    if widget_key not in st.session_state:
        linked = st.query_params.get(url_key)
        if linked in options:
            return linked
    return default


def keep_choice(url_key: str, value: str | None) -> None:
    """Write a page control's choice into the address (the sidebar keeps it there on later runs)."""
    if value:
        st.query_params[url_key] = value


def page_choices_in_link() -> dict[str, str]:
    """The page choices the address holds now: the sidebar writes them back with the filters."""
    return {key: st.query_params[key] for key in PAGE_CHOICES if st.query_params.get(key)}


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


def ward_label(filters: Filters) -> str:
    """The chosen ward as a page names it, "Abbey is chosen (Redditch)"; "" without one."""
    if not filters.ward:
        return ""
    wards = data.options(data.data_version())["wards"]
    match = wards[(wards.vintage == filters.boundaries) & (wards.ward_code == filters.ward)]
    if not len(match):
        return f"Ward {filters.ward} is chosen"
    return f"{match.ward_name.iloc[0]} ({match.district.iloc[0]}) is chosen"


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
