"""WCAG 2.2 AA in a real browser: axe-core on every page in normal, public and presentation modes,
for the panel's selection and police.uk's default; chart text contrast; each map's content as
text; every page at 320 CSS pixels wide without sideways scrolling (screenshots kept in
artifacts/screenshots/, and with ASB_UPDATE_SCREENSHOTS=1 in docs/screenshots/ for checking by eye).

What axe cannot check on a canvas, and how it is checked instead: tests/browser/a11y.py CANVAS_LIMITS.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.a11y import (
    CANVAS_LIMITS,
    PANEL,
    READY,
    describe,
    needed_ratio,
    run_axe,
    seen_contrast,
    svg_text_contrast,
)
from tests.browser.conftest import start_server
from tests.browser.test_e2e import _keep
from tests.conftest import ROOT
from ui.accessibility import AXE_VERSION, CHART_MIN_WIDTH_PX

PAGES = [
    "",
    "incident_types",
    "seasonal",
    "wards",
    "hotspots",
    "districts",
    "crime",
    "ward_profile",
    "tools_powers",
    "data",
    "about",
    "accessibility",
]
SELECTIONS = {"panel": PANEL, "police.uk default": ""}
#: Ward profile is read with a ward chosen (the councillor's page): Abbey in WD22 for the panel,
#: Central in WD25 (police.uk's default vintage) otherwise.
WARD = {"panel": "&w=E05007868", "police.uk default": "w=E05015617"}
#: The page has drawn: no placeholder left, every chart's SVG and every map's canvas in place.
DRAWN = """() => !document.querySelector('[data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))
  && [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')].every(c => c.querySelector('canvas'))"""


@pytest.fixture(scope="module")
def public_server(built_db):
    process, url = start_server(built_db, {"ASB_PUBLIC_MODE": "true"})
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def tall_page(browser):
    """One tab for all the pages (a new context per page would double the time): 2,400 pixels
    tall, so that axe sees every element drawn, not only the first screen."""
    context = browser.new_context(viewport={"width": 1600, "height": 2400})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def narrow_page(browser):
    """One tab 320 CSS pixels wide (1280 at 400% zoom), tall enough to show a whole page."""
    context = browser.new_context(viewport={"width": 320, "height": 2400})
    yield context.new_page()
    context.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function(DRAWN, timeout=30_000)


def _audit(page, base: str, extra: str) -> tuple[list[str], dict[str, int], float]:
    """Every page, both selections: axe's violations, the count of incomplete results by rule, the
    lowest chart-text contrast; a chart text below its ratio is a violation."""
    problems, incomplete, lowest = [], {}, 21.0
    for selection, query in SELECTIONS.items():
        for path in PAGES:
            ward = WARD[selection] if path == "ward_profile" else ""
            _open(page, f"{base}/{path}?{query}{ward}{extra}")
            results = run_axe(page)
            where = f"/{path} ({selection}{extra})"
            problems += [f"{where}: {line}" for line in describe(results["violations"])]
            for result in results["incomplete"]:
                incomplete[result["id"]] = incomplete.get(result["id"], 0) + len(result["nodes"])
                if result["id"] == "color-contrast":
                    problems += [f"{where}: {p}" for p in _undecided_contrast(page, result["nodes"])]
            for ratio, text in svg_text_contrast(page):
                lowest = min(lowest, ratio)
                if ratio < needed_ratio(text):
                    problems.append(f"{where}: chart text {text['text']!r} at {ratio:.2f}:1 ({text})")
    return problems, incomplete, lowest


def _undecided_contrast(page, nodes: list[dict]) -> list[str]:
    """Text axe could not decide on, measured here: chart text (SVG) by svg_text_contrast, HTML
    text over a translucent parent by seen_contrast. Any it cannot measure is a problem."""
    problems = []
    for node in nodes:
        if node["html"].startswith(("<text", "<tspan")):
            continue  # a chart's text: svg_text_contrast measures every one
        target = node["target"][-1] if len(node["target"]) == 1 else None
        measured = seen_contrast(page, target) if isinstance(target, str) else None
        if measured is None:
            problems.append(f"contrast undecided and not measurable: {node['target']}")
        elif measured[0] < needed_ratio(measured[1]):
            problems.append(f"text {measured[1]['text']!r} at {measured[0]:.2f}:1 ({measured[1]})")
    return problems


@pytest.mark.parametrize("mode", ["normal", "public", "presentation"])
def test_axe_finds_no_wcag_a_or_aa_violation(mode, request, tall_page):
    base = request.getfixturevalue("public_server" if mode == "public" else "server")
    problems, incomplete, lowest = _audit(tall_page, base, "&present=1" if mode == "presentation" else "")
    print(f"{mode}: incomplete {incomplete}; lowest chart-text contrast {lowest:.2f}:1")
    assert not problems, f"{len(problems)} WCAG A/AA problems in {mode} mode:\n" + "\n".join(problems)
    assert lowest >= 4.5  # chart text is black (analytics/present/layout.py): 21:1


def test_captions_are_at_least_4_5_to_1(server, tall_page):
    """The theme's text colour (#0B0C0C) makes Streamlit's captions, drawn at 60% opacity, #6D6D6D
    on white: 5.1:1. Its default (#31333F) made them #828180, 3.88:1, on seven pages."""
    _open(tall_page, f"{server}/?{PANEL}")
    ratio, seen = seen_contrast(tall_page, '[data-testid="stMain"] [data-testid="stCaptionContainer"] p')
    print(f"caption: {ratio:.2f}:1 ({seen})")
    assert ratio >= 4.5


def test_every_map_has_its_content_as_text(server, tall_page):
    """Beside each canvas, a table a screen reader reads: the ward map's classes with their wards
    (the same classes as its legend), the hot-spot map's cells by ward."""
    _open(tall_page, f"{server}/wards?{PANEL}")
    tall_page.get_by_text("The map as text").first.click()
    table = tall_page.locator('[data-testid="stTable"] table').first
    table.wait_for(timeout=10_000)
    # Redditch 2018-19 on the synthetic extract: Abbey (562) and Greenlands (550), the two busiest
    # wards, share the top class; the twelve wards are all listed.
    rows = table.locator("tbody tr").all_inner_texts()
    assert "Abbey (562)" in rows[-1] and "Greenlands (550)" in rows[-1], rows
    assert sum(row.count(" (") for row in rows) == 12, rows
    # Its classes are the legend's: each label is on the page twice, beside the map and in the table.
    rows = table.locator("tbody th").all_inner_texts()
    page_text = tall_page.locator('[data-testid="stMain"]').inner_text()
    assert rows and all(page_text.count(label) >= 2 for label in rows), rows

    _open(tall_page, f"{server}/hotspots?{PANEL}")
    tall_page.get_by_text("The map as text").first.click()
    table = tall_page.locator('[data-testid="stTable"] table').first
    table.wait_for(timeout=10_000)
    headers = table.locator("thead th").all_inner_texts()
    assert "Cells with incidents" in headers and any(h.startswith("Hot spot") for h in headers), headers
    assert len(table.locator("tbody tr").all()) == 12  # Redditch's twelve WD22 wards
    summary = tall_page.get_by_text("The map draws").first.inner_text()
    assert "hot spots" in summary


@pytest.mark.parametrize("path", PAGES)
def test_every_page_reflows_at_320_pixels(server, narrow_page, path):
    """WCAG 1.4.10: at 320 CSS pixels wide (1280 at 400% zoom) the page does not scroll sideways;
    the maps and the wide tables scroll inside their own boxes."""
    page = narrow_page
    _open(page, f"{server}/{path}?{PANEL}{WARD['panel'] if path == 'ward_profile' else ''}")
    page.wait_for_timeout(500)  # plotly re-lays its charts out to the width
    widths = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
        return [document.documentElement.scrollWidth, m.scrollWidth, m.clientWidth]; }"""
    )
    assert widths[0] <= 320 and widths[1] <= widths[2], f"/{path} scrolls sideways: {widths}"
    # Charts keep a readable width and scroll in their own box (ui/accessibility.py).
    charts = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .svg-container')]
        .map(e => e.getBoundingClientRect().width)"""
    )
    assert all(width >= CHART_MIN_WIDTH_PX for width in charts), charts
    # axe at this width too: what reflows must stay operable and readable.
    violations = run_axe(page)["violations"]
    assert not violations, f"/{path} at 320 px:\n" + "\n".join(describe(violations))
    _keep(page, f"{path or 'overview'}-320")


def test_the_statement_names_the_axe_version_the_lock_installs():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/axe-core"]["version"] == AXE_VERSION
    assert CANVAS_LIMITS  # the canvas limits are stated, each with where it is checked instead
