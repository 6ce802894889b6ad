"""The Tools and powers page and the register's editor on the Data page, through AppTest on the
built store: the register's figures with their sources, "Did it work?" for the Redditch town-centre
PSPO (refused naming the months police.uk lacks, or estimated with its interval), public mode, and
the editor only behind the upload password."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from analytics.data import register, store

PSPO = {"src": "police_uk", "iv": "redditch-town-centre-pspo", "im": "4"}


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_register_by_year_and_district_with_its_sources(app):
    at = app("tools_powers", {"src": "police_uk"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Community Protection Warnings issued, Redditch"] == "15"
    assert metrics["ASB Case Reviews carried out, Redditch"] == "0"
    counted = at.dataframe[0].value
    assert "seeds/000_535961024b28dd47.txt" in " ".join(counted["Source document"])
    assert {"2022-23", "to date at 25 September 2019"} <= set(counted["Reported for"])
    orders = at.dataframe[1].value
    assert "date to confirm" in set(orders["Start"])
    assert any("committee papers" in c.value for c in at.caption)
    assert any("Choose the target (wards or an area)" in i.value for i in at.info)  # the PSPO has no start month yet


def test_pspo_refused_naming_the_months_police_uk_lacks(app):
    at = app("tools_powers", {**PSPO, "is": "2024-01"})
    errors = " ".join(e.value for e in at.error)
    assert "before (Jan–Apr 2023): 2023-01, 2023-02, 2023-03, 2023-04" in errors
    assert "2025-01" in errors  # the start it could evaluate


def test_pspo_estimated_with_its_interval(app):
    at = app("tools_powers", {**PSPO, "is": "2025-01"})
    words = _markdown(at)
    assert "95% interval" in words and "Abbey" in words
    table = at.dataframe[-1].value
    assert list(table["Area"])[0] == "Target"
    assert "95% interval, low" in table.columns
    formats = json.loads(at.dataframe[-1].proto.columns)
    for header in (
        "Effect (incidents)",
        "95% interval, low",
        "95% interval, high",
        "Expected after (season and comparison)",
    ):
        assert formats[header]["type_config"]["format"] == "%,.1f"


def test_public_mode_hides_small_register_counts(app):
    at = app("tools_powers", {"src": "police_uk"}, public=True)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Community Protection Notices issued, Redditch"] == "<5"
    assert metrics["Community Protection Warnings issued, Redditch"] == "15"


def test_the_editor_is_behind_the_upload_password(app, built_db, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "store.duckdb"
    shutil.copy(built_db, copy)
    monkeypatch.setenv("ASB_DB_PATH", str(copy))
    monkeypatch.setenv("ASB_UPLOADS_ENABLED", "true")
    monkeypatch.setenv("ASB_UPLOAD_PASSWORD", "s3cret")
    at = app("data", {})
    assert "register_save" not in [b.key for b in at.button]
    at.text_input(key="upload_password").input("wrong").run()
    assert "register_save" not in [b.key for b in at.button]
    at.text_input(key="upload_password").input("s3cret").run()
    at.button(key="register_save").click().run()
    assert not at.exception, at.exception
    assert any("Register version 2" in s.value for s in at.success)
    conn = store.connect(copy, read_only=True)
    try:
        assert register.current_version(conn) == 2
        assert len(register.register_table(conn)) == 11
    finally:
        conn.close()
    # The new version can be taken back from the page: the register is version 1 again.
    at.checkbox(key="register_undo_sure").check().run()
    at.button(key="register_undo").click().run()
    assert any("the register is version 1 again" in s.value for s in at.success)
    conn = store.connect(copy, read_only=True)
    try:
        assert register.current_version(conn) == 1
    finally:
        conn.close()


def test_an_area_drawn_is_evaluated(app, built_db):
    conn = store.connect(built_db, read_only=True)
    try:
        outline = conn.execute(
            "SELECT geometry_geojson FROM wards WHERE vintage = 'wd22' AND ward_code = 'E05007868'"
        ).fetchone()[0]
    finally:
        conn.close()
    at = app("tools_powers", {"src": "police_uk", "iv": "area", "is": "2025-01", "im": "4"})
    assert any("Choose the target (wards or an area)" in i.value for i in at.info)
    at.text_area(key="impact_area_area").input(outline).run()
    assert not at.exception, at.exception
    words = _markdown(at)
    assert "the area drawn had" in words.lower()
    assert "95% interval" in words
    table = at.dataframe[-1].value
    assert list(table["Wards"])[:2] == ["the area drawn", "400 m around it"]
