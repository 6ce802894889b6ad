"""Benchmark: the funnel, NIRS and time-of-week tables, warm, on the embedded store and on a large
store of extract-shaped rows.

    .venv/bin/python bench/bench_compare_tables.py [--rows 10000000] [--repeat 5] [--db FILE]

The large store copies the synthetic extract's rows (with their NIRS classes, report times and
wards) into the same months until it holds --rows rows: the same 53 months, each about 200 times
as busy, so every table aggregates millions of rows a period (a harder case than a longer archive
of the same density, where a period's filter leaves a few thousand). Tables are timed with the
calls the command line makes (analytics.reports.tables.run_table); each figure is the median of
--repeat warm runs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.data import store  # noqa: E402
from bench.bench_tables import time_tables  # noqa: E402

PAIR = {"period_a": "FY2017", "period_b": "FY2018"}
SPECS = {
    "funnel (wards)": ("funnel", {"source": "extract", "period_b": "FY2018"}),
    "funnel (Redditch wards)": ("funnel", {"source": "extract", "districts": ["Redditch"], "period_b": "FY2018"}),
    "funnel (districts)": ("funnel", {"source": "extract", "period_b": "FY2018", "by": "district"}),
    "nirs (classes)": ("nirs", {"source": "extract", **PAIR}),
    "nirs (districts)": ("nirs", {"source": "extract", **PAIR, "by": "district"}),
    "nirs (wards)": ("nirs", {"source": "extract", **PAIR, "by": "ward"}),
    "time-of-week": ("time-of-week", {"source": "extract", "period_b": "FY2018"}),
    "time-of-week (Redditch)": ("time-of-week", {"source": "extract", "districts": ["Redditch"], "period_b": "FY2018"}),
}


def build_large(source_db: Path, target: Path, rows: int) -> int:
    """A copy of the store whose extract rows are repeated in their own months until it holds
    about ``rows`` rows (police.uk rows dropped: these tables read the extract)."""
    shutil.copy(source_db, target)
    conn = store.connect(target)
    conn.execute("DELETE FROM incidents WHERE source <> 'extract'")
    base = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    copies = max(1, rows // base)
    conn.execute(f"""
        INSERT INTO incidents BY NAME
        SELECT * EXCLUDE (k) REPLACE (incident_ref || '-' || k AS incident_ref)
        FROM incidents, range(1, {copies}) c(k)""")
    total = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    conn.execute("CHECKPOINT")
    conn.close()
    return total


def report(title: str, results: dict[str, float]) -> None:
    print(title)
    for label, seconds in results.items():
        print(f"  {label:26s} {seconds * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default=None, help="the embedded store (default: ASB_DB_PATH or data/asb.duckdb)")
    args = parser.parse_args()
    db = Path(args.db or store.default_db_path())
    if not db.exists():
        store.build(db)
    conn = store.connect(db, read_only=True)
    report(f"embedded store ({db.name}), median of {args.repeat} warm runs:", time_tables(conn, SPECS, args.repeat))
    conn.close()
    if args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            total = build_large(db, Path(tmp) / "large.duckdb", args.rows)
            made = time.perf_counter() - started
            conn = store.connect(Path(tmp) / "large.duckdb", read_only=True)
            results = time_tables(conn, SPECS, args.repeat)
            conn.close()
        report(f"large store: {total:,} extract-shaped rows (made in {made:.0f} s):", results)


if __name__ == "__main__":
    main()
