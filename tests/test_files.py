"""Reading files safely (analytics/data/files.py): encodings, line ends, byte checks, headers,
CSV errors and archives, each tested through a real load into a DuckDB file."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

from analytics.core.errors import InputError
from analytics.data import store
from tests.conftest import db_checksums
from tests.loading import JAN_2024, OCT_2018, lines_of, load_police, write_lines


def test_missing_column_is_named_and_changes_nothing(geo_db, tmp_path):
    load_police(geo_db, OCT_2018)
    before = db_checksums(geo_db)
    frame = pd.read_csv(JAN_2024, dtype=str, keep_default_na=False)
    path = tmp_path / "no-lsoa.csv"
    frame.drop(columns=["LSOA code", "Month"]).to_csv(path, index=False)
    with pytest.raises(InputError) as error:
        load_police(geo_db, path)
    assert "'Month'" in str(error.value) and "'LSOA code'" in str(error.value)
    assert f"{path}, line 1" in str(error.value)
    assert db_checksums(geo_db) == before


def test_file_cut_off_mid_way_changes_nothing(geo_db, tmp_path):
    load_police(geo_db, OCT_2018)
    before = db_checksums(geo_db)
    data = JAN_2024.read_bytes()
    cut = tmp_path / "2024-01-cut.csv"
    cut.write_bytes(data[: len(data) // 2])  # ends in the middle of a row
    with pytest.raises(InputError) as error:
        load_police(geo_db, cut)
    line_count = cut.read_bytes().count(b"\n") + 1
    assert f"line {line_count}" in str(error.value)
    assert "columns" in str(error.value)
    assert db_checksums(geo_db) == before


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda lines: [b""], "the file is empty"),
        (lambda lines: [lines[0]], "header but no rows"),
        (lambda lines: [line.replace(b",", b";") for line in lines[:5]], "separated by semicolons"),
        (lambda lines: [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"], "binary file"),
    ],
)
def test_bad_input_gets_a_clear_message(geo_db, tmp_path, make, expected):
    before = db_checksums(geo_db)
    path = write_lines(tmp_path / "input.csv", make(lines_of(OCT_2018)))
    with pytest.raises(InputError) as error:
        load_police(geo_db, path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)
    assert db_checksums(geo_db) == before


def test_line_endings_bom_and_cp1252_all_load(geo_db, tmp_path):
    lines = [line.rstrip(b"\r\n") for line in lines_of(OCT_2018)[:11]]
    accented = lines[1].replace(b"On or near Broadwaters Drive", "On or near Café Row".encode("cp1252"))
    crlf = write_lines(tmp_path / "crlf.csv", [line + b"\r\n" for line in lines[:6]])
    bom = write_lines(
        tmp_path / "bom.csv",
        [b"\xef\xbb\xbf" + lines[0] + b"\n"] + [line.replace(b"2018-10", b"2018-12") + b"\n" for line in lines[6:11]],
    )
    cp1252 = write_lines(tmp_path / "cp1252.csv", [lines[0] + b"\n", accented.replace(b"2018-10", b"2018-11") + b"\n"])
    report = load_police(geo_db, crlf, bom, cp1252)
    assert [f.rows_stored for f in report.files] == [5, 5, 1]
    conn = store.connect(geo_db, read_only=True)
    assert (
        conn.execute("SELECT location FROM incidents WHERE month = '2018-11-01'").fetchone()[0] == "On or near Café Row"
    )
    conn.close()


def test_archive_with_a_nested_archive_is_refused(geo_db, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x.csv", OCT_2018.read_bytes())
    path = tmp_path / "outer.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../evil/inner.zip", inner.getvalue())
    with pytest.raises(InputError, match="another archive"):
        load_police(geo_db, path)


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_column_count_error_after_a_quoted_line_break_names_the_files_own_line(geo_db, tmp_path, end):
    """DuckDB counts rows: after values holding line breaks its line was short by one per break.
    The line given is the file's own (the row with the extra field is on line 9 of the file)."""
    rows = list(csv.reader(io.StringIO(OCT_2018.read_text(encoding="utf-8"))))[:10]
    rows[2][rows[0].index("Location")] = "On or near\nTwo Lines"
    rows[4][rows[0].index("Context")] = "one\ntwo"
    rows[6] = rows[6] + ["extra"]
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows(rows)
    path = tmp_path / "broken-lines.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    assert path.read_bytes().split(b"\n")[8].endswith(b",extra" + end.encode()[:-1])
    with pytest.raises(InputError) as error:
        load_police(geo_db, path)
    assert (error.value.file, error.value.line) == (str(path), 9)
    assert "expected 12 columns but found 13" in str(error.value)


def test_a_row_refused_after_a_quoted_line_break_names_the_line_it_starts_on(geo_db, tmp_path):
    rows = list(csv.reader(io.StringIO(OCT_2018.read_text(encoding="utf-8"))))[:10]
    rows[2][rows[0].index("Location")] = "On or near\nTwo Lines"
    rows[5][rows[0].index("Month")] = "2018-13"
    rows[5][rows[0].index("Location")] = "On\nthree\nlines"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "month-after-break.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    with pytest.raises(InputError) as error:
        load_police(geo_db, path)
    assert error.value.line == 7 and "the Month '2018-13'" in str(error.value)
