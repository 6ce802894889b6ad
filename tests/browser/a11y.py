"""What the accessibility tests share: axe-core injected into a page (the copy package-lock.json
pins, installed by scripts/setup.sh --with-browser), WCAG contrast, and where the focus is."""

from __future__ import annotations

from functools import cache

import pytest

from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: Every WCAG 2.0, 2.1 and 2.2 rule of levels A and AA that axe has (axe tags 2.2's A rules wcag21a
#: or wcag2a where 2.2 only moved them). No rule is switched off.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"

#: What axe cannot check because it reads the DOM and a canvas's pixels are not in it. These are
#: not switched off (no rule applies to a <canvas>, so none would fire); they are checked here
#: another way, by the test named.
CANVAS_LIMITS = {
    "image-alt, role-img-alt, svg-img-alt (1.1.1)": "apply to <img>, role=img and <svg>, not to the deck.gl "
    "<canvas>: each map's content is in the table of 'The map as text' beside it "
    "(test_every_map_has_its_content_as_text).",
    "color-contrast (1.4.3) on the maps": "the ward labels are pixels: they are drawn black with a white "
    "halo (analytics/present/maps.py); the legends beside the maps are HTML text and axe checks them.",
    "color-contrast (1.4.3) on chart text": "plotly's SVG <text> overlaps its own axes, so axe leaves it "
    "'incomplete'; every chart text's fill is measured against the white plot instead (svg_text_contrast).",
    "scrollable-region-focusable, nested-interactive on the data grid": "the grid's cells are drawn on a "
    "canvas with an ARIA grid over it; Tab walks its cells and leaves it (test_keyboard_journey).",
}

SVG_TEXT = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] svg text')]
  .filter(t => t.textContent.trim() && t.getBBox().width > 0)
  .map(t => { const s = getComputedStyle(t);
    return {text: t.textContent.trim().slice(0, 40), fill: s.fill,
            opacity: parseFloat(s.fillOpacity) * parseFloat(s.opacity),
            size: parseFloat(s.fontSize), bold: parseInt(s.fontWeight) >= 700}; })"""


@cache
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: scripts/setup.sh --with-browser installs axe-core (npm ci)")
    return AXE.read_text()


def run_axe(page) -> dict:
    """axe's violations and incomplete results on the whole page, for the WCAG A and AA rules."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete']})",
        WCAG_TAGS,
    )


def describe(results: list[dict]) -> list[str]:
    return [
        f"{r['id']} ({r['impact']}): {len(r['nodes'])} x, e.g. {r['nodes'][0]['target']}: "
        + (r["nodes"][0].get("failureSummary") or "").replace("\n", " ")[:300]
        for r in results
    ]


def luminance(rgb: tuple[float, float, float]) -> float:
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio of two opaque sRGB colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def parse_rgb(css: str) -> tuple[float, float, float]:
    """'rgb(1, 2, 3)' or '#010203' as a triple."""
    if css.startswith("#"):
        return tuple(int(css[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    parts = css[css.index("(") + 1 : css.index(")")].replace("/", ",").split(",")
    return tuple(float(p) for p in parts[:3])  # type: ignore[return-value]


def over_white(rgb: tuple[float, float, float], alpha: float) -> tuple[float, float, float]:
    return tuple(alpha * c + (1 - alpha) * 255 for c in rgb)  # type: ignore[return-value]


def svg_text_contrast(page) -> list[tuple[float, dict]]:
    """Each chart text's contrast with the white plot, and what it is; text of 24 px or more (18 pt)
    or bold from 18.67 px (14 pt) is large, and needs 3:1 rather than 4.5:1."""
    out = []
    for text in page.evaluate(SVG_TEXT):
        if text["fill"] in ("none", ""):
            continue
        ratio = contrast(over_white(parse_rgb(text["fill"]), text["opacity"]), (255, 255, 255))
        out.append((ratio, text))
    return out


def needed_ratio(text: dict) -> float:
    large = text["size"] >= 24 or (text["bold"] and text["size"] >= 18.66)
    return 3.0 if large else 4.5


#: An HTML element's text colour as seen: its colour and the opacity of it and its ancestors, over
#: the first opaque background behind it (white if none). What axe leaves undecided when a
#: parent is translucent (Streamlit draws captions and shortcut hints at 60% opacity).
SEEN_COLOUR = """(selector) => { const e = document.querySelector(selector); if (!e) return null;
  const parse = c => c.match(/[\\d.]+/g).map(Number);
  const [r, g, b, a = 1] = parse(getComputedStyle(e).color);
  let opacity = 1, background = [255, 255, 255];
  for (let n = e; n; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity);
  for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor);
    if ((c[3] ?? 1) > 0.99) { background = c.slice(0, 3); break; } }
  const alpha = a * opacity, s = getComputedStyle(e);
  const fill = [r, g, b].map((v, i) => alpha * v + (1 - alpha) * background[i]);
  return {text: e.textContent.trim().slice(0, 40), fill, background,
          size: parseFloat(s.fontSize), bold: parseInt(s.fontWeight) >= 700}; }"""


def seen_contrast(page, selector: str) -> tuple[float, dict] | None:
    """The contrast of an HTML element's text with what is behind it (SEEN_COLOUR)."""
    seen = page.evaluate(SEEN_COLOUR, selector)
    if seen is None:
        return None
    return contrast(tuple(seen["fill"]), tuple(seen["background"])), seen


FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {tag: e.tagName, testid: e.getAttribute('data-testid') || '',
          name: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().slice(0, 60),
          outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0,
          shadow: s.boxShadow !== 'none', top: e.getBoundingClientRect().top,
          in_map: !!e.closest('[data-testid="stDeckGlJsonChart"]')}; }"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, limit: int = 120, key: str = "Tab") -> tuple[dict, int]:
    """Press Tab (or ``key``) until the focused element satisfies ``matches``; fail after ``limit``."""
    seen = []
    for count in range(1, limit + 1):
        page.keyboard.press(key)
        now = focused(page)
        seen.append(f"{now['tag']} {now['testid']} {now['name'][:30]!r}")
        if matches(now):
            return now, count
    pytest.fail(f"{limit} presses of {key} never reached it; the focus went: " + "; ".join(seen[-40:]))
