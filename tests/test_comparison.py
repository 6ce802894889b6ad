"""analytics.analyses.comparison: the default pair of periods of each source, on the built store."""

from __future__ import annotations

from analytics.analyses.comparison import comparison_meta, default_comparison
from analytics.core.periods import parse_period
from analytics.core.selection import Selection


def test_default_comparison(built_conn):
    a, b = default_comparison(built_conn, "extract")
    assert (a.label, b.label) == ("2017-18", "2018-19")
    a, b = default_comparison(built_conn, "police_uk")
    assert (a.label, b.label) == ("Jan–Apr 2024", "Jan–Apr 2025")


def test_periods_of_different_lengths_are_not_comparable_in_every_door(built_conn):
    """A month against a year read +1,333% "significant" on the command line; the app let a user
    type such months too. comparison_meta now says they are not comparable, so every table, chart,
    map and sentence withholds the change, as for months missing from the source."""
    selection = Selection("extract", districts=("Redditch",))
    meta = comparison_meta(built_conn, selection, parse_period("2018-04..2018-04"), parse_period("FY2018"))
    assert meta.not_comparable == (
        "Not comparable: Apr 2018 has 1 month and 2018-19 has 12, so no change is given; "
        "compare periods of the same length."
    )
    assert not comparison_meta(built_conn, selection, parse_period("FY2017"), parse_period("FY2018")).not_comparable
