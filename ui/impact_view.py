"""The "Did it work?" section of the ASB tools and powers page: an intervention of the register (or
wards chosen by hand) and a start month, before and after against the season and a comparison
area (analytics/analyses/impact.py), with a verdict that never claims more than its interval."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.analyses import impact, impact_area
from analytics.analyses.impact import ImpactRefused
from analytics.core.periods import month_label
from analytics.core.selection import Selection
from analytics.present.impact_words import verdict_parts
from ui import data
from ui import register as ui_register
from ui.render import public_threshold, show_error, show_table
from ui.state import Filters, keep_choice, linked_choice

#: An evaluation to run once the months are chosen: (selection, start, months) -> the impact table.
Evaluation = Callable[[Selection, datetime.date, int], pd.DataFrame]
LABELS = {
    "area": "Area",
    "ward_name": "Wards",
    "difference": "After minus a year earlier",
    "expected_after": "Expected after (season and comparison)",
    "effect": "Effect (incidents)",
    "effect_lower": "95% interval, low",
    "effect_upper": "95% interval, high",
    "p_value": "p-value",
}
COLUMNS = ["area", "ward_name", "count_a", "count_b", "difference", "expected_after", "effect", "effect_lower"]
COLUMNS += ["effect_upper", "p_value"]
HOW = (
    "The months from the start (after) are compared with the same months a year earlier (before), so the "
    "season cancels out: before is what the season predicts. The comparison area corrects that for the "
    "year's trend: the target is expected to move as the comparison area moved (its count a year earlier "
    "times the comparison area's after / before). The effect is after minus expected; the buffer's effect "
    "shows incidents pushed next door (displacement) or a spread of the benefit; their sum is the weighted "
    "displacement difference (Wheeler and Ratcliffe 2018, *Crime Science* 7:11). The 95% interval treats "
    "counts as Poisson; an effect is called a rise or a fall only when its whole interval is on one side of "
    f"no change. It refuses when a month of either window is missing from the source (missing is not zero) "
    f"or a before count is under {impact.MIN_COUNT}."
)


#: The option of an area drawn as GeoJSON rather than wards.
AREA = "area"


def _entry(register: pd.DataFrame) -> tuple[str, pd.Series | None]:
    """The choice (a register entry with wards or an area, wards chosen by hand, or an area drawn)
    and its register entry, if it is one."""
    placed = register[register.wards.notna() | register.area_geojson.notna()]
    names = dict(zip(placed.register_id, placed["name"], strict=True))
    options = ["", AREA, *names]
    chosen = st.selectbox(
        "Intervention",
        options,
        index=options.index(linked_choice("iv", "impact_entry", options, "")),
        key="impact_entry",
        format_func=lambda i: names.get(i, "An area drawn (GeoJSON polygon)" if i == AREA else "Wards chosen by hand"),
    )
    keep_choice("iv", chosen)
    return chosen, (placed.set_index("register_id").loc[chosen] if chosen in names else None)


def _wards_evaluation(entry: pd.Series | None, filters: Filters, version: int) -> Evaluation | None:
    """Target wards (the entry's, or the sidebar's ward), buffer and comparison: the evaluation to run."""
    boundaries = entry.boundaries if entry is not None else filters.boundaries
    names = ui_register.ward_names(boundaries, version)
    default = entry.wards.split(";") if entry is not None else ([filters.ward] if filters.ward in names else [])
    target = st.multiselect(
        f"Target wards ({boundaries.upper()})",
        list(names),
        default=default,
        format_func=names.get,
        key=f"impact_target_{entry.name if entry is not None else boundaries}",
    )
    if not target:
        return None
    areas = _areas(tuple(target), boundaries, names, version)
    return lambda selection, start, months: ui_register.evaluation(selection, areas, start, months, version)


def _area_evaluation(entry: pd.Series | None, version: int) -> Evaluation | None:
    """A GeoJSON polygon (the entry's, or pasted) and the buffer ring's width: the evaluation to run."""
    geojson = st.text_area(
        "The area, as a GeoJSON Polygon or MultiPolygon (longitude, latitude)",
        value=entry.area_geojson if entry is not None else "",
        key=f"impact_area_{entry.name if entry is not None else AREA}",
        help="For example drawn on a map tool and exported as GeoJSON: the geometry, not a whole FeatureCollection.",
    ).strip()
    metres = st.number_input(
        "Buffer ring around it (metres)", 100, 2000, impact_area.BUFFER_METRES, 100, key="impact_buffer_metres"
    )
    if not geojson:
        return None
    name = entry["name"] if entry is not None else "the area drawn"
    return lambda selection, start, months: ui_register.area_evaluation(
        selection, geojson, start, months, float(metres), name, version
    )


def _start(entry: pd.Series | None, held: list[datetime.date], source_label: str) -> datetime.date | None:
    specs = [f"{m:%Y-%m}" for m in held]
    default = entry.start if entry is not None and entry.start in specs else None
    linked = linked_choice("is", "impact_start", specs, default or "")
    chosen = st.selectbox(
        "Start month",
        specs,
        index=specs.index(linked) if linked in specs else None,
        key="impact_start",
        format_func=lambda s: month_label(datetime.date(int(s[:4]), int(s[5:]), 1)),
        placeholder="date to confirm: choose the month it started"
        if entry is not None and entry.start == "date to confirm"
        else "Choose the month it started",
        help=f"The months {source_label} holds.",
    )
    keep_choice("is", chosen)
    return datetime.date(int(chosen[:4]), int(chosen[5:]), 1) if chosen else None


def _areas(target: tuple[str, ...], boundaries: str, names: dict[str, str], version: int) -> impact.Areas:
    defaults = ui_register.default_areas(target, boundaries, version)
    with st.expander("Buffer and comparison area"):
        key = "-".join(target)
        buffer = st.multiselect(
            "Buffer (where displaced incidents would go; default: the wards touching the target)",
            list(names),
            default=list(defaults.buffer),
            format_func=names.get,
            key=f"impact_buffer_{key}",
        )
        control = st.multiselect(
            "Comparison area (like the target, untouched; default: the rest of its district)",
            [c for c in names if c not in target],
            default=list(defaults.control),
            format_func=names.get,
            key=f"impact_control_{key}",
        )
    return impact.Areas(target, tuple(buffer), tuple(control), boundaries)


def did_it_work(filters: Filters, register: pd.DataFrame, version: int) -> None:
    st.subheader("Did it work?")
    st.caption(HOW)
    choice, entry = _entry(register)
    if choice == AREA or (entry is not None and not entry.wards):
        evaluation = _area_evaluation(entry, version)
    else:
        evaluation = _wards_evaluation(entry, filters, version)
    held = data.options(version)["months"].get(filters.source, [])
    left, right = st.columns(2)
    with left:
        start = _start(entry, held, filters.selection.source_label)
    with right:
        months = int(
            st.selectbox(
                "Months after the start",
                [str(n) for n in range(1, 13)],
                index=int(linked_choice("im", "impact_months", [str(n) for n in range(1, 13)], "12")) - 1,
                key="impact_months",
            )
        )
        keep_choice("im", str(months))
    possible = ui_register.evaluable_starts(filters.source, months, version)
    st.caption(
        f"Start months {filters.selection.source_label} can evaluate with {months} month(s) either side: "
        + (", ".join(month_label(m) for m in possible) or "none")
        + "."
    )
    if evaluation is None or start is None:
        st.info("Choose the target (wards or an area) and the month it started.")
        return
    try:
        frame = evaluation(filters.selection.with_(wards=(), districts=()), start, months)
    except ImpactRefused as refused:
        show_error(refused)
        return
    first, *rest = verdict_parts(frame, public_threshold())
    st.markdown(f"#### {first}")
    st.markdown(" ".join(rest))
    show_table(frame, "impact", columns=COLUMNS, labels=LABELS)
