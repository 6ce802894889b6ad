"""Settings are declared once and documented in the README; analytics/ stays free of streamlit."""

from __future__ import annotations

import ast
import re

import pytest

from analytics.core import settings
from analytics.core.errors import AnalyticsError
from tests.conftest import ROOT


def test_every_setting_is_in_the_readme_and_nothing_else():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(ASB_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    declared = {settings.env_name(s.name) for s in settings.SETTINGS}
    assert documented == declared


def test_settings_convert_and_refuse_bad_values(monkeypatch):
    monkeypatch.setenv("ASB_PUBLIC_MODE", "yes")
    monkeypatch.setenv("ASB_DISCLOSURE_THRESHOLD", "10")
    assert settings.get("public_mode") is True and settings.get("disclosure_threshold") == 10
    monkeypatch.setenv("ASB_PUBLIC_MODE", "perhaps")
    with pytest.raises(AnalyticsError, match="ASB_PUBLIC_MODE='perhaps' is not true or false"):
        settings.get("public_mode")
    with pytest.raises(AnalyticsError, match="Valid settings: basemap, data_dir"):
        settings.get("colour")


def test_analytics_never_imports_streamlit():
    for path in (ROOT / "analytics").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not any(n.split(".")[0] == "streamlit" for n in names), path.name
