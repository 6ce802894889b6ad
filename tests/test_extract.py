"""Loading the force ASB extract (analytics/data/extract.py): CSV and XLSX, a column mapping, and
a refused row named by its line."""

from __future__ import annotations

import openpyxl
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
    report = _load(geo_db, _rows(["NEW-0", "NEW-1"], ["2019-01", "2009-01"]), "new.csv")  # 2019 typed 2009
    assert report.total("rows_replaced") == 0
    assert len(_stored(geo_db)) == 26
    assert sorted((c.month, c.added, c.replaced, c.removed) for c in report.changes()) == [
        ("2009-01", 1, 0, 0),
        ("2019-01", 1, 0, 0),
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


# ----------------------------------------------------------------------------- read for certain or refused


def _workbook(path, sheets, merge: str | None = None, formula: tuple[str, str] | None = None):
    """A workbook of (title, frame or None, state) sheets; ``merge`` and ``formula`` apply to the first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, frame, state in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        if frame is not None:
            sheet.append(list(frame.columns))
            for row in frame.itertuples(index=False):
                sheet.append(list(row))
    first = book[sheets[0][0]]
    if merge:
        first.merge_cells(merge)
    if formula:
        first[formula[0]] = formula[1]  # written without a cached value, as a program writes it
    book.save(path)
    return path


def _refused(db, path, **options) -> InputError:
    before = db_checksums(db)
    conn = store.connect(db)
    try:
        with pytest.raises(InputError) as error:
            ingest_extract(conn, path, districts=DISTRICTS, **options)
    finally:
        conn.close()
    assert db_checksums(db) == before
    return error.value


def test_a_workbook_loads_its_visible_sheet_not_a_hidden_copy(geo_db, tmp_path):
    stale = _rows(["OLD-1", "OLD-2"], ["2017-01"] * 2)
    current = _rows(["NEW-1"], ["2018-10"])
    path = _workbook(
        tmp_path / "two.xlsx", [("Old", stale, "hidden"), ("Notes", None, "visible"), ("Now", current, "visible")]
    )
    conn = store.connect(geo_db)
    ingest_extract(conn, path, districts=DISTRICTS)
    conn.close()
    assert sorted(_stored(geo_db)) == ["NEW-1"]


def test_a_named_sheet_is_loaded_even_if_hidden(geo_db, tmp_path):
    path = _workbook(
        tmp_path / "hidden.xlsx", [("Old", _rows(["H-1"], ["2018-10"]), "hidden"), ("Notes", None, "visible")]
    )
    error = _refused(geo_db, path)
    assert "'Old', is hidden" in str(error) and "--sheet 'Old'" in str(error)
    conn = store.connect(geo_db)
    ingest_extract(conn, path, districts=DISTRICTS, sheet="Old")
    conn.close()
    assert sorted(_stored(geo_db)) == ["H-1"]


def test_two_sheets_with_the_header_are_refused_naming_them(geo_db, tmp_path):
    frame = _rows(["A-1"], ["2018-10"])
    path = _workbook(tmp_path / "both.xlsx", [("Jan", frame, "visible"), ("Feb", frame, "visible")])
    error = _refused(geo_db, path)
    assert "more than one sheet holds the extract's header ('Jan', 'Feb')" in str(error)
    assert "no sheet 'Mar'; its sheets: 'Jan', 'Feb'" in str(_refused(geo_db, path, sheet="Mar"))


def test_merged_cells_are_filled_from_their_anchor_and_reported(geo_db, tmp_path):
    frame = _rows(["M-1", "M-2", "M-3"], ["2018-10"] * 3)
    path = _workbook(tmp_path / "merged.xlsx", [("Extract", frame, "visible")], merge="E2:E4")  # district
    conn = store.connect(geo_db)
    report = ingest_extract(conn, path, districts=DISTRICTS)
    conn.close()
    assert report.total("rows_stored") == 3 and report.total("rows_outside") == 0
    assert report.files[0].message.startswith("sheet 'Extract': merged cells E2:E4 were filled from their first")
    assert {v[1] for v in _stored(geo_db).values()} == {"Redditch"}


def test_a_formula_without_a_saved_value_is_refused_with_its_cell(geo_db, tmp_path):
    frame = _rows(["F-1", "F-2"], ["2018-10"] * 2)
    path = _workbook(tmp_path / "formula.xlsx", [("Extract", frame, "visible")], formula=("I3", '="On or near "&A3'))
    error = _refused(geo_db, path)
    assert error.line == 3 and "the cell I3 holds a formula with no saved value" in str(error)


def test_dates_that_read_two_ways_are_refused_unless_the_format_is_given(geo_db, tmp_path):
    frame = _rows(["D-1", "D-2"], ["2018-10"] * 2)
    frame["reported_at"] = ["03/04/2018 10:00", "05/06/2018 11:00"]
    path = tmp_path / "dates.csv"
    frame.to_csv(path, index=False)
    error = _refused(geo_db, path)
    assert error.line == 2 and "read both day-first and month-first ('03/04/2018 10:00'" in str(error)
    conn = store.connect(geo_db)
    ingest_extract(conn, path, districts=DISTRICTS, date_format="%m/%d/%Y %H:%M")
    conn.close()
    assert sorted(v[0] for v in _stored(geo_db).values()) == ["2018-03", "2018-05"]


def test_day_first_dates_with_a_day_past_12_load_without_a_format(geo_db):
    frame = _rows(["D-1", "D-2"], ["2018-10"] * 2)
    frame["reported_at"] = ["03/04/2018 10:00", "25/06/2018 11:00"]
    _load(geo_db, frame, "uk.csv")
    assert sorted(v[0] for v in _stored(geo_db).values()) == ["2018-04", "2018-06"]


def test_a_month_still_to_come_is_refused_with_its_line(geo_db, tmp_path):
    frame = _rows(["Y-1", "Y-2", "Y-3"], ["2018-10", "2018-10", "2099-01"])
    path = tmp_path / "future.csv"
    frame.to_csv(path, index=False)
    error = _refused(geo_db, path)
    assert error.line == 4 and "in a month still to come: '2099-01-15 19:45:00'" in str(error)


@pytest.mark.parametrize("district", ["", "Redditch Borough"])
def test_an_empty_or_unknown_district_is_refused_with_the_list(geo_db, tmp_path, district):
    frame = _rows(["U-1", "U-2"], ["2018-10"] * 2)
    frame.loc[1, "district"] = district
    path = tmp_path / "district.csv"
    frame.to_csv(path, index=False)
    message = str(_refused(geo_db, path))
    assert "line 3: the district is not one of the force's districts" in message
    assert "Bromsgrove, Redditch, Wyre Forest, Malvern Hills" in message and "Telford and Wrekin" in message


def test_a_district_of_the_force_outside_the_configured_ones_is_counted_outside(geo_db):
    frame = _rows(["W-1", "W-2"], ["2018-10"] * 2)
    frame.loc[1, "district"] = "Worcester"
    report = _load(geo_db, frame, "worcester.csv")
    assert (report.total("rows_stored"), report.total("rows_outside")) == (1, 1)


def test_a_repeated_reference_is_kept_once_if_the_rows_are_the_same_else_refused(geo_db, tmp_path):
    frame = _rows(["S-1", "S-2", "S-1"], ["2018-10"] * 3)
    report = _load(geo_db, frame, "same.csv")
    assert report.total("rows_stored") == 2
    assert (
        report.files[0].message
        == "1 row(s) repeated an earlier row exactly (incident reference 'S-1') and were kept once."
    )
    frame.loc[2, "keyword"] = "Parking"
    path = tmp_path / "differ.csv"
    frame.to_csv(path, index=False)
    error = _refused(geo_db, path)
    assert error.line == 4 and "'S-1' is on two rows that differ (lines 2 and 4)" in str(error)
