"""West Mercia peers and crime outcomes in a real browser.

On the demo build the Districts page says plainly that only the three districts are held. With the
whole force's archive loaded, it compares them with West Mercia's other partnerships, a table whose
CSV holds every district; the Crime page shows the outcome shares with their caveat. Public mode
shows the same sections, and no count below the threshold in the peers' download.
"""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest

from analytics.analyses.outcomes import CAVEAT
from tests.browser.conftest import start_server
from tests.browser.test_e2e import READY
from tests.conftest import UNFILTERED_ZIP
from tests.loading import load_police

POLICE = "src=police_uk&pt=months&a=2024-01..2024-04&b=2025-01..2025-04&v=wd22&cat=asb"
SECTION = "West Mercia: North Worcestershire beside the other partnerships"
#: What each page shows last, waited for before its text is read.
SECTION_OR_CAVEAT = {"districts": SECTION, "crime": "Last outcome of each crime type"}


@pytest.fixture(scope="module")
def force_db(built_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("force-browser") / "asb.duckdb"
    shutil.copy(built_db, path)
    load_police(path, UNFILTERED_ZIP)
    return path


def _serve(db, public: bool):
    return start_server(db, {"ASB_PUBLIC_MODE": "true"} if public else {})


def _open(page, url: str) -> str:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text(SECTION_OR_CAVEAT[url.split("?")[0].rsplit("/", 1)[-1]]).first.wait_for(timeout=30_000)
    return page.inner_text("body")


def _peers_csv(page) -> pd.DataFrame:
    """The peers table's CSV. Now and then Streamlit's browser side never gets a deferred download
    (tests/robustness/test_disclosure.py meets it too): reload and click again then."""
    for attempt in range(3):
        if attempt:
            page.reload()
            page.wait_for_selector(READY, timeout=60_000)
        button = page.locator(".st-key-csv-peers button")
        try:
            button.wait_for(timeout=30_000)
            with page.expect_download(timeout=60_000) as download:
                button.click()
            return pd.read_csv(io.BytesIO(open(download.value.path(), "rb").read()), comment="#")
        except Exception:  # playwright's TimeoutError
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_the_demo_build_says_only_the_three_districts_are_held(server, page):
    body = _open(page, f"{server}/districts?{POLICE}")
    assert SECTION in body
    assert "Only North Worcestershire's three districts are held" in body


@pytest.mark.parametrize("public", [False, True])
def test_the_whole_force_is_compared_and_outcomes_shown(force_db, page, public):
    process, url = _serve(force_db, public)
    try:
        body = _open(page, f"{url}/districts?{POLICE}")
        assert SECTION in body and "Only North Worcestershire" not in body
        assert "no ONS mid-year estimate is carried" in body
        # the West Mercia chart beside the three districts' own
        page.locator(".st-key-csv-peers button").wait_for(timeout=30_000)
        page.wait_for_function("document.querySelectorAll('[data-testid=stPlotlyChart]').length >= 2", timeout=30_000)
        peers = _peers_csv(page)
        names = set(peers.iloc[:, 0].astype(str))
        assert {"Shropshire", "Telford and Wrekin", "Herefordshire", "South Worcestershire", "Redditch"} <= names
        if public:  # no count below 5 reaches the file
            counts = pd.to_numeric(peers.filter(like="2025").iloc[:, 0], errors="coerce")
            assert not (counts < 5).any()
        body = _open(page, f"{url}/crime?{POLICE}")
        assert "Last outcome of each crime type" in body and CAVEAT in body
        page.locator(".st-key-csv-outcomes button").wait_for(timeout=30_000)
    finally:
        process.terminate()
        process.wait(timeout=10)
