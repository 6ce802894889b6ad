"""Hostile force crime extracts, tried as a new user would: each is refused with a message naming the
file and its line, every table's checksum unchanged; or loaded with nothing outside its references
touched. And a crime-extract load killed (SIGKILL) at seeded moments leaves the store exactly as it
was before the load or exactly as after it."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from analytics.core.errors import InputError
from analytics.data import store
from analytics.data.crime_extract import ingest_crime_extract
from tests.conftest import DISTRICTS, ROOT, db_checksums

HEADER = "crime_ref,recorded_at,offence_code,offence,district,ward_code,longitude,latitude,location"
GOOD = [
    "R1,2016-04-03 10:00,8N,,Redditch,E05007870,,,On or near High Street",
    "R2,2016-05-03 11:00,46,,Bromsgrove,E05009824,,,",
]


def _load(db: Path, path: Path, **options):
    conn = store.connect(db)
    try:
        return ingest_crime_extract(conn, path, districts=DISTRICTS, **options)
    finally:
        conn.close()


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _text(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


HOSTILE = {
    "empty file": (b"", "empty"),
    "header only": (_text(), "no rows"),
    "semicolons": (_text(*(r.replace(",", ";") for r in GOOD), header=HEADER.replace(",", ";")), "semicolons"),
    "a row cut short": (_text(GOOD[0], "R3,2016-05-03 11:00,46"), "line 3"),
    "an unclosed quote": (_text(GOOD[0], 'R3,2016-05-03 11:00,46,"Shoplifting,Redditch,,,,'), "quote"),
    "not text": (b"\x00\x01\x02PK\x03\x04" * 200, "not"),
    "an offence code as a formula": (_text(GOOD[0], "R3,2016-05-03 11:00,=1+1,,Redditch,E05007870,,,"), "line 3"),
    "the offence code in the description column": (
        _text(GOOD[0], "R3,2016-05-03 11:00,,8N,Redditch,E05007870,,,"),
        "unknown offence description",
    ),
    "a code of another classification": (_text(GOOD[0], "R3,2016-05-03,C0812,,Redditch,E05007870,,,"), "line 3"),
    "a month in 2099": (_text(GOOD[0], "R3,2099-05-03 11:00,46,,Redditch,E05007870,,,"), "month still to come"),
    "coordinates swapped": (_text(GOOD[0], "R3,2016-05-03 11:00,46,,Redditch,,52.3,-1.94,"), "outside Great Britain"),
    "a district misspelt": (_text(GOOD[0], "R3,2016-05-03 11:00,46,,Reditch,E05007870,,,"), "force's districts"),
    "the reference empty": (_text(GOOD[0], ",2016-05-03 11:00,46,,Redditch,E05007870,,,"), "reference is empty"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_crime_extract_is_refused_and_changes_nothing(geo_db, tmp_path, case):
    _load(geo_db, _file(tmp_path, "good.csv", _text(*GOOD)))
    before = db_checksums(geo_db)
    content, problem = HOSTILE[case]
    path = _file(tmp_path, "hostile.csv", content)
    with pytest.raises(InputError) as refused:
        _load(geo_db, path)
    message = str(refused.value)
    assert "hostile.csv" in message and problem in message, message
    assert db_checksums(geo_db) == before


def test_a_workbook_with_a_hidden_stale_sheet_loads_the_visible_one(geo_db, tmp_path):
    book = openpyxl.Workbook()
    visible = book.active
    visible.title = "Crimes"
    stale = book.create_sheet("Old")
    for sheet, rows in ((visible, GOOD), (stale, ["R9,2016-04-03 10:00,8N,,Redditch,E05007870,,,"])):
        for line in [HEADER, *rows]:
            sheet.append(line.split(","))
    stale.sheet_state = "hidden"
    book.save(tmp_path / "crimes.xlsx")
    report = _load(geo_db, tmp_path / "crimes.xlsx")
    assert report.files[0].rows_stored == 2
    with store.connect(geo_db, read_only=True) as conn:
        refs = [r[0] for r in conn.execute("SELECT incident_ref FROM incidents ORDER BY 1").fetchall()]
    assert refs == ["R1", "R2"]


def test_a_formula_in_a_location_is_stored_as_text_and_neutralised_on_the_way_out(geo_db, tmp_path, capsys):
    from analytics.__main__ import main

    row = 'R5,2016-05-03 11:00,46,,Redditch,E05007870,,,=HYPERLINK("http://x")'
    _load(geo_db, _file(tmp_path, "formula.csv", _text(row)))
    with store.connect(geo_db, read_only=True) as conn:
        assert conn.execute("SELECT location FROM incidents").fetchone()[0].startswith("=HYPERLINK")
    status = main(["table", "crime-ytd", "--source", "crime_extract", "--period-b", "2016-05", "--db", str(geo_db)])
    assert status == 0 and "Traceback" not in capsys.readouterr().err


def _big_file(tmp_path: Path, rows: int) -> Path:
    lines = [f"K{n},2016-{1 + n % 12:02d}-03 10:00,8N,,Redditch,E05007870,,," for n in range(rows)]
    return _file(tmp_path, "big.csv", _text(*lines))


def test_a_crime_extract_load_killed_at_random_moments_leaves_before_or_after(geo_db, tmp_path):
    path = _big_file(tmp_path, 200_000)
    _load(geo_db, _file(tmp_path, "good.csv", _text(*GOOD)))
    before = db_checksums(geo_db)
    after_db = tmp_path / "after.duckdb"
    after_db.write_bytes(geo_db.read_bytes())
    _load(after_db, path)
    after = db_checksums(after_db)
    after.pop("loads")  # its loaded_at is a clock reading
    rng = random.Random(17)
    seen = set()
    for attempt in range(4):
        db = tmp_path / f"kill{attempt}.duckdb"
        db.write_bytes(geo_db.read_bytes())
        command = [sys.executable, "-m", "analytics", "ingest", "crime-extract", str(path), "--db", str(db)]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started = time.monotonic()
        assert process.stderr is not None
        for line in process.stderr:  # wait until the load has begun, then kill it a moment later
            if "Reading" in line:
                break
        time.sleep(rng.uniform(0.0, 1.5))
        process.kill()
        process.wait()
        state = db_checksums(db)
        loads = state.pop("loads")
        assert state in ({k: v for k, v in before.items() if k != "loads"}, after), (
            attempt,
            time.monotonic() - started,
        )
        seen.add(loads[0])
    assert seen  # every kill left a store that opens and reads back
