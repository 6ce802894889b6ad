"""ui/preload.py: the browser is asked for plotly.js at the start of every run and for deck.gl once the
page is drawn, from the server's own files (bench/bench_journeys.py measures what it saves;
tests/browser/test_network.py that both come from the server, in that order)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import preload


@pytest.mark.parametrize(
    ("prefixes", "wanted"), [(preload.CHARTS, ["PlotlyChart."]), (preload.LATER, list(preload.LATER))]
)
def test_the_installed_streamlit_has_the_modules(prefixes, wanted):
    # Named by the Streamlit release: a new release that renames them would silently lose the preload.
    files = preload.module_files(prefixes)
    assert sorted(prefix for prefix in wanted if any(name.startswith(prefix) for name in files)) == sorted(wanted)
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    assert all((folder / name).is_file() for name in files)


def test_the_script_asks_for_the_modules_beside_streamlits_own():
    script = preload._script(("PlotlyChart.abc.js",), ("DeckGlJsonChart.def.js",))
    assert "import(new URL(name, main.src).href)" in script
    assert 'load(["PlotlyChart.abc.js"]);' in script
    # the maps wait for the page's script to finish, and then for an idle moment
    later = script.index('load(["DeckGlJsonChart.def.js"])')
    assert script.index("'notRunning'") < later and script.index("idle(") < later
    assert "http" not in script  # resolved against the page's own Streamlit script, never a host


def test_the_request_is_the_first_thing_a_run_draws(built_db, monkeypatch):
    monkeypatch.setenv("ASB_DB_PATH", str(built_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    first = at.main.children[0]
    assert first.type == "html" and "PlotlyChart." in first.proto.body, first
    assert "DeckGlJsonChart." in first.proto.body
    assert first.proto.unsafe_allow_javascript
