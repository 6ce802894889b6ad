"""The DuckDB store: schema, connection and the build from data/.

One table of incidents holds both sources, told apart by ``source``:
- ``police_uk``: real police.uk street-level rows, never altered, never de-duplicated;
- ``extract``: a force ASB incident extract (here the synthetic demonstration one, flagged
  ``synthetic``).
Beside it: wards (both boundary vintages, with geometry), LSOAs (both vintages, with their
best-fit wards), population, and ``loads``, the record of every file loaded.

Readers and the writer
----------------------
DuckDB lets one process open a file read-write, or many processes open it read-only, never both
at once. The store is used so that the dashboard never stands in a writer's way, nor a writer in
the dashboard's:

- **One writer at a time, in place, in one transaction.** A load (``python -m analytics ingest``,
  or an upload through the dashboard, ui/data.py ``ingest``) opens the file read-write with
  :func:`connect`, which waits (up to ``LOCK_WAIT_SECONDS``) while another process holds it, and
  writes one transaction. If it dies at any moment, even by SIGKILL, DuckDB's write-ahead log
  leaves the file holding exactly the data from before the load, or, if it died after COMMIT,
  exactly the data after it; the next opener replays or discards the log
  (tests/robustness/test_faults.py kills loads at random points to check this). Opening to write
  changes nothing by itself (the schema is created only where missing). A build writes a new file
  beside the old one and renames it into place.
- **Readers hold no lock.** The dashboard reads a :class:`Snapshot`: a private copy of one version
  of the file (the database and any WAL, copied while a read-only attach holds DuckDB's shared
  lock, so no writer is half-way through it), opened read-only from a temporary folder. The
  shared lock is held for the few milliseconds of the copy, so a load waits at most that long,
  and people watching keep their pages while it runs. The dashboard notices a new version by the
  file's identity (:func:`identity`: inode, size, modification and change times, and the WAL's)
  and takes a new snapshot; while a writer holds the file (:func:`writer_active`, a probe of its
  lock) it keeps the snapshot it has (ui/data.py). A snapshot is never closed while in use: once
  dropped, it goes when its last cursor does.
- **The command line does not rebuild.** ``status`` and ``table`` read the file itself,
  read-only (waiting for a writer as a load does); on a missing, unreadable, damaged or foreign
  file they stop with one message naming the file and the command that rebuilds it
  (``python -m analytics build --db FILE``), and write nothing. The dashboard, which nobody can
  run a command for, rebuilds it by itself with a message (app.py).
"""

from __future__ import annotations

import atexit
import fcntl
import itertools
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import shapely

from analytics.core import settings
from analytics.core.errors import AnalyticsError, SettingError
from analytics.core.vocabulary import VINTAGES
from analytics.data import build_stamp, demo, demo_published
from analytics.data.extract import ingest_extract
from analytics.data.force_counts import FORCE_SCHEMA, fill_force_lsoas
from analytics.data.geography import BNG, Geography
from analytics.data.history import HISTORY_SCHEMA
from analytics.data.loads import LoadReport, Progress
from analytics.data.police_uk import ingest_police_uk
from analytics.data.query import one_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    source            VARCHAR NOT NULL,   -- 'police_uk' | 'extract'
    synthetic         BOOLEAN NOT NULL,   -- true for the generated demonstration extract
    load_id           INTEGER NOT NULL,   -- loads.load_id of the file the row came from
    force             VARCHAR,            -- police.uk 'Reported by'; the force of an extract
    month             DATE NOT NULL,      -- first day of the month the incident falls in
    reported_at       TIMESTAMP,          -- extract only: police.uk gives the month alone
    crime_id          VARCHAR,            -- police.uk 'Crime ID' (empty for ASB)
    incident_ref      VARCHAR,            -- extract incident reference
    reported_by       VARCHAR,
    falls_within      VARCHAR,
    category          VARCHAR NOT NULL,   -- police.uk 'Crime type'; 'Anti-social behaviour' in an extract
    is_asb            BOOLEAN NOT NULL,
    keyword           VARCHAR,            -- extract key-word type of incident
    nirs_class        VARCHAR,            -- extract NIRS class: Nuisance, Personal, Environmental
    longitude         DOUBLE,
    latitude          DOUBLE,
    easting           DOUBLE,             -- British National Grid, metres, for equal-area cells
    northing          DOUBLE,
    location          VARCHAR,            -- police.uk 'Location' ("On or near ..."), or the extract's
    lsoa_code         VARCHAR,
    lsoa_name         VARCHAR,
    outcome           VARCHAR,            -- police.uk 'Last outcome category'
    context           VARCHAR,
    district          VARCHAR NOT NULL,
    ward_wd22         VARCHAR,
    ward_wd25         VARCHAR,
    ward_method_wd22  VARCHAR,            -- 'point' | 'lsoa' | 'extract_code'
    ward_method_wd25  VARCHAR
);
CREATE TABLE IF NOT EXISTS wards (
    vintage           VARCHAR NOT NULL,   -- 'wd22' | 'wd25'
    ward_code         VARCHAR NOT NULL,
    ward_name         VARCHAR NOT NULL,   -- ONS name with '&' written 'and', as the panel does
    ons_name          VARCHAR NOT NULL,
    district          VARCHAR NOT NULL,
    area_km2          DOUBLE,
    centroid_lon      DOUBLE,
    centroid_lat      DOUBLE,
    population_mid2018 INTEGER,           -- LSOA11 mid-2018 estimates through the best-fit LSOA wards
    geometry_wkb      BLOB,
    geometry_geojson  VARCHAR,
    PRIMARY KEY (vintage, ward_code)
);
CREATE TABLE IF NOT EXISTS lsoas (
    lsoa_vintage      VARCHAR NOT NULL,   -- 'lsoa11' | 'lsoa21'
    lsoa_code         VARCHAR NOT NULL,
    lsoa_name         VARCHAR NOT NULL,
    district          VARCHAR NOT NULL,
    ward_wd22         VARCHAR,
    ward_wd22_method  VARCHAR,            -- 'ons_best_fit' | 'largest_overlap'
    ward_wd25         VARCHAR,
    ward_wd25_method  VARCHAR,
    geometry_wkb      BLOB,
    PRIMARY KEY (lsoa_vintage, lsoa_code)
);
-- One row per LSOA code (either vintage): its district and best-fit wards. A code found in both
-- vintages is an unchanged LSOA; the 2011 row is preferred because it carries the ONS lookup.
-- (IF NOT EXISTS: opening the store to write changes nothing by itself, so readers see no new version.)
CREATE VIEW IF NOT EXISTS lsoa_lookup AS
SELECT lsoa_code, arg_min(district, lsoa_vintage) AS district,
       arg_min(ward_wd22, lsoa_vintage) AS ward_wd22, arg_min(ward_wd25, lsoa_vintage) AS ward_wd25
FROM lsoas GROUP BY lsoa_code;
CREATE TABLE IF NOT EXISTS population (
    lsoa_code         VARCHAR PRIMARY KEY,  -- 2011 LSOA
    population_mid2018 INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS loads (
    load_id           INTEGER PRIMARY KEY,
    file_name         VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    synthetic         BOOLEAN NOT NULL,
    rows_read         BIGINT NOT NULL,
    rows_stored       BIGINT NOT NULL,
    rows_replaced     BIGINT NOT NULL,    -- stored rows this load replaced (kept in replaced_rows)
    rows_outside      BIGINT NOT NULL,    -- rows outside the configured districts: counted, not stored
    rows_outside_no_location BIGINT NOT NULL,
    months            VARCHAR,            -- first..last month in the file
    loaded_at         TIMESTAMP NOT NULL
);
"""


TABLES = ("incidents", "wards", "lsoas", "population", "loads")
# How long a writer (or a command-line reader) waits for another process to let go of the file.
LOCK_WAIT_SECONDS = 60.0
#: What :func:`identity` tells one version of the file by: its device, inode, size, modification
#: and change times, and the WAL's inode, size and modification time (None without a WAL).
Identity = tuple[int, int, int, int, int, tuple[int, int, int] | None]


class StoreBusy(AnalyticsError):
    """Another process holds the database (a load is writing it): try again when it has finished."""


def default_db_path() -> Path:
    return Path(settings.get("db_path"))


def default_data_dir() -> Path:
    return Path(settings.get("data_dir"))


def _build_fix(path: Path) -> str:
    return f"Build it from data/ with `python -m analytics build --db {path}` (the dashboard does this by itself)."


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _busy(path: Path, exc: Exception | str) -> StoreBusy:
    return StoreBusy(
        f"The database {path} is in use by another process that is writing to it ({exc}).",
        title="Database busy",
        fix="Try again when the load has finished.",
    )


def _unreadable(path: Path, exc: Exception) -> AnalyticsError:
    return AnalyticsError(
        f"The database {path} cannot be opened: {exc}",
        title="Database unreadable",
        fix=_build_fix(path).replace("Build it", "Rebuild it"),
    )


def _with_retry(open_: Callable[[], duckdb.DuckDBPyConnection], path: Path, wait: float) -> duckdb.DuckDBPyConnection:
    """open_(), retried while another process holds DuckDB's lock on the file, for up to wait seconds."""
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            return open_()
        except duckdb.Error as exc:
            if not _is_lock_conflict(exc):
                raise _unreadable(path, exc) from exc
            if time.monotonic() >= deadline:
                raise _busy(path, exc) from exc
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def connect(
    db_path: Path | str | None = None, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """Open the store.

    Read-write: the file (and the schema) is created when it is new; this is the single writer,
    so close it when the load is done. Read-only: the file must exist and be this project's
    store, readable to its last block, or an AnalyticsError says so and how to rebuild it.
    Either way, while another process writes the file this waits for it, up to ``wait`` seconds.
    """
    path = Path(db_path) if db_path else default_db_path()
    if read_only and not path.exists():
        raise AnalyticsError(f"The database {path} does not exist.", title="Database missing", fix=_build_fix(path))
    conn = _with_retry(lambda: duckdb.connect(str(path), read_only=read_only), path, wait)
    try:
        conn.execute("SET enable_progress_bar = false")
        if not read_only:
            conn.execute(SCHEMA + HISTORY_SCHEMA + FORCE_SCHEMA)  # the last two also migrate an older store
        else:
            verify(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def verify(conn: duckdb.DuckDBPyConnection, path: Path | str, built: bool = False) -> None:
    """Check that conn is this project's store and that every block of it reads back.

    Every row of every table is read (DuckDB checks each block's checksum): about 25 ms for the
    embedded data. ``built``: the boundaries must be there too (a store is useless without them).
    """
    path = Path(path)
    try:
        present = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        }
        missing = [t for t in TABLES if t not in present]
        if missing:
            raise AnalyticsError(
                f"The database {path} is not this project's store: it has no table {missing[0]!r}.",
                title="Not the store",
                fix=_build_fix(path),
            )
        for table in TABLES:
            conn.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchall()
        if built and not one_row(conn.execute("SELECT count(*) FROM wards"))[0]:
            raise AnalyticsError(
                f"The database {path} holds no ward boundaries: it was never built.",
                title="Database not built",
                fix=_build_fix(path),
            )
    except duckdb.Error as exc:
        raise AnalyticsError(
            f"The database {path} is damaged: {exc}",
            title="Database damaged",
            fix=_build_fix(path).replace("Build it", "Rebuild it"),
        ) from exc


def identity(db_path: Path | str) -> Identity | None:
    """What tells one version of the file from another: None when it is missing.

    A build renames a new file into place (a new inode); a load in place changes the WAL and,
    when it checkpoints, the file's size and modification time.
    """
    path = Path(db_path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        w = os.stat(f"{path}.wal")
        wal = (w.st_ino, w.st_size, w.st_mtime_ns)
    except FileNotFoundError:
        wal = None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, wal)


def writer_active(db_path: Path | str) -> bool:
    """Whether another process holds the file for writing: a probe of DuckDB's lock (a POSIX
    record lock on the whole file) that costs a few microseconds, where an attach that fails
    costs milliseconds. Taking and dropping the probe's lock drops this process's own locks on
    the file, so never call it while this process has the file open."""
    try:
        fd = os.open(db_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


_SNAPSHOT_NUMBERS = itertools.count(1)
_SNAPSHOT_DIR: list[Path] = []
_SNAPSHOT_DIR_LOCK = threading.Lock()


def _snapshot_dir() -> Path:
    """One private folder per process for the snapshot copies (removed when the process ends)."""
    with _SNAPSHOT_DIR_LOCK:
        if not _SNAPSHOT_DIR:
            folder = Path(tempfile.mkdtemp(prefix="asb-snapshots-"))
            atexit.register(shutil.rmtree, folder, True)
            _SNAPSHOT_DIR.append(folder)
        return _SNAPSHOT_DIR[0]


class Snapshot:
    """One version of the store, copied aside and open read-only: what the dashboard reads.

    The copy is taken while a read-only attach of the file holds DuckDB's shared lock, so no
    writer is half-way through it; the WAL a killed writer left is copied with it (and replayed
    when the copy opens, as it would be for the file itself). The copy's name is unlinked as soon
    as it is open, so nothing is left behind; the lock on the real file is held only during the
    copy. ``identity`` is the file's identity taken *before* the copy, so a version written
    during the copy is noticed at the next look. ``version`` is a number unique in this process:
    caches keyed by it never mix two versions. Never close a snapshot that others may be
    reading: dropping it is enough, and its cursors keep working until they are done.

    Raises AnalyticsError when the file is missing, unreadable, damaged or not built, and
    StoreBusy when a writer holds it for longer than ``wait`` seconds.
    """

    def __init__(self, db_path: Path | str, wait: float = 0.0):
        self.path = Path(db_path)
        self.identity = identity(self.path)
        if self.identity is None:
            raise AnalyticsError(
                f"The database {self.path} does not exist.", title="Database missing", fix=_build_fix(self.path)
            )
        if wait <= 0 and writer_active(self.path):
            raise _busy(self.path, "a writer holds its lock")
        self.version = next(_SNAPSHOT_NUMBERS)
        copy = _snapshot_dir() / f"snapshot-{os.getpid()}-{self.version}.duckdb"
        try:
            _copy_under_shared_lock(self.path, copy, wait)
            self.conn = _with_retry(lambda: _open_reader(copy), self.path, 0)
        finally:
            for leftover in (copy, Path(f"{copy}.wal")):
                leftover.unlink(missing_ok=True)
        verify(self.conn, self.path, built=True)
        self.last_load_id = one_row(self.conn.execute("SELECT coalesce(max(load_id), 0) FROM loads"))[0]

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.conn.cursor()


def _open_reader(copy: Path) -> duckdb.DuckDBPyConnection:
    """The snapshot's connection, its memory capped (reader_memory_limit): by default DuckDB may keep
    blocks it has read up to 80% of the machine's memory, and ``verify`` reads every block (the
    server reached 4.6 GB at 60 million rows, bench/scale/README.md)."""
    limit = settings.get("reader_memory_limit")
    try:
        # Tried on an empty database first: a bad setting must not look like a damaged store
        # (which the dashboard would rebuild).
        duckdb.connect(":memory:", config={"memory_limit": limit}).close()
    except duckdb.Error as exc:
        raise SettingError(
            f"Setting {settings.env_name('reader_memory_limit')}={limit!r} is not a memory "
            f"size DuckDB understands ({exc}).",
            fix="Use a size such as 512MB or 2GB.",
        ) from None
    return duckdb.connect(str(copy), read_only=True, config={"memory_limit": limit})


def _copy_under_shared_lock(path: Path, copy: Path, wait: float) -> None:
    guard = duckdb.connect(":memory:")  # a private instance: never one DuckDB cached for the path
    try:
        quoted = str(path).replace("'", "''")
        _with_retry(lambda: guard.execute(f"ATTACH '{quoted}' AS live (READ_ONLY)"), path, wait)
        # The shared lock is held until the handles below are closed (POSIX drops a process's
        # locks on a file when any of its handles on it closes): open both before copying either.
        wal = Path(f"{path}.wal")
        with open(path, "rb") as db_in, open(wal, "rb") if wal.exists() else _nothing() as wal_in:
            with open(copy, "wb") as out:
                shutil.copyfileobj(db_in, out, 1 << 20)
            if wal_in is not None:
                with open(f"{copy}.wal", "wb") as out:
                    shutil.copyfileobj(wal_in, out, 1 << 20)
    finally:
        guard.close()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> Literal[False]:
        return False


def _ward_rows(geography: Geography) -> pd.DataFrame:
    """One row per ward of every vintage: names, area, a point inside it, mid-2018 population, geometry."""
    population = geography.population
    lsoa11_pop = dict(zip(population.lsoa_code, population.population_mid2018, strict=False))
    lsoas = geography.lsoas
    ward_rows = []
    for vintage in VINTAGES:
        wards = geography.wards[vintage]
        bng = wards.to_crs(BNG)
        centroids = wards.geometry.representative_point()
        # Mid-2018 population by ward: sum the 2011 LSOAs by their best-fit ward in this vintage.
        lsoa11 = lsoas[lsoas.lsoa_vintage == "lsoa11"]
        pop = lsoa11.assign(pop=lsoa11.lsoa_code.map(lsoa11_pop)).groupby(f"ward_{vintage}")["pop"].sum()
        for i, row in wards.iterrows():
            ward_rows.append(
                {
                    "vintage": vintage,
                    "ward_code": row.ward_code,
                    "ward_name": row.ward_name,
                    "ons_name": row.ons_name,
                    "district": row.district,
                    "area_km2": float(bng.geometry.iloc[i].area / 1e6),
                    "centroid_lon": float(centroids.iloc[i].x),
                    "centroid_lat": float(centroids.iloc[i].y),
                    "population_mid2018": int(pop.get(row.ward_code, 0)) or None,
                    "geometry_wkb": shapely.to_wkb(row.geometry),
                    "geometry_geojson": shapely.to_geojson(shapely.set_precision(row.geometry, 1e-6)),
                }
            )
    return pd.DataFrame(ward_rows)


def _lsoa_rows(geography: Geography) -> pd.DataFrame:
    """One row per LSOA of both vintages, with its best-fit wards and geometry."""
    lsoas = geography.lsoas
    return pd.DataFrame(
        {
            "lsoa_vintage": lsoas.lsoa_vintage,
            "lsoa_code": lsoas.lsoa_code,
            "lsoa_name": lsoas.lsoa_name,
            "district": lsoas.district,
            "ward_wd22": lsoas.ward_wd22,
            "ward_wd22_method": lsoas.ward_wd22_method,
            "ward_wd25": lsoas.ward_wd25,
            "ward_wd25_method": lsoas.ward_wd25_method,
            "geometry_wkb": [shapely.to_wkb(g) for g in lsoas.geometry],
        }
    )


def store_geography(conn: duckdb.DuckDBPyConnection, geography: Geography) -> None:
    """Write wards, LSOAs and population into the store (replacing what was there)."""
    population = geography.population
    wards_frame = _ward_rows(geography)
    lsoa_frame = _lsoa_rows(geography)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute("DELETE FROM wards")
        conn.execute("DELETE FROM lsoas")
        conn.execute("DELETE FROM population")
        conn.register("wards_frame", wards_frame)
        conn.register("lsoa_frame", lsoa_frame)
        conn.register("population_frame", population)
        conn.execute("INSERT INTO wards BY NAME SELECT * FROM wards_frame")
        conn.execute("INSERT INTO lsoas BY NAME SELECT * FROM lsoa_frame")
        conn.execute("INSERT INTO population BY NAME SELECT * FROM population_frame")
        fill_force_lsoas(conn)  # every LSOA of the force, for the counts of its other districts
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        for name in ("wards_frame", "lsoa_frame", "population_frame"):
            conn.unregister(name)


@dataclass
class BuildReport:
    police_uk: LoadReport
    extract: LoadReport
    extract_path: Path
    seconds: float
    crime_extract: tuple[LoadReport, Path]  # the synthetic crime extract's report and file (demo_crime_store.py)

    def summary(self) -> str:
        (crime, crime_path), extract = self.crime_extract, self.extract
        return (
            f"police.uk: {self.police_uk.summary()}\nsynthetic force extract ({self.extract_path.name}): "
            f"{extract.summary()}\nsynthetic force crime extract ({crime_path.name}): {crime.summary()}\n"
            f"built in {self.seconds:.1f} s"
        )


def build(
    db_path: Path | str | None = None,
    data_dir: Path | str | None = None,
    districts: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the store from data/: boundaries, the police.uk files, and the synthetic extract.

    The new database is written beside the old one and moved into place at the end, so an
    interrupted build leaves the previous database (or none) rather than half of one; a build
    that fails (a boundaries file missing, say) removes its unfinished file.
    """
    started = time.perf_counter()
    db_path = Path(db_path) if db_path else default_db_path()
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    districts = districts or settings.districts()
    step = progress or (lambda fraction, message: None)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(db_path.name + ".building")
    leftovers = (building, Path(f"{building}.wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        conn = connect(building)
        try:
            step(0.02, "Reading ward and LSOA boundaries")
            geography = Geography.load(data_dir, districts)
            store_geography(conn, geography)
            police = ingest_police_uk(
                conn,
                [data_dir / "police_uk"],
                geography=geography,
                districts=districts,
                progress=lambda f, m: step(0.1 + 0.6 * f, m),
            )
            step(0.75, "Generating the synthetic force extract")
            extract_path = data_dir / "synthetic" / demo.SYNTHETIC_FILE_NAME
            frame = demo.generate_extract(
                asb_locations(conn), wd22_wards(conn), demo_published.load_targets(data_dir / "published")
            )
            demo.write_extract(frame, extract_path)  # which makes its folder
            step(0.85, "Loading the synthetic force extract")
            extract = ingest_extract(conn, extract_path, synthetic=True, geography=geography, districts=districts)
            crime = build_stamp.add_later_parts(conn, data_dir, geography, districts, step)
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
        _fsync(building)
        # A WAL the old file left (a writer killed mid-load) belongs to it, not to the new file:
        # it goes first, so the new file is never seen beside it.
        Path(f"{db_path}.wal").unlink(missing_ok=True)
        os.replace(building, db_path)
        _fsync(db_path.parent)
    except BaseException:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise
    step(1.0, "Ready")
    return BuildReport(police, extract, extract_path, time.perf_counter() - started, crime)


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk: a rename is only as durable as this."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def asb_locations(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every police.uk ASB snap point inside its WD22 ward, with how often ASB was recorded there."""
    return conn.execute("""
        SELECT ward_wd22 AS ward_code, district, longitude, latitude, location, count(*) AS asb_count
        FROM incidents
        WHERE source = 'police_uk' AND is_asb AND ward_method_wd22 = 'point'
        GROUP BY ALL ORDER BY ward_code, longitude, latitude, location""").df()


def wd22_wards(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute(
        "SELECT ward_code, ward_name, district FROM wards WHERE vintage = 'wd22' ORDER BY ward_code"
    ).df()
