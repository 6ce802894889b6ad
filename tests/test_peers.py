"""West Mercia peers: the force-wide monthly counts every police.uk load keeps
(analytics/data/force_counts.py) and the table that compares the districts (analytics/analyses/peers.py).

The counts are checked against an independent count of the unfiltered archive: its CSVs read with the
csv module, each row's district taken from the LSOA name police.uk prints ("Shropshire 001A" is in
Shropshire), without the store's lookup.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter

import pandas as pd
import pytest

from analytics.analyses.peers import peer_districts_held, peers_table
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.vocabulary import ASB_CATEGORY
from analytics.data import store
from analytics.data.history import undo
from analytics.reports.tables import run_table
from tests.conftest import POLICE_DIR, UNFILTERED_ZIP, db_checksums
from tests.loading import load_police, write_lines

#: West Mercia's nine districts, as ONS names them in LSOA names.
WEST_MERCIA = {
    "Bromsgrove",
    "Redditch",
    "Wyre Forest",
    "Worcester",
    "Malvern Hills",
    "Wychavon",
    "Herefordshire",
    "Shropshire",
    "Telford and Wrekin",
}
JAN_APR_2024, JAN_APR_2025 = parse_period("2024-01..2024-04"), parse_period("2025-01..2025-04")


def independent_count() -> Counter:
    """(district, 'YYYY-MM', crime type) -> rows of the archive, district from the LSOA name's prefix."""
    found: Counter = Counter()
    with zipfile.ZipFile(UNFILTERED_ZIP) as archive:
        for member in archive.namelist():
            if not member.endswith(".csv"):
                continue
            text = io.TextIOWrapper(archive.open(member), encoding="utf-8-sig", newline="")
            for row in csv.DictReader(text):
                district = row["LSOA name"].strip().rpartition(" ")[0]
                if district in WEST_MERCIA:
                    found[(district, row["Month"].strip(), row["Crime type"].strip())] += 1
    return found


@pytest.fixture(scope="module")
def expected() -> Counter:
    return independent_count()


@pytest.fixture(scope="module")
def force_db(tmp_path_factory, _geo_template):
    """A store holding the embedded (filtered) files, then the whole force's archive over them."""
    import shutil

    path = tmp_path_factory.mktemp("force") / "store.duckdb"
    shutil.copy(_geo_template, path)
    load_police(path, POLICE_DIR)
    load_police(path, UNFILTERED_ZIP)
    return path


@pytest.fixture
def force_conn(force_db):
    conn = store.connect(force_db, read_only=True)
    yield conn
    conn.close()


def test_force_counts_match_an_independent_count_of_the_archive(force_conn, expected):
    stored = {
        (district, month, category): count
        for district, month, category, count in force_conn.execute(
            "SELECT district, strftime(month, '%Y-%m'), category, sum(count) FROM force_counts GROUP BY ALL"
        ).fetchall()
    }
    assert stored == dict(expected)
    assert {district for district, _, _ in stored} == WEST_MERCIA


def test_the_three_districts_counts_agree_with_their_stored_rows(force_conn):
    rows = force_conn.execute("""
        SELECT district, month, category, count(*) FROM incidents WHERE source = 'police_uk' GROUP BY ALL
        EXCEPT
        SELECT district, month, category, sum(count) FROM force_counts
        WHERE district IN ('Bromsgrove', 'Redditch', 'Wyre Forest') GROUP BY ALL""").fetchall()
    assert rows == []


def test_peers_table_compares_every_district_with_counts_from_the_archive(force_conn, expected):
    table = peers_table(force_conn, Selection("police_uk"), JAN_APR_2024, JAN_APR_2025)
    districts = table[table.level == "district"].set_index("district")
    assert set(districts.index) == WEST_MERCIA
    for district in WEST_MERCIA:
        for period, column in ((JAN_APR_2024, "count_a"), (JAN_APR_2025, "count_b")):
            months = {m.strftime("%Y-%m") for m in period.months}
            want = sum(n for (d, m, c), n in expected.items() if d == district and m in months and c == ASB_CATEGORY)
            assert districts.loc[district, column] == want, (district, column)
    # partnership totals of the partnerships of more than one district, each the sum of its districts
    totals = table[table.level == "partnership"].set_index("district")
    assert set(totals.index) == {"North Worcestershire", "South Worcestershire"}
    south = districts[districts.partnership == "South Worcestershire"]
    assert totals.loc["South Worcestershire", "count_b"] == south.count_b.sum()
    # North Worcestershire first; a rate only where a population is carried
    assert list(table.district[:4]) == ["Bromsgrove", "Redditch", "Wyre Forest", "North Worcestershire"]
    with_rate = set(table.loc[table.rate_b_per_1000.notna(), "district"])
    assert with_rate == {"Bromsgrove", "Redditch", "Wyre Forest", "North Worcestershire"}
    assert table.months_held_b.eq(4).all()


def test_the_demo_build_holds_only_the_three_districts(built_conn):
    held = peer_districts_held(built_conn)
    assert set(held.district) == {"Bromsgrove", "Redditch", "Wyre Forest"}
    table = peers_table(built_conn, Selection("police_uk"), JAN_APR_2024, JAN_APR_2025)
    assert set(table.partnership) == {"North Worcestershire"}


def test_peers_refuse_the_force_extract(force_conn):
    with pytest.raises(AnalyticsError, match="police.uk"):
        peers_table(force_conn, Selection("extract"), parse_period("FY2017"), parse_period("FY2018"))


def test_undo_puts_back_the_counts_a_load_replaced(geo_db):
    load_police(geo_db, POLICE_DIR)
    before = db_checksums(geo_db)
    report = load_police(geo_db, UNFILTERED_ZIP)
    conn = store.connect(geo_db)
    try:
        assert conn.execute("SELECT count(DISTINCT district) FROM force_counts").fetchone()[0] == 9
        for load_id in sorted({f.load_id for f in report.files}, reverse=True):
            undo(conn, load_id)
    finally:
        conn.close()
    assert db_checksums(geo_db) == before


def test_a_load_of_another_districts_file_replaces_its_counts_and_blocks_the_undo(geo_db, tmp_path):
    """A file holding only Shropshire's rows stores no incident but replaces Shropshire's counts of
    its month; the load it replaced cannot be undone before it."""
    report = load_police(geo_db, UNFILTERED_ZIP)
    with zipfile.ZipFile(UNFILTERED_ZIP) as archive:
        lines = archive.read("2025-03/2025-03-west-mercia-street.csv").splitlines(keepends=True)
    shropshire = [lines[0], *(line for line in lines[1:] if b",Shropshire 0" in line)][:11]
    path = write_lines(tmp_path / "shropshire-2025-03.csv", shropshire)
    later = load_police(geo_db, path)
    assert later.files[0].rows_stored == 0
    conn = store.connect(geo_db)
    try:
        count = conn.execute(
            "SELECT sum(count) FROM force_counts WHERE district = 'Shropshire' AND month = DATE '2025-03-01'"
        ).fetchone()[0]
        assert count == 10
        first = next(f.load_id for f in report.files if f.months == "2025-03..2025-03")
        with pytest.raises(AnalyticsError, match=f"load {later.files[0].load_id}"):
            undo(conn, first)
        undo(conn, later.files[0].load_id)
        restored = conn.execute(
            "SELECT sum(count) FROM force_counts WHERE district = 'Shropshire' AND month = DATE '2025-03-01'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert restored == sum(1 for line in lines[1:] if b",Shropshire 0" in line)


def test_the_command_line_table(force_conn):
    table = run_table(force_conn, "peers", {"period_a": "2024-01..2024-04", "period_b": "2025-01..2025-04"})
    assert isinstance(table, pd.DataFrame) and len(table) == 11
    with pytest.raises(AnalyticsError, match="does not take --ward"):
        run_table(force_conn, "peers", {"wards": ["E05009838"]})


def test_the_briefing_pack_has_the_west_mercia_table_once_the_force_is_loaded(force_conn, built_conn):
    from analytics.reports.briefing import briefing_pack

    pack = briefing_pack(force_conn, Selection("police_uk"), JAN_APR_2024, JAN_APR_2025, 5, with_charts=False)
    assert "<h2>West Mercia</h2>" in pack and "Telford and Wrekin" in pack
    demo = briefing_pack(built_conn, Selection("police_uk"), JAN_APR_2024, JAN_APR_2025, 5, with_charts=False)
    assert "<h2>West Mercia</h2>" not in demo


def test_a_store_made_before_the_force_counts_gets_them_at_its_next_load(geo_db):
    """A store file without the force tables gains them, empty, when opened to write; the next load
    reads the LSOA lookup in and counts every district."""
    conn = store.connect(geo_db)
    for table in ("replaced_force_counts", "force_counts", "force_lsoas"):
        conn.execute(f"DROP TABLE {table}")
    conn.close()
    reader = store.connect(geo_db, read_only=True)
    try:  # a reader of the old file: no table, no peer, no error
        assert peer_districts_held(reader).empty
    finally:
        reader.close()
    load_police(geo_db, UNFILTERED_ZIP)
    conn = store.connect(geo_db, read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM force_lsoas").fetchone()[0] == 1585
        assert conn.execute("SELECT count(DISTINCT district) FROM force_counts").fetchone()[0] == 9
    finally:
        conn.close()
