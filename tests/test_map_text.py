"""The maps as text (ui.map_text): every ward listed once, in the class whose colour the map
fills it with; the hot-spot cells counted by ward and class as the map draws them."""

from __future__ import annotations

import pytest

from analytics.present.map_legend import MEASURES, legend
from analytics.present.ward_map import ward_choropleth
from tests import map_frames
from tests.map_frames import THRESHOLD, spec, ward_features
from ui.map_text import OUTSIDE_WARDS, hotspot_cells_by_ward, ward_classes

outlines = pytest.fixture(map_frames.outlines)
ward_frame = pytest.fixture(map_frames.ward_frame)
cells = pytest.fixture(map_frames.cells)


@pytest.mark.parametrize("threshold", [None, THRESHOLD])
@pytest.mark.parametrize("measure", list(MEASURES))
def test_each_ward_is_listed_once_in_the_class_the_map_colours_it(ward_frame, outlines, measure, threshold):
    table = ward_classes(ward_frame, measure, threshold)
    colour_of = {e["label"]: e["colour"][:3] for e in legend(ward_frame, measure, suppress_below=threshold)}
    fills = {
        name: f["properties"]["fill"][:3]
        for name, f in ward_features(
            spec(ward_choropleth(ward_frame, outlines, measure=measure, suppress_below=threshold))
        ).items()
    }
    listed = {}
    for label, count, wards in table.itertuples(index=False):
        names = [w.split(" (")[0] for w in wards.split(", ")]
        assert count == len(names)
        listed.update(dict.fromkeys(names, label))
    assert sorted(listed) == ["Alpha", "Bravo", "Charlie"]  # not the Grand Total
    for name, label in listed.items():
        assert colour_of[label] == fills[name], (measure, name, label)


def test_values_are_written_as_the_table_writes_them(ward_frame):
    counts = ward_classes(ward_frame, "count_b", None)
    assert "Alpha (90)" in " ".join(counts.iloc[:, 2])
    changes = " ".join(ward_classes(ward_frame, "pct_change", None).iloc[:, 2])
    assert "Alpha (-25%)" in changes and "Bravo (+300%)" in changes


def test_public_mode_lists_a_hidden_ward_without_its_value(ward_frame):
    table = ward_classes(ward_frame, "count_b", THRESHOLD)
    hidden = table[table.iloc[:, 0].str.startswith("Fewer than")]
    assert list(hidden.iloc[:, 2]) == ["Charlie"]  # 4 incidents: no number beside it
    assert "4" not in " ".join(table.iloc[:, 2])


def test_hotspot_cells_are_counted_by_ward_and_class(cells):
    by_ward = hotspot_cells_by_ward(cells).set_index("Ward")
    wards = cells["ward_name"].where(cells["ward_name"].notna(), OUTSIDE_WARDS)
    for ward, group in cells.groupby(wards):
        assert by_ward.loc[ward, "Cells with incidents"] == int((group["count"] > 0).sum())
        for cls, n in group["hotspot_class"].value_counts().items():
            if cls != "Not significant":
                assert by_ward.loc[ward, cls] == n
    assert "Not significant" not in by_ward.columns
