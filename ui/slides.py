"""Presentation mode as a slide show of the panel's "Anti-Social Behaviour Overview".

The scrutiny panel's deck runs: incident types, seasonal patterns, ward patterns, where it clusters,
district data. With ``present=1`` the sidebar (and with it the page list) is hidden so the projector
shows the figure alone; this module is what the presenter moves with instead: Previous and Next
(also the Left and Right arrow keys, and PageUp/PageDown, which a presentation clicker sends), a
list of the slides, and a way out of presentation mode, on every page. Pages that are not slides
(Overview, Crime, Ward profile, Data, About, Accessibility) get the same bar, with a way into the
slides, so no page is a dead end.

Moving between slides keeps every filter: the sidebar writes them to the address on every run, and
the page changes within the same session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage

from ui.state import current


class Slide(NamedTuple):
    """A slide: the page it is (its address, from its file in app_pages/), its title as the deck names
    it, and the part of the page it shows when a page gives more than one slide (None: the page's own
    figure and table). The part travels in the address as ``sl``."""

    path: str
    title: str
    part: str | None = None


#: The deck's order. The overview opens with how ASB is measured (the National Incident Recording
#: Standard's classes), then incident types, seasonal patterns, the ward table, where it clusters and the
#: district comparison; the time of week and the funnel plot follow the slides they belong with.
SLIDES: tuple[Slide, ...] = (
    Slide("incident_types", "Measuring ASB", "nirs"),
    Slide("incident_types", "Incident types"),
    Slide("incident_types", "Time of week", "time"),
    Slide("seasonal", "Seasonal patterns"),
    Slide("wards", "Ward patterns"),
    Slide("wards", "Wards for their size", "funnel"),
    Slide("hotspots", "Where?"),
    Slide("districts", "District data"),
)
#: The address's key for a slide's part of its page.
PART_KEY = "sl"

_PAGES_KEY = "_slide_pages"

#: The plot area of a slide's chart, px: with its title, legend and axis (about 170 px more) and the
#: header above it, the figure fits a 1280x720 projector without scrolling.
SLIDE_PLOT_HEIGHT = 250
#: A slide's map, px.
SLIDE_MAP_HEIGHT = 400
#: A slide's table rows, px (Streamlit's are 35): the panel's ward table (12 wards and the Grand
#: Total) fits beside the map at 1280x720 without scrolling.
SLIDE_ROW_HEIGHT = 28
#: The most rows a slide's table shows before it scrolls in its box (a district of 23 wards, or all
#: North Worcestershire's, cannot fit a screen: the presenter scrolls the table, not the slide).
SLIDE_TABLE_ROWS = 13


def slide_table_height(rows: int) -> int | str:
    """The height of a slide's table of ``rows`` rows and its header: up to :data:`SLIDE_TABLE_ROWS`
    rows, its content's ("content": the browser measures the header, which is 35 px tall at
    1280x720 and 48 px at 1920x1080, so a height in pixels left an empty strip under the last row
    on one screen or the other); more, a box of that many rows that scrolls."""
    if rows <= SLIDE_TABLE_ROWS:
        return "content"
    return (SLIDE_TABLE_ROWS + 1) * SLIDE_ROW_HEIGHT + 24  # the header row is taller (35 to 48 px)


def slide_areas(present: bool, split: tuple[int, int] = (3, 2)) -> tuple[DeltaGenerator, DeltaGenerator]:
    """Where a page draws its figure and its words (sentence, table, notes): on a slide, side by
    side (the figure on the left, ``split`` of the width) so both fit one screen; otherwise the
    words above the figure, full width. Returns (figure area, words area)."""
    if present:
        figure, words = st.columns(list(split), gap="medium")
        return figure, words
    words = st.container()
    return st.container(), words


def register(pages: Sequence[StreamlitPage], current: StreamlitPage) -> None:
    """Remember the app's pages (by address) and which one this run shows: app.py calls this after
    st.navigation, so the bar can switch to a slide's own Page object."""
    st.session_state[_PAGES_KEY] = ({page.url_path: page for page in pages}, current.url_path)


def _position() -> tuple[dict[str, StreamlitPage], int | None]:
    """The pages by address, and the slide this page is (None for a page that is not a slide)."""
    by_path, path = st.session_state.get(_PAGES_KEY, ({}, None))
    part = st.query_params.get(PART_KEY) or None
    for index, slide in enumerate(SLIDES):
        if slide.path == path and slide.part == part:
            return by_path, index
    # A part this page has no slide for (a link edited by hand): the page's own slide.
    return by_path, next((i for i, slide in enumerate(SLIDES) if slide.path == path and slide.part is None), None)


def slide_part() -> str | None:
    """The part of this page the slide shows ("nirs", "time", "funnel"), or None: the page's own
    figure and table (and always None outside presentation mode)."""
    if not current().present:
        return None
    _, index = _position()
    return SLIDES[index].part if index is not None else None


def slide_title(title: str) -> str:
    """The heading of this page: the slide's title on a slide of one part of a page, else ``title``."""
    part = slide_part()
    return next((slide.title for slide in SLIDES if slide.part == part), title) if part else title


def _go(by_path: dict[str, StreamlitPage], index: int) -> None:
    slide = SLIDES[index]
    page = by_path.get(slide.path)
    if page is not None:
        # With the address's filters: a page opened without them would start from the defaults.
        params = current().query_params() | ({PART_KEY: slide.part} if slide.part else {})
        st.switch_page(page, query_params=params)


def _exit() -> None:
    st.session_state.update(f_present=False)
    st.query_params.pop(PART_KEY, None)  # the page itself, whole, not one part of it


def slide_bar() -> None:
    """The presenter's controls, in one row at the top of the page."""
    by_path, index = _position()
    titles = [slide.title for slide in SLIDES]
    row = st.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center", key="slide-bar")
    if index is None:
        if row.button("Start the slides", key="slide-start", icon=":material/slideshow:", shortcut="Right"):
            _go(by_path, 0)
    else:
        if row.button("Previous", key="slide-prev", icon=":material/arrow_back:", disabled=index == 0, shortcut="Left"):
            _go(by_path, index - 1)
        choice = row.selectbox(
            "Slide",
            range(len(SLIDES)),
            index=index,
            format_func=lambda i: f"{i + 1} of {len(SLIDES)}: {titles[i]}",
            key=f"slide-list-{index}",
            label_visibility="collapsed",
            width=250,
        )
        if choice != index:
            _go(by_path, choice)
        if row.button(
            "Next",
            key="slide-next",
            icon=":material/arrow_forward:",
            icon_position="right",
            disabled=index == len(SLIDES) - 1,
            shortcut="Right",
        ):
            _go(by_path, index + 1)
        # A clicker sends PageDown/PageUp: the same moves, as small buttons beside the others.
        if row.button("Next (clicker)", key="slide-pagedown", shortcut="PageDown", type="tertiary"):
            _go(by_path, min(index + 1, len(SLIDES) - 1))
        if row.button("Previous (clicker)", key="slide-pageup", shortcut="PageUp", type="tertiary"):
            _go(by_path, max(index - 1, 0))
    row.button(
        "Exit presentation mode",
        key="exit-present",
        icon=":material/close_fullscreen:",
        on_click=_exit,
        shortcut="Esc",
    )
