"""Benchmark: N sessions at once on one Streamlit server, each with its own filters.

    .venv/bin/python bench/bench_sessions.py [--sessions 1 5 20] [--db FILE]
        [--env STREAMLIT_SERVER_FILE_WATCHER_TYPE=none ...]

For each N: a fresh server (nothing cached) on a copy of the store (FILE, default
data/asb.duckdb); N Streamlit sessions opened at once on Ward patterns, with the filters of
tests/robustness/test_concurrency.py (cycled), each a websocket client speaking Streamlit's
protocol (tests/robustness/test_concurrency.py Session), so the clients cost next to nothing;
then every session runs its page again (all at once, everything cached). Prints the times from
asking to the script's end, the server's CPU seconds, and the 1-minute load average (other work
on the machine slows everything).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import start_server  # noqa: E402
from tests.robustness.test_concurrency import SESSIONS, Session, expected_summary  # noqa: E402


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _sessions(url: str, db: Path, count: int) -> tuple[list[float], list[float]]:
    params = [SESSIONS[i % len(SESSIONS)] for i in range(count)]
    expected = [expected_summary(db, p) for p in params]
    clients = [Session(url, p) for p in params]
    first = await asyncio.gather(*(client.open() for client in clients))
    again = await asyncio.gather(*(client.rerun() for client in clients))
    for run, text in zip([*first, *again], expected * 2, strict=False):
        assert not run.exceptions and run.shows(text), (text, run.texts[:2], run.exceptions)
    await asyncio.gather(*(client.close() for client in clients))
    return [run.seconds for run in first], [run.seconds for run in again]


def _summary(times: list[float]) -> str:
    times = sorted(times)
    return f"{times[0]:5.1f} .. {times[-1]:5.1f} s (median {statistics.median(times):5.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "asb.duckdb")
    parser.add_argument(
        "--env",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="server environment, e.g. STREAMLIT_SERVER_FILE_WATCHER_TYPE=none",
    )
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "asb.duckdb"
        shutil.copy(args.db, db)
        for count in args.sessions:
            server, url = start_server(db, env)
            try:
                cpu = _cpu(server.pid)
                started = time.perf_counter()
                first, again = asyncio.run(_sessions(url, db, count))
                wall = time.perf_counter() - started
                print(
                    f"load {os.getloadavg()[0]:4.1f}; {count:3d} sessions at once: first page "
                    f"{_summary(first)}, again {_summary(again)}; wall {wall:5.1f} s, server CPU "
                    f"{_cpu(server.pid) - cpu:5.1f} s"
                )
            finally:
                server.terminate()
                server.wait(timeout=20)


if __name__ == "__main__":
    main()
