"""Benchmark: loading a force crime extract against a bare DuckDB read_csv of the same file.

    .venv/bin/python bench/bench_crime_extract.py [--rows 1000000] [--repeat 3]

The file is the synthetic crime extract (analytics/data/demo_crime.py, seeded), repeated with fresh
crime references up to ``--rows`` rows. The bare baseline reads it into a table with DuckDB's
read_csv (every column as text) and does nothing else; our load (analytics/data/crime_extract.py)
also checks every row, maps each offence through the Home Office lookup, assigns wards in both
vintages by point-in-polygon, replaces by crime reference and records the load, in one transaction
on a store holding the boundaries. Issue 17 asks for no less than half the bare rate.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.data import demo_crime, store  # noqa: E402
from analytics.data.crime_extract import ingest_crime_extract  # noqa: E402
from analytics.data.demo_crime_store import crime_profile  # noqa: E402
from analytics.data.geography import Geography  # noqa: E402
from analytics.data.offences import offence_lookup  # noqa: E402
from analytics.data.police_uk import ingest_police_uk  # noqa: E402

DATA = ROOT / "data"
DISTRICTS = ("Bromsgrove", "Redditch", "Wyre Forest")


def timed(function) -> tuple[float, float]:
    """Wall-clock seconds of one call, and the CPU seconds this process spent in it (every thread):
    the second is the steadier figure on a machine shared with other work."""
    started, cpu = time.perf_counter(), _cpu()
    function()
    return time.perf_counter() - started, _cpu() - cpu


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def extract_file(folder: Path, geography: Geography, rows: int) -> Path:
    """The synthetic crime extract, repeated (each copy's references made its own) to ``rows`` rows."""
    conn = store.connect(folder / "police.duckdb")
    store.store_geography(conn, geography)
    ingest_police_uk(conn, [DATA / "police_uk"], geography=geography, districts=DISTRICTS)
    frame = demo_crime.generate_crime_extract(crime_profile(conn), offence_lookup())
    conn.close()
    copies = [frame.assign(crime_ref=frame.crime_ref + f"-{n}") for n in range(-(-rows // len(frame)))]
    path = folder / "crime_extract_SYNTHETIC_bench.csv"
    demo_crime.write_crime_extract(pd.concat(copies, ignore_index=True).head(rows), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    geography = Geography.load(DATA, DISTRICTS)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = extract_file(tmp, geography, args.rows)
        megabytes = path.stat().st_size / 1e6
        template = tmp / "geo.duckdb"
        conn = store.connect(template)
        store.store_geography(conn, geography)
        conn.close()

        def ours() -> None:
            db = tmp / "ours.duckdb"
            shutil.copy(template, db)
            conn = store.connect(db)
            report = ingest_crime_extract(conn, path, geography=geography, districts=DISTRICTS)
            conn.close()
            assert report.files[0].rows_stored == args.rows, report.summary()

        def bare() -> None:
            db = tmp / "bare.duckdb"
            db.unlink(missing_ok=True)
            conn = duckdb.connect(str(db))
            conn.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, header=true, all_varchar=true)", [str(path)])
            conn.close()

        # Alternated, so that a machine busy with something else slows both alike.
        bare_times, ours_times = [], []
        for _ in range(args.repeat):
            bare_times.append(timed(bare))
            ours_times.append(timed(ours))
    print(f"crime extract: {args.rows:,} rows, {megabytes:.0f} MB; median of {args.repeat}")
    for i, what in enumerate(("wall-clock", "CPU")):
        bare_s = statistics.median(b[i] for b in bare_times)
        ours_s = statistics.median(o[i] for o in ours_times)
        print(
            f"  {what}: bare read_csv {bare_s:.2f} s ({args.rows / bare_s:,.0f} rows/s), our load {ours_s:.2f} s"
            f" ({args.rows / ours_s:,.0f} rows/s): rate {bare_s / ours_s:.2f} (issue 17 asks >= 0.5)"
        )


if __name__ == "__main__":
    main()
