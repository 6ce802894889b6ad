"""The command line never answers a bad path with a stack trace: a path too long for the file
system, or one with bytes that are not text, given to build, ingest, status or table (--db,
--data-dir, the files to load), gets one line "Error: ..." naming the path cut short, and exit 2.

Run as a subprocess, as a user runs it: argv may hold bytes that are not UTF-8 there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

TOO_LONG = "/tmp/" + "x" * 300  # one name over 255 bytes: the file system refuses it (ENAMETOOLONG)


def _run(*args: str | bytes) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--db", TOO_LONG + ".duckdb"),
        ("table", "quality", "--db", TOO_LONG + "/asb.duckdb"),
        ("build", "--db", TOO_LONG + ".duckdb"),
        ("build", "--data-dir", TOO_LONG, "--db", "{tmp}/new.duckdb"),
        ("ingest", "police-uk", TOO_LONG + ".csv", "--db", "{db}"),
        ("ingest", "extract", TOO_LONG + ".csv", "--db", "{db}"),
    ],
    ids=["status-db", "table-db", "build-db", "build-data-dir", "ingest-police-uk", "ingest-extract"],
)
def test_a_path_too_long_is_one_line_and_exit_2(built_db, tmp_path, args):
    db = tmp_path / "copy.duckdb"  # ingest opens its store for writing: a copy, never the shared one
    shutil.copy(built_db, db)
    args = tuple(a.format(db=db, tmp=tmp_path) for a in args)
    line = _one_line_error(_run(*args))
    assert line.startswith("Error: cannot use the path '/tmp/xxxx") and "File name too long" in line
    assert len(line) < 200  # the path is cut short, not printed whole


def test_a_db_path_with_bytes_that_are_not_text_is_refused(tmp_path):
    odd = os.fsencode(tmp_path) + b"/asb_\xff\x01.duckdb"
    for command in ("build", "status"):
        result = subprocess.run(
            [sys.executable, "-m", "analytics", command, "--db", odd],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        line = _one_line_error(result)
        assert "asb_" in line
    assert list(tmp_path.iterdir()) == []  # nothing was created


def test_a_nul_byte_in_a_path_is_refused_in_process(capsys, built_db):
    from analytics.__main__ import main

    assert main(["ingest", "police-uk", "a\x00b.csv", "--db", str(built_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: The path 'a\\x00b.csv' holds a NUL byte") and err.count("\n") == 1
