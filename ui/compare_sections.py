"""Sections the pages add under their own tables: the funnel plot (Ward patterns), the NIRS
classes and the time of week (Incident types). Each is one analytics call, a sentence, a chart
and a table through ui.render, so captions, downloads and public mode are the house's own.

In presentation mode each is a slide of its own (ui/slides.py: "Measuring ASB", "Time of week",
"Wards for their size"): the figure on the left, the sentence and a short table beside it, one screen.
"""

from __future__ import annotations

import streamlit as st

from analytics.analyses.funnel import METHOD as FUNNEL_METHOD
from analytics.analyses.funnel import POSITIONS as FUNNEL_POSITIONS
from analytics.analyses.nirs import BY as NIRS_BY
from analytics.analyses.nirs import DEFINITIONS, NIRS_SOURCES
from analytics.analyses.nirs import NOT_IN_SOURCE as NO_NIRS
from analytics.analyses.time_of_week import NOT_IN_SOURCE as NO_TIMES
from analytics.analyses.time_of_week import REPORT_TIME_NOTE, SYNTHETIC_TIME_NOTE, TIMED_SOURCES, busiest_times
from analytics.core.table_meta import meta_of, with_meta
from analytics.present.compare_charts import funnel_chart, nirs_chart, time_of_week_chart
from analytics.present.compare_narrative import funnel_summary, nirs_summary, time_of_week_summary
from analytics.present.words import column_header
from ui import data
from ui.render import chart, public_threshold, show_chart, show_table
from ui.slides import slide_areas
from ui.state import Filters, keep_choice, linked_choice

FUNNEL_COLUMNS = [
    "ward_name",
    "district",
    "count",
    "population_mid2018",
    "rate_per_1000",
    "funnel_position",
    "limit_lower_95",
    "limit_upper_95",
    "limit_lower_998",
    "limit_upper_998",
]
NIRS_COLUMNS = [
    "ward_name",
    "district",
    "nirs_class",
    "count_a",
    "count_b",
    "share_a_pct",
    "share_b_pct",
    "difference",
    "pct_change",
    "significant",
]
#: A slide's tables: what fits half a 1280x720 screen.
SLIDE_FUNNEL_COLUMNS = ["ward_name", "rate_per_1000", "funnel_position"]
#: The funnel's verdict for a ward inside both pairs of limits.
WITHIN = "Within limits"
SLIDE_NIRS_COLUMNS = ["nirs_class", "count_a", "count_b", "difference", "pct_change"]
NIRS_BY_NAMES = {"class": "Class", "district": "District and class", "ward": "Ward and class"}
BUSIEST_COLUMNS = ["day_name", "time", "count", "share_pct"]


def funnel_section(filters: Filters, version: int, by: str = "ward") -> None:
    """Which wards (Ward patterns; ``by="district"``: which districts, for the Districts page) are
    unusually high or low for their size, in period B."""
    st.subheader(f"Which {by}s are unusual for their size?")
    # Districts are compared all three together, as the Districts page compares them.
    selection = filters.area_selection if by == "ward" else filters.selection.with_(districts=(), wards=())
    table = data.funnel(selection, filters.period_b, version, by)
    st.markdown(funnel_summary(table, public_threshold()))
    show_chart(chart(funnel_chart, data.funnel, selection, filters.period_b, version, by), f"funnel-{by}")
    columns = FUNNEL_COLUMNS if by == "ward" else [c for c in FUNNEL_COLUMNS if c != "ward_name"]
    label = {"count": column_header("count_a", meta_of(table)) or "Incidents"}
    show_table(table, f"funnel-{by}", columns=columns, labels=label)
    with st.expander("How the funnel is worked out"):
        st.write(FUNNEL_METHOD[:1].upper() + FUNNEL_METHOD[1:] + ".")
        st.write(
            f"A {by} above the 99.8% limit has more incidents than chance would give a {by} of its size "
            "at the area's rate more than 999 times in 1,000; above the 95% limit, 39 times in 40 (each "
            f"side). A ranking of rates puts the smallest {by}s at both ends by chance; the funnel does not."
        )
        st.write(meta_of(table).population_note)


def nirs_section(filters: Filters, version: int) -> None:
    """Incident types: the overview's 'Measuring ASB' slide, by class, district or ward."""
    st.subheader("Measuring ASB: the National Incident Recording Standard's classes")
    if filters.source not in NIRS_SOURCES:
        st.info(NO_NIRS)
        return
    st.markdown(
        "  \n".join(f"**{name}**: {words}." for name, words in DEFINITIONS.items())
        + "  \n*(the panel's overview, 'Measuring ASB')*"
    )
    periods = (filters.selection, filters.period_a, filters.period_b, version)
    classes = data.nirs(*periods)
    st.markdown(nirs_summary(classes, public_threshold()))
    show_chart(chart(nirs_chart, data.nirs, *periods), "nirs")
    options = list(NIRS_BY)
    by = (
        st.segmented_control(
            "Rows by",
            options,
            format_func=NIRS_BY_NAMES.get,
            default=linked_choice("nb", "nirs_by", options, "class"),
            key="nirs_by",
        )
        or "class"
    )
    keep_choice("nb", by)
    show_table(classes if by == "class" else data.nirs(*periods, by), "nirs", columns=NIRS_COLUMNS)


def time_of_week_section(filters: Filters, version: int) -> None:
    """Incident types: reports by hour and day of the week, and the busiest hours, in period B."""
    st.subheader("Time of week: when ASB is reported")
    if filters.source not in TIMED_SOURCES:
        st.info(NO_TIMES)
        return
    note = f"{REPORT_TIME_NOTE} {SYNTHETIC_TIME_NOTE if filters.source == 'extract' else ''}".strip()
    st.warning(note, icon=":material/schedule:")  # an emoji may have no glyph on a projector's laptop
    table = data.time_of_week(filters.selection, filters.period_b, version)
    threshold = public_threshold()
    st.markdown(time_of_week_summary(table, threshold))
    show_chart(
        chart(time_of_week_chart, data.time_of_week, filters.selection, filters.period_b, version), "time-of-week"
    )
    show_table(busiest_times(table, 10, threshold), "busiest-times", columns=BUSIEST_COLUMNS)
    with st.expander("Every hour of the week"):
        show_table(table, "time-of-week", columns=["day_name", "hour", "count", "share_pct"])


def funnel_slide(filters: Filters, version: int) -> None:
    """The slide "Wards for their size": the funnel plot, and beside it the sentence naming the wards
    outside the limits (its cautions are the page's) and those wards' rates."""
    figure_area, words_area = slide_areas(True, (1, 1))
    table = data.funnel(filters.area_selection, filters.period_b, version, "ward")
    with words_area:
        st.markdown(funnel_summary(table, public_threshold()).split(". ")[0].rstrip(".") + ".")
        outside = table["funnel_position"].isin([p for p in FUNNEL_POSITIONS if p != WITHIN])
        if outside.any():
            show_table(with_meta(table[outside], meta_of(table)), "funnel-ward", columns=SLIDE_FUNNEL_COLUMNS)
    with figure_area:
        # The wards outside the limits are named in the table beside it, not on the points.
        selection = filters.area_selection
        figure = chart(funnel_chart, data.funnel, selection, filters.period_b, version, "ward", names=False)
        show_chart(figure, "funnel")


def nirs_slide(filters: Filters, version: int) -> None:
    """The overview's "Measuring ASB" slide: the classes' chart, and beside it what each class means,
    the sentence and the table by class (or why the source has no classes)."""
    figure_area, words_area = slide_areas(True, (1, 1))
    with words_area:
        st.markdown("  \n".join(f"**{name}**: {words}." for name, words in DEFINITIONS.items()))
        if filters.source not in NIRS_SOURCES:
            st.info(NO_NIRS)
            return
        periods = (filters.selection, filters.period_a, filters.period_b, version)
        classes = data.nirs(*periods)
        st.markdown(nirs_summary(classes, public_threshold()))
        show_table(classes, "nirs", columns=SLIDE_NIRS_COLUMNS)
    with figure_area:
        show_chart(chart(nirs_chart, data.nirs, *periods), "nirs")


def time_of_week_slide(filters: Filters, version: int) -> None:
    """The slide "Time of week": the heat map, and beside it the caution, the sentence and the five
    busiest hours (or why the source has no report times)."""
    figure_area, words_area = slide_areas(True, (1, 1))
    with words_area:
        if filters.source not in TIMED_SOURCES:
            st.info(NO_TIMES)
            return
        note = f"{REPORT_TIME_NOTE} {SYNTHETIC_TIME_NOTE if filters.source == 'extract' else ''}".strip()
        st.warning(note, icon=":material/schedule:")
        table = data.time_of_week(filters.selection, filters.period_b, version)
        threshold = public_threshold()
        st.markdown(time_of_week_summary(table, threshold))
        show_table(busiest_times(table, 5, threshold), "busiest-times", columns=BUSIEST_COLUMNS)
    with figure_area:
        show_chart(
            chart(time_of_week_chart, data.time_of_week, filters.selection, filters.period_b, version), "time-of-week"
        )
