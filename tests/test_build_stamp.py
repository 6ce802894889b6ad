"""A store an older build made says what it lacks and how to rebuild it; a current one says nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.data import build_stamp, store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def older_store(built_db, tmp_path) -> Path:
    """A copy of the built store as the build of version 1 left it: no stamp, no crime extract, no register."""
    path = tmp_path / "older.duckdb"
    shutil.copy(built_db, path)
    conn = duckdb.connect(str(path))
    conn.execute("DROP TABLE build_info")
    conn.execute("DELETE FROM incidents WHERE source = 'crime_extract'")
    conn.execute("DELETE FROM register_rows")
    conn.execute("DELETE FROM register_versions")
    conn.close()
    return path


def test_the_build_stamps_its_version(built_db):
    conn = store.connect(built_db, read_only=True)
    try:
        assert build_stamp.built_version(conn) == build_stamp.BUILD_VERSION
        assert build_stamp.stale_note(conn) is None
    finally:
        conn.close()


def test_an_unstamped_store_names_what_it_may_lack(older_store):
    conn = store.connect(older_store, read_only=True)
    try:
        assert build_stamp.built_version(conn) == 0
        note = build_stamp.stale_note(conn)
    finally:
        conn.close()
    assert note is not None
    for what in build_stamp.ADDED.values():
        assert what in note
    assert "python -m analytics build" in note


def test_a_store_of_an_earlier_version_names_only_what_came_after(built_db, tmp_path):
    path = tmp_path / "v2.duckdb"
    shutil.copy(built_db, path)
    conn = duckdb.connect(str(path))
    conn.execute("UPDATE build_info SET version = 2")
    note = build_stamp.stale_note(conn)
    conn.close()
    assert note is not None and build_stamp.ADDED[3] in note and build_stamp.ADDED[2] not in note


def test_status_and_the_pages_say_so(older_store, built_db, monkeypatch):
    status = subprocess.run(
        [sys.executable, "-m", "analytics", "status", "--db", str(older_store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "WARNING: This database was made by a build older" in status.stdout
    current = subprocess.run(
        [sys.executable, "-m", "analytics", "status", "--db", str(built_db)], cwd=ROOT, capture_output=True, text=True
    )
    assert "WARNING" not in current.stdout
    for db, stale in ((older_store, True), (built_db, False)):
        monkeypatch.setenv("ASB_DB_PATH", str(db))
        for page in ("data", "tools_powers"):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
            at.run()
            at.switch_page(f"app_pages/{page}.py")
            at.run()
            assert not at.exception
            said = any("older than its version stamp" in w.value for w in at.warning)
            assert said == stale, (db, page, [w.value for w in at.warning])
