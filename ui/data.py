"""Cached access to the store for the pages.

One DuckDB connection per server process (st.cache_resource), a cursor per query (DuckDB
connections are not shared between threads; cursors are). Results are cached with
st.cache_data, keyed by their arguments and by the data version (the last load's id), so a new
upload is seen at once and nothing else is recomputed.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from analytics import settings, store
from analytics.periods import Period
from analytics.query import Selection

CACHE = dict(max_entries=256, show_spinner=False)


@st.cache_resource(show_spinner=False)
def _connection(db_path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    return store.connect(db_path, read_only=read_only)


def connection() -> duckdb.DuckDBPyConnection:
    # Read-only unless this server may take uploads: then it is the single writer.
    read_only = not (settings.get("uploads_enabled") and settings.get("upload_password"))
    return _connection(str(Path(settings.get("db_path")).resolve()), read_only)


def cursor() -> duckdb.DuckDBPyConnection:
    return connection().cursor()


def data_version() -> int:
    return cursor().execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()[0]


@st.cache_data(**CACHE)
def options(version: int) -> dict:
    """What the filters can offer: districts, wards per vintage, crime types, months per source."""
    conn = cursor()
    wards = conn.execute("SELECT vintage, ward_code, ward_name, district FROM wards ORDER BY ward_name").df()
    months = conn.execute("SELECT source, list(DISTINCT month ORDER BY month) FROM incidents GROUP BY 1").fetchall()
    categories = [r[0] for r in conn.execute(
        "SELECT category FROM incidents WHERE source = 'police_uk' GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    return {"districts": sorted(wards.district.unique()), "wards": wards,
            "months": {source: list(values) for source, values in months}, "categories": categories}


@st.cache_data(**CACHE)
def ward_deltas(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    from analytics.wards import ward_deltas as compute
    return compute(cursor(), selection, a, b)


@st.cache_data(**CACHE)
def incident_types(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    from analytics.incident_types import incident_types as compute
    return compute(cursor(), selection, a, b)


@st.cache_data(**CACHE)
def districts(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    from analytics.districts import districts_table
    return districts_table(cursor(), selection, a, b)


@st.cache_data(**CACHE)
def crime_ytd(selection: Selection, b: Period, a: Period | None, by: str, version: int) -> pd.DataFrame:
    from analytics.crime import crime_ytd as compute
    return compute(cursor(), selection, b, a, by)


@st.cache_data(**CACHE)
def seasonal(kind: str, selection: Selection, window: Period | None, version: int, **kwargs):
    """kind: decomposition | profile | year_on_year | summary | monthly."""
    from analytics import seasonal as module
    functions = {"decomposition": module.decomposition, "profile": module.month_of_year_profile,
                 "year_on_year": module.year_on_year, "summary": module.summarise,
                 "monthly": module.monthly_series}
    return functions[kind](cursor(), selection, window, **kwargs)


@st.cache_data(**CACHE)
def hotspots(kind: str, selection: Selection, a: Period, b: Period | None, version: int, **kwargs):
    """kind: cells | persistence | top_locations | top_lsoas."""
    from analytics import hotspots as module
    conn = cursor()
    if kind == "cells":
        return module.hotspots(conn, selection, a, **kwargs)
    if kind == "persistence":
        return module.persistence(conn, selection, a, b, **kwargs)
    if kind == "top_locations":
        return module.top_locations(conn, selection, a, **kwargs)
    return module.top_lsoas(conn, selection, a, **kwargs)


@st.cache_data(**CACHE)
def quality(version: int) -> pd.DataFrame:
    from analytics.quality import quality_table
    return quality_table(cursor())


@st.cache_data(**CACHE)
def coverage(version: int) -> dict:
    from analytics import coverage as module
    conn = cursor()
    return {"months": module.rows_by_month(conn), "wards": module.ward_coverage(conn),
            "files": module.files_loaded(conn)}


@st.cache_data(**CACHE)
def ward_outlines(vintage: str, version: int):
    from analytics.maps import ward_outlines as compute
    return compute(cursor(), vintage)


@st.cache_resource(max_entries=256, show_spinner=False)
def figure(builder: str, source: tuple, threshold: int | None, options: tuple, height: int | None, narrow: bool):
    """A plotly chart, built once and never mutated afterwards.

    ``source`` names the cached data call that gives the chart its frame: (function name in this
    module, its arguments...). Keying on those small arguments rather than on the frame spares
    hashing the frame on every run. Building a figure trace by trace costs about 90 ms and
    re-validating a cached dict about 20; handing Streamlit the same finished Figure costs only
    its JSON.
    """
    from analytics import charts
    name, *args = source
    kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
    frame = globals()[name](*args, **kwargs)
    fig = getattr(charts, builder)(frame, suppress_below=threshold, **dict(options))
    captions = [a for a in fig.layout.annotations or () if a.yref == "paper" and a.y == 0 and a.yanchor == "top"]
    margin = fig.layout.margin
    if narrow and captions:
        old_lines = str(captions[0].text).split("<br>")
        lines = [part for line in old_lines for part in textwrap.wrap(line, 58) or [""]]
        captions[0].text = "<br>".join(lines)
        fig.update_layout(margin={"b": (margin.b or 0) + (len(lines) - len(old_lines)) * 20})
    if height:
        fig.update_layout(height=height + (fig.layout.margin.b or 0) + (fig.layout.margin.t or 0))
    return fig


@st.cache_resource(max_entries=64, show_spinner=False)
def ward_deck(selection: Selection, a: Period, b: Period, version: int, measure: str, threshold: int | None):
    """The ward choropleth (not mutated by the pages, so cached as the object itself)."""
    from analytics import maps
    return maps.ward_choropleth(ward_deltas(selection, a, b, version), ward_outlines(selection.boundaries, version),
                                measure=measure, suppress_below=threshold, basemap=settings.get("basemap"))


@st.cache_resource(max_entries=64, show_spinner=False)
def hotspot_deck(selection: Selection, period: Period, version: int, threshold: int | None):
    from analytics import maps
    return maps.hotspot_map(hotspots("cells", selection, period, None, version),
                            ward_outlines(selection.boundaries, version), suppress_below=threshold,
                            basemap=settings.get("basemap"))


@st.cache_data(**CACHE)
def default_comparison(source: str, version: int):
    from analytics.tables import default_comparison as compute
    return compute(cursor(), source)
