"""The register of ASB tools and powers: the shipped entries and their sources, the one door every
change goes through (a bad row refused with file, line and problem, the store unchanged), versions
and undo, public mode."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from analytics.core.disclosure import suppress
from analytics.core.errors import AnalyticsError, InputError
from analytics.data import register, store
from tests.conftest import DATA, ROOT

SEED_CSV = DATA / register.SEED_FILE
#: The committee papers the entries cite, beside the project (not in the repository).
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture
def register_db(_geo_template, tmp_path):
    """A store holding the boundaries and the shipped register."""
    path = tmp_path / "store.duckdb"
    shutil.copy(_geo_template, path)
    conn = store.connect(path)
    register.load_seed(conn, DATA)
    yield conn
    conn.close()


def _state(conn: duckdb.DuckDBPyConnection) -> tuple:
    return tuple(
        conn.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchone()
        for table in ("register_rows", "register_versions")
    )


def test_the_build_loads_the_shipped_register(built_conn):
    frame = register.register_table(built_conn)
    assert len(frame) == len(SEED_CSV.read_text(encoding="utf-8").strip().splitlines()) - 1
    cpw = frame.set_index("register_id").loc["redditch-cpw-2022-23"]
    assert (cpw["count"], cpw.counted, cpw.reported_for) == (15, "Community Protection Warnings issued", "2022-23")
    pspo = frame.set_index("register_id").loc["redditch-town-centre-pspo"]
    assert pspo.kind == "PSPO" and pspo.start == register.TO_CONFIRM and pspo.wards == "E05007868"
    assert "29 October 2023" in pspo.note and "5 December 2023" in pspo.note
    meta = frame.attrs["meta"]
    assert meta.table == "register" and "committee papers" in meta.source and not meta.synthetic


def test_every_entry_cites_a_seed_document(wards):
    frame = register.parse_register(SEED_CSV.read_bytes(), "seed", wards)
    for source in frame.source:
        assert re.search(r"seeds/00\d_[0-9a-f]{16}\.txt: ", source), source


@pytest.mark.skipif(not SEEDS.exists(), reason="the committee papers are beside the project, not in it")
def test_every_count_and_date_is_in_its_document(wards):
    """Nothing invented: each count and each dated month appears in the document it cites."""
    frame = register.parse_register(SEED_CSV.read_bytes(), "seed", wards)
    for entry in frame.itertuples():
        files = re.findall(r"seeds/(00\d_[0-9a-f]{16}\.txt)", entry.source)
        text = " ".join((SEEDS / name).read_text(encoding="utf-8") for name in files)
        if entry.count is not None and entry.count == entry.count:
            words = {0: ("No ", "0"), 1: ("1 ", "one of the CPWs")}.get(int(entry.count), (str(int(entry.count)),))
            assert any(w in text for w in words), (entry.register_id, entry.count)
        if entry.start == "2024-06":
            assert "1st June 2024" in text


@pytest.fixture(scope="module")
def wards(_geo_template):
    with duckdb.connect(str(_geo_template), read_only=True) as conn:
        return conn.execute("SELECT vintage, ward_code, ward_name, district FROM wards").df()


POINT = '"{""type"": ""Point"", ""coordinates"": [-1.94, 52.3]}"'
HEADER = ",".join(register.COLUMNS)
GOOD = "x-pspo,PSPO,An order,Redditch,wd22,E05007868,,2024-02,,,,2023-24,seeds/000_535961024b28dd47.txt: minutes,"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (GOOD.replace("PSPO,An", "Curfew,An"), "kind 'Curfew' is not one of"),
        (GOOD.replace("Redditch,wd22", "Worcester,wd22"), "district 'Worcester' is not one of"),
        (GOOD.replace("2024-02", "2024-13"), "start '2024-13' is not a month"),
        (GOOD.replace("2024-02,,", "2024-02,2023-01,"), "end 2023-01 is before start 2024-02"),
        (GOOD.replace("E05007868", "E05015617"), "ward 'E05015617' is not a WD22 ward of Redditch"),
        (GOOD.replace(",,,2023-24", ",3,CPWs,2023-24"), "a PSPO is not counted"),
        (GOOD.replace("seeds/000_535961024b28dd47.txt: minutes", ""), "source is empty"),
        (GOOD.replace("x-pspo", "X PSPO"), "register_id 'X PSPO' must be"),
        (GOOD.replace("E05007868,", f"E05007868,{POINT}"), "area_geojson must be one"),
        (GOOD + ",extra", "different number of fields"),
    ],
)
def test_a_bad_row_is_refused_with_file_line_and_problem_and_nothing_changes(register_db, row, problem):
    before = _state(register_db)
    data = f"{HEADER}\n{GOOD.replace('x-pspo', 'first')}\n{row}\n".encode()
    with pytest.raises(InputError) as refused:
        register.load_register(register_db, data, "edited.csv")
    assert refused.value.message.startswith("edited.csv, line 3: ")
    assert problem in refused.value.message
    assert _state(register_db) == before


def test_header_duplicates_and_encoding_are_refused(register_db):
    before = _state(register_db)
    for data, problem in [
        (b"register_id,kind\nx,PSPO\n", "line 1: the header lacks"),
        (f"{HEADER}\n{GOOD}\n{GOOD}\n".encode(), "line 3: register_id x-pspo is used already, on line 2"),
        (f"{HEADER}\n{GOOD}\n".encode("utf-16"), "not UTF-8"),
        (f"{HEADER}\n".encode(), "no entries"),
    ]:
        with pytest.raises(InputError, match=problem):
            register.load_register(register_db, data, "f.csv")
    assert _state(register_db) == before


def test_an_edit_makes_a_new_version_and_undo_puts_the_last_back(register_db):
    shipped = register.register_table(register_db)
    edited = shipped.copy()
    edited.loc[edited.register_id == "redditch-town-centre-pspo", "start"] = "2024-02"
    done = register.load_register(register_db, register.register_csv(edited), "Data page edit")
    assert done.startswith("Register version 2")
    now = register.register_table(register_db)
    assert now.set_index("register_id").loc["redditch-town-centre-pspo", "start"] == "2024-02"
    assert len(now) == len(shipped)
    with pytest.raises(AnalyticsError, match="not the latest: undo version 2 first"):
        register.undo_register(register_db, 1)
    assert "version 1 again" in register.undo_register(register_db, 2)
    back = register.register_table(register_db)
    assert back.equals(shipped)
    versions = register.register_versions(register_db)
    assert list(versions.version) == [1, 2] and versions.undone_at.notna().tolist() == [False, True]


def test_public_mode_hides_small_counts_and_the_numbers_in_notes(built_conn):
    frame = suppress(register.register_table(built_conn), 5)
    by_id = frame.set_index("register_id")
    assert by_id.loc["redditch-cpw-2022-23", "count"] == 15
    assert by_id.loc["redditch-cpn-2022-23", "count"] == "<5"
    assert by_id.loc["redditch-cpw-2022-23", "note"].startswith("8 issued by Planning, 7")
    assert "<5 completed, <5 in progress" in by_id.loc["redditch-community-triggers-2019", "note"]


def test_a_store_of_fewer_districts_loads_the_entries_it_holds(_geo_template, tmp_path):
    """ASB_DISTRICTS=Redditch: the shipped register's Bromsgrove entry is left out and counted, not refused."""
    path = tmp_path / "store.duckdb"
    shutil.copy(_geo_template, path)
    conn = store.connect(path)
    try:
        conn.execute("DELETE FROM wards WHERE district <> 'Redditch'")
        done = register.load_seed(conn, DATA)
        assert done.endswith("10 entries; 1 of districts the store does not hold left out.")
        assert set(register.register_table(conn).district) == {"Redditch"}
        # An edit naming a district the store does not hold is refused, as before.
        with pytest.raises(InputError, match="district 'Bromsgrove' is not one of: Redditch"):
            register.load_register(conn, SEED_CSV.read_bytes(), "edited.csv")
    finally:
        conn.close()
