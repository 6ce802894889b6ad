"""Helpers of the load tests (test_files, test_police_uk, test_loads): police.uk files cut to
size, and loads into a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

from analytics.data import store
from analytics.data.police_uk import ingest_police_uk
from tests.conftest import DISTRICTS, POLICE_DIR

OCT_2018 = POLICE_DIR / "2018-10-west-mercia-street.csv"
JAN_2024 = POLICE_DIR / "2024-01-west-mercia-street.csv"  # CRLF line endings, as published


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def load_police(db: Path, *paths, geography=None):
    conn = store.connect(db)
    try:
        return ingest_police_uk(conn, list(paths), geography=geography, districts=DISTRICTS)
    finally:
        conn.close()


def counts(db: Path) -> tuple[int, int]:
    """Rows stored, and ASB rows among them."""
    conn = store.connect(db, read_only=True)
    try:
        return conn.execute("SELECT count(*), count(*) FILTER (WHERE is_asb) FROM incidents").fetchone()
    finally:
        conn.close()
