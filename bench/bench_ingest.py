"""Benchmark: building the store, and police.uk ingestion against a bare DuckDB read_csv.

    .venv/bin/python bench/bench_ingest.py [--repeat 3]

Prints each figure and the ratio against its baseline, measured in the same run. The bare
baseline reads the same files into a table with DuckDB's read_csv (all columns as text) and
does nothing else; our ingestion also validates, assigns wards in both vintages and records
the load.
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

import duckdb  # noqa: E402

from analytics.data import store  # noqa: E402
from analytics.data.geography import Geography  # noqa: E402
from analytics.data.police_uk import ingest_police_uk  # noqa: E402

DATA = ROOT / "data"
POLICE = DATA / "police_uk" / "west_mercia_street_filtered"
DISTRICTS = ("Bromsgrove", "Redditch", "Wyre Forest")


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(POLICE.glob("*.csv"))
    rows = sum(f.read_bytes().count(b"\n") - 1 for f in files)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data_dir = tmp / "data"
        shutil.copytree(DATA, data_dir, ignore=shutil.ignore_patterns("*.duckdb*", "synthetic"))

        def build():
            store.build(tmp / "built.duckdb", data_dir, DISTRICTS)

        build_seconds = timed(build, args.repeat)

        geography = Geography.load(DATA, DISTRICTS)
        template = tmp / "geo.duckdb"
        conn = store.connect(template)
        store.store_geography(conn, geography)
        conn.close()

        def ours():
            path = tmp / "ours.duckdb"
            shutil.copy(template, path)
            conn = store.connect(path)
            ingest_police_uk(conn, [POLICE], geography=geography, districts=DISTRICTS)
            conn.close()

        def bare():
            path = tmp / "bare.duckdb"
            path.unlink(missing_ok=True)
            conn = duckdb.connect(str(path))
            conn.execute(
                "CREATE TABLE t AS SELECT * FROM read_csv(?, header=true, all_varchar=true)", [[str(f) for f in files]]
            )
            conn.close()

        ours_seconds = timed(ours, args.repeat)
        bare_seconds = timed(bare, args.repeat)
    print(f"police.uk rows: {rows:,} in {len(files)} files; median of {args.repeat} runs")
    print(f"build the store from data/ (boundaries, police.uk, synthetic extract): {build_seconds:.2f} s")
    print(f"bare DuckDB read_csv: {bare_seconds:.3f} s = {rows / bare_seconds:,.0f} rows/s")
    print(
        f"our ingestion (validation, ward assignment, load record): {ours_seconds:.3f} s = "
        f"{rows / ours_seconds:,.0f} rows/s"
    )
    print(f"ratio ours/bare rate: {bare_seconds / ours_seconds:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
