"""Cached access to the register of ASB tools and powers and to the impact evaluation, and the
register's writes (the Data page's editor), through the same single writer as uploads (ui/data.py)."""

from __future__ import annotations

import datetime

import pandas as pd
import streamlit as st

from analytics.analyses import impact, impact_area
from analytics.core.selection import Selection
from analytics.data import register, store
from analytics.data.query import months_present
from ui import data

CACHE = data.CACHE


@st.cache_data(**CACHE)
def register_table(version: int) -> pd.DataFrame:
    """The register as it stands in this version of the store."""
    return register.register_table(data._cursor(version))


@st.cache_data(**CACHE)
def register_versions(version: int) -> pd.DataFrame:
    return register.register_versions(data._cursor(version))


@st.cache_data(**CACHE)
def ward_names(boundaries: str, version: int) -> dict[str, str]:
    """Ward code -> "Name (District)" for one vintage, for the pickers."""
    rows = data._cursor(version).execute(
        "SELECT ward_code, ward_name, district FROM wards WHERE vintage = ? ORDER BY district, ward_name",
        [boundaries],
    )
    return {code: f"{name} ({district})" for code, name, district in rows.fetchall()}


@st.cache_data(**CACHE)
def default_areas(target: tuple[str, ...], boundaries: str, version: int) -> impact.Areas:
    return impact.default_areas(data._cursor(version), target, boundaries)


@st.cache_data(**CACHE)
def evaluable_starts(source: str, months: int, version: int) -> list[datetime.date]:
    """Start months whose both windows the source holds in full."""
    return impact.evaluable_starts(set(months_present(data._cursor(version), source)), months)


@st.cache_data(**CACHE)
def evaluation(
    selection: Selection, areas: impact.Areas, start: datetime.date, months: int, version: int
) -> pd.DataFrame:
    """The impact table (raises ImpactRefused, which is not cached, when it cannot be judged)."""
    return impact.evaluate(data._cursor(version), selection, areas, start, months)


@st.cache_data(**CACHE)
def area_evaluation(
    selection: Selection, geojson: str, start: datetime.date, months: int, metres: float, name: str, version: int
) -> pd.DataFrame:
    """The impact table of an area drawn (analytics/analyses/impact_area.py)."""
    return impact_area.evaluate_area(data._cursor(version), selection, geojson, start, months, metres, name)


def save_register(content: bytes, file_name: str) -> str:
    """Make ``content`` (the register as CSV) its new version: every row checked first, one
    transaction; InputError (file, line, problem) and the store unchanged when a row is bad."""
    target = data.db_path()
    with data._writing(target):
        conn = store.connect(target)
        try:
            done = register.load_register(conn, content, file_name)
        finally:
            conn.close()
    st.cache_data.clear()
    return done


def undo_register(version: int) -> str:
    target = data.db_path()
    with data._writing(target):
        conn = store.connect(target)
        try:
            done = register.undo_register(conn, version)
        finally:
            conn.close()
    st.cache_data.clear()
    return done
