"""Hostile text: filter values, table names, periods, an extract's column mapping, location text
and file names. Values reach SQL only as parameters (they are refused with a clear message, or
match nothing), downloads defuse spreadsheet formulas, and a file's name never decides where
anything is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analytics.analyses.places import top_locations
from analytics.core.errors import AnalyticsError, InputError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import TableMeta, with_meta
from analytics.data import store
from analytics.data.extract import ingest_extract
from analytics.data.police_uk import ingest_police_uk
from analytics.data.query import check_selection, compare_counts
from analytics.present.export import to_csv_bytes, to_xlsx_bytes
from analytics.reports.tables import TABLES, run_table
from tests.conftest import DISTRICTS, POLICE_DIR, table_checksums

OCT_2018 = POLICE_DIR / "2018-10-west-mercia-street.csv"
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")

HOSTILE = {
    "drop-table": "'; DROP TABLE incidents; --",
    "or-true": "Redditch' OR '1'='1",
    "double-quote": 'Redditch"; DELETE FROM loads; --',
    "ward-with-quotes": 'St. John\'s "Ward"',
    "union": "x' UNION SELECT sha256 FROM loads --",
    "comment": "Redditch/*",
    "parameter-marker": "? $1 :name",
    "like-wildcards": "%_%",
    "nul": "Redditch\x00",
    "newline": "Redditch\n; DROP TABLE wards",
    "braces": "{where} {0}",
    "unicode": "Ｒｅｄｄｉｔｃｈ\u202e",
    "very-long": "Redditch" * 20_000,
}
NOT_TEXT = {"lone-surrogate": "\udcff", "not-a-string": 42}


@pytest.fixture(scope="module")
def writable_db(built_db, tmp_path_factory) -> Path:
    """A copy of the full store opened read-write, so an injected statement would have effect."""
    path = tmp_path_factory.mktemp("hostile") / "asb.duckdb"
    shutil.copy(built_db, path)
    return path


@pytest.fixture
def conn(writable_db):
    conn = store.connect(writable_db)
    before = table_checksums(conn)
    yield conn
    assert table_checksums(conn) == before, "a hostile value changed the database"
    assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] > 40_000
    conn.close()


def _short(error: Exception) -> None:
    """A clear message: it says what was wrong without quoting a hostile value at length."""
    assert isinstance(error, AnalyticsError)
    assert 0 < len(str(error)) < 1000, str(error)[:200]


# ----------------------------------------------------------------------------- Selection


@pytest.mark.parametrize("field", ["districts", "wards", "category"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_filter_values_are_plain_values_or_refused(conn, field, name):
    value = HOSTILE[name]
    options = {"category": value} if field == "category" else {field: (value,)}
    try:
        selection = Selection("police_uk", **options)
    except AnalyticsError as error:  # refused at once (here: too long)
        _short(error)
        assert name == "very-long"
        return
    # As a parameter the value matches nothing (no district, ward or category is called that)...
    where, params = selection.where(FY2018)
    assert value in params or [value] in params
    assert value not in where
    assert conn.execute(f"SELECT count(*) FROM incidents WHERE {where}", params).fetchone()[0] == 0
    assert compare_counts(conn, selection, FY2017, FY2018, "district").empty
    # ...and the check every table makes refuses it, listing the valid values.
    with pytest.raises(AnalyticsError, match="(?s)Unknown .*Valid choices") as error:
        check_selection(conn, selection)
    _short(error.value)


@pytest.mark.parametrize("field", ["source", "category", "districts", "wards", "boundaries"])
@pytest.mark.parametrize("name", list(NOT_TEXT))
def test_values_that_are_not_text_are_refused(field, name):
    value = NOT_TEXT[name]
    options = {"source": "police_uk", field: (value,) if field in ("districts", "wards") else value}
    with pytest.raises(AnalyticsError) as error:
        Selection(**options)
    _short(error.value)
    assert "not valid text" in str(error.value) or "must be text" in str(error.value)


def test_a_lone_string_is_one_value_not_letters():
    assert Selection("police_uk", districts="Redditch").districts == ("Redditch",)
    assert Selection("police_uk", boundaries="WD25").ward_column == "ward_wd25"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_source_boundaries_and_alias_are_refused(name):
    value = HOSTILE[name]
    for options in ({"source": value}, {"boundaries": value}):
        with pytest.raises(AnalyticsError) as error:
            Selection(**options)
        _short(error.value)
    with pytest.raises(AnalyticsError, match="not a plain SQL name"):
        Selection("police_uk").where(alias=value)


# ----------------------------------------------------------------------------- tables, columns, periods


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_table_and_column_names_are_refused(conn, name):
    value = HOSTILE[name]
    with pytest.raises(AnalyticsError, match="Unknown table") as error:
        run_table(conn, value, {})
    if name != "very-long":  # see the expected failure below
        _short(error.value)
    with pytest.raises(AnalyticsError, match="Unknown grouping column") as error:
        compare_counts(conn, Selection("police_uk"), FY2017, FY2018, value)
    _short(error.value)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_refuses_hostile_options(conn, table):
    """Every option of every table, with hostile values of each kind: refused, and the store untouched."""
    for value in (HOSTILE[n] for n in ("drop-table", "or-true", "newline", "nul", "very-long")):
        for option in ("source", "category", "districts", "wards", "boundaries", "period_a", "period_b"):
            options = {option: [value] if option in ("districts", "wards") else value}
            if option == "period_a":
                options["period_b"] = "FY2018"
            with pytest.raises(AnalyticsError):
                run_table(conn, table, options)


@pytest.mark.parametrize("name", [n for n in HOSTILE if n != "very-long"])
def test_hostile_periods_are_refused(name):
    with pytest.raises(AnalyticsError, match="Valid choices") as error:
        parse_period(HOSTILE[name])
    _short(error.value)


def test_a_very_long_period_gets_a_short_message():
    with pytest.raises(AnalyticsError) as error:
        parse_period(HOSTILE["very-long"])
    _short(error.value)


def test_a_very_long_table_name_gets_a_short_message(built_conn):
    with pytest.raises(AnalyticsError) as error:
        run_table(built_conn, HOSTILE["very-long"], {})
    _short(error.value)


# ----------------------------------------------------------------------------- an extract's column mapping


def _extract(path: Path, columns: dict[str, str] | None = None, **values) -> Path:
    row = {
        "incident_ref": "T-1",
        "reported_at": "2018-10-31 19:45:00",
        "keyword": "Parking",
        "nirs_class": "Nuisance",
        "district": "Redditch",
        "ward_code": "E05007868",
        "longitude": "-1.940700",
        "latitude": "52.306000",
        "location": "On or near Unicorn Hill",
        **values,
    }
    frame = pd.DataFrame([row, {**row, "incident_ref": "T-2"}])
    frame.rename(columns=columns or {}).to_csv(path, index=False)
    return path


def test_hostile_column_names_in_a_mapping_are_only_compared_with_the_header(geo_db, tmp_path):
    hostile = {
        "keyword": "Key\"word'); DROP TABLE incidents; --",
        "location": "c0 FROM loads; --",
        "district": "district",
    }
    path = _extract(tmp_path / "extract.csv", {k: v for k, v in hostile.items()})
    conn = store.connect(geo_db)
    report = ingest_extract(
        conn,
        path,
        column_map={v: k for k, v in hostile.items()},
        districts=DISTRICTS,
        force="West Mercia'); DROP TABLE loads; --",
    )
    rows = conn.execute("SELECT keyword, location, district, force FROM incidents").fetchall()
    tables = {r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    conn.close()
    assert report.total("rows_stored") == 2
    assert rows == [("Parking", "On or near Unicorn Hill", "Redditch", "West Mercia'); DROP TABLE loads; --")] * 2
    assert {"incidents", "loads", "wards"} <= tables


@pytest.mark.parametrize(
    "column_map, problem",
    [
        ({"keyword": "keyword; DROP TABLE incidents"}, "names unknown target(s) 'keyword; DROP TABLE incidents'"),
        ({"'; DROP TABLE incidents; --": "keyword"}, 'missing column(s) "\'; DROP TABLE incidents; --"'),
        ({"x" * 100_000: "keyword"}, "missing column(s) 'xxxx"),
    ],
)
def test_hostile_column_mappings_are_refused(geo_db, tmp_path, column_map, problem):
    path = _extract(tmp_path / "extract.csv")
    conn = store.connect(geo_db)
    before = table_checksums(conn)
    with pytest.raises(InputError) as error:
        ingest_extract(conn, path, column_map=column_map, districts=DISTRICTS)
    assert table_checksums(conn) == before
    conn.close()
    assert str(error.value).startswith(f"{path}")
    assert problem in str(error.value)
    _short(error.value)


# ----------------------------------------------------------------------------- downloads

FORMULAS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\uff1d1+1",
    "On or near \x07=BEEP",
    "\x0b=1+1",
]


@pytest.fixture(scope="module")
def hostile_locations(_geo_template, tmp_path_factory) -> Path:
    """A police.uk file of ASB rows whose Location text is a spreadsheet formula, loaded for real."""
    folder = tmp_path_factory.mktemp("formulas")
    with open(OCT_2018, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, asb = rows[0], [r for r in rows[1:] if r[9] == "Anti-social behaviour"][: len(FORMULAS)]
    for row, formula in zip(asb, FORMULAS, strict=False):
        row[6] = formula
    path = folder / "2018-10-formulas.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header, *asb])
    db = folder / "store.duckdb"
    shutil.copy(_geo_template, db)
    conn = store.connect(db)
    ingest_police_uk(conn, [path], districts=DISTRICTS)
    conn.close()
    return db


def test_formulas_in_location_text_are_stored_as_text_and_defused_in_downloads(hostile_locations):
    conn = store.connect(hostile_locations, read_only=True)
    stored = {r[0] for r in conn.execute("SELECT location FROM incidents").fetchall()}
    table = top_locations(conn, Selection("police_uk"), "2018-10", n=50)
    conn.close()
    assert stored == set(FORMULAS), "location text is stored exactly as given"
    assert set(table.location) == set(FORMULAS)

    text = to_csv_bytes(table).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#") for cell in row]
    locations = [c for c in cells if c.lstrip("'") in FORMULAS]
    # Each gets an apostrophe, but for the text that merely holds an "=" after its first letter.
    assert sorted(locations) == sorted(f if f.startswith("On or near") else "'" + f for f in FORMULAS)
    dangerous = ("=", "+", "-", "@", "\t", "\r", "\uff1d")
    assert not [c for c in cells if c.startswith(dangerous) and not c.lstrip("-").replace(".", "").isdigit()]

    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(table)))
    values = [cell for row in book["table"].iter_rows() for cell in row]
    assert not [c.coordinate for c in values if c.data_type == "f"]
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert not [t for t in texts if t.lstrip(" \n\x07\x0b").startswith(dangerous)]
    # Characters XLSX cannot hold are dropped before the check, so none hides a formula sign.
    assert "On or near =BEEP" in texts and "'=1+1" in texts


def test_description_lines_stay_one_line_each():
    meta = TableMeta(title='Wards\n=HYPERLINK("http://evil.example")', place="Redditch\r\n@SUM(A1)")
    frame = with_meta(pd.DataFrame({"count": [1]}), meta)
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("# Wards =HYPERLINK") and lines[1] == "# Source: not stated"
    assert lines[2] == "# Redditch @SUM(A1)"
    assert lines[3:] == ["count", "1"]


# ----------------------------------------------------------------------------- where files are written


class _Writes:
    """Paths this process opens for writing, creates, moves or removes (Python's audit events)."""

    def __init__(self):
        self.active = False
        self.paths: list[tuple[str, str]] = []
        sys.addaudithook(self._hook)  # a hook cannot be removed: it idles when inactive

    def _hook(self, event, args):
        if not self.active:
            return
        if event == "open" and args[0] is not None and not isinstance(args[0], int):
            mode, flags = args[1], args[2]
            writing = (mode and any(c in mode for c in "wax+")) or (
                mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            )
            if writing:
                self.paths.append((event, os.fsdecode(args[0])))
        elif event in ("os.remove", "os.rmdir") and args[1] is not None:
            return  # a name inside a folder already open (rmtree of ours)
        elif event in (
            "os.mkdir",
            "os.remove",
            "os.rmdir",
            "os.rename",
            "os.replace",
            "shutil.rmtree",
            "os.symlink",
            "os.link",
            "os.truncate",
            "os.chmod",
        ):
            self.paths += [(event, os.fsdecode(a)) for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]


_WRITES = _Writes()


@pytest.mark.parametrize(
    "member",
    [
        "../../evil-{id}.csv",
        "/tmp/evil-{id}.csv",
        "..\\..\\evil-{id}.csv",
        "2018-10/../../../evil-{id}.csv",
        "C:/evil-{id}.csv",
    ],
)
def test_a_member_name_never_decides_where_anything_is_written(geo_db, tmp_path, monkeypatch, member):
    name = member.format(id=uuid.uuid4().hex)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # "../.." from here is tmp_path
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    archive = work / "upload.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(name, OCT_2018.read_bytes())
    conn = store.connect(geo_db)
    _WRITES.paths.clear()
    _WRITES.active = True
    try:
        report = ingest_police_uk(conn, [archive], districts=DISTRICTS)
    finally:
        _WRITES.active = False
        conn.close()
    assert report.files[0].name == f"{archive}!{name}" and report.files[0].rows_stored == 2610
    outside = [(event, p) for event, p in _WRITES.paths if not Path(p).resolve().is_relative_to(temp_root.resolve())]
    assert not outside, f"written outside the ingest's temporary folder: {outside}"
    assert any(event == "open" for event, _ in _WRITES.paths), "the member was copied into the temporary folder"
    assert list(temp_root.iterdir()) == [], "the temporary folder is removed"
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for folder in (tmp_path, work, work.parent, Path("/tmp"), Path("/"), Path(__file__).resolve().parents[2]):
        assert not (folder / base).exists()


def test_an_uploaded_file_name_never_decides_where_anything_is_written(geo_db, tmp_path, monkeypatch):
    """A file whose own name is odd (as an upload saved under its name would be) is only read."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    path = folder / "..csv"
    shutil.copy(OCT_2018, path)
    odd = folder / "x; rm -rf ~ $(reboot) `id`.csv"
    odd.write_bytes(OCT_2018.read_bytes().replace(b"2018-10", b"2018-11"))
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    conn = store.connect(geo_db)
    _WRITES.paths.clear()
    _WRITES.active = True
    try:
        report = ingest_police_uk(conn, [path, odd], districts=DISTRICTS)
    finally:
        _WRITES.active = False
        conn.close()
    assert [f.rows_stored for f in report.files] == [2610, 2610]
    outside = [(e, p) for e, p in _WRITES.paths if not Path(p).resolve().is_relative_to(temp_root.resolve())]
    assert not outside, outside
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, odd.name])
    assert list(temp_root.iterdir()) == []


# ----------------------------------------------------------------------------- Markdown in messages


@pytest.mark.parametrize(
    "text",
    [
        "[click me](http://evil.example)",
        "$\\frac{1}{0}$",
        "**bold** _it_ `code`",
        "<img src=x onerror=alert(1)>",
        "# heading | table |",
    ],
)
def test_text_from_files_and_links_is_shown_as_text_not_markdown(text):
    """st.error and st.success read Markdown: every character that could start a link, a formula,
    emphasis, code, HTML, a heading or a table is escaped, and unescaping gives the text back."""
    from ui.render import plain

    shown = plain(text)
    assert re.sub(r"\\(.)", r"\1", shown) == text
    for special in "[]$*_`<>#|":
        assert all(shown[i - 1] == "\\" for i, c in enumerate(shown) if c == special)
