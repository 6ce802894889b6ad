"""Loading the force ASB extract (analytics/data/extract.py): CSV and XLSX, a column mapping, and
a refused row named by its line."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.core.errors import InputError
from analytics.data import store
from analytics.data.extract import ingest_extract
from tests.conftest import DISTRICTS, db_checksums


def _extract_frame(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_ref": [f"T-{i}" for i in range(n)],
            "reported_at": ["2018-10-31 19:45:00"] * n,
            "keyword": ["Youth related"] * n,
            "nirs_class": ["Nuisance"] * n,
            "district": ["Redditch"] * n,
            "ward_code": ["E05007868"] * n,
            "longitude": ["-1.940700"] * n,
            "latitude": ["52.306000"] * n,
            "location": ["On or near Unicorn Hill"] * n,
        }
    )


def test_extract_loads_from_csv_and_xlsx_with_a_column_mapping(geo_db, tmp_path):
    csv_path = tmp_path / "extract.csv"
    _extract_frame().to_csv(csv_path, index=False)
    xlsx_path = tmp_path / "extract.xlsx"
    frame = _extract_frame().rename(columns={"incident_ref": "Ref", "keyword": "Key Word"})
    frame["reported_at"] = ["2018-11-05 20:00:00"] * 3
    frame.to_excel(xlsx_path, index=False)
    conn = store.connect(geo_db)
    first = ingest_extract(conn, csv_path, districts=DISTRICTS)
    second = ingest_extract(
        conn, xlsx_path, column_map={"Ref": "incident_ref", "Key Word": "keyword"}, districts=DISTRICTS
    )
    stored = conn.execute(
        "SELECT strftime(month, '%Y-%m'), ward_wd22, ward_method_wd22, count(*) FROM incidents GROUP BY ALL ORDER BY 1"
    ).fetchall()
    conn.close()
    assert first.total("rows_stored") == 3 and second.total("rows_stored") == 3
    assert stored == [("2018-10", "E05007868", "point", 3), ("2018-11", "E05007868", "point", 3)]


def test_extract_with_an_unknown_keyword_is_refused_with_its_line(geo_db, tmp_path):
    frame = _extract_frame(5)
    frame.loc[3, "keyword"] = "Noisy party"
    path = tmp_path / "extract.csv"
    frame.to_csv(path, index=False)
    before = db_checksums(geo_db)
    conn = store.connect(geo_db)
    with pytest.raises(InputError) as error:
        ingest_extract(conn, path, districts=DISTRICTS)
    conn.close()
    message = str(error.value)
    assert "'Noisy party'" in message and "line 5" in message and "Youth related" in message
    assert db_checksums(geo_db) == before
