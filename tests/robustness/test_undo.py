"""Undo killed with SIGKILL at random points (``python -m analytics undo``): one transaction, so the
store holds exactly the data with the load, or exactly the data from before it (every table byte
for byte, the load recorded as undone); never a mix. As tests/robustness/test_faults.py does for
loads, the kills are timed from the undo's first progress line ("[  0%] Undoing load N", printed
once the store is open), at seeded random moments across the time a full undo takes.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from analytics.data import store
from analytics.data.police_uk import ingest_police_uk
from tests.conftest import DISTRICTS, POLICE_DIR, ROOT, table_checksums

SEED = 12
KILLS = 8
BEGUN = "[  0%] Undoing load"


def _state(db: Path) -> tuple[dict[str, tuple], int]:
    """Every table's checksum, and how many loads were undone (opening the file reads every block)."""
    conn = store.connect(db, read_only=True)
    try:
        return table_checksums(conn), conn.execute("SELECT count(*) FROM undone_loads").fetchone()[0]
    finally:
        conn.close()


def _copy(source: Path, target: Path) -> Path:
    for leftover in (target, Path(f"{target}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.copy(source, target)
    return target


@pytest.fixture(scope="module")
def loaded(built_db, tmp_path_factory):
    """The built store before and after one big load (all 21 months in one file: 43,002 rows
    replacing as many), the load's id, and how long a full undo takes from its first line."""
    folder = tmp_path_factory.mktemp("undo")
    db = _copy(built_db, folder / "loaded.duckdb")
    files = sorted(POLICE_DIR.glob("*.csv"))
    header, *_ = files[0].read_text(encoding="utf-8").splitlines()
    rows = [line for path in files for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    whole = folder / "all-months.csv"
    whole.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    before = _state(db)
    conn = store.connect(db)
    try:
        report = ingest_police_uk(conn, [whole], districts=DISTRICTS)
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    assert report.files[0].rows_replaced == len(rows) == 43_002
    after = _state(db)
    reference = _copy(db, folder / "reference.duckdb")
    status, lines = _run_and_kill(reference, report.files[0].load_id, None)
    assert status == 0 and "rows it stored deleted, 43,002 rows it replaced put back." in lines[-1][1], lines
    undone = _state(reference)
    assert undone[0] == before[0] and undone[1] == 1
    begun = next(t for t, line in lines if line.startswith(BEGUN))
    return db, report.files[0].load_id, after, undone, lines[-1][0] - begun


def _run_and_kill(
    db: Path, load_id: int, delay: float | None, marker: str = BEGUN
) -> tuple[int, list[tuple[float, str]]]:
    """Run the undo; kill -9 it ``delay`` seconds after a line starting with ``marker`` (by default its
    first line; None: let it finish).
    Its exit status, and its lines, each with when it was read."""
    process = subprocess.Popen(
        [sys.executable, "-m", "analytics", "undo", str(load_id), "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(
        target=lambda: lines.extend((time.perf_counter(), line) for line in iter(process.stdout.readline, "")),
        daemon=True,
    )
    reader.start()
    if delay is not None:
        while not any(line.startswith(marker) for _, line in list(lines)) and process.poll() is None:
            time.sleep(0.001)
        time.sleep(delay)
        process.kill()
    status = process.wait(timeout=120)
    reader.join(timeout=60)
    return status, lines


def test_an_undo_killed_at_random_points_leaves_the_load_or_the_store_before_it(loaded, tmp_path):
    db, load_id, after, undone, seconds = loaded
    rng = random.Random(SEED)
    delays = [0.0] + [seconds * (i + rng.random()) / KILLS for i in range(KILLS)]
    outcomes = []
    for number, delay in enumerate(delays):
        copy = _copy(db, tmp_path / f"killed-{number}.duckdb")
        status, lines = _run_and_kill(copy, load_id, delay)
        state = _state(copy)
        found = "loaded" if state == after else "undone" if state == undone else "neither"
        outcomes.append((delay, status, found))
        assert found != "neither", outcomes
    print(f"\nan undo takes {seconds:.2f} s from its first line; kills (delay, exit, state): {outcomes}")
    assert sum(status == -9 for _, status, _ in outcomes) >= len(delays) - 2, outcomes
    assert any(found == "loaded" for _, status, found in outcomes if status == -9), outcomes
    # Killed once it has said so (after COMMIT, before the process ends): undone.
    reported = _copy(db, tmp_path / "reported.duckdb")
    _run_and_kill(reported, load_id, 0.0, marker=f"Load {load_id} (")
    assert _state(reported) == undone
    # An undo after a crash recovers the file and completes.
    crashed = _copy(db, tmp_path / "crashed.duckdb")
    _run_and_kill(crashed, load_id, 0.0)
    status, lines = _run_and_kill(crashed, load_id, None)
    assert _state(crashed) == undone, lines
