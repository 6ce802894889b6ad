"""The history of the loads: what each one did, and undoing one.

Every load keeps what it took out of the store (analytics/data/loads.py):
- ``replaced_rows``: the rows a load replaced or removed, with the id of that load
  (``replaced_by``) and the columns of ``incidents`` as they were;
- ``load_changes``: its report, per month and district: rows added, replaced, removed, kept;
- ``undone_loads``: the record (the columns of ``loads``) of each load undone, and when;
- ``replaced_force_counts``: the force-wide monthly counts a load replaced (analytics/data/force_counts.py).

Undoing load N deletes the rows it inserted, puts back the rows it replaced and moves its record
from ``loads`` to ``undone_loads``, in one transaction: every table of the store is then exactly as
it was before load N (its report stays in ``load_changes``). A later load that replaced rows of
load N must be undone first: the undo is refused, naming it.

The tables are created with the store's schema, and by :data:`HISTORY_SCHEMA` (``IF NOT EXISTS``) in
a store file made before them, the first time it is opened to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from analytics.core.errors import AnalyticsError
from analytics.data.force_counts import replaced_later, undo_force_counts
from analytics.data.loads import CellChange, transaction
from analytics.data.query import one_row

HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS replaced_rows AS
    SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM incidents LIMIT 0;
CREATE TABLE IF NOT EXISTS load_changes (
    load_id           INTEGER NOT NULL,
    month             VARCHAR NOT NULL,   -- YYYY-MM
    district          VARCHAR NOT NULL,
    added             BIGINT NOT NULL,
    replaced          BIGINT NOT NULL,
    removed           BIGINT NOT NULL,
    kept              BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS undone_loads AS
    SELECT *, CAST(NULL AS TIMESTAMP) AS undone_at FROM loads LIMIT 0;
"""

#: The history's tables, beside store.TABLES (a store made before them has none until opened to write).
HISTORY_TABLES = ("replaced_rows", "load_changes", "undone_loads")


@dataclass(frozen=True)
class LoadRecord:
    """One load, live or undone, and its report."""

    load_id: int
    file_name: str
    source: str
    rows_stored: int
    rows_replaced: int
    months: str
    loaded_at: datetime
    undone_at: datetime | None
    changes: tuple[CellChange, ...]

    def text(self) -> str:
        state = f", undone {self.undone_at:%Y-%m-%d %H:%M}" if self.undone_at else ""
        head = (
            f"load {self.load_id}: {self.source} {self.file_name} ({self.months}), "
            f"{self.loaded_at:%Y-%m-%d %H:%M}{state}: {self.rows_stored:,} rows stored, "
            f"{self.rows_replaced:,} replaced"
        )
        return "\n".join([head, *(f"    {c.text()}" for c in self.changes)])


def _present(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }


def history(conn: duckdb.DuckDBPyConnection, load_id: int | None = None) -> list[LoadRecord]:
    """Every load (or load ``load_id``), oldest first, with its report."""
    present = _present(conn)
    columns = "load_id, file_name, source, rows_stored, rows_replaced, coalesce(months, ''), loaded_at"
    sql = f"SELECT {columns}, NULL::TIMESTAMP AS undone_at FROM loads"
    if "undone_loads" in present:
        sql += f" UNION ALL SELECT {columns}, undone_at FROM undone_loads"
    where = "" if load_id is None else " WHERE load_id = ?"
    loads = conn.execute(f"SELECT * FROM ({sql}){where} ORDER BY load_id", [] if load_id is None else [load_id])
    records = loads.fetchall()
    changes: dict[int, list[CellChange]] = {}
    if "load_changes" in present:
        for row in conn.execute(
            "SELECT load_id, month, district, added, replaced, removed, kept FROM load_changes ORDER BY ALL"
        ).fetchall():
            changes.setdefault(int(row[0]), []).append(CellChange(*row[1:]))
    return [
        LoadRecord(n, name, source, stored, replaced, months, at, undone, tuple(changes.get(int(n), ())))
        for n, name, source, stored, replaced, months, at, undone in records
    ]


def history_text(conn: duckdb.DuckDBPyConnection, load_id: int | None = None) -> str:
    records = history(conn, load_id)
    if not records:
        return "No loads." if load_id is None else f"No load {load_id}."
    return "\n".join(record.text() for record in records)


def undo(conn: duckdb.DuckDBPyConnection, load_id: int) -> str:
    """Put the store back as it was before load ``load_id``, in one transaction; what was done.

    Raises AnalyticsError when there is no such load, it was undone already, or later loads
    replaced rows it stored (naming them: undo those first).
    """
    undone = one_row(conn.execute("SELECT count(*) FROM undone_loads WHERE load_id = ?", [load_id]))[0]
    if undone:
        raise AnalyticsError(f"Load {load_id} was undone already.", title="Already undone")
    with transaction(conn):
        found = conn.execute("SELECT file_name FROM loads WHERE load_id = ?", [load_id]).fetchall()
        if not found:
            raise AnalyticsError(
                f"There is no load {load_id}.", title="No such load", fix="`python -m analytics history` lists them."
            )
        later = conn.execute(
            """SELECT r.replaced_by, l.file_name, count(*) FROM replaced_rows r
               JOIN loads l ON l.load_id = r.replaced_by WHERE r.load_id = ? GROUP BY ALL ORDER BY 1 DESC""",
            [load_id],
        ).fetchall()
        # and the force-wide counts (analytics/data/force_counts.py): a load of another district's file
        # replaces counts but no rows
        seen = {n for n, _, _ in later}
        later = sorted([*later, *(r for r in replaced_later(conn, load_id) if r[0] not in seen)], reverse=True)
        if later:
            named = ", ".join(f"load {n} ({name}, {rows:,} of its rows)" for n, name, rows in later)
            raise AnalyticsError(
                f"Load {load_id} ({found[0][0]}) cannot be undone: later loads replaced rows it stored: {named}.",
                title="Undo refused",
                fix="Undo those first, the latest first: "
                + ", then ".join(f"python -m analytics undo {n}" for n, _, _ in later)
                + ".",
            )
        deleted = one_row(conn.execute("DELETE FROM incidents WHERE load_id = ?", [load_id]))[0]
        conn.execute(
            "INSERT INTO incidents BY NAME SELECT * EXCLUDE (replaced_by) FROM replaced_rows WHERE replaced_by = ?",
            [load_id],
        )
        restored = one_row(conn.execute("DELETE FROM replaced_rows WHERE replaced_by = ?", [load_id]))[0]
        undo_force_counts(conn, load_id)
        conn.execute("INSERT INTO undone_loads SELECT *, ? FROM loads WHERE load_id = ?", [datetime.now(), load_id])
        conn.execute("DELETE FROM loads WHERE load_id = ?", [load_id])
    return (
        f"Load {load_id} ({found[0][0]}) undone: {deleted:,} rows it stored deleted, "
        f"{restored:,} rows it replaced put back."
    )
