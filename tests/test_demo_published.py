"""Tests for the published tables the SYNTHETIC extract is calibrated to (analytics.data.demo_published)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import EXTRACT_KEYWORDS
from analytics.data import demo_published

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "data" / "published"


@pytest.fixture(scope="module")
def targets() -> demo_published.Targets:
    return demo_published.load_targets(PUBLISHED)


def test_load_targets_reads_the_published_tables(targets):
    assert targets.years == ("2017-18", "2018-19") == demo_published.PUBLISHED_YEARS
    assert (targets.total("2017-18"), targets.total("2018-19")) == (10_502, 9_876)
    assert (targets.redditch_total("2017-18"), targets.redditch_total("2018-19")) == (3_468, 3_203)
    assert tuple(targets.keyword_counts["2017-18"]) == EXTRACT_KEYWORDS
    assert targets.keyword_mean["Youth related"] == 1505
    assert targets.keyword_mean_percentage["Other"] == 53
    assert targets.redditch_ward_counts["2018-19"]["Headless Cross and Oakenshaw"] == 267


def test_targets_are_read_only(targets):
    with pytest.raises(TypeError):
        targets.keyword_counts["2017-18"]["Other"] = 0  # type: ignore[index]


def test_ward_key_matches_names_as_the_panel_writes_them():
    assert demo_published.ward_key("Headless Cross & Oakenshaw") == "headless cross and oakenshaw"
    assert demo_published.ward_key("  Abbey ") == demo_published.ward_key("ABBEY")


def test_load_targets_rejects_missing_and_inconsistent_tables(tmp_path):
    with pytest.raises(AnalyticsError):
        demo_published.load_targets(tmp_path / "nowhere")
    with pytest.raises(AnalyticsError, match="missing"):
        demo_published.load_targets(tmp_path)
    copy = tmp_path / "published"
    shutil.copytree(PUBLISHED, copy)
    table = copy / demo_published.KEYWORD_TABLE_FILE
    table.write_text(
        table.read_text(encoding="utf-8").replace("Begging,114,36,75", "Begging,114,36,76"), encoding="utf-8"
    )
    with pytest.raises(AnalyticsError, match="line 8"):
        demo_published.load_targets(copy)
    shutil.copy(PUBLISHED / demo_published.KEYWORD_TABLE_FILE, table)
    wards = copy / demo_published.WARD_TABLE_FILE
    wards.write_text(
        wards.read_text(encoding="utf-8").replace("Grand Total,3468", "Grand Total,3469"), encoding="utf-8"
    )
    with pytest.raises(AnalyticsError, match="Grand Total"):
        demo_published.load_targets(copy)
