"""Benchmark: every analysis table, warm, on the embedded store and on a large police.uk-shaped store.

    .venv/bin/python bench/bench_tables.py [--rows 10000000] [--repeat 5]

The large store is made by replicating the real police.uk rows (and their snap points and wards)
across more months until it holds --rows rows, inside DuckDB; tables are then timed on it with
the same calls the command line makes. Each figure is the median of --repeat warm runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.data import store  # noqa: E402
from analytics.data.police_uk import ingest_police_uk  # noqa: E402
from analytics.reports.tables import run_table  # noqa: E402

EMBEDDED = {
    "incident-types": {"source": "extract", "period_a": "FY2017", "period_b": "FY2018"},
    "ward-deltas": {"source": "extract", "districts": ["Redditch"], "period_a": "FY2017", "period_b": "FY2018"},
    "seasonal": {"source": "extract"},
    "districts": {"source": "extract", "period_a": "FY2017", "period_b": "FY2018"},
    "crime-ytd": {"period_a": "2024-01..2024-04", "period_b": "2025-01..2025-04"},
    "hotspots": {"source": "police_uk", "period_a": "CY2025"},
    "quality": {},
    "peers": {"period_a": "2024-01..2024-04", "period_b": "2025-01..2025-04"},
    "outcomes": {"period_b": "CY2025", "by": "ward"},
}


def large(period_b: str) -> dict:
    return {
        "incident-types": {"source": "police_uk", "category": "crime", "period_a": "CY2030", "period_b": period_b},
        "ward-deltas": {"source": "police_uk", "period_a": "CY2030", "period_b": period_b, "boundaries": "wd25"},
        "seasonal": {"source": "police_uk"},
        "districts": {"source": "police_uk", "period_a": "CY2030", "period_b": period_b},
        "crime-ytd": {"period_b": period_b},
        "hotspots": {"source": "police_uk", "period_a": period_b},
        "quality": {},
        "peers": {"period_a": "CY2030", "period_b": period_b},
        "outcomes": {"period_b": period_b, "by": "ward"},
    }


def time_tables(conn, specs: dict[str, tuple[str, dict]], repeat: int) -> dict[str, float]:
    """For each ``label: (table, options)``, the median seconds of ``repeat`` warm runs of the
    table as the command line makes it (bench/bench_compare_tables.py times its tables so too)."""
    results = {}
    for label, (name, options) in specs.items():
        run_table(conn, name, options)  # warm: caches, lattice, first read
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run_table(conn, name, options)
            times.append(time.perf_counter() - started)
        results[label] = statistics.median(times)
    return results


def by_name(specs: dict[str, dict]) -> dict[str, tuple[str, dict]]:
    return {name: (name, options) for name, options in specs.items()}


def build_large(source_db: Path, target: Path, rows: int) -> int:
    """A copy of the store whose police.uk rows are replicated over consecutive years from 2030."""
    shutil.copy(source_db, target)
    conn = store.connect(target)
    # The whole force's 21 months, so the West Mercia comparison has every district's counts.
    ingest_police_uk(conn, [ROOT / "tests/data/police_uk/west-mercia-street-unfiltered-21-months.zip"])
    base = conn.execute("SELECT count(*) FROM incidents WHERE source = 'police_uk'").fetchone()[0]
    copies = max(1, rows // base)
    conn.execute("DELETE FROM incidents WHERE source = 'extract'")
    # Copy k goes to year 2030 + k // 21 (21 months each year come from the 21 real months), so the
    # store grows in time like a long archive; the snap points, wards and categories stay real.
    conn.execute(f"""
        INSERT INTO incidents BY NAME
        SELECT * EXCLUDE (k, idx) REPLACE (make_date(2030 + (k // 12)::INT, (k % 12)::INT + 1, 1) AS month)
        FROM (SELECT i.*, m.idx, c.k * 21 + m.idx AS k
              FROM incidents i
              JOIN (SELECT month, row_number() OVER (ORDER BY month) - 1 AS idx
                    FROM (SELECT DISTINCT month FROM incidents WHERE source = 'police_uk')) m USING (month),
                   range({copies}) c(k)
              WHERE i.source = 'police_uk')""")
    conn.execute("DELETE FROM incidents WHERE month < DATE '2030-01-01'")
    # The force-wide monthly counts, replicated the same way (one row per district, month and type).
    conn.execute(f"""
        INSERT INTO force_counts BY NAME
        SELECT * EXCLUDE (k, idx) REPLACE (make_date(2030 + (k // 12)::INT, (k % 12)::INT + 1, 1) AS month)
        FROM (SELECT f.*, m.idx, c.k * 21 + m.idx AS k
              FROM force_counts f
              JOIN (SELECT month, row_number() OVER (ORDER BY month) - 1 AS idx
                    FROM (SELECT DISTINCT month FROM force_counts)) m USING (month),
                   range({copies}) c(k))""")
    conn.execute("DELETE FROM force_counts WHERE month < DATE '2030-01-01'")
    total = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    conn.execute("CHECKPOINT")
    conn.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    db = Path(store.default_db_path())
    if not db.exists():
        store.build(db)
    conn = store.connect(db, read_only=True)
    embedded = time_tables(conn, by_name(EMBEDDED), args.repeat)
    conn.close()
    print(f"embedded store ({db.name}), median of {args.repeat} warm runs:")
    for name, seconds in embedded.items():
        print(f"  {name:15s} {seconds * 1000:7.1f} ms")
    if args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            total = build_large(db, Path(tmp) / "large.duckdb", args.rows)
            print(f"large store: {total:,} police.uk-shaped rows, made in {time.perf_counter() - started:.0f} s")
            conn = store.connect(Path(tmp) / "large.duckdb", read_only=True)
            last_year = conn.execute("SELECT max(year(month)) FROM incidents").fetchone()[0]
            results = time_tables(conn, by_name(large(f"CY{last_year - 1}")), args.repeat)
            conn.close()
        for name, seconds in results.items():
            print(f"  {name:15s} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
