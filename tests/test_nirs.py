"""analytics.analyses.nirs: ASB by NIRS class; on the extract the classes add up to the
incident-type table's totals, whatever the grouping; police.uk is refused, saying why."""

from __future__ import annotations

import pytest

from analytics.analyses.incident_types import incident_types
from analytics.analyses.nirs import ALL_CLASSES, CLASS_ORDER, NOT_RECORDED, nirs_table
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.vocabulary import GRAND_TOTAL
from analytics.present.compare_narrative import nirs_summary
from tests.analysis_fixtures import FY2017, FY2018

REDDITCH = Selection("extract", districts=("Redditch",))
TOTALS = {GRAND_TOTAL, ALL_CLASSES}


def _types_total(conn, selection, a, b):
    types = incident_types(conn, selection, a, b)
    return int(types.count_a.sum()), int(types.count_b.sum())


@pytest.mark.parametrize("by", ["class", "district", "ward"])
@pytest.mark.parametrize(
    "selection",
    [Selection("extract"), REDDITCH, Selection("extract", districts=("Wyre Forest",), boundaries="wd25")],
    ids=["north-worcestershire", "redditch", "wyre-forest-wd25"],
)
def test_classes_sum_to_the_incident_type_totals(built_conn, selection, by):
    table = nirs_table(built_conn, selection, FY2017, FY2018, by)
    rows = table[~table.nirs_class.isin(TOTALS)]
    expected = _types_total(built_conn, selection, FY2017, FY2018)
    assert (int(rows.count_a.sum()), int(rows.count_b.sum())) == expected
    total = table.iloc[-1]
    assert (int(total.count_a), int(total.count_b)) == expected
    assert expected[0] > 1000  # the check is about real counts, not two zeros


def test_every_class_appears_in_the_overviews_order(built_conn):
    table = nirs_table(built_conn, REDDITCH, FY2017, FY2018)
    assert table.nirs_class.tolist() == [*CLASS_ORDER, GRAND_TOTAL]
    assert CLASS_ORDER == ("Personal", "Nuisance", "Environmental")
    # Shares of one period add up to about 100 (each rounded half up).
    assert 99 <= table.share_b_pct.iloc[:3].sum() <= 101


def test_ward_rows_cover_every_ward_and_class(built_conn):
    table = nirs_table(built_conn, REDDITCH, FY2017, FY2018, "ward")
    wards = table[table.nirs_class != ALL_CLASSES]
    assert len(wards) == 12 * 3 and wards.ward_code.nunique() == 12
    one = wards[wards.ward_name == "Abbey"]
    assert one.share_a_pct.sum() in (99, 100, 101)


def test_the_change_is_the_panels_for_a_class(built_conn):
    table = nirs_table(built_conn, REDDITCH, FY2017, FY2018).set_index("nirs_class")
    for _, row in table.iterrows():
        assert row.difference == row.count_b - row.count_a
    assert table.loc[GRAND_TOTAL, "difference"] == -265  # the panel's Redditch total, 3,468 to 3,203


def test_incidents_without_a_class_are_counted_not_dropped(comparable_conn):
    """The hand-made store's extract rows carry no class: all "Not recorded", totals kept
    (2017-18: Abbey 3 + Crabbs Cross 2 = 5; 2018-19: Abbey 5 + West 4 = 9)."""
    table = nirs_table(comparable_conn, Selection("extract"), FY2017, FY2018).set_index("nirs_class")
    assert table.index.tolist() == [*CLASS_ORDER, NOT_RECORDED, GRAND_TOTAL]
    assert (table.loc[NOT_RECORDED, "count_a"], table.loc[NOT_RECORDED, "count_b"]) == (5, 9)
    assert table.loc[list(CLASS_ORDER), "count_b"].sum() == 0


def test_police_uk_is_refused_saying_it_has_no_class(built_conn):
    with pytest.raises(AnalyticsError, match="police.uk does not carry the National Incident Recording Standard"):
        nirs_table(
            built_conn, Selection("police_uk"), parse_period("2024-01..2024-04"), parse_period("2025-01..2025-04")
        )


def test_an_unknown_grouping_lists_the_valid_ones(built_conn):
    with pytest.raises(AnalyticsError, match="Valid choices: class, district, ward"):
        nirs_table(built_conn, REDDITCH, FY2017, FY2018, "lsoa")


def test_public_sentence_names_no_hidden_class(built_conn):
    small = Selection("extract", districts=("Redditch",), wards=("E05007873",))
    table = nirs_table(built_conn, small, parse_period("2018-04..2018-04"), parse_period("2019-04..2019-04"))
    sentence = nirs_summary(table, suppress_below=5)
    for row in table[~table.nirs_class.isin(TOTALS)].itertuples():
        if row.count_b < 5:
            assert f"% {row.nirs_class}" not in sentence and f"was {row.nirs_class}" not in sentence
    assert "<5" in sentence or (table.count_b.iloc[:3] >= 5).all()
