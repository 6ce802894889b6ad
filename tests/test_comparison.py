"""analytics.analyses.comparison: the default pair of periods of each source, on the built store."""

from __future__ import annotations

from analytics.analyses.comparison import default_comparison


def test_default_comparison(built_conn):
    a, b = default_comparison(built_conn, "extract")
    assert (a.label, b.label) == ("2017-18", "2018-19")
    a, b = default_comparison(built_conn, "police_uk")
    assert (a.label, b.label) == ("Jan–Apr 2024", "Jan–Apr 2025")
