"""The sidebar filters shared by every page, read from and written back to the URL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics.core import settings
from analytics.core.periods import calendar_year_period, financial_year, financial_year_label, financial_year_period
from analytics.core.vocabulary import ASB_CATEGORY, suppressed_label
from ui import data
from ui.state import (
    DEFAULT_VINTAGE,
    PERIOD_TYPES,
    SOURCE_NAMES,
    Filters,
    page_choices_in_link,
    param,
    parse_or_none,
)

VINTAGE_NAMES = {
    "wd22": "WD22: Redditch's 12 wards (2012 to May 2024)",
    "wd25": "WD25: Redditch's 9 wards (since May 2024)",
}
KEYS = ("f_src", "f_d", "f_w", "f_cat", "f_pt", "f_a", "f_b", "f_v", "f_present")


def _year_choices(months: list[date], period_type: str) -> list[str]:
    if period_type == "fy":
        return [f"FY{y}" for y in sorted({financial_year(m) for m in months})]
    return [f"CY{y}" for y in sorted({m.year for m in months})]


def _default_periods(source: str, period_type: str, months: list[date]) -> tuple[str, str]:
    """A like-for-like pair: complete years where the source has them, else the latest two."""
    a, b = data.default_comparison(source, data.data_version())
    if period_type == "months":
        return a.spec, b.spec
    present = set(months)
    choices = _year_choices(months, period_type)
    build = financial_year_period if period_type == "fy" else calendar_year_period
    complete = [c for c in choices if all(m in present for m in build(int(c[2:])).months)]
    pool = complete if len(complete) >= 2 else choices
    if len(pool) == 1:
        return pool[0], pool[0]
    return pool[-2], pool[-1]


def _reset_for_source() -> None:
    """A new source: its own sensible category, boundary vintage and periods; the districts and
    the ward are kept (the ward followed into the new vintage, :func:`_follow_ward`)."""
    ss = st.session_state
    source = ss.f_src
    before = ss.get("f_v_shown", ss.f_v)
    ss.f_v = DEFAULT_VINTAGE[source]
    notes = [f"Switched to {SOURCE_NAMES[source]}: its category, periods and boundaries start from their defaults."]
    if ss.f_cat != "asb":
        notes.append("The category went back to anti-social behaviour.")
    ss.f_cat = "asb"
    ss.f_pt = "fy" if source == "extract" else "months"
    ss.pop("f_a", None)
    ss.pop("f_b", None)
    _follow_ward(before, ss.f_v, notes)


def _changed_vintage() -> None:
    """New boundaries chosen: follow the ward into them."""
    ss = st.session_state
    _follow_ward(ss.get("f_v_shown", ss.f_v), ss.f_v, [])


def _follow_ward(before: str, after: str, notes: list[str]) -> None:
    """The ward chosen under ``before`` boundaries, in ``after``'s: the same ward when its code is in
    both; the one ward its LSOAs fall in; or, when they fall in several, none, with their names
    offered (``ward_choices``). What happened is said under the ward (``ward_note``)."""
    ss = st.session_state
    ward = ss.get("f_w") or ""
    ss.pop("ward_choices", None)
    if ward and before != after:
        twins = data.options(data.data_version())["twins"]
        mine = twins[(twins.from_vintage == before) & (twins.from_code == ward) & (twins.to_vintage == after)]
        name = _ward_name(ward, before)
        if len(mine) == 1 and mine.lsoas.isna().all():
            pass  # the same ward in both vintages
        elif len(mine) == 1:
            ss.f_w = mine.to_code.iloc[0]
            notes.append(
                f"{name} ({before.upper()}) lies within {mine.to_name.iloc[0]} ({after.upper()}): shown instead."
            )
        else:
            ss.f_w = ""
            ss.ward_choices = list(mine.to_code)
            names = ", ".join(mine.to_name)
            notes.append(f"{name} ({before.upper()}) has no single {after.upper()} ward: it is covered by {names}.")
    ss.ward_note = " ".join(notes) or None


def _ward_name(code: str, vintage: str) -> str:
    wards = data.options(data.data_version())["wards"]
    match = wards[(wards.vintage == vintage) & (wards.ward_code == code)]
    return str(match.ward_name.iloc[0]) if len(match) else code


def _reset_periods() -> None:
    st.session_state.pop("f_a", None)
    st.session_state.pop("f_b", None)


FILTER_KEYS = ("f_src", "f_d", "f_w", "f_cat", "f_pt", "f_v", "f_present")


def _from_url(opts: dict) -> None:
    """First run of a session: take the filters from the link, keeping only valid values."""
    ss = st.session_state
    source = param("src", "police_uk")
    ss.f_src = source if source in SOURCE_NAMES else "police_uk"
    ss.f_d = [d for d in (param("d") or "").split(",") if d in opts["districts"]]
    ss.f_v = param("v", DEFAULT_VINTAGE[ss.f_src]) if param("v") in VINTAGE_NAMES else DEFAULT_VINTAGE[ss.f_src]
    ss.f_w = param("w", "")
    categories = ["asb"] + (["crime"] + opts["categories"] if ss.f_src == "police_uk" else [])
    ss.f_cat = param("cat", "asb") if param("cat", "asb") in categories else "asb"
    pt = param("pt", "fy" if ss.f_src == "extract" else "months")
    ss.f_pt = pt if pt in PERIOD_TYPES else "fy"
    for key, name in (("f_a", "a"), ("f_b", "b")):
        if parse_or_none(param(name)):
            ss[key] = param(name)
    ss.f_present = param("present") == "1"
    ss.f_init = True


def _source_and_category(opts: dict) -> str:
    """The data source and the category counted; returns the source."""
    ss = st.session_state
    st.radio("Data source", list(SOURCE_NAMES), format_func=SOURCE_NAMES.get, key="f_src", on_change=_reset_for_source)
    source = ss.f_src
    categories = ["asb"] + (
        ["crime"] + [c for c in opts["categories"] if c != ASB_CATEGORY] if source == "police_uk" else []
    )
    if ss.f_cat not in categories:
        ss.f_cat = "asb"
    st.selectbox(
        "Category",
        categories,
        key="f_cat",
        format_func=lambda c: {"asb": "Anti-social behaviour", "crime": "All recorded crime (not ASB)"}.get(c, c),
    )
    return source


def _place(opts: dict) -> None:
    """Districts, the ward boundary vintage and a ward of them."""
    ss = st.session_state
    st.multiselect("District", opts["districts"], key="f_d", placeholder="All of North Worcestershire")
    st.radio(
        "Ward boundaries",
        list(VINTAGE_NAMES),
        format_func=VINTAGE_NAMES.get,
        key="f_v",
        on_change=_changed_vintage,
        help="Redditch changed its wards in May 2024. Every incident is placed in a ward of both "
        "vintages, so either can be used for any period.",
    )
    wards = opts["wards"]
    wards = wards[(wards.vintage == ss.f_v) & (wards.district.isin(ss.f_d or opts["districts"]))]
    ward_codes = [""] + wards.ward_code.tolist()
    names = dict(zip(wards.ward_code, ward_labels(wards), strict=False))
    if ss.get("f_w") and ss.f_w not in ward_codes:
        _ward_not_here(ss.f_w, opts, names)
    st.selectbox(
        "Ward", ward_codes, key="f_w", format_func=lambda c: names.get(c, "All wards"), on_change=_clear_ward_note
    )
    ss.f_v_shown = ss.f_v
    if ss.get("ward_note"):
        st.info(ss.ward_note)
    for code in ss.get("ward_choices") or []:
        if code in names:
            st.button(names[code], key=f"ward-choice-{code}", on_click=_choose_ward, args=(code,))


def ward_labels(wards: pd.DataFrame) -> pd.Series:
    """How a ward is offered: its name (with "and", as the panel writes it), its district, and the
    ONS spelling too where it differs ("&"), so typing either finds it."""
    ons = wards.get("ons_name", wards.ward_name)
    other = [f"; ONS: {o}" if o != n else "" for n, o in zip(wards.ward_name, ons, strict=True)]
    return wards.ward_name + " (" + wards.district + pd.Series(other, index=wards.index) + ")"


def _ward_not_here(code: str, opts: dict, names: dict) -> None:
    """A ward (from a link, or kept from before) that is not among the wards offered: say why."""
    ss = st.session_state
    every = opts["wards"]
    other = every[(every.ward_code == code) & (every.vintage != ss.f_v)]
    if len(other):
        _follow_ward(str(other.vintage.iloc[0]), ss.f_v, [])
    if ss.f_w not in names:
        ss.f_w = ""
        if not len(other):
            ss.ward_note = f"The ward {code} is not a ward of the districts chosen; showing all wards."


def _clear_ward_note() -> None:
    st.session_state.pop("ward_choices", None)
    st.session_state.ward_note = None


def _choose_ward(code: str) -> None:
    st.session_state.f_w = code
    st.session_state.pop("ward_choices", None)
    st.session_state.ward_note = None


def _periods(source: str, months: list[date]) -> tuple[str, str]:
    """The kind of period and periods A and B; returns the default pair (for a period mistyped)."""
    ss = st.session_state
    st.radio(
        "Compare",
        list(PERIOD_TYPES),
        format_func=PERIOD_TYPES.get,
        key="f_pt",
        on_change=_reset_periods,
        horizontal=False,
    )
    default_a, default_b = _default_periods(source, ss.f_pt, months)
    if ss.f_pt == "months":
        ss.setdefault("f_a", default_a)
        ss.setdefault("f_b", default_b)
        st.text_input("Period A (earlier)", key="f_a", help="Months written YYYY-MM..YYYY-MM, e.g. 2024-01..2024-04")
        st.text_input("Period B (later)", key="f_b")
    else:
        choices = _year_choices(months, ss.f_pt)
        replaced = False
        for key, default in (("f_a", default_a), ("f_b", default_b)):
            if ss.get(key) not in choices:
                ss[key], replaced = default, True
        if replaced and choices.index(ss.f_a) > choices.index(ss.f_b):
            # A link's year the source lacks was replaced: never leave A after B ("2024-25 to 2018-19").
            ss.f_a, ss.f_b = default_a, default_b
        label = (lambda c: financial_year_label(int(c[2:]))) if ss.f_pt == "fy" else (lambda c: c[2:])
        st.selectbox("Period A (earlier)", choices, key="f_a", format_func=label)
        st.selectbox("Period B (later)", choices, key="f_b", format_func=label)
    return default_a, default_b


def _presentation_and_public_mode() -> None:
    """The presentation-mode toggle, and in public mode a note of the rule."""
    st.toggle(
        "Presentation mode",
        key="f_present",
        help="Large type, no sidebar: for a projector. "
        "Add ?present=1 to a link to open in it; switch it off with the toggle (sidebar arrow) or "
        "by removing present=1.",
    )
    if settings.get("public_mode"):
        threshold = settings.get("disclosure_threshold")
        st.info(f"Public mode: counts below {threshold} are shown as {suppressed_label(threshold)}.")


def sidebar() -> Filters:
    """Draw the filters; return them (and store them in the URL and session state)."""
    opts = data.options(data.data_version())
    ss = st.session_state
    # Streamlit drops widget-bound keys of widgets not drawn on a run (a page without the
    # sidebar, a fresh session on a deep link): take the filters from the link again then.
    if not ss.get("f_init") or any(key not in ss for key in FILTER_KEYS):
        _from_url(opts)
    with st.sidebar:
        source = _source_and_category(opts)
        _place(opts)
        default_a, default_b = _periods(source, opts["months"].get(source, []))
        _presentation_and_public_mode()
    period_a = parse_or_none(ss.f_a) or parse_or_none(default_a)
    period_b = parse_or_none(ss.f_b) or parse_or_none(default_b)
    if parse_or_none(ss.f_a) is None or parse_or_none(ss.f_b) is None:
        st.sidebar.warning("A period is not written YYYY-MM..YYYY-MM; showing the default periods instead.")
    filters = Filters(
        source=source,
        districts=tuple(ss.f_d),
        ward=ss.f_w or None,
        category=ss.f_cat,
        period_type=ss.f_pt,
        period_a=period_a,
        period_b=period_b,
        boundaries=ss.f_v,
        present=bool(ss.f_present),
    )
    ss.filters = filters
    st.query_params.from_dict({**filters.query_params(), **page_choices_in_link()})
    return filters
