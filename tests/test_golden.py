"""Every command-line table, as CSV, against the golden files written before analytics/ was
restructured into layers (tests/golden/cases.py says how and when to rewrite them).

A figure that moves fails here, naming the case and the first line that differs."""

from __future__ import annotations

import contextlib
import io

import pytest

from analytics.__main__ import main
from tests.golden.cases import CASES, GOLDEN


@pytest.mark.parametrize("case", sorted(CASES))
def test_table_matches_golden(case, built_db):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["table", *CASES[case], "--format", "csv", "--db", str(built_db)])
    assert status == 0, err.getvalue()
    expected = (GOLDEN / f"{case}.csv").read_text().splitlines()
    got = out.getvalue().splitlines()
    for number, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        assert have == want, f"{case}.csv line {number}"
    assert len(got) == len(expected), f"{case}: {len(got)} lines, golden has {len(expected)}"


def test_golden_cases_cover_every_table():
    from analytics.reports.tables import TABLES

    assert {args[0] for args in CASES.values()} == set(TABLES)
