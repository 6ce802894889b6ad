"""Benchmark: the three users' journeys in a real browser (issue 13's speed), against a baseline.

    .venv/bin/python bench/bench_journeys.py [--repeat 5] [--first-map-after S]

1. Start-up: from `streamlit run` to the Overview drawn (its two charts and headline figures) in
   Debian's Chromium, against a bare Streamlit page with two plotly charts and a table
   (bench/baseline/app.py) measured the same way in the same run, each in a fresh server (the
   store already built). The ratio is ours over the baseline's (issue 13: no more than 1.1).
2. Clicks: every click of the journeys, timed from the click to the page drawn (the script done,
   its charts and maps in the page, and the browser's last long task over: a map's first frame):
   page changes, a filter change, a ward chosen, presentation on, a slide change, presentation off.
   Median and maximum (issue 13: 1 s median, 2 s at most).
3. The briefing pack: from the click to the file downloaded, the session's first click, once the
   page is drawn (issue 13: 3 s). kaleido's Chromium is due to start 8 s after the server's first
   page (ui/shell.py) but waits while pages are drawn (png.hold_background_start); after the
   journeys' non-stop clicking the first pack may find it not yet started, and start it.
4. With ``--first-map-after S`` instead: Ward patterns clicked straight from the Overview, S
   seconds after it is drawn, in a fresh server each time (a councillor going straight to the
   map; the journeys above reach it third). A wait of 6 s meets kaleido's Chromium's start.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from analytics.data import store  # noqa: E402
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, _free_port  # noqa: E402

PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
DRAWN = (
    "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning' && "
    "[...document.querySelectorAll('[data-testid=stPlotlyChart], [data-testid=stDeckGlJsonChart]')]"
    ".every(e => e.querySelector('.main-svg, canvas'))"
)


def _serve(script: Path) -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return process, url, started
        except OSError:
            time.sleep(0.05)


def start_up(chromium, script: Path, query: str, charts: int) -> float:
    """Seconds from starting the server to ``charts`` plotly charts drawn on its first page."""
    process, url, started = _serve(script)
    try:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/?{query}")
        page.wait_for_function(
            f"document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= {charts} && "
            "document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'",
            timeout=120_000,
        )
        seconds = time.perf_counter() - started
        page.close()
        return seconds
    finally:
        process.terminate()
        process.wait(timeout=10)


#: Long tasks of the page's main thread, kept from its start: a map's first frame is one of them (the
#: canvas is read back for the compositor, waiting for the WebGL work), and it comes after its canvas
#: is in the page, so "canvas present" alone would end the clock before the map is seen. Two witnesses:
#: the PerformanceObserver's entries, which Chrome delivers a task or more after the long task ends,
#: and a heartbeat timer, which notes the end of any stall of the main thread the moment it runs again.
#: With the observer alone, a check made right after a long read-back saw nothing new and stopped the
#: clock at the canvas (Ward patterns read 0.99 s where a trace of the same click ends at 1.9 s).
#: A gap between heartbeats longer than this is a stall of the main thread.
STALL_MS = 100
LONG_TASKS = f"""
window.__longTasks = [];
new PerformanceObserver(list => {{
  for (const e of list.getEntries()) window.__longTasks.push(e.startTime + e.duration);
}}).observe({{type: 'longtask', buffered: true}});
window.__beat = performance.now();
setInterval(() => {{
  const now = performance.now();
  if (now - window.__beat > {STALL_MS}) window.__longTasks.push(now);
  window.__beat = now;
}}, 20);
"""
#: The page counts as drawn once no long task has ended for this long.
QUIET_MS = 400
#: Read after a timer of its own, so that the heartbeat (due earlier) has run after any stall.
LAST_LONG_TASK = """async () => {
  await new Promise(resolve => setTimeout(resolve, 30));
  return [performance.now(), Math.max(0, ...(window.__longTasks || []))];
}"""


def _settled(page) -> float:
    """Wait for the page drawn: the script done, every chart and map element present, and the main
    thread's last long task (a map's first frame) over; the time (performance.now) it was."""
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function(DRAWN, timeout=60_000)
    drawn = page.evaluate("performance.now()")
    while True:
        page.wait_for_timeout(QUIET_MS)
        now, last = page.evaluate(LAST_LONG_TASK)
        if now - last >= QUIET_MS:
            return max(drawn, last)


def _drawn_panel(chromium, url: str, height: int):
    """A new page of the panel's Overview, drawn (a person clicks on once it is), with its long
    tasks watched from the start."""
    page = chromium.new_page(viewport={"width": 1280, "height": height})
    page.add_init_script(LONG_TASKS)
    page.goto(f"{url}/?{PANEL}")
    page.wait_for_selector(READY, timeout=120_000)
    _settled(page)
    return page


def _timed(page, action) -> float:
    """Seconds from the action to the page drawn (:func:`_settled`)."""
    clicked = page.evaluate("performance.now()")
    action()
    page.wait_for_timeout(50)  # the click reaches the server and the script starts
    return (_settled(page) - clicked) / 1000


def journeys(chromium, url: str) -> dict[str, list[float]]:
    """Each click of the three journeys, timed once (run ``--repeat`` times by the caller)."""
    page = _drawn_panel(chromium, url, 720)
    times: dict[str, list[float]] = {}

    def click(name: str, action) -> None:
        times.setdefault(name, []).append(_timed(page, action))

    for name in (
        "Incident types",
        "Seasonal patterns",
        "Ward patterns",
        "Where?",
        "Districts",
        "Crime",
        "Ward profile",
        "Overview",
    ):
        click(f"page: {name}", lambda name=name: page.get_by_role("link", name=name, exact=True).click())
    sidebar = page.locator('[data-testid="stSidebar"]')
    click("filter: calendar years", lambda: sidebar.get_by_text("Calendar years").click())
    click("filter: financial years", lambda: sidebar.get_by_text("Financial years (April–March)").click())

    def choose_abbey() -> None:
        sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Ward").last.click()
        page.keyboard.type("Abbey")
        page.keyboard.press("Enter")

    click("filter: a ward chosen", choose_abbey)
    click("page: Ward patterns (ward chosen)", lambda: page.get_by_role("link", name="Ward patterns").click())
    click("presentation on", lambda: sidebar.get_by_text("Presentation mode").click())
    for _ in range(2):
        click("slide: next", lambda: page.keyboard.press("ArrowRight"))
    click("slide: previous", lambda: page.keyboard.press("ArrowLeft"))
    click("presentation off", lambda: page.get_by_role("button", name="Exit presentation mode").click())
    page.close()
    return times


def briefing(chromium, url: str) -> float:
    """Seconds from the click to the briefing pack downloaded, on a fresh page (the session's first
    click), clicked once the page is drawn as a person would. (Clicked while the Overview's charts
    are still being drawn, the browser and the server share the two cores: 2.9-4.1 s here.)"""
    page = _drawn_panel(chromium, url, 900)
    started = time.perf_counter()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Briefing pack (HTML)").click()
    download.value.path()
    seconds = time.perf_counter() - started
    page.close()
    return seconds


def first_map(chromium, wait: float) -> float:
    """Seconds from the click on Ward patterns, made ``wait`` s after the Overview is drawn in a new
    server, to the map drawn."""
    process, url, _ = _serve(ROOT / "app.py")
    try:
        page = _drawn_panel(chromium, url, 720)
        page.wait_for_timeout(wait * 1000)
        seconds = _timed(page, lambda: page.get_by_role("link", name="Ward patterns", exact=True).click())
        page.close()
        return seconds
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--first-map-after", type=float, metavar="S", help="only item 4, waiting S seconds")
    args = parser.parse_args()
    if not store.default_db_path().exists():
        store.build()
    if args.first_map_after is not None:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            times = [first_map(chromium, args.first_map_after) for _ in range(args.repeat)]
            chromium.close()
        print(
            f"Ward patterns straight from the Overview, {args.first_map_after:g} s after it was drawn: "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s, "
            f"all {', '.join(f'{t:.2f}' for t in times)}"
        )
        return
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        ours, bare = [], []
        for _ in range(args.repeat):  # alternated, so a busy moment slows both alike
            bare.append(start_up(chromium, ROOT / "bench" / "baseline" / "app.py", "", 2))
            ours.append(start_up(chromium, ROOT / "app.py", PANEL, 2))
        process, url, _ = _serve(ROOT / "app.py")
        try:
            clicks: dict[str, list[float]] = {}
            for _ in range(args.repeat):
                for name, seconds in journeys(chromium, url).items():
                    clicks.setdefault(name, []).extend(seconds)
            packs = [briefing(chromium, url) for _ in range(args.repeat)]
        finally:
            process.terminate()
        chromium.close()
    ratio = statistics.median(ours) / statistics.median(bare)
    print(
        f"start-up to the Overview drawn: median {statistics.median(ours):.2f} s (of {args.repeat}), "
        f"baseline page {statistics.median(bare):.2f} s: ratio {ratio:.2f} (issue 13: <= 1.1)"
    )
    every = [s for values in clicks.values() for s in values]
    print(
        f"clicks of the journeys: median {statistics.median(every):.2f} s, max {max(every):.2f} s "
        f"over {len(every)} (issue 13: median <= 1 s, max <= 2 s)"
    )
    for name, values in clicks.items():
        print(f"  {name:38s} median {statistics.median(values):.2f} s, max {max(values):.2f} s")
    print(
        f"briefing pack, first click: median {statistics.median(packs):.2f} s, max {max(packs):.2f} s "
        "(issue 13: <= 3 s)"
    )


if __name__ == "__main__":
    main()
