"""analytics.data.query: how a selection is named (its district, or its wards), on the built store."""

from __future__ import annotations

from analytics.analyses.wards import ward_deltas
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.data.query import place
from tests.analysis_fixtures import FY2017, FY2018


def test_a_ward_selection_is_named_by_its_wards(built_conn):
    redditch = Selection("extract", districts=("Redditch",))
    assert place(built_conn, redditch) == "Redditch"
    assert place(built_conn, redditch.with_(wards=("E05007868",))) == "Abbey"
    assert place(built_conn, redditch.with_(wards=("E05007879", "E05007868"))) == "Abbey and Winyates"
    four = ("E05007868", "E05007869", "E05007870", "E05007871")
    assert place(built_conn, redditch.with_(wards=four)) == "4 wards"
    table = ward_deltas(built_conn, redditch.with_(wards=("E05007868",)), FY2017, FY2018)
    assert meta_of(table).place == "Abbey"
