"""analytics.analyses.incident_types: the key-word types on a tiny hand-made store (answers worked
out by hand in the comments)."""

from __future__ import annotations

from analytics.analyses.incident_types import incident_types
from analytics.core.selection import Selection
from tests.analysis_fixtures import FY2017, FY2018


def test_incident_types_by_hand(comparable_conn):
    table = incident_types(comparable_conn, Selection("extract"), FY2017, FY2018)
    assert table.type.tolist() == [
        "Other",
        "Parking",
        "Youth related",
        "Begging",
        "Fights/ Arguments",
        "Neighbour Dispute",
        "Threats/ Harassment",
    ]
    rows = table.set_index("type")
    # Means round half up: (0+5)/2 = 2.5 -> 3; (3+0)/2 = 1.5 -> 2; sum of means 3+2+2+1 = 8.
    assert rows["mean"].tolist() == [3, 2, 2, 1, 0, 0, 0]
    # Mean percentages: 3/8 = 37.5% -> 38%; 2/8 = 25%; 1/8 = 12.5% -> 13%.
    assert rows.mean_percentage.tolist() == ["38%", "25%", "25%", "13%", "0%", "0%", "0%"]
