"""Shared fixtures: real DuckDB files built from the project's data/.

- ``built_db``: the full store (police.uk + synthetic extract), built once per session; tests
  that read it must not write to it.
- ``geo_db``: a fresh store holding only the boundaries, for ingestion tests (a copy per test).
- ``fixture_conn``, ``comparable_conn``: tiny hand-made stores for the analyses' tests
  (tests/analysis_fixtures.py).
- ``app``: the dashboard in Streamlit's AppTest on ``built_db``, opened at a page with query
  parameters, as a link would open it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.data import store
from analytics.data.geography import Geography
from analytics.present import png
from tests.analysis_fixtures import comparable_conn, fixture_conn  # noqa: F401 (fixtures, offered to every test)

# No background Chromium in this process (analytics.present.png.BACKGROUND_WARM); servers started by
# the browser tests are separate processes and keep theirs.
png.BACKGROUND_WARM = False

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
#: The same 21 months unfiltered, every West Mercia district, in the police.uk archive's layout
#: (a copy of ../shared/data/police_uk/, so a clone runs every test on its own; see data/PROVENANCE.md 1b).
UNFILTERED_ZIP = ROOT / "tests" / "data" / "police_uk" / "west-mercia-street-unfiltered-21-months.zip"
POLICE_DIR = DATA / "police_uk" / "west_mercia_street_filtered"
DISTRICTS = ("Bromsgrove", "Redditch", "Wyre Forest")
TABLES = (
    "incidents",
    "wards",
    "lsoas",
    "population",
    "loads",
    "replaced_rows",
    # the force-wide monthly counts (analytics/data/force_counts.py)
    "force_lsoas",
    "force_counts",
    "replaced_force_counts",
)


#: Marker of every test under a folder of tests/ (pytest.ini registers them).
FOLDER_MARKERS = {"browser": "browser", "robustness": "robustness"}


def pytest_collection_modifyitems(config, items):
    """Mark tests by folder: tests/browser -> ``browser``, tests/robustness -> ``robustness``."""
    tests = ROOT / "tests"
    for item in items:
        path = Path(item.path).resolve()
        if not path.is_relative_to(tests):
            continue
        parts = path.relative_to(tests).parts
        if len(parts) > 1 and parts[0] in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[parts[0]])


@pytest.fixture
def app(built_db, monkeypatch):
    """``app(page, params, public)``: the dashboard run by AppTest on ``built_db`` with the query
    parameters ``params``, switched to ``app_pages/<page>.py`` (None or "overview": the Overview),
    in public mode if ``public``; checked to have raised no exception."""
    monkeypatch.setenv("ASB_DB_PATH", str(built_db))
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)

    def make(page: str | None = None, params: dict | None = None, public: bool = False) -> AppTest:
        if public:
            monkeypatch.setenv("ASB_PUBLIC_MODE", "true")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        for key, value in (params or {}).items():
            at.query_params[key] = value
        at.run()
        if page not in (None, "overview"):
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        assert not at.exception, at.exception
        return at

    return make


@pytest.fixture(scope="session")
def geography() -> Geography:
    return Geography.load(DATA, DISTRICTS)


@pytest.fixture(scope="session")
def _geo_template(tmp_path_factory, geography) -> Path:
    path = tmp_path_factory.mktemp("template") / "geo.duckdb"
    conn = store.connect(path)
    store.store_geography(conn, geography)
    conn.execute("CHECKPOINT")
    conn.close()
    return path


@pytest.fixture
def geo_db(_geo_template, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(_geo_template, path)
    return path


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("built")
    data_dir = folder / "data"
    # The build writes the synthetic extract into data_dir/synthetic: use a copy of data/ so the
    # test run never writes into the project.
    shutil.copytree(DATA, data_dir, ignore=shutil.ignore_patterns("*.duckdb*", "synthetic"))
    path = folder / "asb.duckdb"
    store.build(path, data_dir, DISTRICTS)
    return path


@pytest.fixture
def built_conn(built_db):
    conn = store.connect(built_db, read_only=True)
    yield conn
    conn.close()


def table_checksums(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Row count and an order-independent hash of every row of every table."""
    return {t: conn.execute(f"SELECT count(*), sum(hash(x)) FROM {t} x").fetchone() for t in TABLES}


def db_checksums(db: Path) -> dict[str, tuple]:
    """table_checksums of the database file db, opened read-only for the call."""
    with duckdb.connect(str(db), read_only=True) as conn:
        return table_checksums(conn)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright. Per module, not per session: a sync Playwright left
    running blocks any other in the process."""
    from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
