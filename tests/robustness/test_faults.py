"""Faults: a load killed with SIGKILL at random points, a missing or damaged database (the command
line and the dashboard), and a missing boundaries file.

What the store promises (analytics/data/store.py): a load is one transaction written in place, so a
writer killed at any moment leaves exactly the data from before the load, or exactly the data
after it if it died after COMMIT; never a mix, never a file that does not open. The command line
does not rebuild a missing or damaged database: it stops with one message naming the file and
``python -m analytics build``. The dashboard rebuilds it from data/ and says so.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.__main__ import main as cli
from analytics.data import store
from tests.conftest import DATA, ROOT, UNFILTERED_ZIP, table_checksums

ZIP = UNFILTERED_ZIP
SEED = 6
# One kill in each sixth of the load's transaction (from its first progress line to its report, as
# timed in a full run), at a seeded random moment. Timed from the start of the process instead, most
# kills fell in Python's start-up on a quiet machine and too few reached the transaction.
KILLS_BY_TIME = 6
BEGUN = "[  0%] Reading"
# Kills at named points, as soon as the load prints them: mid-write (staged, rows being replaced), the
# moment the transaction ends, and once the load has reported what it did (after COMMIT and the
# checkpoint, before the process exits).
KILLS_AT_PROGRESS = ("[ 70%] Checking and placing rows in wards", "[100%] Loaded", "21 file(s) loaded")
# And a few at seeded moments in the quarter-second after "[100%] Loaded": COMMIT, then the checkpoint
# that moves the WAL into the file as the load closes it.
KILLS_IN_COMMIT = 2
COMMIT_WINDOW_SECONDS = 0.25


def _ingest_command(db: Path) -> list[str]:
    return [sys.executable, "-m", "analytics", "ingest", "police-uk", str(ZIP), "--db", str(db)]


def _state(conn) -> dict[str, tuple]:
    """table_checksums, but the loads table without loaded_at (a clock reading, different every run)."""
    state = table_checksums(conn)
    state["loads"] = conn.execute(
        "SELECT count(*), sum(hash(load_id, file_name, sha256, source, synthetic, rows_read, rows_stored, "
        "rows_replaced, rows_outside, rows_outside_no_location, months)) FROM loads"
    ).fetchone()
    return state


def _state_of(db: Path) -> dict[str, tuple]:
    conn = store.connect(db, read_only=True)  # opens, and reads every block back
    try:
        return _state(conn)
    finally:
        conn.close()


def _copy(source: Path, target: Path) -> Path:
    for leftover in (target, Path(f"{target}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.copy(source, target)
    return target


@pytest.fixture(scope="module")
def before_and_after(built_db, tmp_path_factory):
    """The store's state before the load and after it (a load run to the end), and how long it took."""
    folder = tmp_path_factory.mktemp("faults-reference")
    db = _copy(built_db, folder / "reference.duckdb")
    before = _state_of(db)
    process = subprocess.Popen(
        _ingest_command(db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    timed = [(time.perf_counter(), line) for line in iter(process.stdout.readline, "")]
    assert process.wait(timeout=300) == 0, "".join(line for _, line in timed)
    begun = next(t for t, line in timed if line.startswith(BEGUN))
    reported = next(t for t, line in timed if "file(s) loaded" in line)
    after = _state_of(db)
    assert after != before and after["incidents"][0] == before["incidents"][0]  # same rows, new loads
    return before, after, reported - begun


def _kill(db: Path, marker: str | None, delay: float) -> tuple[int, bool]:
    """Run the load; kill -9 it ``delay`` seconds after it starts, or after it prints a line
    starting with ``marker`` (progress, or its report). Returns its exit status, and whether it
    was killed mid-load: after it had opened the database and begun its transaction (its first
    progress line) and before it reported what it did."""
    process = subprocess.Popen(
        _ingest_command(db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    while marker is not None and not any(line.startswith(marker) for line in list(lines)):
        if process.poll() is not None:
            break
        time.sleep(0.001)
    time.sleep(delay)
    process.kill()
    status = process.wait(timeout=60)
    reader.join(timeout=60)
    began = any(line.startswith(BEGUN) for line in lines)
    reported = any("file(s) loaded" in line for line in lines)
    return status, status == -9 and began and not reported


def test_a_load_killed_at_random_points_leaves_the_data_before_or_after_it(built_db, before_and_after, tmp_path):
    before, after, seconds = before_and_after
    rng = random.Random(SEED)
    kills = [(BEGUN, seconds * (i + rng.random()) / KILLS_BY_TIME) for i in range(KILLS_BY_TIME)]
    kills += [(marker, 0.0) for marker in KILLS_AT_PROGRESS]
    kills += [("[100%] Loaded", COMMIT_WINDOW_SECONDS * rng.random()) for _ in range(KILLS_IN_COMMIT)]
    outcomes = []
    for number, (marker, delay) in enumerate(kills):
        db = _copy(built_db, tmp_path / f"killed-{number}.duckdb")
        status, mid_write = _kill(db, marker, delay)
        state = _state_of(db)
        found = "before" if state == before else "after" if state == after else "neither"
        outcomes.append((db, f"{marker or 'start'} + {delay:.2f} s", status, mid_write, found))
        assert found != "neither", (outcomes, state)
        # The dashboard's reader (a copy of the file and its WAL) sees the same thing.
        assert _state(store.Snapshot(db).conn) == state
    report = "\n".join(
        f"{when:60s} exit {status:3d}, mid-load {mid!s:5s}, {found}" for _, when, status, mid, found in outcomes
    )
    print(f"\nthe load's transaction takes {seconds:.2f} s; kills:\n{report}")
    killed = [o for o in outcomes if o[2] == -9]
    assert len(killed) >= len(kills) - 2, report
    assert sum(o[3] for o in outcomes) >= 4, "too few kills landed mid-load:\n" + report
    assert any(o[4] == "before" and o[3] for o in killed), report
    assert any(o[4] == "after" for o in killed), report
    # A load after a crash mid-write recovers the file and completes.
    crashed = [o[0] for o in killed if o[3] and o[4] == "before"][-1]
    done = subprocess.run(_ingest_command(crashed), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _state_of(crashed) == after


# ----------------------------------------------------------------------------- a missing or damaged database


def _damage(db: Path, how: str, built_db: Path) -> None:
    if how == "garbage":
        db.write_bytes(random.Random(SEED).randbytes(300_000))
    elif how == "empty":
        db.write_bytes(b"")
    elif how == "truncated":
        db.write_bytes(built_db.read_bytes()[: built_db.stat().st_size // 2])
    elif how == "not-a-store":
        import duckdb

        conn = duckdb.connect(str(db))
        conn.execute("CREATE TABLE something_else AS SELECT 1 AS x")
        conn.close()


DAMAGE = ["missing", "garbage", "empty", "truncated", "not-a-store"]
EXPECTED = {
    "missing": "does not exist",
    "garbage": "cannot be opened",
    "empty": "cannot be opened",
    "truncated": "damaged",
    "not-a-store": "not this project's store",
}


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("command", ["status", "table"])
def test_the_command_line_names_the_file_and_the_build_command(built_db, tmp_path, capsys, how, command):
    db = tmp_path / "asb.duckdb"
    _damage(db, how, built_db)
    before = db.read_bytes() if db.exists() else None
    args = (
        ["status"]
        if command == "status"
        else ["table", "incident-types", "--source", "extract", "--period-a", "FY2017", "--period-b", "FY2018"]
    )
    assert cli(args + ["--db", str(db)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"Error: The database {db} ") and EXPECTED[how] in err, err
    assert f"python -m analytics build --db {db}" in err
    assert (db.read_bytes() if db.exists() else None) == before  # a read never writes


def test_the_command_line_as_a_process_gives_one_message_not_a_stack_trace(tmp_path):
    db = tmp_path / "asb.duckdb"
    db.write_bytes(random.Random(SEED).randbytes(300_000))
    for args in (["status"], ["table", "ward-deltas"]):
        done = subprocess.run(
            [sys.executable, "-m", "analytics", *args, "--db", str(db)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert str(db) in done.stderr and "python -m analytics build" in done.stderr


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory) -> Path:
    """data/ without the store: a build writes its synthetic extract here, never into the project."""
    folder = tmp_path_factory.mktemp("faults-data") / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.duckdb*", "synthetic"))
    return folder


@pytest.fixture
def app_on(monkeypatch):
    """The dashboard run by AppTest on the store ``db``, building it from ``data_dir`` if it must."""

    def run(db: Path, data_dir: Path) -> AppTest:
        monkeypatch.setenv("ASB_DB_PATH", str(db))
        monkeypatch.setenv("ASB_DATA_DIR", str(data_dir))
        monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.run()
        return at

    return run


def _built_checksums(db: Path) -> dict:
    conn = store.connect(db, read_only=True)
    try:
        return {t: v for t, v in table_checksums(conn).items() if t != "loads"}
    finally:
        conn.close()


@pytest.mark.parametrize("how", ["garbage", "missing"])
def test_the_dashboard_rebuilds_a_missing_or_corrupt_database(app_on, built_db, data_copy, tmp_path, how):
    db = tmp_path / "asb.duckdb"
    _damage(db, how, built_db)
    garbage = db.read_bytes() if db.exists() else None
    at = app_on(db, data_copy)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    info = " ".join(i.value for i in at.info)
    assert "Building the database from the embedded data" in info
    if how == "garbage":
        assert "could not be opened" in info and "asb.duckdb.unreadable" in info
        assert (tmp_path / "asb.duckdb.unreadable").read_bytes() == garbage  # kept, not lost
    else:
        assert "does not exist" in info
    # The page drew from the new store, and it holds what a build from data/ holds.
    assert any("North Worcestershire" in m.value for m in at.markdown)
    assert _built_checksums(db) == _built_checksums(built_db)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("asb.duckdb")) == (
        ["asb.duckdb", "asb.duckdb.unreadable"] if how == "garbage" else ["asb.duckdb"]
    )
    # The next run opens it without building again.
    at.run()
    assert not at.exception, at.exception
    assert not any("Building the database" in i.value for i in at.info)


# ----------------------------------------------------------------------------- a missing boundaries file

MISSING_BOUNDARY = Path("boundaries") / "wards_2022" / "wards_WD22_E07000236.geojson"  # Redditch, WD22


@pytest.fixture
def data_without_a_boundary(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.duckdb*", "synthetic"))
    target = folder / MISSING_BOUNDARY
    os.chmod(target.parent, 0o755)
    target.unlink()
    return folder


def test_a_build_without_a_boundaries_file_names_it(data_without_a_boundary, tmp_path, capsys):
    db = tmp_path / "asb.duckdb"
    assert cli(["build", "--db", str(db), "--data-dir", str(data_without_a_boundary)]) == 2
    error = capsys.readouterr().err.splitlines()[-1]  # after the build's progress lines
    assert error.startswith("Error: The boundaries file") and str(data_without_a_boundary / MISSING_BOUNDARY) in error
    assert not any(p.name.startswith("asb.duckdb") for p in tmp_path.iterdir())  # nothing half-built left


def test_the_dashboard_names_a_missing_boundaries_file(app_on, data_without_a_boundary, tmp_path):
    db = tmp_path / "asb.duckdb"
    at = app_on(db, data_without_a_boundary)
    assert not at.exception, at.exception
    # What the reader sees: the message is Markdown with the file's underscores escaped.
    errors = re.sub(r"\\(.)", r"\1", " ".join(e.value for e in at.error))
    assert "Boundaries missing" in errors and str(data_without_a_boundary / MISSING_BOUNDARY) in errors
    assert not any(p.name.startswith("asb.duckdb") for p in tmp_path.iterdir())


def test_a_bad_memory_setting_is_a_message_not_a_rebuild(app_on, built_db, data_copy, tmp_path, monkeypatch):
    """A setting DuckDB cannot read must not look like a damaged store: the dashboard says which
    setting, and the file is left alone (no rebuild, no .unreadable copy)."""
    db = tmp_path / "asb.duckdb"
    shutil.copy(built_db, db)
    before = db.stat().st_mtime_ns
    monkeypatch.setenv("ASB_READER_MEMORY_LIMIT", "lots")
    at = app_on(db, data_copy)
    assert not at.exception, at.exception
    errors = re.sub(r"\\(.)", r"\1", " ".join(e.value for e in at.error))
    assert "Bad setting" in errors and "ASB_READER_MEMORY_LIMIT='lots'" in errors, errors
    assert db.stat().st_mtime_ns == before and not (tmp_path / "asb.duckdb.unreadable").exists()
