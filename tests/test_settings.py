"""Settings are declared once and documented in the README. (That analytics/ never imports streamlit is an
import-linter contract in pyproject.toml, checked by tests/test_tooling.py.)"""

from __future__ import annotations

import re
from typing import get_args

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


def test_the_typed_names_of_settings_match_their_kinds():
    # settings.get's overloads tell a type checker what each setting returns: the name lists must be
    # the settings of each kind, all of them.
    by_kind = {
        bool: set(get_args(settings.BoolSettingName)),
        int: set(get_args(settings.IntSettingName)),
        str: set(get_args(settings.StrSettingName)),
    }
    assert by_kind == {kind: {s.name for s in settings.SETTINGS if s.kind is kind} for kind in (bool, int, str)}
