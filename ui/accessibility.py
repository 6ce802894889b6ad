"""What every page needs to meet WCAG 2.2 AA beyond what Streamlit gives: a focus you can see on
every control (the skip link included), and reflow at 320 CSS pixels. Drawn once per run by
app.py (:func:`install`).

Caption contrast is the theme's (.streamlit/config.toml, textColor); the accessibility
statement is app_pages/accessibility.py; tests/browser/test_accessibility.py checks it all.
The statement is in the form the Public Sector Bodies (Websites and Mobile Applications) (No. 2)
Accessibility Regulations 2018 ask for (GOV.UK's model): compliance status, the parts that do not
comply and why, how to report a problem, and when and how it was tested.
"""

from __future__ import annotations

import streamlit as st

from analytics.present.maps import BACKGROUND_COLOUR

#: Streamlit's own skip link (the first Tab stop of every page; it moves the focus to the main
#: column). We only make sure it shows, in the focus colours, when it has the focus.
SKIP_LINK = '[data-testid="stSkipToContent"]'
#: Key prefix of the box ui.render.show_chart draws each chart in, and the narrowest a chart is
#: drawn: its title, legend and axis labels are placed for a half-width column of a laptop and do
#: not re-flow, so below that a chart scrolls in its box (WCAG 1.4.10 allows it for a graph).
CHART_BOX = "chart-box-"
CHART_MIN_WIDTH_PX = 560
#: GOV.UK's focus colours: yellow with near-black, at least 3:1 against white, the theme's blue
#: and the sidebar's grey (WCAG 1.4.11 and 2.4.7).
FOCUS_YELLOW = "#FFDD00"
FOCUS_BLACK = "#0B0C0C"

ACCESSIBILITY_CSS = f"""
<style>
/* 2.4.7: a focus ring on every control, in the same two colours everywhere. */
[data-testid="stApp"] :focus-visible {{
  outline: 3px solid {FOCUS_BLACK} !important;
  outline-offset: 2px !important;
  box-shadow: 0 0 0 6px {FOCUS_YELLOW} !important;
}}
/* 2.4.1: the skip link, off screen until it has the focus (the first Tab on any page). */
{SKIP_LINK}:focus {{
  background: {FOCUS_YELLOW} !important; color: {FOCUS_BLACK} !important;
  font-weight: 700; text-decoration: underline;
}}
/* 1.4.10: at 320 CSS pixels nothing makes the page scroll sideways; a wide table or a map
   scrolls inside its own box instead. */
[data-testid="stMainBlockContainer"] {{ min-width: 0; max-width: 100vw; }}
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"] {{ overflow-wrap: anywhere; }}
[data-testid="stTable"], [data-testid="stDeckGlJsonChart"] {{ overflow-x: auto; }}
/* 1.4.11: the plain ground every map is drawn on (ward fills, cells and labels are chosen against
   it), behind the map's transparent canvas: a page colour costs the browser nothing, where a
   layer the size of the map cost software WebGL about 0.4 s a map (analytics/present/maps.py). */
[data-testid="stDeckGlJsonChart"] {{ background: rgb{BACKGROUND_COLOUR}; }}
/* 1.4.3: Streamlit's chart theme draws axis labels and titles in #808495 (3.7:1 on white); the
   charts' own text is black (analytics/present/layout.py). Hover labels keep their colours. */
[data-testid="stPlotlyChart"] :is(g[class*="tick"] > text, g[class*="title"] text, .legendtext) {{
  fill: {FOCUS_BLACK} !important;
}}
@media (max-width: {CHART_MIN_WIDTH_PX + 80}px) {{
  [class*="st-key-{CHART_BOX}"] {{ overflow-x: auto; }}
  [class*="st-key-{CHART_BOX}"] > * {{ min-width: {CHART_MIN_WIDTH_PX}px; }}
}}
/* A metric's label wraps rather than being cut off with an ellipsis ("5 of 1..."). */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
</style>
"""


def install() -> None:
    """The focus ring, the skip link's colours and the reflow rules, on every page (called once per run)."""
    # A body of <style> only goes to Streamlit's event container: it takes no room on the page.
    st.html(ACCESSIBILITY_CSS)


#: The date of the last test (tests/browser/test_accessibility.py, run with the whole suite).
LAST_TESTED = "4 December 2026"
AXE_VERSION = "4.14.1"  # package-lock.json pins it; a test keeps the two in step

STATEMENT = f"""
This statement applies to the North Worcestershire ASB Explorer, a dashboard of anti-social behaviour and
crime by ward for the North Worcestershire Community Safety Partnership. We want as many people as possible
to be able to use it. You should be able to:

- reach every page, filter, download, map colouring, expander and slide by keyboard alone, with the focus
  always visible, starting from a **Skip to main content** link (the first Tab on every page);
- zoom to 400% (or use a window 320 pixels wide) without scrolling in two directions: only the maps, the
  charts and the widest tables scroll, inside their own boxes;
- read every chart as text (**Text description of this chart** under each one; on a slide, the chart's
  own text alternative) and every map as a table
  (**The map as text** under each map: the wards in each colour class, the hot-spot cells in each ward);
- tell rises, falls and significance apart without seeing colour: they are written in words and numbers.

### How accessible this dashboard is

We know some parts are not fully accessible:

- the maps are drawn on a canvas: a screen reader cannot read them, and the keyboard can pan (arrow
  keys) and zoom (+ and -) a map that has the focus but cannot move from ward to ward on it. Everything
  they show is in the table under each map.
- the lines of some earlier years on the seasonal charts (sky blue, orange) are lighter than 3:1
  against white (their points are edged in black, as are the bars of the period charts), and so are
  the grey "no change" bars of the ward-change chart. On the ward map the dark grey line between two
  wards of the darkest colours is below 3:1 against them. Each chart's text description
  gives its key figures, and each map's table gives its values.
- the data tables are drawn by Streamlit's data grid: a screen reader reads it as a grid, cell by cell.
  Each table can be downloaded as a CSV or Excel file.

### Feedback and contact information

If you find a problem, or need the information in another format, tell the Community Safety Partnership
that publishes this dashboard (its council's web team), or open an issue in the project's repository. Say
which page, which filters (copy the link from the address bar: it holds them all) and what happened.

### Enforcement procedure

The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies
(Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with how
we respond to your complaint, contact the Equality Advisory and Support Service (EASS).

### Technical information about this dashboard's accessibility

The dashboard is **partially compliant** with the Web Content Accessibility Guidelines version 2.2 AA
standard, due to the non-compliances listed below.

**Non-accessible content.** The maps (WCAG 1.1.1 and 2.1.1: the canvas has no text of its own; its
content is in the table beside it, as WCAG's conforming alternative allows), and the lighter lines of
the year-on-year chart, the grey "no change" bars of the ward-change chart and the ward outlines between
the darkest wards (WCAG 1.4.11 non-text contrast; their values are given as text; the period charts'
bars and the year lines' points are edged in black). We plan to draw them at 3:1 or more when the
charts and maps are next reworked.

### How we tested this dashboard

Last tested on {LAST_TESTED}, by the project team, with the automated tests that run on every change
(`bash scripts/test.sh`):

- axe-core {AXE_VERSION} on every page, with the panel's selection and with police.uk's default, in
  normal, public and presentation modes: no violation of a WCAG 2.0, 2.1 or 2.2 A or AA rule;
- the councillor's journey by keyboard alone, checking where the focus lands at each step;
- every page at 320 CSS pixels wide, checked for sideways scrolling, with axe, and by eye
  (docs/screenshots/);
- text contrast measured in the browser: captions 5.2:1 and chart text 19.6:1 on white.

This statement was prepared on {LAST_TESTED}.
"""
