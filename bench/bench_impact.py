"""Benchmark: the impact evaluation ("did it work?"), target under 1 s.

    .venv/bin/python bench/bench_impact.py [--db FILE] [--rows 10000000] [--repeat 5]

Times the command line's path (analytics.reports.tables.run_table, which reads the register, the
wards' outlines for the buffer, the months the source holds and the counts) on the built store:
the Redditch town-centre PSPO on police.uk (4 months from January 2025), its refusal (from January
2024: the months police.uk lacks named), and 12 months on the synthetic force extract. Each figure
is the first run in the process (cold) and the median of --repeat warm runs; then the Tools and powers
page's whole script with the PSPO evaluated (AppTest), caches emptied and cached. With --rows, the same
on a store whose police.uk rows are replicated to that size (bench/bench_tables.py's build_large),
the PSPO evaluated on 4 months of its copies.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.analyses.impact import ImpactRefused  # noqa: E402
from analytics.data import store  # noqa: E402
from analytics.reports.tables import run_table  # noqa: E402

PSPO = {"source": "police_uk", "intervention": "redditch-town-centre-pspo", "months": 4}
CASES = {
    "PSPO, police.uk, Jan-Apr 2025 against 2024": {**PSPO, "start": "2025-01"},
    "PSPO, police.uk, from Jan 2024 (refused: months missing)": {**PSPO, "start": "2024-01"},
    "Abbey, extract, 12 months from Apr 2018": {"source": "extract", "wards": ["E05007868"], "start": "2018-04"},
}


def _once(conn, options: dict) -> float:
    started = time.perf_counter()
    try:
        run_table(conn, "impact", options)
    except ImpactRefused:
        pass
    return time.perf_counter() - started


def time_cases(conn, cases: dict, repeat: int) -> dict[str, tuple[float, float]]:
    results = {}
    for name, options in cases.items():
        cold = _once(conn, options)
        results[name] = (cold, statistics.median(_once(conn, options) for _ in range(repeat)))
    return results


def _print(title: str, results: dict[str, tuple[float, float]]) -> None:
    print(title)
    for name, (cold, warm) in results.items():
        print(f"  {name}: first {cold * 1000:.0f} ms, warm median {warm * 1000:.0f} ms")
    worst = max(max(pair) for pair in results.values())
    print(f"  slowest {worst * 1000:.0f} ms: {'met' if worst < 1.0 else 'NOT met'} (target < 1 s)")


def page_script(db: Path, repeat: int) -> tuple[float, float]:
    """The Tools and powers page's script with the PSPO evaluated (AppTest): cold caches, cached."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["ASB_DB_PATH"] = str(db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in {"src": "police_uk", "iv": "redditch-town-centre-pspo", "is": "2025-01", "im": "4"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(str(ROOT / "app_pages" / "tools_powers.py"))
    at.run()
    assert not at.exception and any("95% interval" in m.value for m in at.markdown), at.exception
    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at.run()
        cold.append(at.session_state["script_seconds"])
        at.run()
        warm.append(at.session_state["script_seconds"])
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="a built store (default: build one in a temp folder)")
    parser.add_argument("--rows", type=int, default=0, help="also time a store of this many police.uk rows")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db
        if db is None:
            db = Path(folder) / "asb.duckdb"
            store.build(db)
        conn = store.connect(db, read_only=True)
        try:
            _print("embedded store", time_cases(conn, CASES, args.repeat))
        finally:
            conn.close()
        cold, warm = page_script(Path(db), args.repeat)
        print(
            f"Tools and powers page with the PSPO evaluated: cold caches {cold * 1000:.0f} ms,"
            f" cached {warm * 1000:.0f} ms"
        )
        if args.rows:
            from bench.bench_tables import build_large

            big = Path(folder) / "large.duckdb"
            held = build_large(Path(db), big, args.rows)
            conn = store.connect(big, read_only=True)
            try:
                cases = {f"PSPO, {held:,} police.uk rows, Jan-Apr 2031 against 2030": {**PSPO, "start": "2031-01"}}
                _print(f"{held:,} rows", time_cases(conn, cases, args.repeat))
            finally:
                conn.close()


if __name__ == "__main__":
    main()
