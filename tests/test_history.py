"""The history of the loads and undoing one (analytics/data/history.py), through the library, the
command line (``history``, ``undo``, ``ingest --dry-run / --replace``) and ui/data.ingest: an undo
puts every table back exactly as it was before the load."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analytics.__main__ import main as cli
from analytics.core.errors import AnalyticsError
from analytics.data import store
from analytics.data.extract import ingest_extract
from analytics.data.history import HISTORY_TABLES, history, undo
from analytics.data.police_uk import ingest_police_uk
from tests.conftest import DISTRICTS, db_checksums
from tests.loading import JAN_2024, OCT_2018, counts, lines_of, write_lines


def _police(db, *paths, **options):
    conn = store.connect(db)
    try:
        return ingest_police_uk(conn, list(paths), districts=DISTRICTS, **options)
    finally:
        conn.close()


def _extract(db, path, **options):
    conn = store.connect(db)
    try:
        return ingest_extract(conn, path, districts=DISTRICTS, **options)
    finally:
        conn.close()


def _undo(db, load_id: int) -> str:
    conn = store.connect(db)
    try:
        return undo(conn, load_id)
    finally:
        conn.close()


def _history(db):
    conn = store.connect(db, read_only=True)
    try:
        return history(conn)
    finally:
        conn.close()


def _bromsgrove_only(tmp_path):
    lines = lines_of(OCT_2018)
    return write_lines(tmp_path / "2018-10-west-mercia-street.csv", lines[:101])  # 100 of Bromsgrove's 689 rows


def test_undo_of_a_police_uk_load_restores_every_table(geo_db, tmp_path):
    _police(geo_db, OCT_2018, JAN_2024)
    before = db_checksums(geo_db)
    report = _police(geo_db, _bromsgrove_only(tmp_path), replace=True)
    load_id = report.files[0].load_id
    assert db_checksums(geo_db) != before
    message = _undo(geo_db, load_id)
    assert message.endswith("undone: 100 rows it stored deleted, 689 rows it replaced put back.")
    assert db_checksums(geo_db) == before
    records = {r.load_id: r for r in _history(geo_db)}
    assert records[load_id].undone_at is not None and records[load_id].changes[0].removed == 589
    # Undone, its file loads again (it is not "loaded before"), under a new load id.
    again = _police(geo_db, _bromsgrove_only(tmp_path), replace=True)
    assert again.files[0].status == "loaded" and again.files[0].load_id == load_id + 1


def _extract_file(path, refs, month, keyword="Youth related"):
    pd.DataFrame(
        {
            "incident_ref": refs,
            "reported_at": [f"{month}-15 19:45:00"] * len(refs),
            "keyword": [keyword] * len(refs),
            "nirs_class": ["Nuisance"] * len(refs),
            "district": ["Redditch"] * len(refs),
            "ward_code": ["E05007868"] * len(refs),
            "longitude": ["-1.940700"] * len(refs),
            "latitude": ["52.306000"] * len(refs),
            "location": ["On or near Unicorn Hill"] * len(refs),
        }
    ).to_csv(path, index=False)
    return path


def test_undo_of_an_extract_load_restores_every_table(geo_db, tmp_path):
    _extract(geo_db, _extract_file(tmp_path / "first.csv", [f"R-{i}" for i in range(30)], "2018-10"))
    before = db_checksums(geo_db)
    refs = [f"R-{i}" for i in range(5)] + ["R-100"]
    report = _extract(geo_db, _extract_file(tmp_path / "again.csv", refs, "2018-11", keyword="Parking"))
    assert [c.text() for c in report.changes()] == [
        "2018-10 Redditch: 0 added, 0 replaced, 5 removed, 25 kept",
        "2018-11 Redditch: 6 added, 0 replaced, 0 removed, 0 kept",  # moved to November: counted there
    ]
    _undo(geo_db, report.files[0].load_id)
    assert db_checksums(geo_db) == before


def test_undo_of_a_load_through_the_data_page_restores_every_table(geo_db, tmp_path, monkeypatch):
    from ui import data

    monkeypatch.setenv("ASB_DB_PATH", str(geo_db))
    monkeypatch.setenv("ASB_DISTRICTS", ",".join(DISTRICTS))
    data.ingest("police-uk", OCT_2018)
    before = db_checksums(geo_db)
    preview = data.ingest("police-uk", _bromsgrove_only(tmp_path), dry_run=True)
    assert db_checksums(geo_db) == before and preview.refused()
    with pytest.raises(AnalyticsError, match="Refused"):
        data.ingest("police-uk", _bromsgrove_only(tmp_path))
    report = data.ingest("police-uk", _bromsgrove_only(tmp_path), replace=True)
    assert report.files == [f for f in report.files if f.status == "loaded"]
    assert report.changes() == preview.changes()
    _undo(geo_db, report.files[0].load_id)
    assert db_checksums(geo_db) == before


def test_undo_is_refused_while_a_later_load_replaced_its_rows(geo_db, tmp_path):
    _police(geo_db, JAN_2024)
    before = db_checksums(geo_db)
    first = _police(geo_db, OCT_2018).files[0].load_id
    lines = lines_of(OCT_2018)
    second = _police(geo_db, write_lines(tmp_path / "revised.csv", lines[:-2])).files[0]
    with pytest.raises(AnalyticsError) as refused:
        _undo(geo_db, first)
    assert f"later loads replaced rows it stored: load {second.load_id} (" in str(refused.value)
    assert f"python -m analytics undo {second.load_id}" in str(refused.value.fix)
    _undo(geo_db, second.load_id)
    _undo(geo_db, first)
    assert db_checksums(geo_db) == before
    with pytest.raises(AnalyticsError, match="undone already"):
        _undo(geo_db, first)
    with pytest.raises(AnalyticsError, match="There is no load 99"):
        _undo(geo_db, 99)


def test_a_store_made_before_the_history_gets_its_tables_when_opened_to_write(geo_db):
    conn = duckdb.connect(str(geo_db))
    for table in HISTORY_TABLES:
        conn.execute(f"DROP TABLE {table}")
    conn.close()
    _police(geo_db, OCT_2018)  # opened to write: migrated, and the load keeps its history
    assert [len(r.changes) for r in _history(geo_db)] == [3]
    conn = store.connect(geo_db)  # again: nothing to do
    tables = {r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    conn.close()
    assert set(HISTORY_TABLES) <= tables


# ----------------------------------------------------------------------------- the command line


def test_the_command_line_previews_refuses_replaces_lists_and_undoes(geo_db, tmp_path, capsys):
    db = ["--db", str(geo_db)]
    districts = [arg for d in DISTRICTS for arg in ("--district", d)]
    assert cli(["ingest", "police-uk", str(OCT_2018), *db, *districts]) == 0
    capsys.readouterr()
    before = db_checksums(geo_db)
    bromsgrove = str(_bromsgrove_only(tmp_path))
    assert cli(["ingest", "police-uk", bromsgrove, *db, *districts, "--dry-run"]) == 0
    preview = capsys.readouterr().out
    assert preview.startswith("Dry run, nothing changed: 1 file(s) would be loaded")
    assert "2018-10: Bromsgrove +0/~100/-589/=0" in preview and "Refused:" in preview
    assert db_checksums(geo_db) == before
    assert cli(["ingest", "police-uk", bromsgrove, *db, *districts]) == 2
    error = capsys.readouterr().err
    assert "Refused:" in error and "2018-10 Bromsgrove: 0 added, 100 replaced, 589 removed, 0 kept" in error
    assert db_checksums(geo_db) == before
    assert cli(["ingest", "police-uk", bromsgrove, *db, *districts, "--replace"]) == 0
    loaded = capsys.readouterr().out
    assert loaded.startswith("1 file(s) loaded") and "2018-10: Bromsgrove +0/~100/-589/=0" in loaded
    assert cli(["history", *db]) == 0
    listed = capsys.readouterr().out
    assert f"load 2: police_uk {bromsgrove} (2018-10..2018-10)" in listed
    assert "    2018-10 Bromsgrove: 0 added, 100 replaced, 589 removed, 0 kept" in listed
    assert cli(["undo", "2", *db]) == 0
    assert f"Load 2 ({bromsgrove}) undone" in capsys.readouterr().out
    assert db_checksums(geo_db) == before
    assert cli(["history", "2", *db]) == 0
    assert ", undone " in capsys.readouterr().out
    assert counts(geo_db)[0] == len(lines_of(OCT_2018)) - 1
