"""The "Did it work?" section of the ASB tools and powers page: an intervention of the register (or
wards chosen by hand) and a start month, before and after against the season and a comparison
area (analytics/analyses/impact.py), with a verdict that never claims more than its interval."""

from __future__ import annotations

import datetime

import pandas as pd
import streamlit as st

from analytics.analyses import impact
from analytics.analyses.impact import ImpactRefused
from analytics.core.periods import month_label
from analytics.present.impact_words import verdict_parts
from ui import data
from ui import register as ui_register
from ui.render import public_threshold, show_error, show_table
from ui.state import Filters, keep_choice, linked_choice

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


def _entry(register: pd.DataFrame) -> pd.Series | None:
    """The register entry to evaluate (those with wards), or None for wards chosen by hand."""
    placed = register[register.wards.notna()]
    names = dict(zip(placed.register_id, placed["name"], strict=True))
    options = ["", *names]
    chosen = st.selectbox(
        "Intervention",
        options,
        index=options.index(linked_choice("iv", "impact_entry", options, "")),
        key="impact_entry",
        format_func=lambda i: names.get(i, "Wards chosen by hand"),
    )
    keep_choice("iv", chosen)
    return placed.set_index("register_id").loc[chosen] if chosen else None


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
    entry = _entry(register)
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
    if not target or start is None:
        st.info("Choose the target wards and the month it started.")
        return
    try:
        areas = _areas(tuple(target), boundaries, names, version)
        frame = ui_register.evaluation(filters.selection.with_(wards=(), districts=()), areas, start, months, version)
    except ImpactRefused as refused:
        show_error(refused)
        return
    first, *rest = verdict_parts(frame, public_threshold())
    st.markdown(f"#### {first}")
    st.markdown(" ".join(rest))
    show_table(frame, "impact", columns=COLUMNS, labels=LABELS)
