"""Monthly counts for every district of the force: what a police.uk load keeps of the rows it does
not store.

A load stores the rows of the configured districts in ``incidents`` (analytics/data/police_uk.py);
the rows of the force's other districts used to be counted in the load record and dropped. Now each
load also keeps, for every district of the force, its rows counted by force, month and crime type
in ``force_counts``, so the Districts page can set North Worcestershire beside West Mercia's other
community safety partnerships (analytics/analyses/peers.py).

- A row's district comes from its LSOA, through ``force_lsoas``: every 2011 and 2021 LSOA of West
  Mercia's nine districts with its district and community safety partnership, read from
  data/lookups/lsoa_to_lad_west_mercia.csv (data/README.md says where that comes from). A row whose
  LSOA is not in it (no location, or another force's area) is not counted here.
- Counts are replaced as incidents are: a load's counts of a (force, month, district) replace the
  stored counts of that triple, which go to ``replaced_force_counts`` with the load's id, in the
  load's transaction; undoing the load puts them back (:func:`undo_force_counts`, called by
  analytics/data/history.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics.core import settings
from analytics.data.query import one_row

FORCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS force_lsoas (
    lsoa_vintage      VARCHAR NOT NULL,   -- 'lsoa11' | 'lsoa21'
    lsoa_code         VARCHAR NOT NULL,
    lsoa_name         VARCHAR NOT NULL,
    lad_code          VARCHAR NOT NULL,
    district          VARCHAR NOT NULL,
    csp               VARCHAR NOT NULL,   -- the district's community safety partnership
    PRIMARY KEY (lsoa_vintage, lsoa_code)
);
CREATE TABLE IF NOT EXISTS force_counts (
    source            VARCHAR NOT NULL,   -- 'police_uk'
    load_id           INTEGER NOT NULL,   -- loads.load_id of the file the rows came from
    force             VARCHAR NOT NULL,   -- police.uk 'Reported by'
    month             DATE NOT NULL,
    district          VARCHAR NOT NULL,
    category          VARCHAR NOT NULL,   -- police.uk 'Crime type'
    count             BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS replaced_force_counts AS
    SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM force_counts LIMIT 0;
"""

LOOKUP_FILE = "lsoa_to_lad_west_mercia.csv"
#: The lookup carried with the code, used when the configured data folder has none.
CARRIED_LOOKUP = Path(__file__).resolve().parents[2] / "data" / "lookups" / LOOKUP_FILE


def lookup_path() -> Path | None:
    """The LSOA -> district lookup: in the configured data folder, else the one carried in data/."""
    for path in (Path(settings.get("data_dir")) / "lookups" / LOOKUP_FILE, CARRIED_LOOKUP):
        if path.is_file():
            return path
    return None


def fill_force_lsoas(conn: duckdb.DuckDBPyConnection) -> int:
    """Read the lookup into ``force_lsoas`` when it is empty; the LSOAs it holds."""
    held = int(one_row(conn.execute("SELECT count(*) FROM force_lsoas"))[0])
    path = lookup_path()
    if held or path is None:
        return held
    conn.execute(
        """INSERT INTO force_lsoas BY NAME
           SELECT lsoa_vintage, lsoa_code, lsoa_name, lad_code, district, csp
           FROM read_csv(?, header = true, all_varchar = true)""",
        [str(path)],
    )
    return int(one_row(conn.execute("SELECT count(*) FROM force_lsoas"))[0])


def stage_force_lsoas(conn: duckdb.DuckDBPyConnection) -> None:
    """The temporary table ``stage_force_lsoas``: the LSOA codes of the force, whose rows a load's
    summary counts by crime type (police_uk._summarise_police). From the store's lookup, or, for a
    store made before it (filled in the load's transaction, :func:`store_force_counts`), the file."""
    if one_row(conn.execute("SELECT count(*) FROM force_lsoas"))[0]:
        conn.execute("CREATE OR REPLACE TEMP TABLE stage_force_lsoas AS SELECT DISTINCT lsoa_code FROM force_lsoas")
        return
    path = lookup_path()
    source = "(SELECT NULL::VARCHAR AS lsoa_code LIMIT 0)" if path is None else "read_csv(?, all_varchar = true)"
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE stage_force_lsoas AS SELECT DISTINCT lsoa_code FROM {source}",
        [] if path is None else [str(path)],
    )


def store_force_counts(conn: duckdb.DuckDBPyConnection, base: int) -> None:
    """In the load's transaction: count the staged rows (``stage_groups``, one row per file, month,
    force, LSOA and, in the force's LSOAs, crime type) by force, month, district and crime type;
    replace the stored counts of the (force, month, district) triples they cover. ``base``: the load
    id of file_index 0.

    Of two files of one load holding one triple, the later one's counts are kept (as for rows)."""
    fill_force_lsoas(conn)
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE stage_force AS
        SELECT g.file_index, g.reported_by AS force, strptime(g.month_text || '-01', '%Y-%m-%d')::DATE AS month,
               f.district, g.force_category AS category, sum(g.n)::BIGINT AS count
        FROM stage_groups g
        JOIN (SELECT DISTINCT lsoa_code, district FROM force_lsoas) f ON f.lsoa_code = g.lsoa_code
        WHERE nullif(g.force_category, '') IS NOT NULL
        GROUP BY ALL""")
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE stage_force_triples AS
        SELECT force, month, district, max(file_index) AS file_index FROM stage_force GROUP BY ALL""")
    replaced = """FROM force_counts c JOIN stage_force_triples t
                    ON t.force = c.force AND t.month = c.month AND t.district = c.district
                  WHERE c.source = 'police_uk'"""
    conn.execute(
        f"INSERT INTO replaced_force_counts BY NAME SELECT {base} + t.file_index AS replaced_by, c.* {replaced}"
    )
    conn.execute(f"DELETE FROM force_counts WHERE rowid IN (SELECT c.rowid {replaced})")
    conn.execute(
        """INSERT INTO force_counts BY NAME
           SELECT 'police_uk' AS source, ? + s.file_index AS load_id, s.force, s.month, s.district, s.category, s.count
           FROM stage_force s JOIN stage_force_triples t
             ON t.force = s.force AND t.month = s.month AND t.district = s.district AND t.file_index = s.file_index""",
        [base],
    )
    for table in ("stage_force", "stage_force_triples", "stage_force_lsoas"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def replaced_later(conn: duckdb.DuckDBPyConnection, load_id: int) -> list[tuple[int, str, int]]:
    """Later loads that replaced counts load ``load_id`` stored: (load id, file name, counts)."""
    return conn.execute(
        """SELECT r.replaced_by, l.file_name, count(*) FROM replaced_force_counts r
           JOIN loads l ON l.load_id = r.replaced_by WHERE r.load_id = ? GROUP BY ALL ORDER BY 1 DESC""",
        [load_id],
    ).fetchall()


def undo_force_counts(conn: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """In the undo's transaction: delete the counts load ``load_id`` stored, put back those it replaced."""
    conn.execute("DELETE FROM force_counts WHERE load_id = ?", [load_id])
    conn.execute(
        "INSERT INTO force_counts BY NAME SELECT * EXCLUDE (replaced_by) FROM replaced_force_counts "
        "WHERE replaced_by = ?",
        [load_id],
    )
    conn.execute("DELETE FROM replaced_force_counts WHERE replaced_by = ?", [load_id])
