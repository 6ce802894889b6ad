"""Scale benchmark: police.uk-shaped data at 1, 10 and 60 million rows, every figure against a
baseline measured in the same run.

    .venv/bin/python bench/scale/run.py --rows 1000000 10000000 [60000000] [--repeat 3]
        [--workdir DIR] [--keep] [--pandas-max 10000000] [--no-browser]

For each size, in a temporary folder (or --workdir/rows-N, reused when its manifest matches):

1. generate: bench/scale/generate.py writes the monthly files (one per force and month) and a
   matching synthetic geography (wards in both vintages, LSOAs, lookups);
2. geography: Geography.load on it, and store.store_geography into an empty store (the template);
3. bare: DuckDB read_csv of every file into a table, all columns as text (the ingestion baseline);
4. ingest: ingest_police_uk on the same files into a copy of the template, as the command line
   calls it (the geography read from the store); its phases and SQL statements are timed;
5. tables: ward assignment alone (Geography.assign_points on the distinct snap points, both
   vintages, and on every row for comparison), then every table of run_table, first run in a
   fresh process and the median of --repeat warm runs;
6. pages: every page's script through Streamlit's AppTest on the big store, as bench/bench_pages.py
   does ("cold": st.cache_data, the figure and map caches and the hot-spot lattice emptied first;
   "cached": run again);
7. browser: a real `streamlit run app.py` server on the big store, every page opened in Debian's
   Chromium; the server's peak resident memory (VmHWM) is read from /proc;
8. pandas: the common approach, pd.read_csv per file, concat, wards by a geopandas spatial join,
   then a groupby per table (same aggregates, same periods); only up to --pandas-max rows,
   extrapolated linearly above, and said so;
9. incremental: one new month loaded into the big store (time, bytes written, store size); a
   revision of the last month previewed (``--dry-run``, repeated: the store's rows, size and bytes
   checked unchanged), then loaded; the undo of that revision (the rows it replaced put back, the
   row count back to before it) and of the new month, as ``python -m analytics undo`` does it;
   and three malformed files refused.

Every step except the orchestration runs in its own process, so each peak-memory figure (VmHWM)
is that step's alone. Prints the table and writes it to bench/scale/results-<rows>.md (with the
raw figures in results-<rows>.json).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

DISTRICTS = ("Bromsgrove", "Redditch", "Wyre Forest")
PAGES = [
    "overview",
    "incident_types",
    "seasonal",
    "wards",
    "hotspots",
    "districts",
    "crime",
    "ward_profile",
    "data",
    "about",
]
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --------------------------------------------------------------------------- measuring helpers


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmHWM / VmRSS (bytes) of a process, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            key, value = line.split(":")
            out[key] = int(value.split()[0]) * 1024
    return out


def proc_io() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/io").read_text().splitlines():
        key, value = line.split(":")
        out[key] = int(value)
    return out


def sql_label(sql: str) -> str:
    text = " ".join(sql.split())
    text = re.sub(r"'[^']*'", "'…'", text)
    return text[:90]


class SqlLog:
    """Time and count of each SQL statement, by its first 90 characters."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.calls = collections.Counter()

    def add(self, sql: str, seconds: float) -> None:
        label = sql_label(sql)
        self.seconds[label] += seconds
        self.calls[label] += 1

    def top(self, n: int = 8) -> list[dict]:
        return [
            {"sql": k, "calls": self.calls[k], "seconds": round(v, 4)}
            for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])[:n]
        ]

    def total(self) -> float:
        return sum(self.seconds.values())


class TimedConnection:
    """A DuckDB connection whose execute() is timed statement by statement; all else passes through."""

    def __init__(self, conn, log: SqlLog):
        self._conn = conn
        self._log = log

    def execute(self, sql, parameters=None):
        started = time.perf_counter()
        try:
            if parameters is None:
                return self._conn.execute(sql)
            return self._conn.execute(sql, parameters)
        finally:
            self._log.add(sql, time.perf_counter() - started)

    def cursor(self):
        return TimedConnection(self._conn.cursor(), self._log)

    def __getattr__(self, name):
        return getattr(self._conn, name)


class Sampler:
    """A sampling profiler for every thread: which project functions are on the stack, how often.

    Every ``interval`` seconds it looks at each other thread's stack and counts, once per sample,
    every function of the project (analytics/, ui/, app_pages/) on it: the share of samples is the
    share of wall time spent inside that function (inclusive). Samples taken while a C call holds
    the GIL are lost, so SQL time is measured separately (TimedConnection).
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.counts = collections.Counter()
        self.leaves = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = threading.get_ident()
        root = str(ROOT) + "/"
        while not self._stop.wait(self.interval):
            busy = False
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                leaf = frame
                seen = set()
                while frame is not None:
                    name = frame.f_code.co_filename
                    if name.startswith(root) and "/bench/" not in name and "/.venv/" not in name:
                        seen.add(f"{name[len(root) :]}:{frame.f_code.co_name}")
                    frame = frame.f_back
                if seen:
                    busy = True
                    self.counts.update(seen)
                    parts = Path(leaf.f_code.co_filename).parts
                    label = "/".join(parts[-2:]) + ":" + leaf.f_code.co_name
                    if label == "scale/run.py:execute":
                        label = "DuckDB (in execute)"
                    self.leaves[label] += 1
            if busy:
                self.samples += 1

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def top(self, n: int = 10) -> list[dict]:
        if not self.samples:
            return []
        return [{"function": k, "share": round(v / self.samples, 3)} for k, v in self.counts.most_common(n)]

    def top_leaves(self, n: int = 6) -> list[dict]:
        if not self.samples:
            return []
        return [{"function": k, "share": round(v / self.samples, 3)} for k, v in self.leaves.most_common(n)]


QUIET = 0.3  # other processes' cores below which a timing counts as quiet


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def own_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(function) -> tuple[object, float, float]:
    """(result, wall seconds, cores other processes used meanwhile) of one call."""
    ticks = os.sysconf("SC_CLK_TCK")
    busy, _ = cpu_jiffies()
    cpu = own_cpu()
    started = time.perf_counter()
    result = function()
    wall = time.perf_counter() - started
    busy2, _ = cpu_jiffies()
    others = max(0.0, (busy2 - busy) / ticks - (own_cpu() - cpu))
    return result, wall, others / wall if wall > 0.05 else 0.0


def quiet_median(run_once, repeat: int, budget: float = 60.0) -> dict:
    """Median of ``repeat`` quiet runs (other processes under QUIET cores), trying up to 3x as many
    while the budget lasts; if none is quiet, the median of all, flagged. ``run_once`` returns
    (seconds, others' cores)."""
    runs = []
    while True:
        runs.append(run_once())
        quiet = [t for t, o in runs if o < QUIET]
        if len(quiet) >= repeat or len(runs) >= 3 * repeat or sum(t for t, _ in runs) > budget:
            break
    chosen = quiet or [t for t, _ in runs]
    return {
        "median": statistics.median(chosen),
        "runs": [[round(t, 4), round(o, 2)] for t, o in runs],
        "quiet": bool(quiet),
    }


def code_versions() -> dict[str, str]:
    """SHA-256 (first 12 hex digits) and time of the product files others are editing: what was measured."""
    import hashlib

    out = {}
    for name in (
        "analytics/data/police_uk.py",
        "analytics/data/store.py",
        "analytics/data/geography.py",
        "analytics/reports/tables.py",
        "analytics/analyses/hotspots.py",
        "analytics/analyses/seasonal.py",
        "analytics/data/query.py",
        "app.py",
        "ui/data.py",
        "ui/sidebar.py",
    ):
        path = ROOT / name
        if path.exists():
            stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime)
            out[name] = f"{hashlib.sha256(path.read_bytes()).hexdigest()[:12]} ({stamp:%H:%M:%S})"
    return out


def police_files(work: Path, folder: str = "police_uk") -> list[str]:
    return sorted(str(p) for p in (work / folder).rglob("*.csv"))


def table_specs(last_year: int) -> dict:
    a, b = f"CY{last_year - 1}", f"CY{last_year}"
    return {
        "incident-types": {"source": "police_uk", "category": "crime", "period_a": a, "period_b": b},
        "ward-deltas": {"source": "police_uk", "period_a": a, "period_b": b, "boundaries": "wd25"},
        "seasonal": {"source": "police_uk"},
        "districts": {"source": "police_uk", "period_a": a, "period_b": b},
        "crime-ytd": {"period_b": b},
        "hotspots": {"source": "police_uk", "period_a": b},
        "quality": {},
    }


def page_params(last_year: int) -> dict:
    return {"src": "police_uk", "cat": "asb", "pt": "cy", "a": f"CY{last_year - 1}", "b": f"CY{last_year}", "v": "wd25"}


# --------------------------------------------------------------------------- children (one process each)


def child_geo(work: Path, args) -> dict:
    from analytics.data import store
    from analytics.data.geography import Geography

    started = time.perf_counter()
    geography = Geography.load(work / "data", DISTRICTS)
    load_seconds = time.perf_counter() - started
    template = work / "geo.duckdb"
    template.unlink(missing_ok=True)
    started = time.perf_counter()
    conn = store.connect(template)
    store.store_geography(conn, geography)
    conn.execute("CHECKPOINT")
    conn.close()
    return {
        "load_seconds": load_seconds,
        "store_seconds": time.perf_counter() - started,
        "wards": {v: len(w) for v, w in geography.wards.items()},
        "lsoas": len(geography.lsoas),
    }


def child_bare(work: Path, args) -> dict:
    import duckdb

    files = police_files(work)
    path = work / "bare.duckdb"
    path.unlink(missing_ok=True)
    # Read every file's bytes once first, so the bare read and our ingestion (next) both find them
    # in the page cache as far as memory allows; this pass is the I/O floor.
    os.sync()
    started = time.perf_counter()
    for name in files:
        with open(name, "rb") as handle:
            while handle.read(1 << 24):
                pass
    read_bytes_seconds = time.perf_counter() - started
    started = time.perf_counter()
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, header=true, all_varchar=true)", [files])
    rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    conn.close()
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    return {
        "seconds": seconds,
        "rows": rows,
        "files": len(files),
        "db_bytes": size,
        "read_bytes_seconds": read_bytes_seconds,
    }


def child_ingest(work: Path, args) -> dict:
    import inspect

    from analytics.data import files, loads, police_uk, store

    log = SqlLog()
    phases = collections.defaultdict(float)
    calls = collections.Counter()

    def timed(name, function):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                phases[name] += time.perf_counter() - started
                calls[name] += 1

        return wrapper

    # Phase timers around the module's own functions (the product's files are not touched): every
    # function police_uk defines or calls from files and loads, so the breakdown follows the code as it is.
    for name, function in list(vars(police_uk).items()):
        if (
            inspect.isfunction(function)
            and function.__module__ in (files.__name__, loads.__name__, police_uk.__name__)
            and name != "ingest_police_uk"
            and "extract" not in name
        ):
            setattr(police_uk, name, timed(name, function))

    path = work / "ours.duckdb"
    for leftover in (path, Path(str(path) + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.copy(work / "geo.duckdb", path)
    io_before = proc_io()
    started = time.perf_counter()
    conn = store.connect(path)
    report = police_uk.ingest_police_uk(TimedConnection(conn, log), [work / "police_uk"], districts=DISTRICTS)
    close_started = time.perf_counter()
    conn.close()
    phases["close (checkpoint)"] = time.perf_counter() - close_started
    seconds = time.perf_counter() - started
    io_after = proc_io()
    return {
        "seconds": seconds,
        "rows_stored": report.total("rows_stored"),
        "rows_outside": report.total("rows_outside"),
        "rows_by_lsoa": report.total("rows_by_lsoa_fallback"),
        "files": len(report.files),
        "phases": {
            f"{k} ({calls[k]} calls)" if calls[k] > 1 else k: round(v, 3)
            for k, v in sorted(phases.items(), key=lambda kv: -kv[1])
            if v >= 0.005
        },
        "sql": log.top(10),
        "sql_total": log.total(),
        "db_bytes": path.stat().st_size,
        "write_bytes": io_after["write_bytes"] - io_before["write_bytes"],
    }


def child_tables(work: Path, args) -> dict:
    from analytics.core.vocabulary import VINTAGES
    from analytics.data import store
    from analytics.data.geography import Geography
    from analytics.reports.tables import run_table

    conn = store.connect(work / "ours.duckdb", read_only=True)
    out = {"wards": {}, "tables": {}}
    geography = Geography.from_store(conn)
    points = conn.execute(
        "SELECT DISTINCT longitude, latitude, district FROM incidents WHERE longitude IS NOT NULL"
    ).df()
    lon, lat = points.longitude.to_numpy(float), points.latitude.to_numpy(float)
    district = points.district.to_numpy(object)

    def assign_distinct():
        for vintage in VINTAGES:
            geography.assign_points(lon, lat, district, vintage)

    timing = quiet_median(lambda: measured(assign_distinct)[1:], args.repeat)
    out["wards"]["distinct_points"] = len(points)
    out["wards"]["distinct_seconds"] = timing["median"]
    out["wards"]["distinct_runs"] = timing["runs"]
    rows = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    if rows <= args.pandas_max:
        every = conn.execute("SELECT longitude, latitude, district FROM incidents WHERE longitude IS NOT NULL").df()

        def assign_every():
            for vintage in VINTAGES:
                geography.assign_points(
                    every.longitude.to_numpy(float),
                    every.latitude.to_numpy(float),
                    every.district.to_numpy(object),
                    vintage,
                )

        _, seconds, others = measured(assign_every)
        out["wards"]["every_row_points"] = len(every)
        out["wards"]["every_row_seconds"] = seconds
        out["wards"]["every_row_others"] = others
        del every
    last_year = conn.execute(
        "SELECT max(y) FROM (SELECT year(month) AS y FROM incidents GROUP BY 1 HAVING count(DISTINCT month) = 12)"
    ).fetchone()[0]
    # Import the analyses first: "first run" is about a fresh store connection, not Python imports.
    import analytics.analyses.crime  # noqa: E401,F401
    import analytics.analyses.districts
    import analytics.analyses.hotspots
    import analytics.analyses.incident_types
    import analytics.analyses.quality  # noqa: E401,F401

    for name, options in table_specs(last_year).items():
        log = SqlLog()

        # The table's query as a call of no arguments (the loop's values bound now), on conn or, given a
        # log, on a connection that times its SQL into it.
        def table(sql_log=None, name=name, options=options):
            return lambda: run_table(conn if sql_log is None else TimedConnection(conn, sql_log), name, options)

        with Sampler() as sampler:
            frame, first, first_others = measured(table(log))
        warm = quiet_median(lambda: measured(table())[1:], args.repeat)
        warm_log = SqlLog()
        _, profiled, _ = measured(table(warm_log))
        out["tables"][name] = {
            "options": options,
            "first_seconds": first,
            "first_others": first_others,
            "warm_seconds": warm["median"],
            "warm": warm,
            "result_rows": len(frame),
            "sql_first": log.top(6),
            "sql_warm": warm_log.top(6),
            "sql_warm_total": warm_log.total(),
            "profiled_seconds": profiled,
            "python_first": sampler.top(8),
            "leaves_first": sampler.top_leaves(6),
        }
        print(
            f"    table {name}: first {first:.2f} s, warm {warm['median']:.3f} s {warm['runs']}",
            file=sys.stderr,
            flush=True,
        )
    conn.close()
    return out


def child_pages(work: Path, args) -> dict:
    os.environ["ASB_DB_PATH"] = str(work / "ours.duckdb")
    import duckdb
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics.analyses import lattice
    from ui import data

    probe = duckdb.connect(str(work / "ours.duckdb"), read_only=True)
    last_year = probe.execute(
        "SELECT max(y) FROM (SELECT year(month) AS y FROM incidents GROUP BY 1 HAVING count(DISTINCT month) = 12)"
    ).fetchone()[0]
    probe.close()
    params = page_params(last_year)

    def clear():
        st.cache_data.clear()
        for cached in (data.figure, data.ward_deck, data.hotspot_deck):
            cached.clear()
        lattice.ward_lattice.cache_clear()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
    for key, value in params.items():
        at.query_params[key] = value
    started = time.perf_counter()
    at.run()
    out = {"params": params, "first_run_seconds": time.perf_counter() - started, "pages": {}}
    # SQL timing: wrap whatever ui.data hands the cached functions a cursor with (cursor, _cursor).
    originals = {name: getattr(data, name) for name in ("cursor", "_cursor") if hasattr(data, name)}

    def profile_sql(log):
        for name, function in originals.items():
            setattr(data, name, lambda *a, _f=function, **k: TimedConnection(_f(*a, **k), log))

    def unprofile_sql():
        for name, function in originals.items():
            setattr(data, name, function)

    skipped = [p for p in args.skip_pages.split(",") if p]
    for page in PAGES:
        if page in skipped:
            out["pages"][page] = {"skipped": True}
            continue
        # The first visit is the first cold run (caches emptied), profiled: SQL statement times and
        # where the Python time goes. Then cached runs and more cold runs while the budget lasts.
        log = SqlLog()
        profile_sql(log)
        clear()
        at.switch_page(str(ROOT / "app_pages" / f"{page}.py"))
        try:
            with Sampler() as sampler:
                _, _, profiled_others = measured(lambda: at.run(timeout=args.page_timeout))
            timed_out = False
        except RuntimeError as exc:
            timed_out = str(exc)[:200]
        finally:
            unprofile_sql()
        if timed_out:
            out["pages"][page] = {
                "timed_out": timed_out,
                "timeout": args.page_timeout,
                "sql": log.top(6),
                "sql_total": log.total(),
                "python": sampler.top(10),
                "leaves": sampler.top_leaves(6),
            }
            print(f"    page {page}: timed out after {args.page_timeout:.0f} s", file=sys.stderr, flush=True)
            break  # the script thread is still running: later timings would be wrong
        profiled = at.session_state["script_seconds"]
        errors = [str(e.value)[:300] for e in at.exception] + [str(e.value)[:300] for e in at.error]

        def run(cold: bool):
            if cold:
                clear()
            _, _, others = measured(lambda: at.run(timeout=args.page_timeout))
            return at.session_state["script_seconds"], others

        budget = 0 if profiled > 30 else 60
        cached = quiet_median(lambda: run(False), args.repeat, budget)
        cold = quiet_median(lambda: run(True), args.repeat, budget) if profiled <= 30 else None
        out["pages"][page] = {
            "cold": cold["median"] if cold else profiled,
            "cold_runs": cold and cold["runs"],
            "cold_from_profiled_run": cold is None,
            "profiled_others": profiled_others,
            "cached": cached["median"],
            "cached_runs": cached["runs"],
            "errors": errors,
            "profiled_cold": profiled,
            "sql": log.top(6),
            "sql_total": log.total(),
            "python": sampler.top(10),
            "leaves": sampler.top_leaves(6),
        }
        print(
            f"    page {page}: cold {out['pages'][page]['cold']:.2f} s {cold and cold['runs']}, "
            f"cached {cached['median']:.2f} s" + (f", ERRORS {errors}" if errors else ""),
            file=sys.stderr,
            flush=True,
        )
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_browser(work: Path, args) -> dict:
    import duckdb
    from playwright.sync_api import sync_playwright

    probe = duckdb.connect(str(work / "ours.duckdb"), read_only=True)
    last_year = probe.execute(
        "SELECT max(y) FROM (SELECT year(month) AS y FROM incidents GROUP BY 1 HAVING count(DISTINCT month) = 12)"
    ).fetchone()[0]
    probe.close()
    query = "&".join(f"{k}={v}" for k, v in page_params(last_year).items())
    port = _free_port()
    env = {**os.environ, "ASB_DB_PATH": str(work / "ours.duckdb")}
    log_path = work / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    out = {"pages": {}}
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError as error:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("the Streamlit server did not start: " + log_path.read_text()[-2000:]) from error
                time.sleep(0.3)
        out["server_started"] = proc_status(process.pid)
        drawn = (
            "() => { const a = document.querySelector('[data-testid=stApp]');"
            " return a && a.dataset.testScriptState === 'notRunning' && document.querySelector('h1'); }"
        )
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = chromium.new_page(viewport={"width": 1600, "height": 1400})
            skipped = [p for p in args.skip_pages.split(",") if p]
            for name in ["about"] + [p for p in PAGES if p != "about" and p not in skipped]:
                path = "" if name == "overview" else name
                started = time.perf_counter()
                error = None
                try:
                    page.goto(f"{url}/{path}?{query}", timeout=600_000)
                    page.wait_for_function(drawn, timeout=args.page_timeout * 1000, polling=100)
                except Exception as exc:  # a page that never finishes is a result, not a crash
                    error = f"{type(exc).__name__}: {str(exc)[:200]}"
                seconds = time.perf_counter() - started
                status = proc_status(process.pid) if process.poll() is None else {"VmHWM": None, "VmRSS": None}
                exceptions = page.locator('[data-testid="stException"]').count() if error is None else None
                out["pages"][name] = {
                    "seconds": seconds,
                    "rss": status["VmRSS"],
                    "hwm": status["VmHWM"],
                    "error": error,
                    "exceptions_shown": exceptions,
                }
                print(
                    f"    browser {name}: {seconds:.1f} s, server RSS {(status['VmRSS'] or 0) / 2**20:,.0f} MB, "
                    f"peak {(status['VmHWM'] or 0) / 2**20:,.0f} MB" + (f" {error}" if error else ""),
                    file=sys.stderr,
                    flush=True,
                )
                if process.poll() is not None:
                    out["server_died"] = log_path.read_text()[-3000:]
                    break
            chromium.close()
        out["server_final"] = proc_status(process.pid) if process.poll() is None else None
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return out


def child_pandas(work: Path, args) -> dict:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from pyproj import Transformer

    files = police_files(work)
    started = time.perf_counter()
    frames = [pd.read_csv(f) for f in files]
    df = pd.concat(frames, ignore_index=True)
    del frames
    read_seconds = time.perf_counter() - started

    # Wards as an analyst would: a spatial join of the distinct points with the ward files, merged back.
    started = time.perf_counter()
    df["month"] = pd.to_datetime(df["Month"], format="%Y-%m")
    df["is_asb"] = df["Crime type"] == "Anti-social behaviour"
    points = df[["Longitude", "Latitude"]].dropna().drop_duplicates()
    geo = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points.Longitude, points.Latitude), crs="EPSG:4326")
    for vintage, folder, tag in (("wd22", "wards_2022", "WD22"), ("wd25", "wards_2025", "WD25")):
        wards = pd.concat([gpd.read_file(p) for p in sorted((work / "data" / "boundaries" / folder).glob("*.geojson"))])
        wards = wards.rename(columns={f"{tag}CD": f"ward_{vintage}", f"LAD{tag[2:]}NM": f"district_{vintage}"})
        joined = gpd.sjoin(
            geo[["geometry"]],
            wards[[f"ward_{vintage}", f"district_{vintage}", "geometry"]],
            predicate="within",
            how="left",
        )
        joined = joined[~joined.index.duplicated()]
        points[f"ward_{vintage}"] = joined[f"ward_{vintage}"]
        if vintage == "wd22":
            points["district"] = joined["district_wd22"]
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    points["easting"], points["northing"] = to_bng.transform(points.Longitude.to_numpy(), points.Latitude.to_numpy())
    df = df.merge(points, on=["Longitude", "Latitude"], how="left")
    derive_seconds = time.perf_counter() - started

    last_year = int(df["month"].max().year)
    a0, a1 = pd.Timestamp(f"{last_year - 1}-01-01"), pd.Timestamp(f"{last_year}-01-01")
    b0, b1 = a1, pd.Timestamp(f"{last_year + 1}-01-01")

    def two_periods(frame):
        m = frame["month"]
        chosen = frame[((m >= a0) & (m < a1)) | ((m >= b0) & (m < b1))]
        return chosen, np.where(chosen["month"] < a1, "a", "b")

    def incident_types():
        sel, period = two_periods(df[~df["is_asb"]])
        return sel.groupby([sel["Crime type"], period]).size().unstack(fill_value=0)

    def ward_deltas():
        sel, period = two_periods(df[df["is_asb"]])
        return sel.groupby([sel["ward_wd25"], period]).size().unstack(fill_value=0)

    def seasonal():
        return df[df["is_asb"]].groupby("month").size()

    def districts():
        sel, period = two_periods(df[df["is_asb"]])
        return sel.groupby([sel["district"], period]).size().unstack(fill_value=0)

    def crime_ytd():
        return incident_types()

    def hotspots():
        sel = df[df["is_asb"] & (df["month"] >= b0) & (df["month"] < b1)]
        return sel.groupby([np.floor(sel["easting"] / 250), np.floor(sel["northing"] / 250)]).size()

    def quality():
        months = df["month"].unique()
        no_location = df["Longitude"].isna().sum()
        differ = (df["ward_wd22"] != df["ward_wd25"]).groupby(df["district"]).sum()
        return months, no_location, differ

    tables = {}
    for name, function in (
        ("incident-types", incident_types),
        ("ward-deltas", ward_deltas),
        ("seasonal", seasonal),
        ("districts", districts),
        ("crime-ytd", crime_ytd),
        ("hotspots", hotspots),
        ("quality", quality),
    ):
        function()
        tables[name] = quiet_median(lambda function=function: measured(function)[1:], args.repeat)["median"]
    return {
        "rows": len(df),
        "files": len(files),
        "read_concat_seconds": read_seconds,
        "derive_wards_seconds": derive_seconds,
        "tables": tables,
        "frame_bytes": int(df.memory_usage(deep=True).sum()),
    }


def _incremental_load(path: Path, folder: Path, expect_error: bool = False, dry_run: bool = False) -> dict:
    """Load one folder or file into the store as the command line does (connect, ingest, close):
    time, bytes written, rows before and after, and the load ids it made."""
    import duckdb

    from analytics.core.errors import InputError
    from analytics.data import store
    from analytics.data.police_uk import ingest_police_uk

    size_before = path.stat().st_size
    io_before = proc_io()
    busy, cpu = cpu_jiffies()[0], own_cpu()
    started = time.perf_counter()
    conn = store.connect(path)
    rows_before = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    error = None
    report = None
    try:
        report = ingest_police_uk(conn, [folder], districts=DISTRICTS, dry_run=dry_run)
    except InputError as exc:
        error = str(exc)[:300]
    load_seconds = time.perf_counter() - started
    conn.close()
    seconds = time.perf_counter() - started
    io_after = proc_io()
    others = max(0.0, (cpu_jiffies()[0] - busy) / os.sysconf("SC_CLK_TCK") - (own_cpu() - cpu))
    check = duckdb.connect(str(path), read_only=True)
    rows_after = check.execute("SELECT count(*) FROM incidents").fetchone()[0]
    check.close()
    if expect_error and error is None:
        error = "NOT REFUSED"
    return {
        "seconds": seconds,
        "load_seconds": load_seconds,
        "others_cores": others / seconds if seconds > 0.05 else 0.0,
        "error": error,
        "rows_before": rows_before,
        "rows_after": rows_after,
        "rows_stored": report.total("rows_stored") if report else 0,
        "rows_replaced": report.total("rows_replaced") if report else 0,
        "load_ids": [f.load_id for f in report.files if f.load_id] if report and not dry_run else [],
        "store_bytes_before": size_before,
        "store_bytes_after": path.stat().st_size,
        "write_bytes": io_after["write_bytes"] - io_before["write_bytes"],
    }


def _store_state(path: Path) -> dict:
    """What a change to the store would show: its tables' row counts and the file's identity."""
    import hashlib

    import duckdb

    conn = duckdb.connect(str(path), read_only=True)
    counts = {
        name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        for name in ("incidents", "loads", "replaced_rows", "load_changes", "undone_loads")
    }
    conn.close()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            digest.update(block)
    stat = path.stat()
    return {
        "rows": counts,
        "bytes": stat.st_size,
        "inode": stat.st_ino,
        "mtime_ns": stat.st_mtime_ns,
        "sha256": digest.hexdigest()[:16],
        "wal": Path(str(path) + ".wal").exists(),
    }


def _dry_run(path: Path, folder: Path, repeat: int) -> dict:
    """``--dry-run`` of ``folder`` ``repeat`` times (it changes nothing, so it can be repeated): the
    first run (the one compared with the load, which runs once, next) and the median; the store's
    rows, size and bytes compared before the first and after the last."""
    before = _store_state(path)
    runs = [_incremental_load(path, folder, dry_run=True) for _ in range(max(1, repeat))]
    after = _store_state(path)
    first = runs[0]
    return {
        **first,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "runs": [[round(r["seconds"], 4), round(r["others_cores"], 2)] for r in runs],
        "state_before": before,
        "state_after": after,
        "unchanged": before == after,
        "same_rows": before["rows"] == after["rows"],
    }


def _undo_loads(path: Path, load_ids: list[int], rows_expected: int) -> dict:
    """Undo ``load_ids`` (one per file, the latest first) as ``python -m analytics undo`` does, in one
    connection: time (connect to close, the checkpoint included), bytes written, rows after."""
    from analytics.data import store
    from analytics.data.history import undo

    size_before = path.stat().st_size
    io_before = proc_io()
    busy, cpu = cpu_jiffies()[0], own_cpu()
    started = time.perf_counter()
    conn = store.connect(path)
    rows_before = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    messages, each = [], []
    for load_id in sorted(load_ids, reverse=True):
        one = time.perf_counter()
        messages.append(undo(conn, load_id))
        each.append(round(time.perf_counter() - one, 4))
    undo_seconds = time.perf_counter() - started
    rows_after = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    conn.close()
    seconds = time.perf_counter() - started
    io_after = proc_io()
    others = max(0.0, (cpu_jiffies()[0] - busy) / os.sysconf("SC_CLK_TCK") - (own_cpu() - cpu))
    return {
        "seconds": seconds,
        "undo_seconds": undo_seconds,
        "each_seconds": each,
        "others_cores": others / seconds if seconds > 0.05 else 0.0,
        "loads": len(load_ids),
        "rows_before": rows_before,
        "rows_after": rows_after,
        "rows_expected": rows_expected,
        "restored": rows_after == rows_expected,
        "messages": messages[:3],
        "store_bytes_before": size_before,
        "store_bytes_after": path.stat().st_size,
        "write_bytes": io_after["write_bytes"] - io_before["write_bytes"],
    }


def child_incremental(work: Path, args) -> dict:
    """One new month, a dry run and the load of a revised month, the undo of both, and three
    malformed files, against the big store."""
    path = work / "ours.duckdb"
    out = {}
    out["new month"] = _incremental_load(path, work / "new_month")
    out["dry-run revised month"] = _dry_run(path, work / "revised_month", args.repeat)
    out["revised month"] = revised = _incremental_load(path, work / "revised_month")
    out["undo revised month"] = _undo_loads(path, revised["load_ids"], revised["rows_before"])
    new = out["new month"]
    out["undo new month"] = _undo_loads(path, new["load_ids"], new["rows_before"])
    for bad in sorted((work / "malformed").glob("*.csv")):
        label = f"malformed: {bad.name.split('-', 2)[2].replace('-street.csv', '')}"
        out[label] = _incremental_load(path, bad, expect_error=True)
    return out


CHILDREN = {
    "geo": child_geo,
    "bare": child_bare,
    "ingest": child_ingest,
    "tables": child_tables,
    "pages": child_pages,
    "browser": child_browser,
    "pandas": child_pandas,
    "incremental": child_incremental,
}


def wait_quiet(max_wait: float, threshold: float = 0.3) -> tuple[float, float]:
    """Wait (up to max_wait seconds) until other processes use under ``threshold`` cores over 2 s.

    Other people's test runs share this machine; a timing taken while they run says more about
    them than about the code. Returns (seconds waited, cores the others used in the last window).
    """
    started = time.perf_counter()
    ticks = os.sysconf("SC_CLK_TCK")
    while True:
        busy, _ = cpu_jiffies()
        time.sleep(2.0)
        busy2, _ = cpu_jiffies()
        used = (busy2 - busy) / ticks / 2.0
        waited = time.perf_counter() - started
        if used < threshold or waited >= max_wait:
            return waited, used


def run_child(name: str, work: Path, args) -> dict:
    """Run one step in a fresh process; its result, wall time, CPU time, peak memory, and how busy
    the rest of the machine was meanwhile (other people's test runs share these two cores)."""
    import resource

    result_path = work / f"result-{name.split(':')[0]}.json"
    result_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name.split(":")[0],
        "--work",
        str(work),
        "--repeat",
        str(args.repeat),
        "--pandas-max",
        str(args.pandas_max),
        "--skip-pages",
        args.skip_pages,
        "--page-timeout",
        str(args.page_timeout),
    ]
    waited, before = wait_quiet(args.quiet_wait)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = cpu_jiffies()
    started = time.perf_counter()
    # Poll the child: its peak memory (kept even if it is killed, by us or by the kernel), its
    # temporary-file use (DuckDB spills to <db>.tmp), and the step timeout.
    process = subprocess.Popen(command, cwd=ROOT)
    peak, spill_peak, timed_out = 0, 0, False
    while process.poll() is None:
        try:
            peak = max(peak, proc_status(process.pid)["VmHWM"])
        except (OSError, KeyError):
            pass
        spill_peak = max(
            spill_peak,
            sum(f.stat().st_size for d in work.glob("*.tmp") if d.is_dir() for f in d.rglob("*") if f.is_file()),
        )
        if args.step_timeout and time.perf_counter() - started > args.step_timeout:
            timed_out = True
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            break
        time.sleep(1.0)
    completed = process
    completed.wait()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy2, total2 = cpu_jiffies()
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    ticks = os.sysconf("SC_CLK_TCK")
    others = max(0.0, (busy2 - busy) / ticks - cpu)
    measures = {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "others_cores": others / wall if wall else 0.0,
        "waited_for_quiet": waited,
        "others_cores_before": before,
        "polled_peak_rss_bytes": peak,
        "temp_spill_peak_bytes": spill_peak,
    }
    if timed_out:
        return {
            "failed": f"stopped after the step timeout of {args.step_timeout:.0f} s",
            "peak_rss_bytes": peak,
            **measures,
        }
    if completed.returncode != 0 or not result_path.exists():
        return {
            "failed": f"exit code {completed.returncode}"
            + (" (killed by a signal: out of memory?)" if completed.returncode < 0 else ""),
            "peak_rss_bytes": peak,
            **measures,
        }
    result = json.loads(result_path.read_text())
    result.update(measures)
    return result


def retry_if_busy(step: str, work: Path, args, rows: int) -> dict:
    """Run a one-shot timing; at 10 M rows or fewer, run it again if other processes were busy
    meanwhile, and keep the quieter run (the other is kept in the result, for the record)."""
    result = run_child(step, work, args)
    if rows <= 10_000_000 and result.get("others_cores", 0) > QUIET and "failed" not in result:
        print(
            f"  others used {result['others_cores']:.2f} cores during {step}: running it again",
            file=sys.stderr,
            flush=True,
        )
        again = run_child(step, work, args)
        if "failed" not in again and again.get("others_cores", 0) < result["others_cores"]:
            again["busier_attempt"] = {k: result[k] for k in ("seconds", "others_cores") if k in result}
            return again
        result["other_attempt"] = {k: again.get(k) for k in ("seconds", "others_cores")}
    return result


def child_main(args) -> None:
    work = Path(args.work)
    # This machine is shared: if memory runs out, the kernel should kill this step, not someone else's work.
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass
    try:
        result = CHILDREN[args.child](work, args)
    except Exception:
        traceback.print_exc()
        result = {"failed": traceback.format_exc()[-3000:]}
    result["peak_rss_bytes"] = proc_status()["VmHWM"]
    (work / f"result-{args.child}.json").write_text(json.dumps(result, indent=1, default=str))


# --------------------------------------------------------------------------- report


def fmt_s(seconds) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:,.0f} s"


def slower(ratio: float) -> str:
    return f"pandas {ratio:.1f}x slower" if ratio >= 1 else f"pandas {1 / ratio:.1f}x faster"


def fmt_b(n) -> str:
    if n is None:
        return "–"
    return f"{n / 2**30:.2f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"


def _deepest(functions: list[dict]) -> list[dict]:
    """Leave out the entry points every sample passes through (app.py, the page module, run_table)."""
    skip = ("app.py:", ":<module>", "tables.py:run_table", "tables.py:_")
    return [f for f in functions if not any(s in f["function"] for s in skip)]


def verdict(ok) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def _undo_report_rows(inc: dict, rows: int) -> list[str]:
    """The table's rows for the dry run of the revised month and the undo of both loads."""
    out = []
    v = inc["revised month"]
    d = inc.get("dry-run revised month")
    if d:
        same = d["same_rows"] and d["state_before"]["bytes"] == d["state_after"]["bytes"]
        identity = "file byte-identical" if d["unchanged"] else "rows and size the same, file touched"
        out.append(
            f"| dry run of the revised month (`--dry-run`) | {fmt_s(d['seconds'])} (median of "
            f"{len(d['runs'])}: {fmt_s(d['median_seconds'])}), {fmt_b(d['write_bytes'])} written, "
            f"{identity if same else '**store changed**'} | the load itself: {fmt_s(v['seconds'])} | "
            f"{d['seconds'] / v['seconds']:.2f}x the load | no slower than the load, store unchanged | "
            f"{verdict(d['seconds'] <= v['seconds'] and same)} |"
        )
    for label, load in (("undo revised month", v), ("undo new month", inc["new month"])):
        u = inc.get(label)
        if not u:
            continue
        what = "the revised month (rows it replaced put back)" if load is v else "the new month"
        target = "< 5 s at 10 M, rows as before the load" if load is v else "rows as before the load"
        ok = u["restored"] and (u["seconds"] < 5 if load is v else True)
        met = verdict(ok) if rows >= 10_000_000 or load is not v else verdict(ok) + " (at this size)"
        out.append(
            f"| undo {what}: {u['loads']} load(s), {u['rows_after'] - u['rows_before']:+,} rows net "
            f"| {fmt_s(u['seconds'])}, {fmt_b(u['write_bytes'])} written, {u['rows_after']:,} rows after "
            f"(expected {u['rows_expected']:,}) | its load: {fmt_s(load['seconds'])} | "
            f"{u['seconds'] / load['seconds']:.2f}x the load | {target} | {met} |"
        )
    return out


def report(rows: int, manifest: dict, results: dict, args, command: str) -> str:
    lines = []
    add = lines.append
    r = results
    add(f"# Scale benchmark: {rows:,} rows")
    add("")
    commands = results.get("commands") or [command]
    add(
        "Command"
        + ("s (in order; later ones re-measured some steps and merged them)" if len(commands) > 1 else "")
        + ": "
        + "; ".join(f"`{c}`" for c in commands)
        + "  "
    )
    add(
        f"Machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, "
        f"Python {platform.python_version()}; report written {datetime.datetime.now():%Y-%m-%d %H:%M}. "
        f"Warm figures are medians of {args.repeat} runs."
    )
    if results.get("merged_steps"):
        add(
            "Steps measured again in this run and merged into the earlier figures: "
            f"{', '.join(results['merged_steps'])}."
        )
    for note in results.get("notes", []):
        add(f"Note: {note}  ")
    versions = results.get("code_before", {})
    changed = [k for k, v in results.get("code_after", {}).items() if versions.get(k) != v]
    add(
        "Product code measured (SHA-256 prefix, modification time): "
        + ", ".join(f"`{k}` {v}" for k, v in versions.items())
        + "."
        + (f" **Changed during the run: {', '.join(changed)}.**" if changed else "")
    )
    add("")
    m = manifest
    add(
        f"Data (synthetic, police.uk-shaped, seed {m['plan']['seed']}): {m['rows']:,} rows "
        f"({m['asb']:,} ASB with an empty Crime ID, {m['no_location']:,} with no location) in {m['files']:,} files "
        f"({m['plan']['forces']} forces x {m['plan']['months']} months, {m['months'][0]} to {m['months'][1]}), "
        f"{m['csv_bytes'] / 2**30:.2f} GB of CSV; {m['snap_points_used']:,} snap points; {m['wards_wd22']:,} WD22 "
        f"and {m['wards_wd25']:,} WD25 wards, {m['lsoas']:,} LSOAs over {m['region_km2']:,} km2. "
        f"Generated in {m['seconds']:.0f} s."
    )
    add("")
    add("| what | ours | baseline (same run) | ratio | target | met |")
    add("|---|---|---|---|---|---|")
    bare, ours, pandas = dict(r.get("bare", {})), r.get("ingest", {}), r.get("pandas", {})
    after = r.get("bare_after", {})
    # The baseline: the bare read_csv run with the least interference from other processes (every
    # run is listed); the mean of the runs when they were equally quiet.
    runs = [(x["seconds"], x.get("others_cores", 0.0), x.get("cpu_seconds")) for x in (bare, after) if "seconds" in x]
    runs += [
        (x["seconds"], x["others_cores"], None)
        for y in (bare, after)
        for x in (y.get("busier_attempt"), y.get("other_attempt"))
        if x and x.get("seconds")
    ]
    if len(runs) > 1:
        quietest = min(o for _, o, _ in runs)
        chosen = [(t, c) for t, o, c in runs if o <= quietest + 0.1]
        bare["runs"] = [(t, o) for t, o, _ in runs]
        bare["seconds"] = sum(t for t, _ in chosen) / len(chosen)
        cpus = [c for _, c in chosen if c]
        bare["cpu_seconds"] = sum(cpus) / len(cpus) if cpus else None
        bare["others_cores"] = quietest
    extrapolated = pandas.get("extrapolated_from")
    note = f" (extrapolated x{rows / extrapolated:.0f} from {extrapolated:,} rows)" if extrapolated else ""
    if "seconds" in ours and "seconds" in bare:
        ratio = bare["seconds"] / ours["seconds"]
        ours_runs = [
            f"{fmt_s(x['seconds'])} [others {x['others_cores']:.1f} cores]"
            for x in (ours.get("busier_attempt"), ours.get("other_attempt"))
            if x and x.get("seconds")
        ]
        bare_runs = (
            " (the quietest of " + ", ".join(f"{fmt_s(t)} [others {o:.1f} cores]" for t, o in bare["runs"]) + ")"
            if "runs" in bare
            else ""
        )
        add(
            "| ingestion: validation, wards in both vintages, load record "
            f"(others used {ours.get('others_cores', 0):.1f} "
            f"cores meanwhile{'; other attempt: ' + ', '.join(ours_runs) if ours_runs else ''}) | "
            f"{fmt_s(ours['seconds'])} = "
            f"{rows / ours['seconds']:,.0f} rows/s | bare DuckDB read_csv: {fmt_s(bare['seconds'])}"
            f"{bare_runs} = "
            f"{rows / bare['seconds']:,.0f} rows/s | {ratio:.2f} of its rate | >= 0.5 | {verdict(ratio >= 0.5)} |"
        )
        if ours.get("cpu_seconds") and bare.get("cpu_seconds"):
            add(
                "| the same in CPU time (less sensitive to other processes) | "
                f"{fmt_s(ours['cpu_seconds'])} CPU | bare: "
                f"{fmt_s(bare['cpu_seconds'])} CPU | {bare['cpu_seconds'] / ours['cpu_seconds']:.2f} | | |"
            )
    elif "failed" in ours:
        add(
            f"| ingestion | FAILED after {fmt_s(ours.get('wall_seconds'))} | "
            f"bare read_csv {fmt_s(bare.get('seconds'))} | | >= 0.5 | **no** |"
        )
    if "seconds" in ours and "read_concat_seconds" in pandas:
        p = pandas["read_concat_seconds"] + pandas["derive_wards_seconds"]
        add(
            f"| ingestion against pandas (read_csv per file, concat, wards by sjoin of distinct points){note} | "
            f"{fmt_s(ours['seconds'])} | pandas: {fmt_s(p)} (read+concat {fmt_s(pandas['read_concat_seconds'])}, "
            f"wards {fmt_s(pandas['derive_wards_seconds'])}) | {slower(p / ours['seconds'])} | | |"
        )
    wards = r.get("tables", {}).get("wards", {})
    if wards:
        base = f"bare read_csv {fmt_s(bare.get('seconds'))}" if bare.get("seconds") else ""
        ratio = f"{wards['distinct_seconds'] / bare['seconds']:.1%} of the bare read" if bare.get("seconds") else ""
        add(
            f"| ward assignment alone: assign_points on {wards['distinct_points']:,} distinct snap points, "
            "both vintages "
            f"| {fmt_s(wards['distinct_seconds'])} | {base} | {ratio} | | |"
        )
        if "every_row_seconds" in wards:
            add(
                f"| ward assignment, the same on every row ({wards['every_row_points']:,} points, no de-duplication) "
                f"| {fmt_s(wards['distinct_seconds'])} (distinct) | {fmt_s(wards['every_row_seconds'])} (every row) | "
                f"{wards['every_row_seconds'] / wards['distinct_seconds']:.0f}x faster by de-duplicating | | |"
            )
    limit = 1.0 if rows <= 10_000_000 else 5.0
    for name, t in r.get("tables", {}).get("tables", {}).items():
        p = pandas.get("tables", {}).get(name)
        base = (
            (
                f"pandas groupby on the in-memory frame: {fmt_s(p)}{note}; end to end with read: "
                f"{fmt_s(p + pandas['read_concat_seconds'] + pandas['derive_wards_seconds'])}"
            )
            if p is not None
            else ""
        )
        ratio = slower(p / t["warm_seconds"]) if p is not None else ""
        ok = t["warm_seconds"] < limit
        busy = "" if t["warm"]["quiet"] else " (no quiet run: machine busy)"
        add(
            f"| table {name} (warm; first run in a fresh process {fmt_s(t['first_seconds'])}) | "
            f"{fmt_s(t['warm_seconds'])}{busy} "
            f"| {base} | {ratio} | < {limit:.0f} s; pandas >= 10x | {verdict(ok)}"
            f"{'' if p is None else ('; ' + verdict(p / t['warm_seconds'] >= 10))} |"
        )
    if "failed" in r.get("tables", {}):
        add("| tables | FAILED | | | | **no** |")
    pages = r.get("pages", {}).get("pages", {})
    about = pages.get("about", {}).get("cold") or 0.05
    for name, p in pages.items():
        if p.get("skipped"):
            add(f"| page {name} script | not run (--skip-pages) | | | | – |")
            continue
        if p.get("timed_out"):
            add(
                f"| page {name} script (AppTest) | did not finish in {fmt_s(p['timeout'])} (later pages not run) | "
                f"| | < 1 s at 10 M | **no** |"
            )
            continue
        ok = p["cold"] < 1.0 if rows <= 10_000_000 else None
        errors = f" ERRORS: {'; '.join(p['errors'])[:120]}" if p["errors"] else ""
        single = " (one run, profiled)" if p.get("cold_from_profiled_run") else ""
        runs = p.get("cold_runs") or []
        if runs and not any(o < QUIET for _, o in runs):
            single += " (no quiet run: machine busy)"
        add(
            f"| page {name} script (AppTest, cold caches{single}; cached {fmt_s(p['cached'])}){errors} | "
            f"{fmt_s(p['cold'])} | "
            f"About page (no data), cold: {fmt_s(about)} | {p['cold'] / about:.1f}x | "
            f"{'< 1 s at 10 M' if rows <= 10_000_000 else '(1 s at 10 M)'} | {verdict(ok)} |"
        )
    if "failed" in r.get("pages", {}):
        add("| pages | FAILED | | | | **no** |")
    if "peak_rss_bytes" in ours and "peak_rss_bytes" in bare:
        add(
            f"| peak memory of ingestion (VmHWM of its process) | {fmt_b(ours['peak_rss_bytes'])} | bare read_csv: "
            f"{fmt_b(bare['peak_rss_bytes'])} | {ours['peak_rss_bytes'] / bare['peak_rss_bytes']:.1f}x | | |"
        )
    if pandas.get("peak_rss_bytes"):
        add(f"| peak memory of the pandas approach{note} | | {fmt_b(pandas['peak_rss_bytes'])} | | | |")
    browser = r.get("browser", {})
    if browser.get("server_final") or browser.get("pages"):
        final = (browser.get("server_final") or {}).get("VmHWM") or max(
            (p["hwm"] or 0) for p in browser["pages"].values()
        )
        start = browser.get("pages", {}).get("about", {}).get("hwm") or browser["server_started"]["VmHWM"]
        ok = final < 2 * 2**30
        left_out = [p for p in PAGES if p not in browser.get("pages", {})]
        add(
            f"| peak memory of the app server (VmHWM after opening every page in Chromium"
            f"{', except ' + ', '.join(left_out) if left_out else ''}) | {fmt_b(final)} | "
            f"server after start and the About page: {fmt_b(start)} | {final / start:.1f}x | < 2 GB at 60 M | "
            f"{verdict(ok) if rows >= 60_000_000 else verdict(ok) + ' (at this size)'} |"
        )
    if r.get("pages", {}).get("peak_rss_bytes"):
        add(
            "| peak memory of the AppTest process (every page, cold and cached) | "
            f"{fmt_b(r['pages']['peak_rss_bytes'])} "
            f"| | | | |"
        )
    inc = r.get("incremental", {})
    if "new month" in inc:
        n = inc["new month"]
        add(
            f"| load one new month ({n['rows_stored']:,} rows) into the store | {fmt_s(n['seconds'])}, "
            f"{fmt_b(n['write_bytes'])} written | store before: {fmt_b(n['store_bytes_before'])}; full ingestion "
            f"{fmt_s(ours.get('seconds'))} | {n['write_bytes'] / n['store_bytes_before']:.1%} of the store written | "
            f"no rewrite | {verdict(n['write_bytes'] < 0.5 * n['store_bytes_before'])} |"
        )
        v = inc["revised month"]
        add(
            f"| load a revision of the last month ({v['rows_replaced']:,} rows replaced) | {fmt_s(v['seconds'])}, "
            f"{fmt_b(v['write_bytes'])} written | store {fmt_b(v['store_bytes_before'])} | "
            f"{v['write_bytes'] / v['store_bytes_before']:.1%} of the store written | | |"
        )
        lines.extend(_undo_report_rows(inc, rows))
        for label, b in inc.items():
            if label.startswith("malformed"):
                unchanged = b["rows_before"] == b["rows_after"]
                add(
                    f"| refuse a file with {label[11:]} | {fmt_s(b['seconds'])} | | | refused, store unchanged | "
                    f"{verdict(bool(b['error']) and b['error'] != 'NOT REFUSED' and unchanged)} |"
                )
    add("")
    # Profiles
    if ours.get("phases"):
        add("## Where ingestion spends its time")
        add("")
        add("Phases (wrapping analytics.data.police_uk's functions; nested phases overlap):")
        add("")
        for k, v in ours["phases"].items():
            add(f"- {k}: {fmt_s(v)}")
        add("")
        add("Slowest SQL statements of the load:")
        add("")
        add("| statement | calls | seconds |")
        add("|---|---|---|")
        for s in ours["sql"]:
            add(f"| `{s['sql']}` | {s['calls']} | {s['seconds']:.2f} |")
        add("")
    if r.get("tables", {}).get("tables"):
        add("## Where each table spends its time (warm run)")
        add("")
        add(
            "| table | SQL total of the profiled run | slowest statements (calls, seconds) "
            "| project functions, first run (inclusive share of samples) | innermost frames |"
        )
        add("|---|---|---|---|---|")
        for name, t in r["tables"]["tables"].items():
            sql = "<br>".join(f"`{s['sql'][:70]}` ({s['calls']}, {s['seconds']:.3f})" for s in t["sql_warm"][:3])
            py = "<br>".join(f"{f['function']} {f['share']:.0%}" for f in _deepest(t["python_first"])[:4])
            leaves = "<br>".join(f"{f['function']} {f['share']:.0%}" for f in t.get("leaves_first", [])[:3])
            add(
                f"| {name} | {fmt_s(t['sql_warm_total'])} of {fmt_s(t['profiled_seconds'])} | {sql} | {py} | {leaves} |"
            )
        add("")
    if pages:
        add("## Where each page spends its time (a profiled cold run)")
        add("")
        add(
            "| page | script | SQL total | slowest statements (calls, seconds) "
            "| project functions (inclusive share of samples) | innermost frames |"
        )
        add("|---|---|---|---|---|---|")
        for name, p in pages.items():
            if p.get("skipped"):
                continue
            sql = "<br>".join(f"`{s['sql'][:70]}` ({s['calls']}, {s['seconds']:.3f})" for s in p["sql"][:3])
            py = "<br>".join(f"{f['function']} {f['share']:.0%}" for f in _deepest(p["python"])[:4])
            leaves = "<br>".join(f"{f['function']} {f['share']:.0%}" for f in p.get("leaves", [])[:3])
            shown = fmt_s(p["profiled_cold"]) if "profiled_cold" in p else f"> {fmt_s(p.get('timeout'))}"
            add(f"| {name} | {shown} | {fmt_s(p['sql_total'])} | {sql} | {py} | {leaves} |")
        add("")
    if browser.get("pages"):
        add("## Browser (Chromium, a fresh server: every page's first visit)")
        add("")
        add("| page | time to drawn | server RSS after | server peak so far | error |")
        add("|---|---|---|---|---|")
        for name, p in browser["pages"].items():
            add(f"| {name} | {fmt_s(p['seconds'])} | {fmt_b(p['rss'])} | {fmt_b(p['hwm'])} | {p['error'] or ''} |")
        add("")
    failed = {k: v["failed"] for k, v in r.items() if isinstance(v, dict) and "failed" in v}
    if failed:
        add("## Steps that failed")
        add("")
        for k, v in failed.items():
            add(f"- {k}: `{str(v)[-600:]}`")
        add("")
    missing = [
        name for name in ("bare", "ingest", "tables", "pages", "browser", "pandas", "incremental") if name not in r
    ]
    if missing:
        add("## Not measured at this size")
        add("")
        add(
            f"Steps not run: {', '.join(missing)} (see the command: the time budget for this size, or a step "
            "left out on purpose)."
        )
        add("")
    add("## Other figures")
    add("")
    if bare.get("read_bytes_seconds"):
        add(
            "- Reading the files' bytes (Python, 16 MB chunks, before the bare read): "
            f"{fmt_s(bare['read_bytes_seconds'])}."
        )
    geo = r.get("geo", {})
    if "load_seconds" in geo:
        add(
            f"- Geography.load (GeoJSON, best-fit overlays): {fmt_s(geo['load_seconds'])}; store_geography: "
            f"{fmt_s(geo['store_seconds'])}."
        )
    if ours.get("temp_spill_peak_bytes"):
        add(
            f"- Ingestion spilled up to {fmt_b(ours['temp_spill_peak_bytes'])} to DuckDB's temporary folder "
            f"(ours.duckdb.tmp) and reached {fmt_b(ours.get('polled_peak_rss_bytes'))} resident."
        )
    if bare.get("db_bytes") and ours.get("db_bytes"):
        add(
            f"- Store size: {fmt_b(ours['db_bytes'])} (bare table {fmt_b(bare['db_bytes'])}, CSV "
            f"{fmt_b(manifest['csv_bytes'])}); ingestion wrote {fmt_b(ours['write_bytes'])}."
        )
    for name in ("geo", "bare", "ingest", "bare_after", "tables", "pages", "browser", "pandas", "incremental"):
        if name in r and "wall_seconds" in r[name]:
            add(
                f"- step {name}: {fmt_s(r[name].get('wall_seconds'))} wall, {fmt_s(r[name].get('cpu_seconds'))} CPU, "
                f"peak {fmt_b(r[name].get('peak_rss_bytes'))}; "
                f"other processes used {r[name].get('others_cores', 0):.2f} "
                f"of the {os.cpu_count()} cores meanwhile (waited {r[name].get('waited_for_quiet', 0):.0f} s for "
                f"them to go under 0.3 first; {r[name].get('others_cores_before', 0):.2f} when it started)."
            )
    if extrapolated:
        add(
            f"- The pandas figures are measured at {extrapolated:,} rows in this run's --pandas-max step and scaled "
            f"linearly by {rows / extrapolated:.0f}; pandas would not fit in memory here (the frame alone was "
            f"{fmt_b(pandas.get('frame_bytes_measured'))} at {extrapolated:,} rows)."
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- orchestration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--workdir", type=Path, help="keep generated data here (rows-N/), reused when it matches")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (default: deleted at the end)")
    parser.add_argument("--pandas-max", type=int, default=10_000_000, help="largest size pandas is run at")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="rewrite results-<rows>.md from its .json")
    parser.add_argument(
        "--merge", action="store_true", help="keep the figures of steps not run now from the last results-<rows>.json"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=300,
        help="before each step, wait up to this many seconds for other processes to go quiet",
    )
    parser.add_argument("--skip-pages", default="", help="pages not to open (comma-separated), e.g. hotspots")
    parser.add_argument("--page-timeout", type=float, default=1800, help="seconds a page may take")
    parser.add_argument("--step-timeout", type=float, default=0, help="seconds a step may take (0: no limit)")
    parser.add_argument("--steps", default="generate,geo,bare,ingest,tables,pages,browser,pandas,incremental")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    import generate

    command = ".venv/bin/python bench/scale/run.py " + " ".join(sys.argv[1:])
    steps = args.steps.split(",")
    if args.no_browser and "browser" in steps:
        steps.remove("browser")
    base = args.workdir or Path(tempfile.mkdtemp(prefix="asb-scale-"))
    pandas_small = None  # (rows, result) of the largest size pandas ran at
    for rows in sorted(args.rows):
        work = base / f"rows-{rows}"
        plan = generate.Plan(rows=rows, months=args.months, seed=args.seed)
        manifest_path = work / "manifest.json"
        results = {"code_before": code_versions()}
        previous = HERE / f"results-{rows}.json"
        if args.report_only:
            saved = json.loads(previous.read_text())
            text = report(rows, saved["manifest"], saved["results"], args, command)
            (HERE / f"results-{rows}.md").write_text(text)
            print(text)
            continue
        if args.merge and previous.exists():
            results = {**json.loads(previous.read_text())["results"], "code_before": code_versions()}
            results["merged_steps"] = sorted(set(results.get("merged_steps", [])) | set(steps))
        results["commands"] = results.get("commands", []) + [command]
        if manifest_path.exists() and json.loads(manifest_path.read_text())["plan"] == generate.asdict(plan):
            manifest = json.loads(manifest_path.read_text())
            print(f"[{rows:,}] reusing the files in {work}", file=sys.stderr)
        else:
            print(f"[{rows:,}] generating into {work}", file=sys.stderr, flush=True)
            manifest = generate.generate(plan, work, progress=lambda m: print(m, file=sys.stderr, flush=True))
        print(
            f"[{rows:,}] {manifest['files']:,} files, {manifest['csv_bytes'] / 2**30:.2f} GB, generated in "
            f"{manifest['seconds']:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        for step in ("geo", "bare", "ingest", "bare_after", "tables", "pages", "browser", "pandas", "incremental"):
            if step == "bare_after":
                # The baseline again after ours, so a change in the machine's load shows and averages out.
                if "bare" not in steps or "ingest" not in steps or rows > 10_000_000:
                    continue
                print(f"[{rows:,}] step bare (again, after ingestion) ...", file=sys.stderr, flush=True)
                results[step] = retry_if_busy("bare:after", work, args, rows)
                continue
            if step not in steps:
                continue
            if step == "pandas" and rows > args.pandas_max:
                if not pandas_small:
                    # The largest size pandas ran at in an earlier run of this benchmark, if any.
                    for path in sorted(
                        HERE.glob("results-*.json"), key=lambda p: int(p.stem.split("-")[1]), reverse=True
                    ):
                        earlier = json.loads(path.read_text())["results"].get("pandas", {})
                        size = int(path.stem.split("-")[1])
                        if size <= args.pandas_max and "tables" in earlier and "extrapolated_from" not in earlier:
                            pandas_small = (size, earlier)
                            break
                if pandas_small:
                    small_rows, small = pandas_small
                    scale = rows / small_rows
                    results["pandas"] = {
                        "extrapolated_from": small_rows,
                        "read_concat_seconds": small["read_concat_seconds"] * scale,
                        "derive_wards_seconds": small["derive_wards_seconds"] * scale,
                        "tables": {k: v * scale for k, v in small["tables"].items()},
                        "peak_rss_bytes": small["peak_rss_bytes"] * scale,
                        "frame_bytes_measured": small.get("frame_bytes"),
                    }
                continue
            if step in ("tables", "pages", "browser", "incremental") and "seconds" not in results.get(
                "ingest", {"seconds": 1}
            ):
                print(f"[{rows:,}] skipping {step}: ingestion failed", file=sys.stderr)
                continue
            print(f"[{rows:,}] step {step} ...", file=sys.stderr, flush=True)
            results[step] = (
                retry_if_busy(step, work, args, rows) if step in ("bare", "ingest") else run_child(step, work, args)
            )
            print(
                f"[{rows:,}] step {step}: {results[step]['wall_seconds']:.1f} s wall, peak "
                f"{fmt_b(results[step].get('peak_rss_bytes'))}"
                + (f" FAILED: {results[step]['failed'][-400:]}" if "failed" in results[step] else ""),
                file=sys.stderr,
                flush=True,
            )
            if step == "pandas" and "failed" not in results[step]:
                pandas_small = (rows, results[step])
        results["code_after"] = code_versions()
        text = report(rows, manifest, results, args, command)
        print(text)
        (HERE / f"results-{rows}.md").write_text(text)
        (HERE / f"results-{rows}.json").write_text(
            json.dumps({"manifest": manifest, "results": results}, indent=1, default=str)
        )
        if not args.keep:
            for name in ("ours.duckdb", "ours.duckdb.wal", "bare.duckdb", "geo.duckdb"):
                (work / name).unlink(missing_ok=True)
            if not args.workdir:
                shutil.rmtree(work, ignore_errors=True)
    if not args.keep and not args.workdir:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
