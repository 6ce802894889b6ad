"""Public mode, walked through every door by a swap: no output may change when two hidden counts
trade places.

Two stores differ only in where a few incidents sit: in one, a ward (or a key-word type) holds 1
incident in a period and its neighbour 3; in the other, 3 and 1. Both counts are below the
threshold (5), so public mode hides both, and every total above them (the ward's, the type's, the
district's, the month's) is the same in both stores. So if any table, download, chart's data, map
layer, sentence or briefing pack differs between the two stores, a reader could tell the hidden
counts apart from it: a leak, whatever column or text carries it. The Hollywood case of issue 11
(8 and a hidden 1 read "mean 5") is one of the swaps: its mean reads 5 in one store and 6 in the
other. Single-month periods and a single incident are among the cases.

With public mode off the same outputs must differ (the test is not blind).

Both sources are walked: the synthetic extract's ASB (key-word types) and police.uk's recorded
crime (crime types, the Crime page's year-to-date table, chart and sentence). The swapped incidents
carry no coordinates, so the hot-spot lattice is the same in both stores: a cell's Gi* rests on its
neighbours' counts by design, which a swap between neighbouring cells would show; the row rule for
cells (a cell with a hidden count shows no z, class or share) is tests/test_disclosure.py's.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from analytics.analyses.crime import crime_ytd
from analytics.analyses.districts import districts_table
from analytics.analyses.incident_types import incident_types
from analytics.analyses.wards import ward_deltas
from analytics.core.disclosure import suppress
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.data import store
from analytics.data.outlines import ward_outlines
from analytics.present import charts, narrative
from analytics.present.export import to_csv_bytes
from analytics.present.map_legend import MEASURES
from analytics.present.ward_map import ward_choropleth
from analytics.reports.briefing import briefing_pack

THRESHOLD = 5
ASB = "Anti-social behaviour"
ABBEY, BATCHLEY, CRABBS_CROSS, WINYATES = "E05007868", "E05007869", "E05007873", "E05007879"

# Every month of 2017-18 and 2018-19: enough shown counts that the tables are not all hidden.
_MONTHS = [f"{y}-{m:02d}" for y, ms in ((2017, range(4, 13)), (2018, range(1, 13)), (2019, range(1, 4))) for m in ms]
BASE = [(month, "Other", ABBEY, 3) for month in _MONTHS] + [(month, "Youth related", WINYATES, 2) for month in _MONTHS]
BASE += [
    # 2017-18: 8 of each of the swapped types in Abbey, 8 in each swapped ward (as Hollywood's 8).
    ("2017-06", "Begging", ABBEY, 8),
    ("2017-06", "Parking", ABBEY, 8),
    ("2017-07", "Fights/ Arguments", BATCHLEY, 8),
    ("2017-07", "Fights/ Arguments", CRABBS_CROSS, 8),
]
# police.uk recorded crime, Jan-Apr 2024 and Jan-Apr 2025 (the crime type in the key-word place).
_CRIME_MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 5)]
CRIME_BASE = [(month, "Burglary", ABBEY, 6) for month in _CRIME_MONTHS]
CRIME_BASE += [(month, "Vehicle crime", WINYATES, 5) for month in _CRIME_MONTHS]
CRIME_BASE += [("2024-02", "Drugs", ABBEY, 8), ("2024-02", "Robbery", ABBEY, 8)]
CRIME_BASE += [("2024-03", "Criminal damage and arson", w, 8) for w in (BATCHLEY, CRABBS_CROSS)]
#: (month, key word or crime type, ward): 1 incident at the first place and 3 at the second in
#: store "a", the other way round in store "b".
SWAPS = [
    (("2018-06", "Begging", ABBEY), ("2018-06", "Parking", ABBEY)),  # two types of one ward
    (("2018-07", "Fights/ Arguments", BATCHLEY), ("2018-07", "Fights/ Arguments", CRABBS_CROSS)),  # two wards
]
CRIME_SWAPS = [
    (("2025-02", "Drugs", ABBEY), ("2025-02", "Robbery", ABBEY)),
    (("2025-03", "Criminal damage and arson", BATCHLEY), ("2025-03", "Criminal damage and arson", CRABBS_CROSS)),
]

REDDITCH = Selection("extract", districts=("Redditch",))
CASES = {
    "Redditch, 2018-19 against 2017-18": (REDDITCH, "FY2017", "FY2018"),
    "Abbey, 2018-19 against 2017-18": (REDDITCH.with_(wards=(ABBEY,)), "FY2017", "FY2018"),
    "Redditch, June 2018 against June 2017 (one month; a single incident)": (REDDITCH, "2017-06", "2018-06"),
    "Redditch, July 2018 against July 2017": (REDDITCH, "2017-07", "2018-07"),
    "North Worcestershire, 2018-19 against 2017-18": (Selection("extract"), "FY2017", "FY2018"),
    "police.uk crime, Redditch, Jan-Apr 2025 against Jan-Apr 2024": (
        Selection("police_uk", category="crime", districts=("Redditch",)),
        "2024-01..2024-04",
        "2025-01..2025-04",
    ),
    "police.uk crime, Abbey, Feb 2025 against Feb 2024 (one month)": (
        Selection("police_uk", category="crime", districts=("Redditch",), wards=(ABBEY,)),
        "2024-02",
        "2025-02",
    ),
    "crime extract, Redditch, Jan-Apr 2025 against Jan-Apr 2024": (
        Selection("crime_extract", category="crime", districts=("Redditch",)),
        "2024-01..2024-04",
        "2025-01..2025-04",
    ),
    "crime extract, Abbey, Feb 2025 against Feb 2024 (one month)": (
        Selection("crime_extract", category="crime", districts=("Redditch",), wards=(ABBEY,)),
        "2024-02",
        "2025-02",
    ),
}


def _rows(base: list, swaps: list, variant: str) -> list[tuple[str, str, str, int]]:
    rows = list(base)
    for first, second in swaps:
        one, three = (first, second) if variant == "a" else (second, first)
        rows += [(*one, 1), (*three, 3)]
    return rows


def _build(path, variant: str) -> None:
    conn = store.connect(path)
    try:
        for month, keyword, ward, times in _rows(BASE, SWAPS, variant):
            conn.executemany(
                """
                INSERT INTO incidents (source, synthetic, load_id, month, category, is_asb, keyword, district,
                                       ward_wd22, ward_wd25, ward_method_wd22, ward_method_wd25)
                VALUES ('extract', true, 1, ?, ?, true, ?, 'Redditch', ?, NULL, 'point', 'point')""",
                [[date.fromisoformat(month + "-01"), ASB, keyword, ward]] * times,
            )
        # The same recorded crime in police.uk and in a force crime extract (issue 17).
        for source, synthetic, load_id in (("police_uk", False, 2), ("crime_extract", True, 3)):
            for month, crime_type, ward, times in _rows(CRIME_BASE, CRIME_SWAPS, variant):
                conn.executemany(
                    """
                    INSERT INTO incidents (source, synthetic, load_id, month, category, is_asb, district,
                                           ward_wd22, ward_wd25, ward_method_wd22, ward_method_wd25)
                    VALUES (?, ?, ?, ?, ?, false, 'Redditch', ?, NULL, 'point', 'point')""",
                    [[source, synthetic, load_id, date.fromisoformat(month + "-01"), crime_type, ward]] * times,
                )
        conn.execute("CHECKPOINT")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def stores(_geo_template, tmp_path_factory):
    import shutil

    folder = tmp_path_factory.mktemp("swap")
    paths = {}
    for variant in ("a", "b"):
        paths[variant] = folder / f"{variant}.duckdb"
        shutil.copy(_geo_template, paths[variant])
        _build(paths[variant], variant)
    conns = {v: store.connect(p, read_only=True) for v, p in paths.items()}
    yield conns
    for conn in conns.values():
        conn.close()


_MADE = re.compile(r"Made \d{2} \w+ \d{4} \d{2}:\d{2}")


def _outputs(conn, selection: Selection, a: str, b: str, threshold: int | None) -> dict[str, str]:
    """Everything public mode lets a reader see of one selection, as text, by where it shows."""
    period_a, period_b = parse_period(a), parse_period(b)
    types = incident_types(conn, selection, period_a, period_b)
    wards = ward_deltas(conn, selection, period_a, period_b)
    districts = districts_table(conn, selection.with_(wards=()), period_a, period_b)
    out: dict[str, str] = {}
    for name, table in (("incident types", types), ("ward deltas", wards), ("districts", districts)):
        shown = suppress(table, threshold) if threshold else table
        out[f"{name}: download"] = to_csv_bytes(shown).decode("utf-8")
    out["incident types: chart"] = charts.incident_types_chart(types, suppress_below=threshold).to_json()
    out["ward deltas: chart"] = charts.ward_deltas_chart(wards, suppress_below=threshold).to_json()
    out["districts: chart"] = charts.districts_chart(districts, suppress_below=threshold).to_json()
    out["incident types: sentence"] = narrative.incident_types_summary(types, threshold)
    out["ward deltas: sentence"] = narrative.ward_summary(wards, threshold)
    out["districts: sentence"] = narrative.district_summary(districts, threshold)
    outlines = ward_outlines(conn, selection.boundaries)
    for measure in MEASURES:
        deck = ward_choropleth(wards, outlines, measure, suppress_below=threshold)
        out[f"ward map ({measure}): layers and tooltips"] = deck.to_json()
    if selection.category == "crime":
        for by in ("crime_type", "ward"):
            crime = crime_ytd(conn, selection, period_b, period_a, by)
            shown = suppress(crime, threshold) if threshold else crime
            out[f"crime by {by}: download"] = to_csv_bytes(shown).decode("utf-8")
            out[f"crime by {by}: chart"] = charts.crime_ytd_chart(crime, suppress_below=threshold).to_json()
            out[f"crime by {by}: sentence"] = narrative.crime_summary(crime, threshold)
    pack = briefing_pack(conn, selection, period_a, period_b, suppress_below=threshold, with_charts=False)
    out["briefing pack"] = _MADE.sub("Made (time)", pack)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_output_tells_two_hidden_counts_apart(stores, case):
    selection, a, b = CASES[case]
    first = _outputs(stores["a"], selection, a, b, THRESHOLD)
    second = _outputs(stores["b"], selection, a, b, THRESHOLD)
    leaks = [where for where in first if first[where] != second[where]]
    assert not leaks, f"{case}: a hidden count can be told apart in: {leaks}"


def test_the_swap_is_seen_with_public_mode_off(stores):
    """Not blind: with public mode off every kind of output shows which store it came from in
    at least one case."""
    seen: set[str] = set()
    for selection, a, b in CASES.values():
        first = _outputs(stores["a"], selection, a, b, None)
        second = _outputs(stores["b"], selection, a, b, None)
        seen |= {where for where in first if first[where] != second[where]}
    kinds = {where.split(": ")[-1] for where in seen}
    assert {"download", "chart", "sentence", "layers and tooltips"} <= kinds, sorted(seen)
    assert "briefing pack" in seen and "incident types: download" in seen and "ward deltas: download" in seen
    assert {"crime by crime_type: download", "crime by crime_type: chart", "crime by ward: download"} <= seen
