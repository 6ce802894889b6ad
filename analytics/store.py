"""The DuckDB store: schema, connection and the build from data/.

One table of incidents holds both sources, told apart by ``source``:
- ``police_uk``: real police.uk street-level rows, never altered, never de-duplicated;
- ``extract``: a force ASB incident extract (here the synthetic demonstration one, flagged
  ``synthetic``).
Beside it: wards (both boundary vintages, with geometry), LSOAs (both vintages, with their
best-fit wards), population, and ``loads``, the record of every file loaded.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import shapely

from analytics import settings
from analytics.errors import AnalyticsError
from analytics.geography import VINTAGES, Geography, BNG

Progress = Callable[[float, str], None]

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
CREATE OR REPLACE VIEW lsoa_lookup AS
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
    rows_replaced     BIGINT NOT NULL,    -- rows of the same force-months that this load replaced
    rows_outside      BIGINT NOT NULL,    -- rows outside the configured districts: counted, not stored
    rows_outside_no_location BIGINT NOT NULL,
    months            VARCHAR,            -- first..last month in the file
    loaded_at         TIMESTAMP NOT NULL
);
"""


def default_db_path() -> Path:
    return Path(settings.get("db_path"))


def default_data_dir() -> Path:
    return Path(settings.get("data_dir"))


def connect(db_path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store; the schema is created when the file is new (unless read-only)."""
    path = Path(db_path) if db_path else default_db_path()
    try:
        conn = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise AnalyticsError(f"The database {path} cannot be opened: {exc}", title="Database unreadable",
                             fix="Delete the file and run `python -m analytics build` to rebuild it "
                                 "from data/.") from exc
    conn.execute("SET enable_progress_bar = false")
    if not read_only:
        conn.execute(SCHEMA)
    return conn


def store_geography(conn: duckdb.DuckDBPyConnection, geography: Geography) -> None:
    """Write wards, LSOAs and population into the store (replacing what was there)."""
    population = geography.population
    lsoa11_pop = dict(zip(population.lsoa_code, population.population_mid2018))
    lsoas = geography.lsoas
    ward_rows = []
    for vintage in VINTAGES:
        wards = geography.wards[vintage]
        bng = wards.to_crs(BNG)
        centroids = wards.geometry.representative_point()
        # Mid-2018 population by ward: sum the 2011 LSOAs by their best-fit ward in this vintage.
        lsoa11 = lsoas[lsoas.lsoa_vintage == "lsoa11"]
        pop = (lsoa11.assign(pop=lsoa11.lsoa_code.map(lsoa11_pop))
               .groupby(f"ward_{vintage}")["pop"].sum())
        for i, row in wards.iterrows():
            ward_rows.append({
                "vintage": vintage, "ward_code": row.ward_code, "ward_name": row.ward_name,
                "ons_name": row.ons_name, "district": row.district,
                "area_km2": float(bng.geometry.iloc[i].area / 1e6),
                "centroid_lon": float(centroids.iloc[i].x), "centroid_lat": float(centroids.iloc[i].y),
                "population_mid2018": int(pop.get(row.ward_code, 0)) or None,
                "geometry_wkb": shapely.to_wkb(row.geometry),
                "geometry_geojson": shapely.to_geojson(shapely.set_precision(row.geometry, 1e-6)),
            })
    wards_frame = pd.DataFrame(ward_rows)
    lsoa_frame = pd.DataFrame({
        "lsoa_vintage": lsoas.lsoa_vintage, "lsoa_code": lsoas.lsoa_code, "lsoa_name": lsoas.lsoa_name,
        "district": lsoas.district, "ward_wd22": lsoas.ward_wd22, "ward_wd22_method": lsoas.ward_wd22_method,
        "ward_wd25": lsoas.ward_wd25, "ward_wd25_method": lsoas.ward_wd25_method,
        "geometry_wkb": [shapely.to_wkb(g) for g in lsoas.geometry],
    })
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
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        for name in ("wards_frame", "lsoa_frame", "population_frame"):
            conn.unregister(name)


@dataclass
class BuildReport:
    police_uk: "LoadReport"
    extract: "LoadReport"
    extract_path: Path
    seconds: float

    def summary(self) -> str:
        return (f"police.uk: {self.police_uk.summary()}\n"
                f"synthetic force extract ({self.extract_path.name}): {self.extract.summary()}\n"
                f"built in {self.seconds:.1f} s")


def build(db_path: Path | str | None = None, data_dir: Path | str | None = None,
          districts: tuple[str, ...] | None = None, progress: Progress | None = None) -> BuildReport:
    """Build the store from data/: boundaries, the police.uk files, and the synthetic extract.

    The new database is written beside the old one and moved into place at the end, so an
    interrupted build leaves the previous database (or none) rather than half of one.
    """
    from analytics import demo
    from analytics.ingest import ingest_extract, ingest_police_uk

    started = time.perf_counter()
    db_path = Path(db_path) if db_path else default_db_path()
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    districts = districts or settings.districts()
    step = progress or (lambda fraction, message: None)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(db_path.name + ".building")
    for leftover in (building, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    conn = connect(building)
    try:
        step(0.02, "Reading ward and LSOA boundaries")
        geography = Geography.load(data_dir, districts)
        store_geography(conn, geography)
        police_dir = data_dir / "police_uk"
        police = ingest_police_uk(conn, [police_dir], geography=geography, districts=districts,
                                  progress=lambda f, m: step(0.1 + 0.6 * f, m))
        step(0.75, "Generating the synthetic force extract")
        extract_path = data_dir / "synthetic" / demo.SYNTHETIC_FILE_NAME
        frame = demo.generate_extract(asb_locations(conn), wd22_wards(conn),
                                      demo.load_targets(data_dir / "published"))
        extract_path.parent.mkdir(parents=True, exist_ok=True)
        demo.write_extract(frame, extract_path)
        step(0.85, "Loading the synthetic force extract")
        extract = ingest_extract(conn, extract_path, synthetic=True, geography=geography, districts=districts)
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    os.replace(building, db_path)
    Path(str(db_path) + ".wal").unlink(missing_ok=True)
    step(1.0, "Ready")
    return BuildReport(police, extract, extract_path, time.perf_counter() - started)


def asb_locations(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every police.uk ASB snap point inside its WD22 ward, with how often ASB was recorded there."""
    return conn.execute("""
        SELECT ward_wd22 AS ward_code, district, longitude, latitude, location, count(*) AS asb_count
        FROM incidents
        WHERE source = 'police_uk' AND is_asb AND ward_method_wd22 = 'point'
        GROUP BY ALL ORDER BY ward_code, longitude, latitude, location""").df()


def wd22_wards(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute("SELECT ward_code, ward_name, district FROM wards WHERE vintage = 'wd22' "
                        "ORDER BY ward_code").df()
