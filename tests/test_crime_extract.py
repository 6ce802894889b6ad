"""The force crime extract (analytics/data/crime_extract.py): loaded under the rules every load keeps
(issue 12), its offences mapped through the Home Office lookup, refused where it cannot be read for
certain; and the synthetic one built with the store reproducing the 2016/17 briefing's year to date."""

from __future__ import annotations

import contextlib
import io

import openpyxl
import pandas as pd
import pytest

from analytics.__main__ import main
from analytics.analyses.crime import crime_ytd
from analytics.core.errors import AnalyticsError, InputError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.data import store
from analytics.data.crime_extract import ingest_crime_extract
from analytics.data.history import undo
from tests.conftest import DISTRICTS, db_checksums

HEADER = "crime_ref,recorded_at,committed_at,offence_code,offence,district,ward_code,lsoa_code,longitude,latitude"
#: A point in Abbey ward, Redditch (WD22 E05007868, WD25 E05015617).
ABBEY = "-1.9406,52.3064"
ROWS = [
    f"CR-1,2016-04-03 10:00,2016-04-02 09:00,8N,,Redditch,,,{ABBEY}",  # by code, placed by its point
    "CR-2,2016-05-03 11:00,,,shoplifting ,Redditch,E05007870,,,",  # by description, its ward code
    "CR-3,2016-06-13 14:00,,058c,,Bromsgrove,,E01032125,,",  # a code written with a zero; its LSOA
    "CR-4,2016-06-03 09:30,,46,,Worcester,,,,",  # a district of the force outside ours: counted
]
BRIEFING = ["--period-a", "2015-04..2016-02", "--period-b", "2016-04..2017-02"]


def _write(tmp_path, rows, name="crime.csv", header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _load(db, path, **options):
    conn = store.connect(db)
    try:
        return ingest_crime_extract(conn, path, districts=DISTRICTS, **options)
    finally:
        conn.close()


def _rows(db) -> pd.DataFrame:
    conn = store.connect(db, read_only=True)
    try:
        return (
            conn.execute(
                """SELECT incident_ref, month, category, keyword, nirs_class, context, is_asb, district, ward_wd22,
                      ward_method_wd22, ward_wd25, lsoa_code FROM incidents WHERE source = 'crime_extract'
               ORDER BY incident_ref"""
            )
            .df()
            .set_index("incident_ref")
        )
    finally:
        conn.close()


def test_a_crime_extract_loads_each_offence_and_place_as_it_says(geo_db, tmp_path):
    report = _load(geo_db, _write(tmp_path, ROWS))
    loaded = report.files[0]
    assert (loaded.rows_read, loaded.rows_stored, loaded.rows_outside) == (4, 3, 1)
    rows = _rows(geo_db)
    assert list(rows.index) == ["CR-1", "CR-2", "CR-3"]
    assert rows.loc["CR-1", ["category", "keyword", "nirs_class", "context"]].tolist() == [
        "Violence and sexual offences",
        "8N",
        "Violence against the person",
        "Assault with injury",
    ]
    assert rows.loc["CR-1", ["ward_wd22", "ward_method_wd22", "ward_wd25"]].tolist() == [
        "E05007868",
        "point",
        "E05015617",
    ]
    assert rows.loc["CR-2", ["category", "keyword", "ward_wd22", "ward_method_wd22"]].tolist() == [
        "Shoplifting",
        "46",
        "E05007870",
        "extract_code",
    ]
    assert rows.loc["CR-3", ["keyword", "category", "lsoa_code", "ward_method_wd22"]].tolist() == [
        "58C",
        "Criminal damage and arson",
        "E01032125",
        "lsoa",
    ]
    assert not rows.is_asb.any()
    assert str(rows.loc["CR-3", "month"])[:10] == "2016-06-01"


def test_loading_a_crime_extract_twice_adds_nothing(geo_db, tmp_path):
    path = _write(tmp_path, ROWS)
    _load(geo_db, path)
    before = db_checksums(geo_db)
    again = _load(geo_db, path)
    assert again.files[0].status == "skipped" and "nothing changed" in again.files[0].message
    assert db_checksums(geo_db) == before


@pytest.mark.parametrize(
    "row, line, problem",
    [
        ("CR-9,2016-07-01 10:00,,8Z,,Redditch,E05007870,,,", 3, "unknown Home Office offence code: '8Z'"),
        ("CR-9,2016-07-01 10:00,,,Theft of a unicorn,Redditch,E05007870,,,", 3, "unknown offence description"),
        ("CR-9,2016-07-01 10:00,,,,Redditch,E05007870,,,", 3, "neither a Home Office offence code"),
        ("CR-9,2016-07-01 10:00,2016-07-02 10:00,8N,,Redditch,E05007870,,,", 3, "committed is after"),
        ("CR-9,2016-07-01 10:00,,8N,,Redditch,,,,", 3, "says nowhere where"),
        ("CR-9,2016-07-01 10:00,,8N,,Redditch,,E01999999,,", 3, "unknown LSOA code"),
        ("CR-9,2016-07-01 10:00,,8N,,Redditch,E05999999,,,", 3, "unknown WD22 ward code"),
        ("CR-9,2016-07-01 10:00,,8N,,Redditch Town,E05007870,,,", 3, "not one of the force's districts"),
        ("CR-9,2099-07-01 10:00,,8N,,Redditch,E05007870,,,", 3, "month still to come"),
        ("CR-9,yesterday,,8N,,Redditch,E05007870,,,", 3, "date recorded is not a date"),
        ("CR-1,2016-04-03 10:00,,105A,,Redditch,E05007870,,,", 3, "on two rows that differ"),
    ],
)
def test_a_bad_crime_extract_is_refused_with_its_line_and_changes_nothing(geo_db, tmp_path, row, line, problem):
    _load(geo_db, _write(tmp_path, ROWS, "first.csv"))
    before = db_checksums(geo_db)
    bad = _write(tmp_path, [ROWS[0], row, ROWS[2]], "bad.csv")
    with pytest.raises(InputError, match=problem) as refused:
        _load(geo_db, bad)
    assert f"line {line}" in str(refused.value)
    assert db_checksums(geo_db) == before


def test_the_command_line_refuses_an_unknown_offence_code_naming_its_line(geo_db, tmp_path, capsys):
    bad = _write(tmp_path, [ROWS[0], ROWS[1], "CR-7,2016-07-01 10:00,,999/99,,Redditch,E05007870,,,"])
    before = db_checksums(geo_db)
    status = main(["ingest", "crime-extract", str(bad), "--db", str(geo_db)])
    err = capsys.readouterr().err
    assert status == 2 and "line 4" in err and "unknown Home Office offence code: '999/99'" in err
    assert "Traceback" not in err
    assert db_checksums(geo_db) == before


def test_a_re_extract_replaces_its_references_only_and_can_be_undone(geo_db, tmp_path):
    _load(geo_db, _write(tmp_path, ROWS, "first.csv"))
    before = db_checksums(geo_db)
    # CR-2 reclassified and moved, CR-5 new; CR-1 and CR-3 are not in the file and stay.
    second = _write(
        tmp_path,
        ["CR-2,2016-05-03 11:00,,49,,Redditch,E05007871,,,", "CR-5,2016-05-20 08:00,,45,,Redditch,E05007872,,,"],
        "second.csv",
    )
    preview = _load(geo_db, second, dry_run=True)
    assert db_checksums(geo_db) == before
    report = _load(geo_db, second)
    assert [c.text() for c in report.files[0].changes] == [c.text() for c in preview.files[0].changes]
    assert report.files[0].rows_replaced == 1
    rows = _rows(geo_db)
    assert list(rows.index) == ["CR-1", "CR-2", "CR-3", "CR-5"]
    assert rows.loc["CR-2", ["category", "ward_wd22"]].tolist() == ["Other theft", "E05007871"]
    conn = store.connect(geo_db)
    try:
        undo(conn, report.files[0].load_id)
    finally:
        conn.close()
    assert db_checksums(geo_db) == before


def test_other_layouts_load_through_a_column_mapping_and_a_workbook(geo_db, tmp_path):
    header = "Crime Number,Date Recorded,HO Code,District,Ward,Lon,Lat"
    rows = ["X1,13/06/2016 14:00,8L,Redditch,E05007870,,", f"X2,14/06/2016 09:00,44,Redditch,,{ABBEY}"]
    mapping = {
        "Crime Number": "crime_ref",
        "Date Recorded": "recorded_at",
        "HO Code": "offence_code",
        "District": "district",
        "Ward": "ward_code",
        "Lon": "longitude",
        "Lat": "latitude",
    }
    book = openpyxl.Workbook()
    sheet = book.active
    for line in [header, *rows]:
        sheet.append(line.split(","))
    book.save(tmp_path / "crime.xlsx")
    _load(geo_db, tmp_path / "crime.xlsx", column_map=mapping)
    rows_loaded = _rows(geo_db)
    assert rows_loaded.category.to_dict() == {"X1": "Violence and sexual offences", "X2": "Bicycle theft"}
    with pytest.raises(InputError, match="missing column"):
        _load(geo_db, _write(tmp_path, rows, "unmapped.csv", header))


def test_dates_that_read_two_ways_are_refused_unless_the_format_is_given(geo_db, tmp_path):
    path = _write(tmp_path, ["CR-1,03/06/2016 10:00,,8N,,Redditch,E05007870,,,"])
    with pytest.raises(InputError, match="read both day-first and month-first"):
        _load(geo_db, path)
    _load(geo_db, path, date_format="%m/%d/%Y %H:%M")
    assert str(_rows(geo_db).loc["CR-1", "month"])[:10] == "2016-03-01"


def test_the_crime_extract_holds_no_asb_and_the_asb_extract_no_crime(fixture_conn):
    with pytest.raises(AnalyticsError, match="recorded crime only"):
        Selection("crime_extract", "asb")
    with pytest.raises(AnalyticsError, match="ASB only"):
        crime_ytd(fixture_conn, Selection("extract"), parse_period("FY2018"))


# --- the synthetic extract built with the store -------------------------------------------------------


def _table(db, *args) -> tuple[pd.DataFrame, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["table", "crime-ytd", "--source", "crime_extract", *args, "--format", "csv", "--db", str(db)])
    assert status == 0, err.getvalue()
    return pd.read_csv(io.StringIO(out.getvalue())), err.getvalue()


def test_the_built_crime_extract_reproduces_the_briefing_year_to_date(built_db):
    table, err = _table(built_db, *BRIEFING)
    rows = table.set_index("district")
    assert rows.loc["Redditch", ["difference", "percentage"]].tolist() == [570, "13%"]
    assert rows.loc["Bromsgrove", "percentage"] == "8%"
    assert rows.loc["Wyre Forest", "percentage"] == "11%"
    whole = rows.loc["All recorded crime", "pct_change"]
    assert 8 <= whole <= 13  # North Worcestershire as a whole between its districts
    assert (
        rows.loc["All recorded crime", "count_b"]
        == rows.loc[["Bromsgrove", "Redditch", "Wyre Forest"], "count_b"].sum()
    )
    assert "SYNTHETIC" in err and "Apr 2015–Feb 2016" in err


def test_the_built_crime_extract_is_labelled_synthetic_and_placed_at_police_uk_crime_points(built_conn):
    labels = built_conn.execute(
        """SELECT bool_and(synthetic), bool_and(starts_with(incident_ref, 'SYN-CR-')), bool_or(is_asb),
                  min(month), max(month) FROM incidents WHERE source = 'crime_extract'"""
    ).fetchone()
    assert labels[:3] == (True, True, False)
    assert (str(labels[3]), str(labels[4])) == ("2015-04-01", "2017-03-01")
    load = built_conn.execute("SELECT file_name, synthetic FROM loads WHERE source = 'crime_extract'").fetchall()
    assert len(load) == 1 and "SYNTHETIC" in load[0][0] and load[0][1]
    # Every crime sits at a police.uk recorded-crime snap point of the same WD22 ward.
    strays = built_conn.execute(
        """SELECT count(*) FROM incidents c WHERE c.source = 'crime_extract' AND NOT EXISTS (
             SELECT 1 FROM incidents p WHERE p.source = 'police_uk' AND NOT p.is_asb
               AND p.longitude = c.longitude AND p.latitude = c.latitude AND p.ward_wd22 = c.ward_wd22)"""
    ).fetchone()[0]
    assert strays == 0


def test_the_ward_view_and_public_mode_cover_the_crime_extract(geo_db, tmp_path, monkeypatch):
    _load(geo_db, _write(tmp_path, ROWS))
    periods = ["--period-a", "2015-04..2015-06", "--period-b", "2016-04..2016-06"]
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
    table, err = _table(geo_db, *periods, "--by", "ward", "--district", "Redditch")
    assert len(table) == 13 and table.ward_name.iloc[-1] == "All recorded crime"
    assert table.set_index("ward_name").loc["Abbey", "count_b"] == 1 and table.count_b.iloc[-1] == 2
    monkeypatch.setenv("ASB_PUBLIC_MODE", "true")
    table, err = _table(geo_db, *periods)
    assert set(table.count_b.astype(str)) == {"<5"} and table.percentage.isna().all()
    assert "public mode: counts below 5 not shown" in err


def test_a_reference_written_with_spaces_is_the_same_crime(geo_db, tmp_path):
    _load(geo_db, _write(tmp_path, ROWS, "first.csv"))
    report = _load(geo_db, _write(tmp_path, ["  CR-1 ,2016-04-03 10:00,,105A,,Redditch,E05007870,,,"], "again.csv"))
    assert report.files[0].rows_replaced == 1
    rows = _rows(geo_db)
    assert list(rows.index) == ["CR-1", "CR-2", "CR-3"] and rows.loc["CR-1", "keyword"] == "105A"


@pytest.mark.parametrize("table", ["incident-types", "ward-deltas", "districts", "seasonal", "hotspots", "crime-ytd"])
def test_every_table_takes_the_crime_extract_and_counts_crime(built_db, table, capsys):
    periods = [] if table == "seasonal" else ["--period-a", "FY2015", "--period-b", "FY2016"]
    status = main(["table", table, "--source", "crime_extract", *periods, "--format", "csv", "--db", str(built_db)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "force recorded-crime extract (SYNTHETIC" in err and "Recorded crime" in err
    assert "Anti-social behaviour" not in out
