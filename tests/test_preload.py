"""ui/preload.py: the browser is asked for plotly.js at the start of every run, from the server's own
files (bench/bench_journeys.py measures what it saves; tests/browser/test_network.py that nothing is
fetched from elsewhere)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import preload


def test_the_installed_streamlit_has_the_chart_module():
    # Named by the Streamlit release: a new release that renames it would silently lose the preload.
    files = preload._module_files()
    assert [name for name in files if name.startswith("PlotlyChart.")], files
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    assert all((folder / name).is_file() for name in files)


def test_the_script_asks_for_the_modules_beside_streamlits_own():
    script = preload._script(("PlotlyChart.abc.js",))
    assert "import(new URL(name, main.src).href)" in script
    assert '"PlotlyChart.abc.js"' in script
    assert "http" not in script  # resolved against the page's own Streamlit script, never a host


def test_the_request_is_the_first_thing_a_run_draws(built_db, monkeypatch):
    monkeypatch.setenv("ASB_DB_PATH", str(built_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    first = at.main.children[0]
    assert first.type == "html" and "PlotlyChart." in first.proto.body, first
    assert first.proto.unsafe_allow_javascript
