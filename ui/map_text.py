"""The maps as text (WCAG 1.1.1): deck.gl draws on a canvas a screen reader cannot read, so each
map has beside it a table saying what it shows, made from the same frame and colour scale.

- the ward map: the wards in each colour class of its legend, with their values;
- the hot-spot map: per ward, its cells by class and the cells that had an incident.

The tables are plain HTML (st.table), which a screen reader reads as a table, unlike the data grid.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.core.periods import round_half_up
from analytics.core.vocabulary import HOTSPOT_CLASSES, NOT_SIGNIFICANT
from analytics.present import map_legend
from analytics.present.maps import format_number

EXPANDER_LABEL = "The map as text"
OUTSIDE_WARDS = "Outside the wards"


def _class_of(scale: map_legend.ColourScale, state: str, value) -> str:
    """The legend label a ward's (state, value) is drawn in, as the map colours it."""
    if state == "suppressed":
        return scale.suppressed_label or ""
    if state == "no_data":
        return scale.no_data_label or ""
    if isinstance(value, str):
        return value
    return next(b.label for b in scale.bins if b.lower <= value < b.upper)


def _value_text(measure: str, state: str, value) -> str:
    if state != "value" or isinstance(value, str):
        return ""
    if measure == "pct_change":
        # Rounded half up, as the ward table and the map's labels round.
        return f"{round_half_up(value):+d}%"
    decimals = 0 if measure.startswith("count") else 1
    return format_number(value, decimals)


def ward_classes(ward_frame: pd.DataFrame, measure: str, threshold: int | None) -> pd.DataFrame:
    """One row per colour class of the ward map, in the legend's order: the class and its wards,
    each with its value ("Abbey (312)"). Classes no ward falls in are left out."""
    scale, states = map_legend.ward_scale(ward_frame, measure, threshold)
    wards = map_legend.ward_rows(ward_frame)
    members: dict[str, list[str]] = {}
    for name, (state, value) in zip(wards["ward_name"], states, strict=True):
        shown = _value_text(measure, state, value)
        members.setdefault(_class_of(scale, state, value), []).append(f"{name} ({shown})" if shown else str(name))
    order = [entry["label"] for entry in map_legend.legend(ward_frame, measure, suppress_below=threshold)]
    rows = [(label, len(members[label]), ", ".join(sorted(members[label]))) for label in order if label in members]
    return pd.DataFrame(rows, columns=[scale.title, "Wards", "Which wards"])


def hotspot_cells_by_ward(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per ward of the hot-spot map's cells: how many are hot or cold at each confidence,
    and how many had an incident (no incident counts: public mode hides small ones on the map)."""
    if cells.empty:
        return pd.DataFrame(columns=["Ward", "Cells with incidents"])
    ward = cells["ward_name"].where(cells["ward_name"].notna(), OUTSIDE_WARDS).astype(str)
    classes = [c for c in HOTSPOT_CLASSES if c != NOT_SIGNIFICANT]
    table = pd.crosstab(ward, cells["hotspot_class"]).reindex(columns=classes, fill_value=0)
    table = table.loc[:, table.sum() > 0]
    table.columns.name = None
    table["Cells with incidents"] = (cells["count"] > 0).groupby(ward).sum()
    table = table.sort_values([*table.columns], ascending=False, kind="stable")
    return table.reset_index(names="Ward")


def show_ward_map_text(ward_frame: pd.DataFrame, measure: str, threshold: int | None) -> None:
    """Under the ward map: its wards by colour class."""
    with st.expander(EXPANDER_LABEL):
        table = ward_classes(ward_frame, measure, threshold)
        # The class as the row's header cell: a screen reader names each row by it.
        st.table(table.set_index(table.columns[0]))


def show_hotspot_map_text(cells: pd.DataFrame) -> None:
    """Under the hot-spot map: its cells, by ward and class."""
    with st.expander(EXPANDER_LABEL):
        by_ward = hotspot_cells_by_ward(cells)
        hot = int(cells["hotspot_class"].str.startswith("Hot").sum())
        st.markdown(
            f"The map draws {len(cells):,} cells: {hot:,} hot spots, and "
            f"{int((cells['count'] > 0).sum()):,} cells that had at least one incident."
        )
        st.table(by_ward.set_index("Ward"))
