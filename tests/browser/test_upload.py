"""Uploads through the Data page, in a real browser on a real server with uploads switched on.

A good police.uk month loads and says what it did; a file that is not police.uk is refused with a
message naming the file as the user called it (never the server's temporary path), and a 500 MB
file is refused by the uploader before it reaches the server (the limit is server.maxUploadSize in
.streamlit/config.toml). Each time the database holds exactly what it should: every table is
compared, row count and hash, before and after.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser.conftest import start_server
from tests.browser.test_e2e import READY
from tests.conftest import POLICE_DIR, db_checksums

PASSWORD = "correct horse battery staple"
MONTH = POLICE_DIR / "2025-01-west-mercia-street.csv"


@pytest.fixture(scope="module")
def upload_server(built_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("upload") / "asb.duckdb"
    shutil.copy(built_db, db)
    process, url = start_server(db, {"ASB_UPLOADS_ENABLED": "true", "ASB_UPLOAD_PASSWORD": PASSWORD})
    yield url, db
    process.terminate()
    process.wait(timeout=10)


def _upload(page, url: str, path) -> None:
    page.goto(f"{url}/data")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_label("Upload password").fill(PASSWORD)
    page.get_by_label("Upload password").press("Enter")
    # The load's own uploader (the register's editor below has another, for its CSV).
    page.locator('.st-key-upload_file [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))


def _load(page) -> str:
    """Click Load; the message the page gives (an error or a success in the main area)."""
    page.get_by_role("button", name="Load", exact=True).click()
    alert = page.locator('[data-testid="stMain"] [data-testid="stAlert"]').first
    alert.wait_for(timeout=120_000)
    return alert.inner_text()


def test_a_wrong_password_shows_no_uploader(upload_server, page):
    url, _ = upload_server
    page.goto(f"{url}/data")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_label("Upload password").fill("guess")
    page.get_by_label("Upload password").press("Enter")
    page.get_by_text("That password is not right.").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0


def test_a_file_that_is_not_police_uk_is_refused_and_changes_nothing(upload_server, page, tmp_path):
    url, db = upload_server
    before = db_checksums(db)
    bad = tmp_path / "my_export (2).csv"
    bad.write_text("not,a,police.uk,file\n1,2,3,4\n")
    _upload(page, url, bad)
    message = _load(page)
    assert "This file cannot be loaded" in message and "my_export (2).csv" in message, message
    assert "missing column" in message and "/tmp" not in message, message
    assert db_checksums(db) == before


def test_a_500_mb_upload_is_refused_by_the_uploader(upload_server, page, tmp_path):
    url, db = upload_server
    before = db_checksums(db)
    big = tmp_path / "big.csv"
    with big.open("wb") as out:  # sparse: 500 MB without writing them
        out.truncate(500 * 1000**2)
    _upload(page, url, big)
    page.get_by_text("File must be 200.0MB or smaller.").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Load", exact=True).count() == 0
    assert db_checksums(db) == before


def test_a_police_uk_month_loads_through_the_page(upload_server, page, tmp_path):
    url, db = upload_server
    before = db_checksums(db)
    revised = tmp_path / "january.csv"
    lines = MONTH.read_bytes().splitlines(keepends=True)
    revised.write_bytes(b"".join(lines[:-10]))  # the month as if republished without its last ten rows
    _upload(page, url, revised)
    message = _load(page)
    assert "1 file(s) loaded" in message and f"{len(lines) - 11:,} rows stored" in message, message
    after = db_checksums(db)
    assert after != before
    assert after["incidents"][0] == before["incidents"][0] - 10  # the month replaced, not added
