"""Cached access to the store for the pages.

Readers and the writer (see analytics/data/store.py for the whole design): this server never holds
the database file. It reads a :class:`analytics.data.store.Snapshot`, a private read-only copy of
one version of the file, kept per file and replaced when the file's identity changes (a load by
the command line or an upload, a rebuild). While a load writes the file (another process, or
an upload here) the snapshot in hand is kept, so pages never wait for a load and never see
half of one; a run that starts after the load has finished sees all of it. Sessions noticing a
new version at the same time wait for the one taking the snapshot and share it. Uploads
(``ingest``) write the file in place as the single writer, as the command line does.

A cursor per query (DuckDB connections are not shared between threads; cursors are). Results
are cached with st.cache_data, keyed by their arguments and by the data version: the number of
the snapshot they were computed from, so a new version is seen at once, nothing is computed
from a mix of two versions, and nothing else is recomputed.
"""

from __future__ import annotations

import textwrap
import threading
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.analyses.comparison import default_comparison as default_periods
from analytics.analyses.coverage import files_loaded, rows_by_month, ward_coverage
from analytics.analyses.crime import crime_ytd as crime_ytd_table
from analytics.analyses.decomposition import decomposition as decomposition_table
from analytics.analyses.districts import districts_table
from analytics.analyses.forecast import ForecastResult
from analytics.analyses.forecast import forecast as forecast_of
from analytics.analyses.funnel import funnel_table
from analytics.analyses.hotspots import hotspot_cells as hotspot_cells_of
from analytics.analyses.hotspots import hotspot_table
from analytics.analyses.incident_types import incident_types as incident_types_table
from analytics.analyses.nirs import nirs_table
from analytics.analyses.outcomes import outcomes_table
from analytics.analyses.peers import peer_districts_held, peers_table
from analytics.analyses.places import top_locations as top_locations_table
from analytics.analyses.places import top_lsoas as top_lsoas_table
from analytics.analyses.quality import quality_table
from analytics.analyses.seasonal import SeasonalSummary, summarise
from analytics.analyses.seasonal_profile import month_of_year_profile
from analytics.analyses.time_of_week import time_of_week as time_of_week_table
from analytics.analyses.ward_twins import ward_twins
from analytics.analyses.wards import ward_deltas as ward_deltas_table
from analytics.analyses.year_on_year import year_on_year as year_on_year_table
from analytics.core import settings
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.vocabulary import SOURCES
from analytics.data import store
from analytics.data.build_stamp import stale_note
from analytics.data.crime_extract import ingest_crime_extract
from analytics.data.extract import ingest_extract
from analytics.data.history import history, undo
from analytics.data.outlines import ward_outlines as ward_outlines_frame
from analytics.data.police_uk import ingest_police_uk
from analytics.data.query import months_present
from analytics.present.alt_text import alt_text
from analytics.present.hotspot_map import MAX_MAP_CELLS, hotspot_map
from analytics.present.layout import figure_on_screen, fit_legend, fit_title, for_slide
from analytics.present.ward_map import ward_choropleth

CACHE = dict(max_entries=256, show_spinner=False)
#: The width of a chart in a half-width column of a 1280-pixel screen with the sidebar open (the
#: narrowest a laptop shows it; wider, a wrapped legend leaves a little blank space above the plot).
NARROW_CHART_PX = 400
#: The width of a full-width chart there.
WIDE_CHART_PX = 820
# How long a session waits for a writer when it has no snapshot at all yet.
FIRST_OPEN_WAIT_SECONDS = 30.0
# Snapshots kept, one per database file (tests and benchmarks use several files in one process).
MAX_FILES = 4

_registry_lock = threading.Lock()
_gates: dict[str, threading.Lock] = {}  # per file: held while this process copies a snapshot
_writers: dict[str, threading.Lock] = {}  # per file: held while this process writes it
_current: dict[str, store.Snapshot] = {}  # per file: the newest snapshot
_by_version: weakref.WeakValueDictionary[int, store.Snapshot] = weakref.WeakValueDictionary()


def db_path() -> str:
    return str(Path(settings.get("db_path")).resolve())


def _lock(locks: dict[str, threading.Lock], path: str) -> threading.Lock:
    with _registry_lock:
        return locks.setdefault(path, threading.Lock())


def _keep(path: str, snapshot: store.Snapshot) -> None:
    with _registry_lock:
        _current.pop(path, None)
        _current[path] = snapshot
        _by_version[snapshot.version] = snapshot
        while len(_current) > MAX_FILES:
            # Dropped, never closed: a session still reading it finishes its queries.
            _current.pop(next(iter(_current)))


def snapshot() -> store.Snapshot:
    """The newest version of the database this process can see.

    A run that starts after a load has finished gets the new version: sessions that notice it at
    the same time wait for the one taking the snapshot (about 0.1 s) and share it. While a load
    writes the file (another process, or an upload here), the snapshot in hand is kept. Raises
    AnalyticsError when the file is missing or cannot be read (app.py then rebuilds it), and
    store.StoreBusy when a writer has held it for FIRST_OPEN_WAIT_SECONDS and there is no older
    snapshot to show meanwhile.
    """
    path = db_path()
    held = _current.get(path)
    if held is not None and held.identity == store.identity(path):
        return held
    return _refresh(path)


def _refresh(path: str, writing_here: bool = False) -> store.Snapshot:
    """A snapshot of the file as it is now, unless another session has just taken one.

    ``writing_here``: the caller is this process's writer (a rebuild), and is done writing.
    """
    writer = _lock(_writers, path)
    while True:
        with _lock(_gates, path):
            held = _current.get(path)
            if held is not None and held.identity == store.identity(path):
                return held
            if writing_here or not writer.locked():
                try:
                    fresh = store.Snapshot(path, wait=0 if held is not None else FIRST_OPEN_WAIT_SECONDS)
                except store.StoreBusy:
                    if held is not None:
                        return held  # another process is writing the file: the last version meanwhile
                    raise
                _keep(path, fresh)
                return fresh
            if held is not None:
                return held  # an upload here is writing the file: the last version meanwhile
        with writer:  # no version yet: wait for this process's writer
            pass


@contextmanager
def _writing(path: str):
    """This process's turn to write the file: no snapshot of it is copied meanwhile (a copy in
    progress finishes first: POSIX would drop the writer's lock when the copy closes the file)."""
    with _lock(_writers, path):
        with _lock(_gates, path):
            pass
        yield


def connection() -> duckdb.DuckDBPyConnection:
    """The read-only connection of the current snapshot (take a .cursor() per thread)."""
    return snapshot().conn


def cursor() -> duckdb.DuckDBPyConnection:
    """A read-only cursor on the current snapshot. Writes go through ``ingest``."""
    return snapshot().cursor()


def _cursor(version: int) -> duckdb.DuckDBPyConnection:
    """A cursor on the snapshot numbered ``version`` (the current one if it has been dropped)."""
    held = _by_version.get(version)
    return (held if held is not None else snapshot()).cursor()


def data_version() -> int:
    """The number of the current snapshot: what every cached result is keyed by."""
    return snapshot().version


def ingest(
    kind: str,
    path: Path | str,
    progress=None,
    dry_run: bool = False,
    replace: bool = False,
    sheet: str | None = None,
    date_format: str | None = None,
    **options,
):
    """Load a file into the store, as ``python -m analytics ingest`` does: the single writer.

    kind: "police-uk", "extract" or "crime-extract"; options go to the ingest function (column_map,
    synthetic...); ``sheet`` and ``date_format`` go to an extract's (analytics/data/extract.py,
    analytics/data/crime_extract.py).
    ``dry_run``: the report of what the load would do, nothing changed (the Data page's preview);
    ``replace``: load even if a month of a district would lose many rows (else LoadRefused).
    Sessions keep their snapshot while it runs and see the new version on their next run.
    Returns the LoadReport; raises AnalyticsError (InputError for a bad file: nothing changed).
    """
    if kind not in ("police-uk", "extract", "crime-extract"):
        raise AnalyticsError(
            f"Unknown kind of file {kind!r}. Valid choices: crime-extract, extract, police-uk.",
            title="Unknown kind of file",
        )
    target = db_path()
    with _writing(target):
        conn = store.connect(target)
        try:
            if kind == "police-uk":
                report = ingest_police_uk(conn, [path], progress=progress, dry_run=dry_run, replace=replace, **options)
            else:
                load = ingest_crime_extract if kind == "crime-extract" else ingest_extract
                report = load(
                    conn,
                    path,
                    progress=progress,
                    dry_run=dry_run,
                    replace=replace,
                    sheet=sheet,
                    date_format=date_format,
                    **options,
                )
        finally:
            conn.close()
    if not dry_run:
        st.cache_data.clear()  # not needed for correctness (the version changes): frees memory
    return report


def undo_load(load_id: int) -> str:
    """Undo load ``load_id``, as ``python -m analytics undo`` does: the single writer, one
    transaction (analytics/data/history.py). Returns what was done; raises AnalyticsError when it
    cannot (no such load, undone already, later loads replaced its rows: they are named)."""
    target = db_path()
    with _writing(target):
        conn = store.connect(target)
        try:
            done = undo(conn, load_id)
        finally:
            conn.close()
    st.cache_data.clear()
    return done


@st.cache_data(**CACHE)
def load_history(version: int) -> pd.DataFrame:
    """Every load, live or undone, a row each: what ``python -m analytics history`` lists."""
    records = history(_cursor(version))
    return pd.DataFrame(
        [
            {
                "load_id": r.load_id,
                "file_name": r.file_name,
                "source": r.source,
                "months": r.months,
                "rows_stored": r.rows_stored,
                "rows_replaced": r.rows_replaced,
                "loaded_at": r.loaded_at,
                "undone_at": r.undone_at,
            }
            for r in records
        ],
        columns=["load_id", "file_name", "source", "months", "rows_stored", "rows_replaced", "loaded_at", "undone_at"],
    )


def rebuild(progress=None) -> None:
    """Build the store from data/ (after ``snapshot`` found it missing or unreadable).

    Run once however many sessions ask at the same time; an unreadable file is kept beside the
    new one as NAME.unreadable for whoever wants to look at it.
    """
    target = db_path()
    with _writing(target):
        try:
            _refresh(target, writing_here=True)  # another session rebuilt it while this one waited
            return
        except store.StoreBusy:
            raise
        except AnalyticsError:
            pass
        path = Path(target)
        if path.exists():
            path.replace(path.with_name(path.name + ".unreadable"))
        Path(f"{path}.wal").unlink(missing_ok=True)
        store.build(path, progress=progress)
        _refresh(target, writing_here=True)


@st.cache_data(**CACHE)
def options(version: int) -> dict:
    """What the filters can offer: districts, wards per vintage, crime types, months per source."""
    conn = _cursor(version)
    wards = conn.execute("SELECT vintage, ward_code, ward_name, ons_name, district FROM wards ORDER BY ward_name").df()
    months = {source: months_present(conn, source) for source in SOURCES}
    categories = [
        r[0]
        for r in conn.execute(
            "SELECT category FROM incidents WHERE source = 'police_uk' GROUP BY 1 ORDER BY count(*) DESC"
        ).fetchall()
    ]
    return {
        "districts": sorted(wards.district.unique()),
        "wards": wards,
        "months": {source: held for source, held in months.items() if held},
        "categories": categories,
        "twins": ward_twins(conn),
    }


@st.cache_data(**CACHE)
def ward_deltas(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    return ward_deltas_table(_cursor(version), selection, a, b)


@st.cache_data(**CACHE)
def incident_types(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    return incident_types_table(_cursor(version), selection, a, b)


@st.cache_data(**CACHE)
def districts(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    return districts_table(_cursor(version), selection, a, b)


@st.cache_data(**CACHE)
def funnel(selection: Selection, period: Period, version: int, by: str = "ward") -> pd.DataFrame:
    """The funnel plot's table: each ward (or district) of the selection's area in ``period``."""
    return funnel_table(_cursor(version), selection, period, by)


@st.cache_data(**CACHE)
def nirs(selection: Selection, a: Period, b: Period, version: int, by: str = "class") -> pd.DataFrame:
    """ASB by NIRS class (the force extract only), by class, district or ward."""
    return nirs_table(_cursor(version), selection, a, b, by)


@st.cache_data(**CACHE)
def time_of_week(selection: Selection, period: Period, version: int) -> pd.DataFrame:
    """Reports by hour and day of the week (the force extract only)."""
    return time_of_week_table(_cursor(version), selection, period)


@st.cache_data(**CACHE)
def crime_ytd(selection: Selection, b: Period, a: Period | None, by: str, version: int) -> pd.DataFrame:
    return crime_ytd_table(_cursor(version), selection, b, a, by)


@st.cache_data(**CACHE)
def peers(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    """Every West Mercia district held, by community safety partnership (the Districts page)."""
    return peers_table(_cursor(version), selection, a, b)


@st.cache_data(**CACHE)
def peers_by_district(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    """The West Mercia table's district rows (its chart: one pair of bars a district)."""
    table = peers(selection, a, b, version)
    rows = table[table.level == "district"].reset_index(drop=True)
    rows.attrs = dict(table.attrs)
    return rows


@st.cache_data(**CACHE)
def peer_districts(version: int) -> pd.DataFrame:
    """The force's districts whose counts the store holds, and their partnerships."""
    return peer_districts_held(_cursor(version))


@st.cache_data(**CACHE)
def outcomes(selection: Selection, period: Period, by: str, version: int) -> pd.DataFrame:
    """Shares of each crime type by last outcome category (the Crime page)."""
    return outcomes_table(_cursor(version), selection, period, by)


@st.cache_data(**CACHE)
def decomposition(selection: Selection, window: Period | None, version: int) -> pd.DataFrame:
    """The monthly series with its expected band and flagged months (the monthly chart's frame)."""
    return decomposition_table(_cursor(version), selection, window)


@st.cache_data(**CACHE)
def forecast(selection: Selection, window: Period | None, version: int) -> ForecastResult:
    """The next six months after the window (default: every month the source holds), with the backtest."""
    return forecast_of(_cursor(version), selection, window)


def forecast_frame(selection: Selection, window: Period | None, version: int) -> pd.DataFrame:
    """The forecast chart's frame: the months held, then the months forecast (from :func:`forecast`'s cache)."""
    return forecast(selection, window, version).frame


@st.cache_data(**CACHE)
def seasonal_profile(selection: Selection, window: Period | None, version: int) -> pd.DataFrame:
    """The month-of-year profile."""
    return month_of_year_profile(_cursor(version), selection, window)


@st.cache_data(**CACHE)
def year_on_year(selection: Selection, window: Period | None, version: int, year_type: str) -> pd.DataFrame:
    """One line per financial or calendar year (``year_type``: "financial" | "calendar")."""
    return year_on_year_table(_cursor(version), selection, window, year_type=year_type)


@st.cache_data(**CACHE)
def seasonal_summary(selection: Selection, window: Period | None, version: int) -> SeasonalSummary:
    """The peak, the trough and their strength, for the page's sentence."""
    return summarise(_cursor(version), selection, window)


@st.cache_data(**CACHE)
def hotspot_summary(selection: Selection, period: Period, version: int) -> dict[str, int]:
    """A few numbers about the hot cells of ``period``: what the page says of the lattice.

    Counted over the whole lattice by the same Gi* run that gives the map its cells. They are the
    lattice's own counts, which :func:`analytics.analyses.hotspots.hotspot_cells` documents in its
    frame's ``attrs``, not metadata of a table (a TableMeta has no field for them).
    """
    lattice = hotspot_cells(selection, period, version).attrs
    keys = ("hot_cells", "hot_cells_99", "hot_cells_without_incidents", "cold_cells", "cells_with_incidents")
    return {key: lattice[key] for key in (*keys, "cells_shown")}


@st.cache_data(**CACHE)
def hotspot_persistence(selection: Selection, a: Period, b: Period, version: int) -> pd.DataFrame:
    """The command-line hot-spot table of two periods: the cells with incidents or significant in
    either (not the whole lattice: hundreds of thousands of rows nationally, each pickled into and
    out of this cache)."""
    return hotspot_table(_cursor(version), selection, a, b)


@st.cache_data(**CACHE)
def top_locations(selection: Selection, period: Period, version: int) -> pd.DataFrame:
    return top_locations_table(_cursor(version), selection, period)


@st.cache_data(**CACHE)
def top_lsoas(selection: Selection, period: Period, version: int) -> pd.DataFrame:
    return top_lsoas_table(_cursor(version), selection, period)


@st.cache_data(**CACHE)
def quality(version: int) -> pd.DataFrame:
    return quality_table(_cursor(version))


@st.cache_data(**CACHE)
def build_note(version: int) -> str | None:
    """What the store lacks because an older build made it (analytics.data.build_stamp), or None."""
    return stale_note(_cursor(version))


@st.cache_data(**CACHE)
def coverage(version: int) -> dict:
    conn = _cursor(version)
    return {
        "months": rows_by_month(conn),
        "wards": ward_coverage(conn),
        "files": files_loaded(conn),
    }


@st.cache_data(**CACHE)
def ward_outlines(vintage: str, version: int):
    return ward_outlines_frame(_cursor(version), vintage)


def qualified_name(function: Callable) -> str:
    """What ``figure`` keys a builder or a data function by: "ui.data.ward_deltas"."""
    return f"{function.__module__}.{function.__qualname__}"


@st.cache_resource(max_entries=256, show_spinner=False)
def figure(
    builder: str,
    source: str,
    args: tuple,
    threshold: int | None,
    options: tuple,
    height: int | None,
    narrow: bool,
    _build: Callable[..., go.Figure],
    _frame_of: Callable[..., pd.DataFrame],
) -> go.Figure:
    """A plotly chart, built once and never mutated afterwards.

    ``_build`` (a builder of analytics.present.charts) draws the frame that ``_frame_of(*args)``
    (a cached data function of this module) gives. Streamlit hashes no argument whose name starts
    with "_": the cache is keyed by ``builder`` and ``source``, their :func:`qualified_name`, and
    by those small arguments rather than by the frame, which spares hashing the frame on every
    run. Building a figure trace by trace costs about 90 ms and re-validating a cached dict about
    20; handing Streamlit the same finished Figure costs only its JSON.
    """
    chosen = dict(options)
    slide = chosen.pop("_slide", False)
    fig = _build(_frame_of(*args), suppress_below=threshold, **chosen)
    if slide:
        for_slide(fig)
    captions = [a for a in fig.layout.annotations or () if a.yref == "paper" and a.y == 0 and a.yanchor == "top"]
    margin = fig.layout.margin
    if narrow and captions:
        old_lines = str(captions[0].text).split("<br>")
        lines = [part for line in old_lines for part in textwrap.wrap(line, 58) or [""]]
        captions[0].text = "<br>".join(lines)
        fig.update_layout(margin={"b": (margin.b or 0) + (len(lines) - len(old_lines)) * 20})
    # A title or subtitle too long for the chart would be cut at its edge (plotly does not wrap them).
    fit_title(fig, NARROW_CHART_PX if narrow else WIDE_CHART_PX)
    if narrow:
        # A legend that wraps (it sits above the plot and grows upwards) would run over the title.
        fit_legend(fig, NARROW_CHART_PX)
    if height:
        fig.update_layout(height=height + (fig.layout.margin.b or 0) + (fig.layout.margin.t or 0))
    return fig


@st.cache_resource(max_entries=256, show_spinner=False)
def screen_figure(
    builder: str,
    source: str,
    args: tuple,
    threshold: int | None,
    options: tuple,
    height: int | None,
    narrow: bool,
    _build: Callable[..., go.Figure],
    _frame_of: Callable[..., pd.DataFrame],
) -> tuple[go.Figure, go.Figure, list[str], str]:
    """``figure``'s chart, the chart as the page draws it with the caption's lines written under it
    (:func:`analytics.present.layout.figure_on_screen`), those lines and the chart's text
    alternative: worked out once, like the figure, not on every run (one cache look-up a chart)."""
    fig = figure(builder, source, args, threshold, options, height, narrow, _build, _frame_of)
    screen, lines = figure_on_screen(fig)
    return fig, screen, lines, alt_text(fig)


@st.cache_resource(max_entries=64, show_spinner=False)
def ward_deck(
    selection: Selection,
    a: Period,
    b: Period,
    version: int,
    measure: str,
    threshold: int | None,
    chosen: tuple[str, ...] = (),
):
    """The ward choropleth (not mutated by the pages, so cached as the object itself); ``chosen``
    wards outlined."""
    return ward_choropleth(
        ward_deltas(selection, a, b, version),
        ward_outlines(selection.boundaries, version),
        measure=measure,
        suppress_below=threshold,
        chosen=chosen,
        basemap=settings.get("basemap"),
    )


@st.cache_data(**CACHE)
def hotspot_cells(selection: Selection, period: Period, version: int) -> pd.DataFrame:
    """The cells the hot-spot map draws (analytics.analyses.hotspots.hotspot_cells: Gi* over the whole
    lattice, rows for at most MAX_MAP_CELLS cells with incidents or significant), with the
    lattice's counts in ``attrs``: one Gi* run serves both the map and the page's summary."""
    return hotspot_cells_of(_cursor(version), selection, period, max_cells=MAX_MAP_CELLS)


@st.cache_resource(max_entries=64, show_spinner=False)
def hotspot_deck(selection: Selection, period: Period, version: int, threshold: int | None):
    """The hot-spot map (not mutated by the page, so cached as the object itself)."""
    return hotspot_map(
        hotspot_cells(selection, period, version),
        ward_outlines(selection.boundaries, version),
        suppress_below=threshold,
        basemap=settings.get("basemap"),
    )


@st.cache_data(**CACHE)
def default_comparison(source: str, version: int) -> tuple[Period, Period]:
    return default_periods(_cursor(version), source)
