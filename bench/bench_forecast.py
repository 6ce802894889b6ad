"""Benchmark: the forecast and its backtest for one place, warm, on the embedded store.

    .venv/bin/python bench/bench_forecast.py [--repeat 5] [--db data/asb.duckdb]

Times :func:`analytics.analyses.forecast.forecast` (the months held read from DuckDB, the model
fitted, six months forecast with their intervals, and the rolling-origin backtest: 28 more fits
and forecasts on the synthetic extract) for the places the issue names: North Worcestershire and
Redditch on the synthetic extract standing at August 2019, a ward, and police.uk (refused: its
months are not continuous, so it reads the months and stops). Also the cold first call (the
first reads of the store). Each warm figure is the median of --repeat runs (wall clock, and the
process's CPU time, which other work on the machine disturbs less); the target is under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.analyses.forecast import forecast  # noqa: E402
from analytics.core import settings  # noqa: E402
from analytics.core.selection import Selection  # noqa: E402
from analytics.data import store  # noqa: E402

TARGET_SECONDS = 1.0
PLACES = {
    "North Worcestershire (extract, from Aug 2019)": Selection(source="extract"),
    "Redditch (extract, from Aug 2019)": Selection(source="extract", districts=("Redditch",)),
    "Abbey ward (extract, from Aug 2019)": Selection(source="extract", wards=("E05007868",)),
    "North Worcestershire (police.uk, refused)": Selection(source="police_uk"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path(settings.get("db_path")))
    args = parser.parse_args(argv)
    conn = store.connect(args.db, read_only=True)
    started = time.perf_counter()
    forecast(conn, PLACES["Redditch (extract, from Aug 2019)"])
    print(f"cold first call (first DuckDB reads, numpy warm-up): {time.perf_counter() - started:.2f} s")
    print(
        f"| place | forecast and backtest, warm, wall clock (median of {args.repeat}) | CPU time | origins"
        f" | under {TARGET_SECONDS:.0f} s |"
    )
    print("|---|---|---|---|---|")
    worst = 0.0
    for name, selection in PLACES.items():
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = forecast(conn, selection)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        median = statistics.median(times)
        worst = max(worst, median)
        origins = "refused" if result.refusal else str(result.backtest.iloc[-1]["origins"])
        met = "yes" if median < TARGET_SECONDS else "NO"
        print(f"| {name} | {median * 1000:.0f} ms | {statistics.median(cpu) * 1000:.0f} ms | {origins} | {met} |")
    conn.close()
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
