"""analytics.data.query: how a selection is named (its district, or its wards) and which selections
it refuses, on the built store."""

from __future__ import annotations

import pytest

from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.data.query import check_selection, place
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


def test_a_ward_outside_the_chosen_districts_is_refused_with_their_wards(built_conn):
    # Abbey is in Redditch: with Bromsgrove chosen it counted 0 against 0, as if it had no incidents.
    bromsgrove = Selection("police_uk", districts=("Bromsgrove",), wards=("E05007868",))
    with pytest.raises(AnalyticsError, match="'E05007868' is in Redditch, not in Bromsgrove") as refused:
        check_selection(built_conn, bromsgrove)
    message = str(refused.value)
    assert "WD22 wards of Bromsgrove: E05009823 Alvechurch South;" in message
    assert "E05007869" not in message  # no ward of another district is offered
    with pytest.raises(AnalyticsError, match="not in Bromsgrove"):
        ward_deltas(built_conn, bromsgrove, FY2017, FY2018)
    # the ward's own district, both districts, or no district: accepted
    for districts in (("Redditch",), ("Bromsgrove", "Redditch"), ()):
        check_selection(built_conn, bromsgrove.with_(districts=districts))
