"""Which version of the build made the store, so that a store older than the code says what it lacks.

``python -m analytics build`` writes the embedded data into a new store; later versions of the build add
to it (the synthetic crime extract, the register of tools and powers). A store built before one of them
opens without error but lacks it: the Crime page on the crime extract would count 0 against 0, the Tools
and powers page would be empty, with no word of why. The build stamps its version; the app's Data page,
the Tools and powers page and ``python -m analytics status`` say what an older store lacks and how to
rebuild it. It is not rebuilt by itself: files loaded since the build would be lost with it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics.data import demo_crime_store, register
from analytics.data.geography import Geography
from analytics.data.loads import LoadReport, Progress

#: The build's version. Bump it (and say what it adds in ADDED) when the build adds embedded content.
BUILD_VERSION = 3
#: What each version of the build added to the store (version 1: boundaries, police.uk, the ASB extract).
ADDED = {
    2: "the synthetic force crime extract",
    3: "the register of ASB tools and powers",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS build_info (
    version           INTEGER NOT NULL,   -- analytics.data.build_stamp.BUILD_VERSION of the build
    built_at          TIMESTAMP NOT NULL
)
"""


def stamp(conn: duckdb.DuckDBPyConnection) -> None:
    """Record that this build's version made the store (called by store.build, inside its file)."""
    conn.execute(_SCHEMA)
    conn.execute("DELETE FROM build_info")
    conn.execute("INSERT INTO build_info VALUES (?, current_timestamp)", [BUILD_VERSION])


def add_later_parts(
    conn: duckdb.DuckDBPyConnection, data_dir: Path, geography: Geography, districts: tuple[str, ...], step: Progress
) -> tuple[LoadReport, Path]:
    """What later versions of the build added (:data:`ADDED`), then the build's stamp: the synthetic crime
    extract (its report and file are returned) and the ASB tools and powers the committee papers record."""
    crime = demo_crime_store.add_synthetic_crime_extract(conn, data_dir, geography, districts, step)
    register.load_seed(conn, data_dir)
    stamp(conn)
    return crime


def built_version(conn: duckdb.DuckDBPyConnection) -> int:
    """The version of the build that made the store: 0 for a store made before builds were stamped
    (or not by the build at all)."""
    try:
        row = conn.execute("SELECT max(version) FROM build_info").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row and row[0] is not None else 0


def stale_note(conn: duckdb.DuckDBPyConnection) -> str | None:
    """What the store lacks because an older build made it, and how to rebuild it; None when current."""
    version = built_version(conn)
    if version >= BUILD_VERSION:
        return None
    lacking = [what for added, what in sorted(ADDED.items()) if added > version]
    made = f"version {version} of the build" if version else "a build older than its version stamp"
    return (
        f"This database was made by {made} (this dashboard's is {BUILD_VERSION}), so it may lack "
        f"{' and '.join(lacking)}. Rebuild it with: python -m analytics build (files loaded since the build "
        "must then be loaded again)."
    )
