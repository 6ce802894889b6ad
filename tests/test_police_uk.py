"""Loading police.uk street-level files (analytics/data/police_uk.py), each rule tested on a real
DuckDB file."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from analytics.core.errors import InputError
from analytics.core.vocabulary import POLICE_UK_CRIME_TYPES, POLICE_UK_FORCES
from analytics.data import store
from analytics.data.loads import LoadRefused
from analytics.data.police_uk import ingest_police_uk
from analytics.data.police_uk_keys import canonical, current_month, nearest
from tests.conftest import DISTRICTS, POLICE_DIR, UNFILTERED_ZIP, db_checksums
from tests.loading import JAN_2024, OCT_2018, counts, lines_of, write_lines


def load_police(db, *paths, **options):
    """tests.loading.load_police, with the load's options (dry_run, replace)."""
    conn = store.connect(db)
    try:
        return ingest_police_uk(conn, list(paths), districts=DISTRICTS, **options)
    finally:
        conn.close()


# ----------------------------------------------------------------------------- the embedded data


def test_build_holds_every_police_uk_row(built_conn):
    rows, asb = built_conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_asb) FROM incidents WHERE source = 'police_uk'"
    ).fetchone()
    assert (rows, asb) == (43_002, 8_759)
    months = built_conn.execute("SELECT count(DISTINCT month) FROM incidents WHERE source = 'police_uk'").fetchone()[0]
    assert months == 21
    # Every stored row has a ward in both vintages (by point, or through its LSOA).
    assert (
        built_conn.execute("SELECT count(*) FROM incidents WHERE ward_wd22 IS NULL OR ward_wd25 IS NULL").fetchone()[0]
        == 0
    )


def test_build_records_every_file(built_conn):
    loads = built_conn.execute("SELECT file_name, sha256, rows_stored, source FROM loads ORDER BY load_id").df()
    police = loads[loads.source == "police_uk"]
    assert len(police) == 21 and police.rows_stored.sum() == 43_002
    assert police.sha256.str.fullmatch("[0-9a-f]{64}").all()
    assert (loads.source == "extract").sum() == 1


def test_rows_are_never_deduplicated(geo_db, tmp_path):
    lines = lines_of(OCT_2018)
    asb_row = next(line for line in lines[1:] if b"Anti-social behaviour" in line)
    path = write_lines(tmp_path / "2018-10-twice.csv", [lines[0], asb_row, asb_row, asb_row])
    report = load_police(geo_db, path)
    assert report.total("rows_stored") == 3
    assert counts(geo_db) == (3, 3)


def test_two_files_of_one_force_month_in_one_load_are_refused_not_ordered_by_name(geo_db, tmp_path):
    """Issue 12: '2025-03-...-street (1).csv', the newer download, lost to '...-street.csv' because
    the later name won. Nothing in the files says which is the revision, so the load is refused,
    naming both, and the store is as it was; loaded one after the other, the later load wins."""
    lines = lines_of(OCT_2018)
    older = write_lines(tmp_path / "2018-10-west-mercia-street.csv", lines[:11])
    newer = write_lines(tmp_path / "2018-10-west-mercia-street (1).csv", [lines[0], *lines[11:14]])
    before = db_checksums(geo_db)
    with pytest.raises(InputError, match=r"2 files of this load hold .* for 2018-10") as refused:
        load_police(geo_db, newer, older)
    assert "(1).csv" in str(refused.value) and "street.csv" in str(refused.value)
    assert db_checksums(geo_db) == before
    load_police(geo_db, older)
    report = load_police(geo_db, newer)
    assert report.files[0].rows_replaced == 10 and counts(geo_db)[0] == 3


def _by_month_and_district(db) -> dict[tuple[str, str], int]:
    conn = store.connect(db, read_only=True)
    try:
        rows = conn.execute("SELECT strftime(month, '%Y-%m'), district, count(*) FROM incidents GROUP BY ALL")
        return {(month, district): n for month, district, n in rows.fetchall()}
    finally:
        conn.close()


def _district_of(line: bytes) -> str:
    return next(csv.reader([line.decode("utf-8")]))[8].rsplit(" ", 1)[0]  # the LSOA name's district


def test_a_revised_file_replaces_its_force_month_whatever_its_name(geo_db, tmp_path):
    load_police(geo_db, OCT_2018, JAN_2024)
    before = _by_month_and_district(geo_db)
    lines = lines_of(OCT_2018)
    revised = write_lines(tmp_path / "revision.csv", lines[:-5])  # republished without its last 5 rows
    report = load_police(geo_db, revised)
    assert report.files[0].rows_replaced == len(lines) - 1 and report.files[0].rows_stored == len(lines) - 6
    after = _by_month_and_district(geo_db)
    last = _district_of(lines[-1])
    assert after == {**before, ("2018-10", last): before[("2018-10", last)] - 5}
    cells = {(c.month, c.district): c for c in report.changes()}
    assert cells[("2018-10", last)].removed == 5 and not report.refused()


def test_a_file_of_one_district_replaces_that_district_only(geo_db, tmp_path):
    load_police(geo_db, OCT_2018, JAN_2024)
    before = _by_month_and_district(geo_db)
    lines = lines_of(OCT_2018)
    bromsgrove = [line for line in lines[1:] if _district_of(line) == "Bromsgrove"]
    path = write_lines(tmp_path / "bromsgrove.csv", [lines[0], *bromsgrove[:-3], *bromsgrove[:2]])
    report = load_police(geo_db, path)
    assert report.files[0].rows_replaced == len(bromsgrove)
    assert [c.text() for c in report.changes()] == [
        f"2018-10 Bromsgrove: 0 added, {len(bromsgrove) - 1:,} replaced, 1 removed, 0 kept"
    ]
    assert _by_month_and_district(geo_db) == {**before, ("2018-10", "Bromsgrove"): len(bromsgrove) - 1}


def test_a_file_of_one_district_among_three_is_refused_unless_replace(geo_db, tmp_path):
    """A republished month holding far fewer rows of a district than the store is refused with the
    figures; ``replace`` loads it (and it replaces that district only)."""
    load_police(geo_db, OCT_2018)
    before = db_checksums(geo_db)
    lines = lines_of(OCT_2018)
    path = write_lines(tmp_path / "2018-10-west-mercia-street.csv", lines[:101])  # 100 rows of Bromsgrove
    with pytest.raises(LoadRefused) as refused:
        load_police(geo_db, path)
    held = _by_month_and_district(geo_db)[("2018-10", "Bromsgrove")]
    assert f"2018-10 Bromsgrove: 0 added, 100 replaced, {held - 100:,} removed" in str(refused.value)
    assert "more than 10% and more than 20 rows fewer" in str(refused.value)
    assert db_checksums(geo_db) == before
    report = load_police(geo_db, path, replace=True)
    assert report.files[0].rows_replaced == held
    after = _by_month_and_district(geo_db)
    assert after[("2018-10", "Bromsgrove")] == 100
    assert {k: v for k, v in after.items() if k[1] != "Bromsgrove"} == {
        k: v for k, v in _counts_of(OCT_2018).items() if k[1] != "Bromsgrove"
    }


def _counts_of(path) -> dict[tuple[str, str], int]:
    counts_: dict[tuple[str, str], int] = {}
    for line in lines_of(path)[1:]:
        key = ("2018-10", _district_of(line))
        counts_[key] = counts_.get(key, 0) + 1
    return counts_


def test_two_files_of_one_month_split_by_district_both_stay(geo_db, tmp_path):
    lines = lines_of(OCT_2018)
    by_district = {d: [line for line in lines[1:] if _district_of(line) == d] for d in ("Bromsgrove", "Redditch")}
    files = [write_lines(tmp_path / f"{d}.csv", [lines[0], *rows]) for d, rows in by_district.items()]
    load_police(geo_db, *files)  # in one load
    assert _by_month_and_district(geo_db) == {("2018-10", d): len(rows) for d, rows in by_district.items()}
    load_police(geo_db, files[0])  # and across loads: skipped (its rows are still there)
    assert _by_month_and_district(geo_db) == {("2018-10", d): len(rows) for d, rows in by_district.items()}


def _month_of_the_unfiltered_archive(month: str) -> list[bytes]:
    with zipfile.ZipFile(UNFILTERED_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.endswith(f"{month}-west-mercia-street.csv"))
        return archive.read(name).splitlines(keepends=True)


def test_a_file_with_every_row_outside_the_districts_replaces_nothing(geo_db, tmp_path):
    load_police(geo_db, OCT_2018)
    before = db_checksums(geo_db)
    lines = _month_of_the_unfiltered_archive("2018-10")
    outside = [line for line in lines[1:] if _district_of(line) not in ("Bromsgrove", "Redditch", "Wyre Forest")]
    path = write_lines(tmp_path / "2018-10-west-mercia-street.csv", [lines[0], *outside])
    report = load_police(geo_db, path)
    assert (report.total("rows_stored"), report.total("rows_replaced")) == (0, 0)
    assert report.total("rows_outside") == len(outside) and report.changes() == []
    assert db_checksums(geo_db)["incidents"] == before["incidents"]


def _rewritten(path, tmp_path, name, change) -> tuple:
    """A copy of a police.uk file with ``change(row: dict)`` applied to every row (csv-quoted)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        record = dict(zip(rows[0], row, strict=True))
        change(record)
        writer.writerow([record[c] for c in rows[0]])
    copy = tmp_path / name
    copy.write_text(out.getvalue(), encoding="utf-8")
    return copy, len(rows) - 1


def _messy(record: dict) -> None:
    """Keys as a spreadsheet may leave them: padded, in upper or lower case, spaces doubled."""
    record["Month"] = f" {record['Month']}\t"
    record["Reported by"] = record["Reported by"].upper() + " "
    record["Falls within"] = "  " + record["Falls within"].lower()
    record["LSOA code"] = record["LSOA code"] + " " if record["LSOA code"] else ""
    record["LSOA name"] = record["LSOA name"] + "  "
    record["Crime type"] = " " + record["Crime type"].replace(" ", "  ").upper() + " "
    record["Last outcome category"] = record["Last outcome category"] + " " if record["Last outcome category"] else ""


def _stored(db) -> list[tuple]:
    """Every stored row but its load id, in order."""
    conn = store.connect(db, read_only=True)
    try:
        columns = [c for (c,) in conn.execute("SELECT column_name FROM (DESCRIBE incidents)").fetchall()]
        kept = ", ".join(c for c in columns if c != "load_id")
        return conn.execute(f"SELECT {kept} FROM incidents ORDER BY ALL").fetchall()
    finally:
        conn.close()


def _asb(db, month: str) -> int:
    conn = store.connect(db, read_only=True)
    try:
        return conn.execute("SELECT count(*) FROM incidents WHERE is_asb AND month = ?", [f"{month}-01"]).fetchone()[0]
    finally:
        conn.close()


def test_padded_and_upper_case_keys_load_as_the_clean_file_does(geo_db, tmp_path):
    """Trailing spaces, an upper-case force and a crime type in odd case and spacing load into the
    same force-month, with the same values, as the clean file: nothing is doubled."""
    load_police(geo_db, OCT_2018)
    clean, asb = _stored(geo_db), _asb(geo_db, "2018-10")
    messy, rows = _rewritten(OCT_2018, tmp_path, "2018-10-messy.csv", _messy)
    report = load_police(geo_db, messy)
    assert report.files[0].status == "loaded"
    assert (report.total("rows_stored"), report.total("rows_replaced"), report.total("rows_outside")) == (
        rows,
        rows,
        0,
    )
    assert _asb(geo_db, "2018-10") == asb > 0
    assert _stored(geo_db) == clean
    assert all(c.added == c.removed == 0 for c in report.changes())


def test_padded_lsoa_codes_are_in_their_districts(geo_db, tmp_path):
    spaced = [re.sub(rb",(E0[0-9]{7}),", rb",\1 ,", line) for line in lines_of(OCT_2018)]
    report = load_police(geo_db, write_lines(tmp_path / "spaced.csv", spaced))
    assert report.total("rows_outside") == 0 and report.total("rows_stored") == len(spaced) - 1


def test_lsoa_codes_no_lookup_holds_are_outside_the_districts(geo_db, tmp_path):
    """A code of the right form the lookups lack (Wales, or an English LSOA elsewhere) is a row
    outside the districts, counted, not stored; an empty code (no location) too, as before."""
    codes = iter(["W01000001", "E01099999", ""] * 2000)
    path, rows = _rewritten(OCT_2018, tmp_path, "elsewhere.csv", lambda r: r.update({"LSOA code": next(codes)}))
    report = load_police(geo_db, path)
    assert (report.total("rows_outside"), report.total("rows_stored")) == (rows, 0)


def _refused(geo_db, tmp_path, line: int, column: str, value: str) -> str:
    """The message refusing OCT_2018 with ``column`` set to ``value`` on ``line`` (the header is line 1)."""
    before = db_checksums(geo_db)
    at = iter(range(2, 10**6))
    path, _ = _rewritten(OCT_2018, tmp_path, "bad.csv", lambda r: r.update({column: value}) if next(at) == line else 0)
    with pytest.raises(InputError) as error:
        load_police(geo_db, path)
    assert (error.value.file, error.value.line) == (str(path), line)
    assert db_checksums(geo_db) == before
    return str(error.value)


def test_an_unknown_force_is_refused_with_the_nearest_names(geo_db, tmp_path):
    message = _refused(geo_db, tmp_path, 7, "Reported by", "West Mercy Police")
    assert "the Reported by 'West Mercy Police' is not a force police.uk publishes" in message
    assert "the nearest names: West Mercia Police" in message and "(1 row(s) like it)" in message


def test_an_unknown_falls_within_is_refused(geo_db, tmp_path):
    message = _refused(geo_db, tmp_path, 4, "Falls within", "Mercia")
    assert "the Falls within 'Mercia' is not a force police.uk publishes; the nearest names: " in message


def test_an_unknown_crime_type_is_refused_with_the_list(geo_db, tmp_path):
    message = _refused(geo_db, tmp_path, 9, "Crime type", "Anti social behavior")
    assert "the Crime type 'Anti social behavior' is not one of police.uk's crime types: Anti-social behaviour, " in (
        message
    )
    assert "Violence and sexual offences (1 row(s) like it)" in message


def test_a_malformed_lsoa_code_is_refused(geo_db, tmp_path):
    message = _refused(geo_db, tmp_path, 5, "LSOA code", "E0103213")
    assert "the LSOA code 'E0103213' is not an LSOA code, E01 or W01 and six digits" in message


def test_a_month_after_the_current_month_is_refused(geo_db, tmp_path):
    year, month = map(int, current_month().split("-"))
    future = f"{year + month // 12}-{month % 12 + 1:02d}"
    message = _refused(geo_db, tmp_path, 6, "Month", future)
    assert f"the Month '{future}' is after the current month, {current_month()}" in message


def test_the_lists_spelling_is_stored():
    assert canonical(" west  MERCIA police\t", POLICE_UK_FORCES) == "West Mercia Police"
    assert canonical("ANTI-SOCIAL BEHAVIOUR ", POLICE_UK_CRIME_TYPES) == "Anti-social behaviour"
    assert canonical("Anti social behaviour", POLICE_UK_CRIME_TYPES) is None
    assert nearest("Metropolitan Police", POLICE_UK_FORCES)[0] == "Metropolitan Police Service"


def test_unfiltered_archive_over_embedded_data(geo_db):
    load_police(geo_db, POLICE_DIR)
    report = load_police(geo_db, UNFILTERED_ZIP)
    assert counts(geo_db) == (43_002, 8_759)
    assert report.total("rows_outside") == 142_510
    assert report.total("rows_outside_no_location") == 2_764
    assert report.total("rows_replaced") == 43_002
    assert "142,510 outside the districts" in report.summary()


# ----------------------------------------------------------------------------- checks and layouts


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda lines: [lines[0], lines[1].replace(b"-2.138445", b"-200.1")], "outside Great Britain"),
        (lambda lines: [lines[0], lines[1].replace(b"-2.138445,52.417131", b"52.417131,-2.138445")], "look swapped"),
        (lambda lines: [lines[0], lines[1].replace(b"-2.138445", b"west")], "not a number"),
    ],
)
def test_rows_failing_a_check_get_a_clear_message(geo_db, tmp_path, make, expected):
    before = db_checksums(geo_db)
    path = write_lines(tmp_path / "input.csv", make(lines_of(OCT_2018)))
    with pytest.raises(InputError) as error:
        load_police(geo_db, path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)
    assert db_checksums(geo_db) == before


def test_files_of_different_layouts_in_one_load_keep_every_value_in_its_column(geo_db, tmp_path):
    """The files of a load are read together, one read_csv per layout: whatever each file's column
    order, extra columns, line ends or byte-order mark, every value lands in its own column and
    every row is stored once, under its own file."""
    rows = list(csv.reader(io.StringIO(OCT_2018.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:31]
    reordered = list(reversed(header))
    expected = []

    def write(name, columns, chunk, month, end="\n", bom=False):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=end)
        writer.writerow(columns)
        for row in chunk:
            record = dict(zip(header, row, strict=False), Month=month, Extra="x")
            writer.writerow([record[c] for c in columns])
            expected.append(
                (
                    name,
                    f"{month}-01",
                    record["Crime ID"] or None,
                    record["Location"],
                    record["LSOA code"],
                    record["Crime type"],
                    record["Last outcome category"] or None,
                    float(record["Longitude"]),
                    float(record["Latitude"]),
                )
            )
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
        return path

    files = [
        write("a.csv", header, body[:10], "2018-01"),
        write("b.csv", reordered, body[10:20], "2018-02"),
        write("c.csv", header + ["Extra"], body[20:30], "2018-03", end="\r\n"),
        write("d.csv", header, body[:10], "2018-04", end="\r", bom=True),
        write("e.csv", reordered, body[10:20], "2018-05"),  # the layout of b.csv
        write("f.csv", header, body[20:30], "2018-06"),
    ]  # the layout of a.csv
    report = load_police(geo_db, *files)
    assert [f.rows_stored for f in report.files] == [10] * 6
    conn = store.connect(geo_db, read_only=True)
    stored = conn.execute("""
        SELECT split_part(replace(l.file_name, '\\', '/'), '/', -1), strftime(i.month, '%Y-%m-%d'), i.crime_id,
               i.location, i.lsoa_code, i.category, i.outcome, i.longitude, i.latitude
        FROM incidents i JOIN loads l USING (load_id)""").fetchall()
    conn.close()
    assert sorted(stored, key=repr) == sorted(expected, key=repr)
