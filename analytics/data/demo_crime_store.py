"""The synthetic force crime extract in the store: its profile read from the police.uk rows, the file
generated (analytics/data/demo_crime.py) and loaded like any crime extract (crime_extract.py).

The build (store.build) calls :func:`add_synthetic_crime_extract` after loading police.uk.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics.data import demo_crime
from analytics.data.crime_extract import ingest_crime_extract
from analytics.data.geography import Geography
from analytics.data.loads import LoadReport, Progress
from analytics.data.offences import offence_lookup


def crime_profile(conn: duckdb.DuckDBPyConnection) -> demo_crime.CrimeProfile:
    """What the generator takes from police.uk: recorded crime (never ASB) at each snap point inside
    its WD22 ward, each district's crime-type mix, and the mean crime per calendar month."""
    crime = "source = 'police_uk' AND NOT is_asb"
    locations = conn.execute(f"""
        SELECT ward_wd22 AS ward_code, district, longitude, latitude, location, count(*) AS crime_count
        FROM incidents WHERE {crime} AND ward_method_wd22 = 'point'
        GROUP BY ALL ORDER BY ward_code, longitude, latitude, location""").df()
    types = conn.execute(f"""
        SELECT district, category AS crime_type, count(*) AS crime_count
        FROM incidents WHERE {crime} GROUP BY ALL ORDER BY district, crime_type""").df()
    months = conn.execute(f"""
        SELECT month(month) AS calendar_month, avg(n) AS crime_count
        FROM (SELECT month, count(*) AS n FROM incidents WHERE {crime} GROUP BY month)
        GROUP BY 1 ORDER BY 1""").df()
    return demo_crime.CrimeProfile(locations, types, months)


def add_synthetic_crime_extract(
    conn: duckdb.DuckDBPyConnection,
    data_dir: Path,
    geography: Geography,
    districts: tuple[str, ...],
    progress: Progress | None = None,
) -> tuple[LoadReport, Path]:
    """Generate the synthetic crime extract into data_dir/synthetic and load it; its report and path."""
    if progress:
        progress(0.9, "Generating and loading the synthetic force crime extract")
    path = data_dir / "synthetic" / demo_crime.SYNTHETIC_FILE_NAME
    frame = demo_crime.generate_crime_extract(crime_profile(conn), offence_lookup(data_dir))
    demo_crime.write_crime_extract(frame, path)
    report = ingest_crime_extract(conn, path, synthetic=True, geography=geography, districts=districts)
    return report, path
