"""Disclosure (issue 6): in public mode no count below the threshold can be read anywhere.

A real Streamlit server in public mode (ASB_PUBLIC_MODE=true, threshold 5) and Debian's Chromium.
For selections that surely hold small counts (the synthetic extract in one small Redditch ward,
Crabbs Cross, 2017-18 against 2018-19; police.uk ASB in one small WD25 ward of Redditch, January
2024 against January 2025) every page is opened with the filters in the URL, and what a reader can
read is scanned:

- the page's visible text (main area and sidebar, every expander opened) and its metrics;
- every plotly chart's data as the browser holds it (values, text, hover text, custom data,
  annotations, the alt text in its meta);
- every deck.gl map's layer data and tooltips, as the server sent them over the websocket;
- every table's contents, through its CSV and XLSX downloads (the grid is a canvas) and through
  AppTest for the same page and link (the Data page's tables have no download);
- every table's CSV and XLSX download on every page, the sidebar's briefing pack (its tables,
  sentences and charts' alt text) and a chart's PNG (kaleido takes seconds a chart, so one PNG a
  run: it is drawn from the very figure object whose data the browser holds and is scanned above);
- the URL (only the filters).

The rule (analytics/core/disclosure.py): a count (incidents or rows per period, month, type, ward,
location or cell, and a mean of counts) below the threshold, 0 included, reads "<5"; on a table row,
a chart item or a tooltip where a count is suppressed, nothing derived from it (difference,
percentage, rate, significance, p-value, z, share, index, residual) is shown, since it would give the
count away. A rate rests on its own period's count only: beside the other period's hidden count it
may show (tables, map and charts alike). Differences and percentages between two counts that are both
shown are not counts.

The same scan runs against a server with public mode off and must find small counts in every kind of
place it looks (so it is not blind).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pandas as pd
import pytest
from PIL import Image

from tests.browser.conftest import start_server
from tests.conftest import ROOT
from tests.test_pages import PERSISTENCE_KEY
from ui.state import PAGE_CHOICES

THRESHOLD = 5
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LABEL = f"<{THRESHOLD}"

# url path -> app page file (app.py's navigation)
PAGES = {
    "": "overview",
    "incident_types": "incident_types",
    "seasonal": "seasonal",
    "wards": "wards",
    "hotspots": "hotspots",
    "districts": "districts",
    "crime": "crime",
    "ward_profile": "ward_profile",
    "tools_powers": "tools_powers",
    "data": "data",
    "about": "about",
}
SCENARIOS = {
    # Crabbs Cross (WD22): 91 then 107 incidents a year, months and types with 0 to 4.
    "extract-crabbs-cross": {
        "src": "extract",
        "d": "Redditch",
        "w": "E05007873",
        "pt": "fy",
        "a": "FY2017",
        "b": "FY2018",
        "v": "wd22",
        "cat": "asb",
    },
    # A WD25 Redditch ward with 3 then 4 police.uk ASB incidents; other wards with 1.
    "police_uk-one-month": {
        "src": "police_uk",
        "d": "Redditch",
        "w": "E05015622",
        "pt": "months",
        "a": "2024-01",
        "b": "2025-01",
        "v": "wd25",
        "cat": "asb",
    },
}
FILTER_KEYS = {"src", "cat", "pt", "a", "b", "v", "d", "w", "present"}

# ---------------------------------------------------------------------------------------------
# What is a count, in a table
# ---------------------------------------------------------------------------------------------
COUNT_HEADERS = {"count_a", "count_b", "count", "mean", "rows", "asb_rows", "period a", "period b", "incidents"}
DERIVED_HEADERS = {
    "difference",
    "pct_change",
    "percentage",
    "change",
    "rate_a_per_1000",
    "rate_b_per_1000",
    "rate a per 1,000",
    "rate b per 1,000",
    "significant",
    "z",
    "p_value",
    "gi_z",
    "gi_p",
    "index",
    "mean_count",
    "mean_pct",
    "mean percentage",
    "mean_percentage",
    "share_pct",
    "share %",
    "residual",
    # the plain headers the pages write (analytics.present.words.column_header)
    "significant change",
    "share of incidents (%)",
    "irregular part",
    "z (change on the square-root scale)",
    "p-value",
    "change (%)",
    "percentage (%)",
    "mean percentage (%)",
}
# Period labels used as column headers (the briefing pack): 2017-18, Jan 2024, 2024-01..2024-04, 2025.
PERIOD_HEADER = re.compile(r"^(\d{4}-\d{2}|\d{4}|[A-Z][a-z]{2} \d{4}.*|\d{4}-\d{2}\.\.\d{4}-\d{2})$")


def _header_kind(header: str, every_number: bool) -> str | None:
    h = str(header).strip().lstrip("'").lower()
    if h in DERIVED_HEADERS or h.startswith(("rate per 1,000", "gi* z-score", "share of")):
        return "derived"
    if h in COUNT_HEADERS or PERIOD_HEADER.match(str(header).strip()):
        return "count"
    if every_number and h not in ("load_id", "load", "rank", "month", "vintage", "source"):
        return "count"  # the Data page: every whole number is a count of rows (suppress_all_counts)
    return None


def _number(value) -> float | None:
    if value is None:
        return None
    text = str(value).strip().lstrip("'").replace(",", "")
    if text in ("", "nan", "NaN", "None", "<NA>", "NaT"):
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return None if number != number else number


def _blank(value) -> bool:
    return (
        value is None
        or str(value).strip() in ("", "nan", "NaN", "None", "<NA>")
        or (isinstance(value, float) and value != value)
    )


@dataclass
class Scan:
    """Findings per kind of place looked at; ``seen`` counts what was looked at."""

    findings: dict[str, list[str]] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    public: bool = False

    def look(self, kind: str, n: int = 1) -> None:
        self.seen[kind] = self.seen.get(kind, 0) + n

    def found(self, kind: str, message: str) -> None:
        self.findings.setdefault(kind, []).append(message)

    def report(self) -> str:
        return "\n".join(f"[{kind}] {m}" for kind, ms in self.findings.items() for m in ms[:15])


# A rate's period: rate_a_per_1000, "Rate B per 1,000", the briefing's "Rate per 1,000 (Jan 2025)" or
# the pages' "Rate per 1,000 residents, Jan 2025" (whose count column is headed "Jan 2025").
RATE_HEADER = re.compile(
    r"^rate[ _]([ab])[ _]per[ _]|^rate per 1,000 \((.+)\)$|^rate per 1,000 residents, (.+)$"
    # a NIRS class's share of its place's incidents in one period rests on that period's count alone
    r"|^share of the place's incidents, (.+?)(?: \(%\))?$"
)
PERIOD_COUNT_HEADER = re.compile(r"^(?:count_|period )([ab])$")


def _period_key(header) -> str:
    """The period a count or rate column is of: 'a', 'b' or a period label ("jan 2025")."""
    h = str(header).strip().lstrip("'").lower()
    match = RATE_HEADER.match(h) or PERIOD_COUNT_HEADER.match(h)
    return next(g for g in match.groups() if g) if match else h


def scan_table(scan: Scan, kind: str, where: str, frame: pd.DataFrame, every_number: bool = False) -> None:
    scan.look(kind)
    kinds = {c: _header_kind(c, every_number) for c in frame.columns}
    counts = [c for c, k in kinds.items() if k == "count"]
    derived = [c for c, k in kinds.items() if k == "derived"]
    for i, row in frame.iterrows():
        name = str(row.iloc[0])
        hidden = False
        hidden_periods = set()
        for column in counts:
            value = row[column]
            if str(value).strip() == LABEL:
                hidden = True
                hidden_periods.add(_period_key(column))
                continue
            if isinstance(value, bool):
                continue
            number = _number(value)
            if number is None:
                continue
            if every_number and number != round(number):
                continue
            if 0 <= number < THRESHOLD:
                scan.found(kind, f"{where}: column {column!r}, row {i} ({name}): {value!r}")
        if hidden:
            for column in derived:
                period = _period_key(column) if RATE_HEADER.match(str(column).strip().lower()) else None
                if period and period in {_period_key(c) for c in counts} and period not in hidden_periods:
                    continue  # one period's rate beside the other period's hidden count
                if not _blank(row[column]):
                    scan.found(
                        kind,
                        f"{where}: column {column!r}, row {i} ({name}) shows {row[column]!r} beside a suppressed count",
                    )


# ---------------------------------------------------------------------------------------------
# What is a count, in text: the phrases the narratives, captions, alt texts and tooltips use
# ---------------------------------------------------------------------------------------------
N = r"(?<![<\d.,+\-−])(\d+(?:,\d{3})*(?:\.\d+)?)(?![\d,]*(?:\.\d|-\d|\.\.|%|\d))"
MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
PERIOD = rf"(?:{MON}\.? \d{{4}}|\d{{4}}-\d{{2}}(?:\.\.\d{{4}}-\d{{2}})?|\d{{4}}-\d{{2}}, {MON}|FY\d{{4}}|CY\d{{4}})"
TEXT_PATTERNS = [
    re.compile(p)
    for p in (
        rf"\bfrom {N}(?: \([^)]*\))? to {N}",  # "went from 3 to 40", "from 5 (Jun 2015) to 15"
        rf"\bfrom {N} to none",
        rf"from none to {N}",
        rf"unchanged at {N}",
        rf"{N} then {N}",  # "Other, 47 then 63"
        rf"{N} incidents?\b",
        rf"\({N} against about",  # flagged months
        # hover and tooltips: "Apr 2015: 10", "2017-18: 280" (not "... to 2018-19: 4 rose, 8 fell", wards)
        rf"{PERIOD}: {N}(?! (?:rose|fell|of|wards?|months?|types?|cells?)\b)",
        rf"{MON} \d{{4}} \({N}\)",
        rf"{N} \({MON} \d{{4}}\)",
        rf"recorded {N}",
        rf"(?:Bromsgrove|Redditch|Wyre Forest|North Worcestershire)(?: \*)? \({N}\)",
        rf"{N} a month",
        rf"\({N} to {N} a year\)",
        rf"(?:totals?|Full-year totals): (?:[^.;]*?\d{{4}}(?:-\d{{2}})? )?{N}",
        rf"Incidents[^:\n]*: {N}",
    )
]
# A hot-spot class ("Hot spot 99%") is a confidence level, shown in public mode by design (maps.py).
SIGNED = re.compile(r"(?<![\w-])[+\-−]\d|(?<!spot )(?<!\d)\d+%|p = |z = ")


def scan_text(scan: Scan, kind: str, where: str, text: str, item: bool = False) -> None:
    """``item``: one tooltip / hover label / chart item: where a count in it is suppressed, no
    difference, percentage, p-value or z may stand beside it."""
    scan.look(kind)
    # A rate per 1,000 residents is no count (maps.py shows a ward's rate only when its count shows).
    text = re.sub(r"[Rr]ate per 1,000[^\n:]*: [\d.]+", "rate", text)
    for pattern in TEXT_PATTERNS:
        for match in pattern.finditer(text):
            for group in match.groups():
                number = _number(group)
                if number is not None and 0 <= number < THRESHOLD:
                    start = max(0, match.start() - 60)
                    scan.found(kind, f"{where}: {number:g} in ...{text[start : match.end() + 30]!r}")
    if item and LABEL in text and SIGNED.search(text):
        scan.found(kind, f"{where}: a derived figure beside a suppressed count: {text!r}")


# ---------------------------------------------------------------------------------------------
# Plotly charts, as the browser holds them
# ---------------------------------------------------------------------------------------------
PLOTLY_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => {
  const arr = v => (v && ArrayBuffer.isView(v)) ? Array.from(v) : v;
  return {data: (d.data || []).map(t => ({name: t.name, type: t.type, orientation: t.orientation,
            x: arr(t.x), y: arr(t.y), text: t.text, hovertext: t.hovertext, customdata: t.customdata})),
          layout: {meta: d.layout.meta, annotations: (d.layout.annotations || []).map(a => a.text),
                   title: d.layout.title && d.layout.title.text}};
})"""
# Charts whose value axis is a count (profile: an index; ward deltas by difference: differences).
COUNT_CHARTS = (
    "districts_count",
    "monthly",
    "year_on_year",
    "incident_types",
    "crime_ytd",
    "ward_deltas_count",
    "nirs",
)


def _strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [str(value)] if isinstance(value, (int, float)) else []


def scan_plotly(scan: Scan, where: str, figures: list[dict]) -> None:
    for n, fig in enumerate(figures):
        meta = fig["layout"].get("meta") or {}
        chart = str(meta.get("chart", "")) if isinstance(meta, dict) else ""
        here = f"{where} plotly chart {n} ({chart or 'unnamed'})"
        scan.look("plotly")
        for text in _strings(fig["layout"].get("annotations")) + _strings(fig["layout"].get("title")):
            scan_text(scan, "plotly", f"{here} annotation", text)
        if isinstance(meta, dict):
            for key in ("alt_text", "caption"):
                if meta.get(key):
                    scan_text(scan, "plotly", f"{here} meta {key}", str(meta[key]))
        for trace in fig["data"]:
            name = str(trace.get("name") or "")
            for key in ("text", "hovertext", "customdata"):
                for i, text in enumerate(_strings(trace.get(key))):
                    scan_text(scan, "plotly", f"{here} trace {name!r} {key}[{i}]", text, item=True)
            if trace.get("type") == "heatmap":  # the time of week: each cell a count of reports
                cells = [v for row in trace.get("z") or [] for v in (row or [])]
                for i, value in enumerate(cells):
                    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < THRESHOLD:
                        scan.found("plotly", f"{here} heat map cell {i} = {value}")
                continue
            if not chart.startswith(COUNT_CHARTS) or name.startswith(("Expected", "Not shown")):
                continue
            axis = "x" if trace.get("orientation") == "h" else "y"
            for i, value in enumerate(trace.get(axis) or []):
                if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < THRESHOLD:
                    scan.found("plotly", f"{here} trace {name!r} {axis}[{i}] = {value}")


# ---------------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------------
def read_csv(data: bytes) -> pd.DataFrame:
    lines = [line for line in data.decode("utf-8-sig").splitlines() if not line.startswith("# ")]
    return pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)


class _Tables(HTMLParser):
    """Tables, paragraphs and img alt texts of an HTML document."""

    def __init__(self):
        super().__init__()
        self.tables, self.texts, self._row, self._cell, self._in_text = [], [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "img":
            self.texts.append(dict(attrs).get("alt") or "")
        elif tag in ("p", "h1", "h2", "title"):
            self.texts.append("")
            self._in_text = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag in ("p", "h1", "h2", "title"):
            self._in_text = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._in_text:
            self.texts[-1] += data


def scan_briefing(scan: Scan, where: str, data: bytes) -> None:
    parser = _Tables()
    parser.feed(data.decode("utf-8"))
    assert parser.tables, f"{where}: the briefing pack holds no table"
    for n, rows in enumerate(parser.tables):
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        scan_table(scan, "briefing", f"{where} table {n} ({', '.join(rows[0][:3])}...)", frame)
    for n, text in enumerate(parser.texts):
        scan_text(scan, "briefing", f"{where} paragraph/alt text {n}", text)


def scan_download(scan: Scan, where: str, name: str, data: bytes, every_number: bool) -> None:
    if name.endswith(".csv"):
        scan_table(scan, "csv", f"{where} {name}", read_csv(data), every_number)
    elif name.endswith(".xlsx"):
        book = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object)
        assert "about" in book, f"{where} {name}: no 'about' sheet"
        table = next(frame for sheet, frame in book.items() if sheet != "about")
        scan_table(scan, "xlsx", f"{where} {name}", table, every_number)
        if scan.public:
            assert any(f"counts below {THRESHOLD}" in str(v) for v in book["about"].iloc[:, 0]), (
                f"{where} {name}: the about sheet does not say the counts are suppressed"
            )
    elif name.endswith(".png"):
        scan.look("png")
        image = Image.open(io.BytesIO(data))
        image.verify()
        # Drawn by kaleido from the figure the page's chart is a copy of (ui.render.show_chart: the
        # same traces, with the caption inside), whose data as the browser holds it is scanned
        # above; it is that figure at 1200 px wide.
        assert image.size[0] == 1200, f"{where} {name}: {image.size}"
    elif name.endswith(".html"):
        scan_briefing(scan, f"{where} {name}", data)
    else:
        raise AssertionError(f"{where}: an unknown download {name!r}")


# ---------------------------------------------------------------------------------------------
# AppTest: st.dataframe contents (including the Data page's tables without downloads)
# ---------------------------------------------------------------------------------------------
def scan_apptest(scan: Scan, params: dict, db: Path, public: bool) -> None:
    """In a child process (the environment decides public mode; AppTest runs in-process)."""
    code = f"""
import json, os, sys
sys.path.insert(0, {str(ROOT)!r})
from streamlit.testing.v1 import AppTest
out = {{}}
for page in {list(PAGES.values())!r}:
    at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120)
    for k, v in {params!r}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"app_pages/{{page}}.py")
    at.run()
    if page == "hotspots":                  # the persistence table is drawn only when opened
        at.session_state[{PERSISTENCE_KEY!r}] = True
        at.run()
    assert not at.exception, (page, at.exception)
    out[page] = [d.value.astype(object).where(d.value.notna(), None).astype(str).to_dict("split")
                 for d in at.dataframe]
print("@@" + json.dumps(out))
"""
    env = {
        "ASB_DB_PATH": str(db),
        "ASB_PUBLIC_MODE": "true" if public else "false",
        "ASB_DISCLOSURE_THRESHOLD": str(THRESHOLD),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.split("@@", 1)[1])
    for name, frames in out.items():
        for n, split in enumerate(frames):
            frame = pd.DataFrame(split["data"], columns=split["columns"])
            scan_table(scan, "apptest", f"AppTest page {name} dataframe {n}", frame, every_number=name == "data")


# ---------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------
TOOLTIP = re.compile(r'"tooltip":\s*"((?:[^"\\]|\\.)*)"')


def _frames_text(frames: list) -> str:
    return "\n".join(f.decode("utf-8", "ignore") if isinstance(f, (bytes, bytearray)) else f for f in frames)


def scan_page(scan: Scan, page, url: str, path: str, params: dict, pngs: bool, briefing: bool) -> None:
    where = f"page /{path}"
    frames: list = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    page.goto(url)
    page.wait_for_selector(READY, timeout=120_000)
    page.locator('[data-testid="stMain"]').first.wait_for(timeout=60_000)
    if PAGES[path] in ("wards", "hotspots"):
        page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=60_000)
    if PAGES[path] == "crime" and params.get("src") == "extract":
        # police.uk holds no month of the extract's years: a table and the reason, no chart.
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    elif PAGES[path] not in ("data", "about", "tools_powers"):  # tools_powers: tables and sentences, no chart
        page.locator(".js-plotly-plot, [data-testid='stDeckGlJsonChart']").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{where}: an exception is shown"
    _open_expanders(page)

    # The URL: only the filters, as given, and the page's own choices (ui/state.PAGE_CHOICES: what a
    # map is coloured by, and so on), which are names, never a figure.
    query = dict(parse_qsl(urlparse(page.url).query))
    allowed = FILTER_KEYS | set(PAGE_CHOICES)
    assert set(query) <= allowed, f"{where}: the URL holds {sorted(set(query) - allowed)}"
    filters = {key: value for key, value in query.items() if key in FILTER_KEYS}
    assert filters == params, f"{where}: the URL holds {filters}, not the filters {params}"
    for key in set(query) & set(PAGE_CHOICES):
        # A choice's name, a register entry's slug ("redditch-town-centre-pspo") or a month: never a figure.
        assert re.fullmatch(r"[a-z_0-9]+|[a-z]+(-[a-z0-9]+)+|\d{4}-\d{2}", query[key]), f"{where}: {key}={query[key]!r}"
    scan.look("url")

    # Visible text, metrics.
    for area in ('[data-testid="stMain"]', '[data-testid="stSidebar"]'):
        scan_text(scan, "text", f"{where} {area} text", page.locator(area).first.inner_text())
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text()
        value = metric.locator('[data-testid="stMetricValue"]').inner_text()
        delta = metric.locator('[data-testid="stMetricDelta"]')
        delta = delta.inner_text() if delta.count() else ""
        scan.look("text")
        number = _number(value)
        if not re.search(r"Wards where|Rank|Rate", label) and number is not None and 0 <= number < THRESHOLD:
            scan.found("text", f"{where} metric {label!r}: {value!r}")
        if value.strip() == LABEL and delta.strip():
            scan.found("text", f"{where} metric {label!r}: {value!r} with a change {delta!r}")

    # Plotly charts.
    scan_plotly(scan, where, page.evaluate(PLOTLY_JS))

    # Deck.gl maps: the layer data and tooltips the server sent.
    if PAGES[path] in ("wards", "hotspots"):
        text = _frames_text(frames)
        tooltips = [json.loads(f'"{t}"') for t in TOOLTIP.findall(text)]
        assert tooltips, f"{where}: no map tooltip came over the websocket"
        scan.look("deck")
        for i, tooltip in enumerate(tooltips):
            scan_text(scan, "deck", f"{where} map tooltip {i}", tooltip, item=True)

    # Every download.
    # Each download button is drawn twice, once hidden (its tooltip's copy): click the visible one.
    buttons = page.locator('[data-testid="stDownloadButton"] button:visible')
    for i in range(buttons.count()):
        button = buttons.nth(i)
        label = " ".join(button.inner_text().split())
        if ("Briefing" in label) != briefing or ("PNG" in label and not pngs):
            continue
        download = _download(page, lambda i=i: buttons.nth(i), f"{where}: download button {i} {label!r}")
        data = Path(download.path()).read_bytes()
        scan_download(scan, where, download.suggested_filename, data, every_number=PAGES[path] == "data")
        scan.look("download")
        page.wait_for_selector(READY, timeout=120_000)


def _open_expanders(page) -> None:
    for details in page.locator('[data-testid="stExpander"] details').all():
        if details.get_attribute("open") is None:
            details.locator("summary").click()
    page.wait_for_selector(READY, timeout=120_000)
    # The hot-spot persistence expander is drawn only when opened (a rerun): wait for its table.
    lazy = page.locator(f".st-key-{PERSISTENCE_KEY}")
    if lazy.count():
        lazy.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=120_000)
        page.wait_for_selector(READY, timeout=120_000)


def slow_downloads(scan: Scan, page, url: str, path: str, pngs: bool) -> None:
    """The briefing pack and the PNGs are drawn by kaleido (a headless Chromium), seconds each on
    a busy machine: clicked last, once the other downloads are done, with a long wait."""
    where = f"page /{path}"
    page.goto(url)
    page.wait_for_selector(READY, timeout=120_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    targets = [page.locator('[data-testid="stSidebar"] [data-testid="stDownloadButton"] button:visible').first]
    if pngs:
        targets.append(
            page.locator('[data-testid="stMain"] [data-testid="stDownloadButton"] button:visible', has_text="PNG").first
        )
    for button in targets:
        label = " ".join(button.inner_text().split())
        download = _download(page, lambda button=button: button, f"{where}: download button {label!r}", timeout=240_000)
        data = Path(download.path()).read_bytes()
        scan_download(scan, where, download.suggested_filename, data, every_number=False)
        scan.look("download")


def _download(page, find, what: str, timeout: int = 60_000):
    """Click and take the file. Now and then Streamlit's browser side never gets its deferred
    download (the button spins, then "Request timed out"): reload the page and click again then."""
    error = None
    for attempt in range(3):
        if attempt:
            page.reload()
            page.wait_for_selector(READY, timeout=120_000)
            page.locator('[data-testid="stDownloadButton"] button:visible').first.wait_for(timeout=60_000)
            _open_expanders(page)
        try:
            button = find()
            button.scroll_into_view_if_needed(timeout=30_000)
            with page.expect_download(timeout=timeout) as info:
                button.click(timeout=30_000)
            return info.value
        except Exception as caught:  # playwright's TimeoutError
            error = caught
    page.screenshot(path=str(ROOT / "artifacts" / "disclosure-failure.png"))
    raise AssertionError(f"{what}: no file after three clicks: {error}")


def run_scan(browser, url: str, db: Path, params: dict, public: bool, pngs: bool) -> Scan:
    scan = Scan(public=public)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    context = browser.new_context(viewport={"width": 1600, "height": 2400}, accept_downloads=True)
    try:
        for path in PAGES:
            page = context.new_page()
            scan_page(scan, page, f"{url}/{path}?{query}", path, params, pngs=False, briefing=False)
            page.close()
        page = context.new_page()
        slow_downloads(scan, page, f"{url}/?{query}", "", pngs)
    finally:
        context.close()
    scan_apptest(scan, params, db, public)
    return scan


def _serving(db: Path, public: bool):
    process, url = start_server(
        db, {"ASB_PUBLIC_MODE": "true" if public else "false", "ASB_DISCLOSURE_THRESHOLD": str(THRESHOLD)}
    )
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def public_server(built_db):
    yield from _serving(built_db, True)


@pytest.fixture(scope="module")
def analyst_server(built_db):
    yield from _serving(built_db, False)


KINDS = ("text", "plotly", "deck", "csv", "xlsx", "briefing", "apptest")


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_public_mode_shows_no_small_count_anywhere(browser, public_server, built_db, scenario):
    params = SCENARIOS[scenario]
    scan = run_scan(browser, public_server, built_db, params, public=True, pngs=True)
    for kind in KINDS + ("url", "download"):
        assert scan.seen.get(kind), f"nothing of kind {kind!r} was scanned: {scan.seen}"
    assert scan.seen.get("png"), scan.seen
    assert not scan.findings, f"{scenario}: small counts readable in public mode:\n{scan.report()}"


def test_the_scan_finds_small_counts_when_public_mode_is_off(browser, analyst_server, built_db):
    """The scanner is not blind: with public mode off it finds small counts in every kind of place
    (police.uk, one month, one small ward: small counts on every page and in the briefing pack)."""
    scan = run_scan(browser, analyst_server, built_db, SCENARIOS["police_uk-one-month"], public=False, pngs=False)
    missing = [kind for kind in KINDS if not scan.findings.get(kind)]
    assert not missing, f"with public mode off the scan found no small count in {missing}: {sorted(scan.findings)}"
