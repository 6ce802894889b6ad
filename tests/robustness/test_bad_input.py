"""Bad input, one test per item of the corpus: each is refused with a message naming the file,
the line (where there is one) and the problem, and leaves every table exactly as it was.

Every file is built in tmp_path from a few lines of a real police.uk file (or a small force
extract); the large one is generated there and deleted at the end of its test.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analytics.core.errors import InputError
from analytics.data import files, police_uk, store
from analytics.data.extract import ingest_extract
from analytics.data.police_uk import POLICE_UK_COLUMNS, ingest_police_uk
from tests.conftest import DISTRICTS, POLICE_DIR, db_checksums

OCT_2018 = POLICE_DIR / "2018-10-west-mercia-street.csv"


# ----------------------------------------------------------------------------- helpers


def _rows(n: int = 12) -> list[list[str]]:
    """The header and the first n rows of a real police.uk file, as lists of fields."""
    with open(OCT_2018, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        return [row for _, row in zip(range(n + 1), reader, strict=False)]


def _csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _set(rows: list[list[str]], line: int, column: str, value: str) -> list[list[str]]:
    """The rows with one field changed; ``line`` counts as in the file (the header is line 1)."""
    rows = [list(r) for r in rows]
    rows[line - 1][rows[0].index(column)] = value
    return rows


def _zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _load(db: Path, *paths):
    conn = store.connect(db)
    try:
        return ingest_police_uk(conn, list(paths), districts=DISTRICTS)
    finally:
        conn.close()


def _load_extract(db: Path, path: Path, **options):
    conn = store.connect(db)
    try:
        return ingest_extract(conn, path, districts=DISTRICTS, **options)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def _loaded_template(tmp_path_factory, _geo_template) -> Path:
    """Boundaries and one month of police.uk rows: a bad load must not touch them."""
    path = tmp_path_factory.mktemp("loaded") / "store.duckdb"
    path.write_bytes(_geo_template.read_bytes())
    _load(path, OCT_2018)
    return path


@pytest.fixture
def db(_loaded_template, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    path.write_bytes(_loaded_template.read_bytes())
    return path


# ----------------------------------------------------------------------------- the corpus


@dataclass
class Case:
    """One bad input: build(tmp_path) gives the paths to load and the name messages call the file."""

    id: str
    build: Callable[[Path], tuple[list[Path], str]]
    line: int | None
    problem: str
    extract: bool = False
    options: dict | None = None


def _file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], tuple[list[Path], str]]:
    def build(tmp: Path):
        path = tmp / name
        path.write_bytes(data() if callable(data) else data)
        return [path], str(path)

    return build


def _member(archive: str, members: dict[str, bytes], shown: str | None = None, **kwargs):
    def build(tmp: Path):
        path = _zip(tmp / archive, members, **kwargs)
        return [path], f"{path}!{shown}" if shown else str(path)

    return build


def _nested_zip() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("2018-10/2018-10-west-mercia-street.csv", _csv(_rows()))
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as archive:
        archive.writestr("../../inner.zip", inner.getvalue())
    return middle.getvalue()


def _lying_zip(tmp: Path):
    """A member that declares 1,000 bytes and unpacks to 4 MB: a zip bomb hiding its size."""
    path = _zip(tmp / "lying.zip", {"2018-10.csv": _csv(_rows()) + b" " * (4 * 1024**2)})
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)  # uncompressed size, central directory
    struct.pack_into("<I", data, 22, 1000)  # and local header
    path.write_bytes(bytes(data))
    return [path], f"{path}!2018-10.csv"


def _bomb_diluted(tmp: Path):
    """16 MiB of one repeated character beside 300 KB that do not compress: the archive as a whole stays under
    200:1, the member does not."""
    noise = random.Random(7).randbytes(300_000)
    path = _zip(tmp / "diluted.zip", {"a.csv": b"0" * 16 * 1024**2, "b.csv": noise})
    return [path], str(path)


def _extract_csv(n: int = 5, changes: dict | None = None) -> bytes:
    frame = pd.DataFrame(
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
    for (column, row), value in (changes or {}).items():
        frame.loc[row, column] = value
    return frame.to_csv(index=False).encode("utf-8")


def _xlsx_bomb(tmp: Path):
    path = _zip(
        tmp / "extract.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b" " * 16 * 1024**2}
    )
    return [path], str(path)


HEADER_ONLY = _csv(_rows()[:1])

REFUSED = [
    # Empty, header alone, missing and duplicated columns.
    Case("empty-file", _file("empty.csv", b""), None, "the file is empty"),
    Case("blank-lines-only", _file("blank.csv", b"\r\n \n\t\n"), None, "the file is empty"),
    Case("header-alone", _file("header.csv", HEADER_ONLY), 2, "the file has a header but no rows"),
    Case(
        "header-and-blank-lines",
        _file("header-blank.csv", HEADER_ONLY + b"\n\r\n  \n"),
        2,
        "the file has a header but no rows",
    ),
    Case(
        "column-renamed",
        _file(
            "renamed.csv", lambda: _csv([["Crime Type" if c == "Crime type" else c for c in _rows()[0]]] + _rows()[1:])
        ),
        1,
        "missing column(s) 'Crime type'; found 'Crime ID', 'Month'",
    ),
    Case(
        "columns-missing",
        _file(
            "missing.csv",
            lambda: _csv(
                [
                    [v for c, v in zip(_rows()[0], row, strict=False) if c not in ("Longitude", "Latitude")]
                    for row in _rows()
                ]
            ),
        ),
        1,
        "missing column(s) 'Longitude', 'Latitude'",
    ),
    Case(
        "column-twice",
        _file("twice.csv", lambda: _csv([row + [row[1]] for row in _rows()])),
        1,
        "column(s) 'Month' appear more than once",
    ),
    Case(
        "first-line-not-a-header",
        _file("no-header.csv", b"x" * 100_000 + b"\n" + _csv(_rows())),
        1,
        "the first line is longer than 65,536 bytes, so it is not a header",
    ),
    # The wrong delimiter.
    Case(
        "tab-separated",
        _file("tabs.csv", lambda: _csv(_rows(), delimiter="\t")),
        1,
        "the columns are separated by tabs, not commas",
    ),
    Case(
        "bar-separated",
        _file("bars.csv", lambda: _csv(_rows(), delimiter="|")),
        1,
        "the columns are separated by bars, not commas",
    ),
    # Rows that do not fit the header.
    Case(
        "row-with-an-extra-field",
        _file("extra.csv", lambda: _csv(_rows()[:4] + [_rows()[4] + ["x"]])),
        5,
        "expected 12 columns but found 13",
    ),
    Case(
        "quote-never-closed",
        _file("quote.csv", lambda: _csv(_rows()[:6]) + b'x,2018-10,"West Mercia\n'),
        7,
        'a value opens a quote (") that is never closed',
    ),
    Case(
        "line-too-long",
        _file("long.csv", lambda: _csv(_set(_rows(), 3, "Location", "x" * 2_100_000))),
        3,
        "the line is longer than 2,000,000 bytes",
    ),
    # Text that is not UTF-8 (cp1252 loads: see test_files), binary files.
    Case(
        "neither-utf8-nor-cp1252",
        _file("latin.csv", lambda: _csv(_rows()).replace(b"On or near Parking Area", b"On or near Parking \x81rea", 1)),
        6,
        "unreadable text encoding (byte 0x81 is neither UTF-8 nor Windows-1252)",
    ),
    Case(
        "utf16-without-bom",
        _file("utf16.csv", lambda: _csv(_rows()).decode().encode("utf-16-le")),
        None,
        "this looks like UTF-16 text without a byte-order mark",
    ),
    Case(
        "binary-file",
        _file("noise.csv", lambda: b"\x00" + random.Random(1).randbytes(5000)),
        None,
        "this is a binary file, not CSV text",
    ),
    Case(
        "gzip-named-csv",
        _file("gz.csv", lambda: gzip.compress(_csv(_rows()))),
        None,
        "this is a gzip-compressed file, not CSV text",
    ),
    Case(
        "workbook-named-csv",
        _file("book.csv", lambda: _zip_bytes({"xl/workbook.xml": b"<workbook/>"})),
        None,
        "this is a zip archive (or an Excel workbook), not CSV text",
    ),
    Case(
        "nul-byte-near-the-start",
        _file("nul.csv", lambda: _csv(_rows(2000)).replace(b"On or near Broadwaters Drive", b"On or near \x00", 1)),
        None,
        "this is a binary file, not CSV text",
    ),
    Case(
        "nul-byte-far-down",
        _file(
            "nul-far.csv",
            lambda: _csv(_rows(1500)) + _csv(_rows(2)[1:]).replace(b"On or near Broadwaters Drive", b"On\x00", 1),
        ),
        1502,
        "the line holds a NUL byte",
    ),
    Case("device-not-a-file", lambda tmp: ([Path(os.devnull)], os.devnull), None, "not a regular file"),
    # Archives: nested, path traversal names, zip bombs, damage.
    Case(
        "zip-nested-with-traversal-names",
        _member("nested.zip", {"../../outer.zip": _nested_zip()}),
        None,
        "the archive holds another archive ('../../outer.zip'); unpack it first",
    ),
    Case(
        "zip-bomb",
        _member("bomb.zip", {"2018-10.csv": b"0" * 32 * 1024**2}),
        None,
        "it is refused as a possible zip bomb",
    ),
    Case("zip-bomb-diluted", _bomb_diluted, None, "the member 'a.csv' would unpack to 16,777,216 bytes"),
    Case("zip-member-lying-about-its-size", _lying_zip, None, "the archive member cannot be read (Bad CRC-32"),
    Case(
        "zip-damaged",
        _file("damaged.zip", lambda: _zip_bytes({"a.csv": _csv(_rows())})[:200]),
        None,
        "not a readable zip archive",
    ),
    Case("zip-without-csv", _member("docs.zip", {"readme.txt": b"hello"}), None, "the archive holds no .csv files"),
    Case(
        "zip-member-bad-month",
        _member(
            "month.zip", {"../../2018-10.csv": _csv(_set(_rows(), 4, "Month", "Oct-18"))}, shown="../../2018-10.csv"
        ),
        4,
        "the Month 'Oct-18' is not a month written YYYY-MM",
    ),
    # Months in the wrong format (10/2018 is in test_loads).
    Case(
        "month-13",
        _file("m13.csv", lambda: _csv(_set(_rows(), 9, "Month", "2018-13"))),
        9,
        "the Month '2018-13' is not a month written YYYY-MM (1 row(s) like it)",
    ),
    Case(
        "month-with-day",
        _file("mday.csv", lambda: _csv(_set(_set(_rows(), 3, "Month", "2018-10-01"), 5, "Month", "2018-10-01"))),
        3,
        "the Month '2018-10-01' is not a month written YYYY-MM (2 row(s) like it)",
    ),
    Case(
        "month-empty",
        _file("mnone.csv", lambda: _csv(_set(_rows(), 11, "Month", ""))),
        11,
        "the Month is empty, not a month written YYYY-MM",
    ),
    # Coordinates swapped, out of range, half given.
    Case(
        "coordinates-swapped",
        _file(
            "swapped.csv", lambda: _csv(_set(_set(_rows(), 7, "Longitude", "52.421434"), 7, "Latitude", "-2.140708"))
        ),
        7,
        "the coordinates (52.421434, -2.140708) are outside Great Britain (1 row(s)). "
        "The longitude and latitude look swapped.",
    ),
    Case(
        "latitude-out-of-range",
        _file("lat.csv", lambda: _csv(_set(_rows(), 5, "Latitude", "95.1"))),
        5,
        "the coordinates (-2.138445, 95.1) are outside Great Britain",
    ),
    Case(
        "latitude-missing",
        _file("half.csv", lambda: _csv(_set(_rows(), 8, "Latitude", ""))),
        8,
        "a Longitude or Latitude is not a number, or one is given without the other",
    ),
    Case(
        "longitude-with-comma",
        _file("comma.csv", lambda: _csv(_set(_rows(), 10, "Longitude", "-2,142659"))),
        10,
        "a Longitude or Latitude is not a number",
    ),
    Case(
        "crime-type-empty",
        _file("nocat.csv", lambda: _csv(_set(_rows(), 12, "Crime type", "  "))),
        12,
        "the Crime type is empty",
    ),
    # Keys police.uk's lists lack (keys are trimmed and matched ignoring case first: see test_police_uk).
    Case(
        "force-unknown",
        _file("force.csv", lambda: _csv(_set(_rows(), 3, "Reported by", "West Mercia Constabulary"))),
        3,
        "the Reported by 'West Mercia Constabulary' is not a force police.uk publishes; "
        "the nearest names: West Mercia Police",
    ),
    Case(
        "force-empty-after-trimming",
        _file("force-blank.csv", lambda: _csv(_set(_rows(), 8, "Reported by", " \t "))),
        8,
        "the Reported by is empty",
    ),
    Case(
        "falls-within-unknown",
        _file("falls.csv", lambda: _csv(_set(_rows(), 10, "Falls within", "Worcestershire"))),
        10,
        "the Falls within 'Worcestershire' is not a force police.uk publishes",
    ),
    Case(
        "crime-type-unknown",
        _file("type.csv", lambda: _csv(_set(_rows(), 6, "Crime type", "Antisocial behaviour"))),
        6,
        "the Crime type 'Antisocial behaviour' is not one of police.uk's crime types: Anti-social behaviour, "
        "Bicycle theft, Burglary",
    ),
    Case(
        "lsoa-code-malformed",
        _file("lsoa.csv", lambda: _csv(_set(_rows(), 4, "LSOA code", "E01-032139"))),
        4,
        "the LSOA code 'E01-032139' is not an LSOA code, E01 or W01 and six digits (1 row(s) like it)",
    ),
    Case(
        "lsoa-code-sql",
        _file("lsoa-sql.csv", lambda: _csv(_set(_rows(), 12, "LSOA code", "'; DROP TABLE incidents; --"))),
        12,
        'the LSOA code "\'; DROP TABLE incidents; --" is not an LSOA code',
    ),
    Case(
        "month-in-the-future",
        _file("future.csv", lambda: _csv(_set(_set(_rows(), 5, "Month", "2999-01"), 7, "Month", " 2999-01 "))),
        5,
        "the Month '2999-01' is after the current month",
    ),
    Case(
        "extra-field-after-quoted-line-breaks",
        _file(
            "breaks.csv",
            lambda: _csv(
                _set(_set(_rows(), 2, "Location", "On or near\nA"), 3, "Context", "x\r\ny")[:5] + [_rows()[5] + ["x"]]
            ),
        ),
        8,
        "expected 12 columns but found 13",
    ),
    # Force extracts with unknown key-word types and other bad values.
    Case(
        "extract-keyword-wrong-case",
        _file("ex1.csv", lambda: _extract_csv(changes={("keyword", 2): "youth related"})),
        4,
        "unknown key-word type; valid types: Other, Youth related",
        extract=True,
    ),
    Case(
        "extract-keyword-trailing-space",
        _file("ex2.csv", lambda: _extract_csv(changes={("keyword", 1): "Parking "})),
        3,
        "unknown key-word type; valid types: Other, Youth related, Neighbour Dispute, Threats/ Harassment, "
        "Fights/ Arguments, Parking, Begging: 'Parking ' (1 row(s))",
        extract=True,
    ),
    Case(
        "extract-keyword-empty",
        _file("ex3.csv", lambda: _extract_csv(changes={("keyword", 4): ""})),
        6,
        "unknown key-word type; valid types: Other, Youth related, Neighbour Dispute, Threats/ Harassment, "
        "Fights/ Arguments, Parking, Begging: an empty value (1 row(s))",
        extract=True,
    ),
    Case(
        "extract-keyword-sql",
        _file("ex4.csv", lambda: _extract_csv(changes={("keyword", 0): "'; DROP TABLE incidents; --"})),
        2,
        "unknown key-word type; valid types: Other",
        extract=True,
    ),
    Case(
        "extract-nirs-class",
        _file("ex5.csv", lambda: _extract_csv(changes={("nirs_class", 3): "Noise"})),
        5,
        "unknown NIRS class; valid classes: Nuisance, Personal, Environmental: 'Noise'",
        extract=True,
    ),
    Case(
        "extract-date",
        _file("ex6.csv", lambda: _extract_csv(changes={("reported_at", 2): "31/13/2018 25:00"})),
        4,
        "the date and time reported is not a date",
        extract=True,
    ),
    Case(
        "extract-swapped",
        _file("ex7.csv", lambda: _extract_csv(changes={("longitude", 1): "52.306000", ("latitude", 1): "-1.940700"})),
        3,
        "the coordinates are outside Great Britain",
        extract=True,
    ),
    Case(
        "extract-header-alone",
        _file("ex8.csv", lambda: _extract_csv(0)),
        2,
        "the file has a header but no rows",
        extract=True,
    ),
    Case("extract-workbook-bomb", _xlsx_bomb, None, "refused as a possible zip bomb", extract=True),
    Case(
        "extract-workbook-damaged",
        _file("broken.xlsx", b"PK\x03\x04 not really"),
        None,
        "not a readable Excel workbook",
        extract=True,
    ),
    Case(
        "extract-map-unknown-target",
        _file("ex9.csv", lambda: _extract_csv()),
        None,
        'the column mapping names unknown target(s) "\'; DROP TABLE incidents; --"',
        extract=True,
        options={"column_map": {"keyword": "'; DROP TABLE incidents; --"}},
    ),
    Case(
        "extract-map-two-for-one",
        _file("ex10.csv", lambda: _extract_csv()),
        None,
        "the column mapping gives more than one column for keyword",
        extract=True,
        options={"column_map": {"keyword": "keyword", "location": "keyword"}},
    ),
    Case(
        "extract-map-leaves-a-gap",
        _file("ex11.csv", lambda: _extract_csv()),
        None,
        "the column mapping uses the file's column 'keyword' for 'location', so no column gives 'keyword'",
        extract=True,
        options={"column_map": {"keyword": "location"}},
    ),
    Case(
        "extract-map-not-text",
        _file("ex12.csv", lambda: _extract_csv()),
        None,
        "the column mapping must map the file's column names to ours, as text",
        extract=True,
        options={"column_map": {1: "keyword"}},
    ),
]


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_bad_input_is_refused_naming_file_line_and_problem(db, tmp_path, case):
    before = db_checksums(db)
    paths, shown = case.build(tmp_path)
    with pytest.raises(InputError) as error:
        if case.extract:
            _load_extract(db, paths[0], **(case.options or {}))
        else:
            _load(db, *paths)
    message = str(error.value)
    assert (error.value.file, error.value.line) == (shown, case.line), message
    where = f"{shown}, line {case.line}: " if case.line else f"{shown}: "
    assert message.startswith(where), message
    assert case.problem in message, message
    assert len(message) < 1000, "a message quotes values cut short, never a whole line"
    assert db_checksums(db) == before


def test_a_bad_file_after_good_ones_in_one_archive_keeps_nothing(db, tmp_path):
    before = db_checksums(db)
    good = _csv(_set(_rows(), 2, "Month", "2018-10"))
    path = _zip(
        tmp_path / "mixed.zip", {"a/2018-10.csv": good, "b/2018-11.csv": _csv(_set(_rows(), 6, "Month", "11/2018"))}
    )
    with pytest.raises(InputError) as error:
        _load(db, path)
    assert str(error.value).startswith(f"{path}!b/2018-11.csv, line 6: the Month '11/2018'")
    assert db_checksums(db) == before


# ----------------------------------------------------------------------------- what loads


def test_shuffled_columns_load_into_the_right_columns(geo_db, tmp_path):
    rows = _rows(40)
    order = [11, 6, 0, 9, 3, 4, 8, 1, 10, 5, 2, 7]  # every column somewhere else
    shuffled = [[row[i] for i in order] for row in rows]
    assert shuffled[0][0] == "Context" and shuffled[0][1] == "Location"
    path = tmp_path / "shuffled.csv"
    path.write_bytes(_csv(shuffled))
    report = _load(geo_db, path)
    assert report.total("rows_stored") == 40
    conn = store.connect(geo_db, read_only=True)
    stored = conn.execute("""
        SELECT coalesce(crime_id, ''), strftime(month, '%Y-%m'), reported_by, falls_within, longitude, latitude,
               location, lsoa_code, lsoa_name, category, coalesce(outcome, ''), coalesce(context, '')
        FROM incidents""").fetchall()
    conn.close()
    expected = [
        tuple(float(v) if c in ("Longitude", "Latitude") else v for c, v in zip(POLICE_UK_COLUMNS, row, strict=False))
        for row in rows[1:]
    ]
    assert sorted(stored) == sorted(expected)


def test_shuffled_extract_columns_load_into_the_right_columns(geo_db, tmp_path):
    frame = pd.read_csv(
        io.BytesIO(_extract_csv(4, {("keyword", 1): "Parking", ("location", 2): "On or near X"})), dtype=str
    )
    path = tmp_path / "extract.csv"
    frame[list(reversed(frame.columns))].to_csv(path, index=False)
    _load_extract(geo_db, path)
    conn = store.connect(geo_db, read_only=True)
    stored = conn.execute(
        "SELECT incident_ref, keyword, nirs_class, location, district, ward_wd22, longitude "
        "FROM incidents ORDER BY incident_ref"
    ).fetchall()
    conn.close()
    assert stored[1] == ("T-1", "Parking", "Nuisance", "On or near Unicorn Hill", "Redditch", "E05007868", -1.9407)
    assert stored[2][3] == "On or near X"


def test_cr_line_ends_and_utf16_with_its_mark_load(geo_db, tmp_path):
    rows = _rows(6)
    old_mac = tmp_path / "cr.csv"
    old_mac.write_bytes(_csv(rows, newline="\r"))
    utf16 = tmp_path / "utf16.csv"
    november = [rows[0]] + [
        [v if c != "Month" else "2018-11" for c, v in zip(rows[0], row, strict=False)] for row in rows[1:]
    ]
    utf16.write_bytes(_csv(_set(november, 2, "Location", "On or near Café Row")).decode("utf-8").encode("utf-16"))
    report = _load(geo_db, old_mac, utf16)
    assert [f.rows_stored for f in report.files] == [6, 6]
    conn = store.connect(geo_db, read_only=True)
    assert (
        conn.execute("SELECT location FROM incidents WHERE month = '2018-11-01' AND location LIKE '%Caf%'").fetchone()[
            0
        ]
        == "On or near Café Row"
    )
    conn.close()


# ----------------------------------------------------------------------------- the same content again


@pytest.mark.parametrize("how", ["renamed-file", "member-of-an-archive", "twice-in-one-load"])
def test_the_same_content_under_another_name_is_skipped(db, tmp_path, how):
    data = OCT_2018.read_bytes()  # loaded into the template already
    before = db_checksums(db)
    if how == "renamed-file":
        path = tmp_path / "something-else.csv"
        path.write_bytes(data)
        paths, names = [path], [str(path)]
    elif how == "member-of-an-archive":
        path = _zip(tmp_path / "again.zip", {"elsewhere/other-name.csv": data})
        paths, names = [path], [f"{path}!elsewhere/other-name.csv"]
    else:
        first, second = tmp_path / "one.csv", tmp_path / "two.csv"
        first.write_bytes(data)
        second.write_bytes(data)
        paths, names = [first, second], [str(first), str(second)]
    report = _load(db, *paths)
    assert [(f.name, f.status) for f in report.files] == [(n, "skipped") for n in names]
    assert all(f.message == "the same content was loaded before; nothing changed." for f in report.files)
    assert "skipped" in report.summary() and "loaded before" in report.summary()
    assert db_checksums(db) == before


def test_the_same_new_content_twice_in_one_load_is_loaded_once(geo_db, tmp_path):
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_bytes(_csv(_rows()))
    second.write_bytes(_csv(_rows()))
    report = _load(geo_db, first, second)
    assert [f.status for f in report.files] == ["loaded", "skipped"]
    assert report.total("rows_stored") == 12


# ----------------------------------------------------------------------------- size


@pytest.fixture
def big_file(tmp_path):
    """About 500 MB of police.uk rows: a month of Bromsgrove, Redditch and Wyre Forest rows, then
    the same rows again and again with LSOA codes outside the districts, as in an all-forces
    file. Deleted after the test."""
    rows = _rows(2610)[1:]
    inside = _csv(rows)
    outside = _csv([row[:7] + ["W" + row[7][1:]] + row[8:] for row in rows])
    path = tmp_path / "national.csv"
    blocks = 1
    with open(path, "wb") as out:
        out.write(_csv(_rows(0)))
        out.write(inside)
        while out.tell() < 500 * 1000**2:
            out.write(outside)
            blocks += 1
    yield path, blocks * len(rows), len(rows)
    path.unlink()


def test_a_500_mb_file_loads_in_bounded_memory(geo_db, big_file):
    path, total_rows, inside_rows = big_file
    assert path.stat().st_size >= 500 * 1000**2
    tracemalloc.start()
    try:
        report = _load(geo_db, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The file is read in chunks of 1 MiB and never held whole (it used to be, three times over).
    assert peak < 32 * 1024**2, f"Python held {peak:,} bytes at most reading a 500 MB file"
    assert report.files[0].rows_read == total_rows
    assert report.files[0].rows_stored == inside_rows
    assert report.files[0].rows_outside == total_rows - inside_rows


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as out:  # sparse: 1.5 GB long, next to nothing on disk
        out.write(_csv(_rows()))
        out.truncate(1_500_000_000)
    before = db_checksums(db)
    monkeypatch.setattr(police_uk, "scan_file", lambda *a, **k: pytest.fail("the file was read"))
    try:
        with pytest.raises(InputError) as error:
            _load(db, path)
    finally:
        path.unlink()
    assert str(error.value) == (
        f"{path}: the file is 1,500,000,000 bytes, more than the 1,073,741,824 bytes one file may be "
        "(MAX_FILE_BYTES in analytics/data/files.py). Split it into smaller files: police.uk publishes one file "
        "per force and month."
    )
    assert db_checksums(db) == before


def test_an_archive_member_over_the_size_limit_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    path = _zip(tmp_path / "big.zip", {"2018-10.csv": _csv(_rows(40))})
    with pytest.raises(InputError) as error:
        _load(db, path)
    assert str(error.value).startswith(f"{path}!2018-10.csv: the file is ")
    assert "more than the 1,000 bytes one file may be (MAX_FILE_BYTES" in str(error.value)


def test_an_archive_over_the_unpacked_limit_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_UNPACKED_BYTES", 10_000)
    path = _zip(tmp_path / "many.zip", {f"{m}.csv": _csv(_rows(40)) for m in ("a", "b", "c")})
    with pytest.raises(InputError, match="more than 10,000 bytes in all.*possible zip bomb"):
        _load(db, path)
