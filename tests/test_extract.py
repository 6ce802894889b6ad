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
    frame["Ref"] = ["X-0", "X-1", "X-2"]  # other incidents (the same references would replace those)
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


# ----------------------------------------------------------------------------- what a load replaces


def _rows(refs, months, district="Redditch", ward="E05007868", keyword="Youth related") -> pd.DataFrame:
    frame = _extract_frame(len(refs))
    frame["incident_ref"] = refs
    frame["reported_at"] = [f"{m}-15 19:45:00" for m in months]
    frame["district"] = district
    frame["ward_code"] = ward
    frame["keyword"] = keyword
    return frame


def _load(db, frame, name, **options):
    path = db.parent / name
    frame.to_csv(path, index=False)
    conn = store.connect(db)
    try:
        return ingest_extract(conn, path, districts=DISTRICTS, **options)
    finally:
        conn.close()


def _stored(db) -> dict[str, tuple[str, str, str]]:
    conn = store.connect(db, read_only=True)
    try:
        rows = conn.execute("SELECT incident_ref, strftime(month, '%Y-%m'), district, keyword FROM incidents")
        return {ref: (month, district, keyword) for ref, month, district, keyword in rows.fetchall()}
    finally:
        conn.close()


def test_a_re_extract_updates_its_incidents_and_keeps_the_others(geo_db):
    months = ["2018-10"] * 6 + ["2018-11"] * 6
    _load(geo_db, _rows([f"R-{i}" for i in range(12)], months), "first.csv")
    report = _load(geo_db, _rows(["R-0", "R-1", "R-99"], ["2018-10"] * 3, keyword="Parking"), "again.csv")
    assert [c.text() for c in report.changes()] == ["2018-10 Redditch: 1 added, 2 replaced, 0 removed, 4 kept"]
    stored = _stored(geo_db)
    assert len(stored) == 13 and stored["R-0"][2] == stored["R-99"][2] == "Parking" and stored["R-5"][2] != "Parking"


def test_one_mistyped_year_replaces_nothing_beyond_its_references(geo_db):
    months = [f"2018-{m:02d}" for m in range(1, 13)] + [f"2019-{m:02d}" for m in range(1, 13)]
    _load(geo_db, _rows([f"OLD-{i}" for i in range(24)], months), "old.csv")
    report = _load(geo_db, _rows(["NEW-0", "NEW-1"], ["2019-01", "2091-01"]), "new.csv")  # 2019 typed 2091
    assert report.total("rows_replaced") == 0
    assert len(_stored(geo_db)) == 26
    assert [(c.month, c.added, c.replaced, c.removed) for c in report.changes()] == [
        ("2019-01", 1, 0, 0),
        ("2091-01", 1, 0, 0),
    ]


def test_two_extracts_split_by_district_or_half_month_both_stay(geo_db):
    _load(geo_db, _rows(["R-1", "R-2"], ["2018-10"] * 2), "redditch.csv")
    bromsgrove = _rows(["B-1", "B-2"], ["2018-10"] * 2, district="Bromsgrove", ward="E05009824")
    bromsgrove[["longitude", "latitude"]] = ["-1.97121", "52.35517"]
    _load(geo_db, bromsgrove, "bromsgrove.csv")
    late = _rows(["R-3"], ["2018-10"])
    late["reported_at"] = ["2018-10-28 10:00:00"]  # the second half of the month
    _load(geo_db, late, "redditch-late-october.csv")
    assert sorted(_stored(geo_db)) == ["B-1", "B-2", "R-1", "R-2", "R-3"]


def test_an_extract_dry_run_reports_exactly_what_the_load_then_does(geo_db):
    _load(geo_db, _rows([f"R-{i}" for i in range(40)], ["2018-10"] * 40), "first.csv")
    before = db_checksums(geo_db)
    again = _rows([f"R-{i}" for i in range(10)], ["2018-11"] * 10)
    preview = _load(geo_db, again, "again.csv", dry_run=True)
    assert db_checksums(geo_db) == before
    assert [c.text() for c in preview.changes()] == [
        "2018-10 Redditch: 0 added, 0 replaced, 10 removed, 30 kept",
        "2018-11 Redditch: 10 added, 0 replaced, 0 removed, 0 kept",
    ]
    real = _load(geo_db, again, "again.csv")
    assert real.files == preview.files and not real.dry_run
