"""Loading police.uk files and force extracts into the store.

The rules every load keeps (each has a test in tests/test_ingest.py or tests/robustness/):
- Rows are never de-duplicated: police.uk ASB rows have no Crime ID, and two identical rows are
  two incidents at one snap point in one month.
- A file whose bytes were loaded before (same SHA-256) is skipped with a message.
- police.uk publishes one file per force and month and revises past months, so a file replaces
  the stored rows of the force-months it holds, whatever it is called.
- A load is one transaction: a file that fails validation, or breaks mid-way, leaves the
  database exactly as it was.
- Rows outside the configured districts are not stored, but counted in ``loads`` and reported.
- Bad input gets an InputError naming the file, the line and the problem.
- Files are read in chunks of CHUNK_BYTES, never whole into memory: one pass hashes and checks
  the bytes, and DuckDB reads the file itself. A copy is written (in chunks, to the load's own
  temporary folder, under a name of our choosing) only for a zip member or text that is not
  UTF-8. A file, or zip member, larger than MAX_FILE_BYTES is refused before it is read.
- A file's name, or a zip member's, is only ever shown in messages, never used as a path.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandas as pd
from pyproj import Transformer

from analytics.core import settings
from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown  # quoted, cut short: a hostile value cannot flood a message
from analytics.data.geography import BNG, METHOD_GIVEN, METHOD_LSOA, METHOD_POINT, VINTAGES, WGS84, Geography

Progress = Callable[[float, str], None]

POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
ASB = "Anti-social behaviour"

EXTRACT_COLUMNS = (
    "incident_ref",
    "reported_at",
    "keyword",
    "nirs_class",
    "district",
    "ward_code",
    "longitude",
    "latitude",
    "location",
)
EXTRACT_KEYWORDS = (
    "Other",
    "Youth related",
    "Neighbour Dispute",
    "Threats/ Harassment",
    "Fights/ Arguments",
    "Parking",
    "Begging",
)
NIRS_CLASSES = ("Nuisance", "Personal", "Environmental")
EXTRACT_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)

# A generous box around Great Britain (Scilly to Shetland): police.uk points outside it are wrong.
GB_LONGITUDE = (-8.8, 2.0)
GB_LATITUDE = (49.8, 61.0)

# Zip archives: refuse what could exhaust the machine rather than read it.
MAX_UNPACKED_BYTES = 8 * 1024**3
MAX_COMPRESSION_RATIO = 200
# A member smaller than this may compress better than MAX_COMPRESSION_RATIO (a short file of
# blanks does) without being a threat; the archive as a whole is still held to the ratio.
RATIO_CHECKED_FROM_BYTES = 1024**2

# One file (or one zip member): police.uk's largest file, every force for one month, is about
# 150 MB. Larger files are refused before they are read, with a message naming this setting.
MAX_FILE_BYTES = 1024**3
# Files are read in chunks of this size: memory does not grow with the file.
CHUNK_BYTES = 1024**2
# Files on disk are scanned (hashed, checked) by this many threads at once.
SCAN_THREADS = 2
# The header is the first line: a first line longer than this is not a header.
MAX_HEADER_BYTES = 64 * 1024
# A NUL byte this near the start means a binary file; later, a damaged line.
BINARY_PROBE_BYTES = 64 * 1024

_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)


@dataclass
class FileReport:
    """What one file did to the store."""

    name: str
    sha256: str
    status: str  # 'loaded' | 'skipped'
    rows_read: int = 0
    rows_stored: int = 0
    rows_replaced: int = 0
    rows_outside: int = 0
    rows_outside_no_location: int = 0
    rows_by_lsoa_fallback: int = 0
    months: str = ""
    message: str = ""


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    def summary(self) -> str:
        loaded = [f for f in self.files if f.status == "loaded"]
        skipped = [f for f in self.files if f.status == "skipped"]
        lines = [
            f"{len(loaded)} file(s) loaded, {len(skipped)} skipped: "
            f"{self.total('rows_stored'):,} rows stored, {self.total('rows_replaced'):,} replaced, "
            f"{self.total('rows_outside'):,} outside the districts (not stored; "
            f"{self.total('rows_outside_no_location'):,} of them with no location)."
        ]
        lines += [f"  skipped {f.name}: {f.message}" for f in skipped]
        return "\n".join(lines)


SAME_CONTENT = "the same content was loaded before; nothing changed."


@dataclass
class _Source:
    name: str  # what messages call it: a path, or 'archive.zip!2018-10/x.csv'
    open: Callable[[], BinaryIO]  # a new binary stream of the file's bytes
    path: Path | None = None  # set when the bytes are a plain file on disk
    size: int | None = None  # bytes, when known before reading


def _too_big(name: str, size: int) -> InputError:
    return InputError(
        f"the file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} bytes one file may be "
        "(MAX_FILE_BYTES in analytics/data/ingest.py).",
        file=name,
        fix="Split it into smaller files: police.uk publishes one file per force and month.",
    )


# --------------------------------------------------------------------------- finding files


def _iter_sources(paths: list[Path | str], suffixes: tuple[str, ...]) -> Iterator[_Source]:
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError("no such file or folder.", file=str(path))
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes + (".zip",))
            if not found:
                raise InputError(f"the folder holds no {' or '.join(suffixes)} files.", file=str(path))
            yield from _iter_sources(found, suffixes)
        elif not path.is_file():
            raise InputError("not a regular file (a device, pipe or socket cannot be loaded).", file=str(path))
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path) and path.suffix.lower() not in suffixes:
            yield from _iter_zip(path, suffixes)
        else:
            yield _file_source(path)


def _file_source(path: Path) -> _Source:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _too_big(str(path), size)  # before anything is read
    return _Source(str(path), lambda: open(path, "rb"), path, size)


def _open_archive(path: Path, what: str = "zip archive") -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its files, refused when it could unpack to more than the machine should hold."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable {what} ({exc}).", file=str(path)) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    limits = (
        f"more than {MAX_UNPACKED_BYTES:,} bytes in all, or {MAX_COMPRESSION_RATIO}:1 "
        "(MAX_UNPACKED_BYTES and MAX_COMPRESSION_RATIO in analytics/data/ingest.py)"
    )
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        archive.close()
        raise InputError(
            f"the archive would unpack to {unpacked:,} bytes from {packed:,} ({limits}); "
            "it is refused as a possible zip bomb.",
            file=str(path),
        )
    for member in members:
        if (
            member.file_size >= RATIO_CHECKED_FROM_BYTES
            and member.file_size / max(1, member.compress_size) > MAX_COMPRESSION_RATIO
        ):
            archive.close()
            raise InputError(
                f"the member {_shown(member.filename)} would unpack to {member.file_size:,} bytes "
                f"from {member.compress_size:,} ({limits}); it is refused as a possible zip bomb.",
                file=str(path),
            )
    return archive, members


def _iter_zip(path: Path, suffixes: tuple[str, ...]) -> Iterator[_Source]:
    archive, members = _open_archive(path)
    nested = [m.filename for m in members if m.filename.lower().endswith(".zip")]
    if nested:
        raise InputError(f"the archive holds another archive ({_shown(nested[0])}); unpack it first.", file=str(path))
    chosen = sorted((m for m in members if Path(m.filename).suffix.lower() in suffixes), key=lambda m: m.filename)
    if not chosen:
        raise InputError(f"the archive holds no {' or '.join(suffixes)} files.", file=str(path))
    for member in chosen:
        name = f"{path}!{member.filename}"
        if member.file_size > MAX_FILE_BYTES:
            raise _too_big(name, member.file_size)
        # The member's name is only ever shown, never used as a path to write to.
        yield _Source(name, lambda m=member: archive.open(m), None, member.file_size)


# --------------------------------------------------------------------------- reading one file


@dataclass
class _Scan:
    """What one pass over a file's bytes found."""

    sha: str
    size: int
    raw: Path | None  # the bytes on disk: the file itself, or our copy of a zip member
    blank: bool = True  # nothing but white space
    utf8: bool = True  # valid UTF-8 (with or without a byte-order mark)
    utf16: bool = False  # starts with a UTF-16 byte-order mark
    nul_offset: int | None = None  # where the first NUL byte is
    head: bytes = b""  # the first MAX_HEADER_BYTES
    header_end: int | None = None  # offset of the end of the first line
    has_rows: bool = False  # anything but white space after the first line


_LINE_END = re.compile(rb"[\r\n]")
_STREAM_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError)


def _scan(source: _Source, spill: Path | None = None, text: bool = True) -> _Scan:
    """One pass over the file in chunks: its SHA-256 and the facts the text checks need.

    ``spill`` (for a zip member) receives a copy of the bytes, so DuckDB can read them from disk.
    Nothing is refused here but a file too big or unreadable, or one that is plainly not CSV text.
    """
    if source.size is not None and source.size > MAX_FILE_BYTES:
        raise _too_big(source.name, source.size)
    digest = hashlib.sha256()
    scan = _Scan("", 0, source.path if spill is None else spill)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    out = open(spill, "wb") if spill is not None else None
    try:
        with source.open() as handle:
            while chunk := handle.read(CHUNK_BYTES):
                start = scan.size
                scan.size += len(chunk)
                if scan.size > MAX_FILE_BYTES:
                    raise _too_big(source.name, scan.size)
                if source.path is None and source.size is not None and scan.size > source.size:
                    raise InputError(
                        f"it holds more than the {source.size:,} bytes it declares; refused.", file=source.name
                    )
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
                if not text:
                    continue
                if start == 0:
                    _check_kind(source, chunk)
                    scan.utf16 = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                if scan.utf16:
                    continue  # converted and scanned again as UTF-8
                if len(scan.head) < MAX_HEADER_BYTES:
                    scan.head += chunk[: MAX_HEADER_BYTES - len(scan.head)]
                if scan.blank and not chunk.isspace():
                    scan.blank = False
                if scan.nul_offset is None and b"\x00" in chunk:
                    scan.nul_offset = start + chunk.index(b"\x00")  # its line is counted if it is refused
                # ASCII (most files) is UTF-8: checking that is ten times faster than decoding.
                if scan.utf8 and not (chunk.isascii() and not utf8.getstate()[0]):
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        scan.utf8 = False
                if scan.header_end is None:
                    match = _LINE_END.search(chunk)
                    if match:
                        scan.header_end = start + match.start()
                if scan.header_end is not None and not scan.has_rows:
                    rest = chunk[max(0, scan.header_end - start) :]
                    scan.has_rows = bool(rest) and not rest.isspace()
            if text and scan.utf8 and not scan.utf16:
                try:
                    utf8.decode(b"", final=True)
                except UnicodeDecodeError:
                    scan.utf8 = False
    except _STREAM_ERRORS as exc:
        what = "archive member" if source.path is None else "file"
        hint = ": it is damaged, or unpacks to other than it declares" if "CRC" in str(exc) else ""
        raise InputError(f"the {what} cannot be read ({exc}){hint}.", file=source.name) from None
    except OSError as exc:
        raise InputError(f"the file cannot be read ({exc.strerror or exc}).", file=source.name) from None
    finally:
        if out is not None:
            out.close()
    scan.sha = digest.hexdigest()
    return scan


def _check_kind(source: _Source, first: bytes) -> None:
    """Refuse, by their first bytes, files that are plainly something other than CSV text."""
    kinds = (
        (b"PK\x03\x04", "a zip archive (or an Excel workbook)"),
        (b"\xd0\xcf\x11\xe0", "an old-format Excel (.xls) workbook or other Office file"),
        (b"%PDF", "a PDF document"),
        (b"\x1f\x8b", "a gzip-compressed file"),
    )
    for magic, kind in kinds:
        if first.startswith(magic):
            raise InputError(
                f"this is {kind}, not CSV text.",
                file=source.name,
                fix="Load the CSV files themselves, a .zip archive of them, or save the workbook as CSV UTF-8.",
            )


def _text_file(source: _Source, scan: _Scan, copy: Path) -> tuple[Path, str, bool]:
    """A UTF-8 file DuckDB can read, its first line, and whether rows follow; or the InputError saying why not.

    LF, CRLF and CR line ends all load; a UTF-8 byte-order mark is skipped; UTF-16 with a
    byte-order mark is converted; other text that is not UTF-8 is read as cp1252, which is what
    Excel on Windows writes. ``copy`` is where a converted copy goes (written in chunks).
    """
    if scan.utf16:
        _convert(source, scan.raw, "utf-16", copy)
        converted = _scan(_Source(source.name, lambda: open(copy, "rb"), copy))
        return _text_file(source, converted, copy.with_suffix(".utf8.csv"))
    if scan.blank:
        raise InputError("the file is empty.", file=source.name)
    if scan.nul_offset is not None:
        if scan.nul_offset < BINARY_PROBE_BYTES:
            odd, even = scan.head[1::2], scan.head[0::2]
            if max(odd.count(0), even.count(0)) > 0.3 * len(odd) and min(odd.count(0), even.count(0)) == 0:
                raise InputError(
                    "this looks like UTF-16 text without a byte-order mark.",
                    file=source.name,
                    fix="Save the file as CSV UTF-8.",
                )
            raise InputError(
                "this is a binary file, not CSV text.",
                file=source.name,
                fix="Load the CSV files themselves (or the police.uk zip archive).",
            )
        raise InputError(
            "the line holds a NUL byte (binary data): the file is damaged or not CSV text.",
            file=source.name,
            line=_line_at(scan.raw, scan.nul_offset),
        )
    if (scan.header_end if scan.header_end is not None else scan.size) > MAX_HEADER_BYTES:
        raise InputError(
            f"the first line is longer than {MAX_HEADER_BYTES:,} bytes, so it is not a header of column names.",
            file=source.name,
            line=1,
            fix="The first line of a police.uk file names its columns: Crime ID, Month, ...",
        )
    head = scan.head[len(codecs.BOM_UTF8) :] if scan.head.startswith(codecs.BOM_UTF8) else scan.head
    first = head[: scan.header_end - (len(scan.head) - len(head))] if scan.header_end is not None else head
    path = scan.raw
    if scan.utf8:
        header = first.decode("utf-8")
    else:
        _convert(source, scan.raw, "cp1252", copy)
        header, path = first.decode("cp1252", errors="replace"), copy
    return path, header, scan.has_rows


def _line_at(path: Path, offset: int) -> int:
    """The line (1-based) holding byte ``offset`` of the file: counted only for a file refused."""
    lines, done = 1, 0
    with open(path, "rb") as handle:
        while done < offset and (chunk := handle.read(min(CHUNK_BYTES, offset - done))):
            lines += chunk.count(b"\n")
            done += len(chunk)
    return lines


def _convert(source: _Source, raw: Path, encoding: str, copy: Path) -> None:
    """Write the file as UTF-8 (without a byte-order mark), in chunks; refuse bytes the encoding lacks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, first = 0, True
    with open(raw, "rb") as handle, open(copy, "wb") as out:
        while True:
            chunk = handle.read(CHUNK_BYTES)
            try:
                decoded = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line = lines + 1
                if encoding == "cp1252":
                    line += chunk.count(b"\n", 0, exc.start)
                    problem = (
                        f"unreadable text encoding (byte 0x{chunk[exc.start]:02x} is neither UTF-8 nor Windows-1252)."
                    )
                else:
                    problem = f"unreadable {encoding.upper()} text ({exc.reason})."
                raise InputError(problem, file=source.name, line=line, fix="Save the file as CSV UTF-8.") from None
            if first and encoding == "cp1252" and chunk.startswith(codecs.BOM_UTF8):
                decoded = decoded[3:]  # the UTF-8 mark of a file that is not UTF-8 after all
            first = False
            lines += decoded.count("\n")
            out.write(decoded.encode("utf-8"))
            if not chunk:
                break


def _read_header(source: _Source, first_line: str, required: tuple[str, ...], has_rows: bool) -> list[str]:
    try:
        header = next(csv.reader([first_line]), [])
    except csv.Error as exc:
        raise InputError(f"the header line cannot be read as CSV ({exc}).", file=source.name, line=1) from None
    header = [h.strip() for h in header]
    if len(header) == 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in first_line:
                raise InputError(
                    f"the columns are separated by {name}, not commas.",
                    file=source.name,
                    line=1,
                    fix="Save the file as comma-separated CSV.",
                )
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(_shown(c) for c in missing)}; found "
            f"{', '.join(_shown(h, 40) for h in header[:20])}"
            f"{f' and {len(header) - 20:,} more' if len(header) > 20 else ''}.",
            file=source.name,
            line=1,
        )
    duplicated = sorted({h for h in header if header.count(h) > 1 and h in required})
    if duplicated:
        raise InputError(
            f"column(s) {', '.join(_shown(h) for h in duplicated)} appear more than once.", file=source.name, line=1
        )
    if not has_rows:
        raise InputError("the file has a header but no rows.", file=source.name, line=2)
    return header


_READ_CSV = (
    "read_csv(?, header=true, delim=',', quote='\"', escape='\"', all_varchar=true, strict_mode=true, "
    "null_padding=false, auto_detect=false, columns=?)"
)


def _stage_csv(conn: duckdb.DuckDBPyConnection, source: _Source, path: Path, header: list[str], sql: str) -> None:
    """Run ``sql``, which reads the file through ``{read_csv}`` (every column as text, named by position).

    The positional columns c0, c1, ... are renamed by ``_select_columns`` through the allow-list of
    known names: anything else is dropped, so no header text ever reaches SQL.
    """
    columns = {f"c{i}": "VARCHAR" for i in range(len(header))}
    try:
        conn.execute(sql.replace("{read_csv}", _READ_CSV), [str(path), columns])
    except duckdb.Error as exc:
        line, problem = _csv_problem(str(exc))
        raise InputError(problem, file=source.name, line=line) from None


def _csv_problem(text: str) -> tuple[int | None, str]:
    """The line and a plain statement of a DuckDB CSV error (whose text quotes the whole line)."""
    match = re.search(r"Line: (\d+)", text)
    line = int(match.group(1)) if match else None
    expected = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if expected:
        return line, (
            f"expected {expected.group(1)} columns but found {expected.group(2)}; "
            "the file may be cut off or not comma-separated."
        )
    if "unterminated quote" in text:
        return line, (
            'a value opens a quote (") that is never closed; the file may be cut off, or a '
            'quote inside a value is not doubled ("").'
        )
    size = re.search(r"Maximum line size of (\d+) bytes exceeded", text)
    if size:
        return line, f"the line is longer than {int(size.group(1)):,} bytes, the most one row may be."
    if "Invalid unicode" in text or "UTF8" in text or "UTF-8" in text:
        return line, "the text is not valid UTF-8."
    lines = [part.strip() for part in text.split("\n")]
    after = [part for part in lines[1:] if part and not part.startswith(("Original Line", "Possible"))]
    problem = after[0] if after else re.sub(r"^[A-Za-z ]+Error: ", "", lines[0])
    return line, (problem if len(problem) <= 300 else problem[:300] + "...")


def _select_columns(header: list[str], wanted: dict[str, str]) -> str:
    """SELECT list mapping positional staged columns to internal names, for known columns only."""
    parts = []
    for i, name in enumerate(header):
        if name in wanted:
            parts.append(f"c{i} AS {wanted[name]}")
    return ", ".join(parts)


def _find_line(path: Path, predicate: Callable[[list[str]], bool]) -> int | None:
    """Line number (1-based, header is line 1) of the first data row for which predicate holds."""
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            if not row:
                continue  # a blank line: DuckDB skips it too
            try:
                if predicate(row):
                    return reader.line_num
            except IndexError:
                continue
    return None


# --------------------------------------------------------------------------- police.uk

_POLICE_NAMES = {
    "Crime ID": "crime_id",
    "Month": "month_text",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Longitude": "lon_text",
    "Latitude": "lat_text",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "category",
    "Last outcome category": "outcome",
    "Context": "context",
}


def ingest_police_uk(
    conn: duckdb.DuckDBPyConnection,
    paths: list[Path | str],
    *,
    geography: Geography | None = None,
    districts: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Load police.uk street-level CSV files, folders of them, or police.uk archive zips.

    Everything is loaded in one transaction: if any file is refused, nothing is kept. Each file
    is hashed and its text checked in Python (_scan); then DuckDB reads all of them together,
    twice, never keeping a copy of their rows: once to check them, count what each file holds (a
    small summary by file, month, force and LSOA) and find the distinct snap points that need a
    ward; once straight into ``incidents``. Parsing the files' text twice costs far less than
    storing it in a staging table and copying it (the bare read_csv of the scale benchmark spends
    most of its time storing, not parsing). The first read runs before the transaction and
    creates only temporary tables, so a file DuckDB refuses can be read again alone to name it;
    the deletion of replaced rows, the insert and the load records are one transaction.
    """
    districts = districts or settings.districts()
    geography = geography or load_geography(conn)
    sources = list(_iter_sources(paths, (".csv",)))
    report = LoadReport()
    seen = set(r[0] for r in conn.execute("SELECT sha256 FROM loads").fetchall())
    with tempfile.TemporaryDirectory(prefix="asb-ingest-") as tmp:
        tmp = Path(tmp)
        # Files on disk are hashed two at a time (hashing and reading let other threads run);
        # their results, and any refusal, are still taken in the files' order.
        pool = ThreadPoolExecutor(max_workers=SCAN_THREADS)
        try:
            ahead = {
                index: pool.submit(_scan, source) for index, source in enumerate(sources) if source.path is not None
            }
            staged: list[_Staged] = []
            for index, source in enumerate(sources):
                if progress:
                    progress(0.6 * index / max(1, len(sources)), f"Reading {source.name}")
                # Our own names in our own folder: an upload's name never decides where anything goes.
                spill = None if source.path is not None else tmp / f"member{index}.raw"
                scan = ahead.pop(index).result() if index in ahead else _scan(source, spill)
                if scan.sha in seen:
                    report.files.append(FileReport(source.name, scan.sha, "skipped", message=SAME_CONTENT))
                    if spill is not None:
                        spill.unlink()
                    continue
                seen.add(scan.sha)
                staged.append(_prepare_police_file(source, scan, tmp / f"file{index}.csv", len(staged)))
            if staged:
                if progress:
                    progress(0.7, "Checking and placing rows in wards")
                _summarise_police(conn, staged)
                _check_police(conn, staged)
                with _joins_as_written(conn), _transaction(conn):
                    report.files.extend(_apply_police(conn, staged, geography, districts))
            if progress:
                progress(1.0, "Loaded")
        finally:
            pool.shutdown(cancel_futures=True)
            _drop_stage(conn)
    order = {source.name: i for i, source in enumerate(sources)}
    report.files.sort(key=lambda f: order[f.name])
    return report


@dataclass
class _Staged:
    """One police.uk file to load: its rows carry file_index = index."""

    index: int
    source: _Source
    sha: str
    path: Path  # UTF-8 text DuckDB reads: the file itself, or our copy
    header: list[str]
    layout: tuple  # files of one layout are read by one read_csv


def _prepare_police_file(source: _Source, scan: _Scan, copy: Path, index: int) -> _Staged:
    path, first_line, has_rows = _text_file(source, scan, copy)
    header = _read_header(source, first_line, POLICE_UK_COLUMNS, has_rows)
    # Files are read together only when DuckDB would read each of them alone the same way: the
    # same columns in the same places, the same line end, with or without a byte-order mark.
    with open(path, "rb") as handle:
        head = handle.read(MAX_HEADER_BYTES + 2)
    end = _LINE_END.search(head)
    newline = b"" if end is None else head[end.start() : end.start() + 2]
    newline = newline if newline == b"\r\n" else newline[:1]
    return _Staged(index, source, scan.sha, path, header, (tuple(header), newline, head.startswith(codecs.BOM_UTF8)))


def _police_select(header: list[str]) -> str:
    """The staged columns of a police.uk file; longitude and latitude are also read as numbers."""
    lon, lat = header.index("Longitude"), header.index("Latitude")
    # In our order, not the file's: the layouts' reads are stacked (and by name, to be sure).
    columns = ", ".join(f"c{header.index(name)} AS {ours}" for name, ours in _POLICE_NAMES.items())
    return (
        f"{columns}, TRY_CAST(nullif(trim(c{lon}), '') AS DOUBLE) AS lon, "
        f"TRY_CAST(nullif(trim(c{lat}), '') AS DOUBLE) AS lat"
    )


def _police_rows(staged: list[_Staged]) -> tuple[str, list]:
    """SQL (and its parameters) for the rows of all the files, each with its file_index.

    One read_csv per layout, over all its files at once: DuckDB reads them in parallel, where
    one statement per file paid a statement's fixed cost hundreds of times. A row's file_index
    comes from DuckDB's own file_index, the position of its file in the list read_csv is given
    (_summarise_police checks that every row found its file).
    """
    layouts: dict[tuple, list[_Staged]] = {}
    for item in staged:
        layouts.setdefault(item.layout, []).append(item)
    parts, params = [], []
    for items in layouts.values():
        header = items[0].header
        parts.append(
            f"SELECT (?::INTEGER[])[file_index::BIGINT + 1] AS file_index, {_police_select(header)} FROM {_READ_CSV}"
        )
        params += [
            [item.index for item in items],
            [str(item.path) for item in items],
            {f"c{i}": "VARCHAR" for i in range(len(header))},
        ]
    return "(" + " UNION ALL BY NAME ".join(parts) + ")", params


def _stage_one(conn, item: _Staged) -> None:
    """The rows of one file, alone, in the temporary table ``stage``: to name a file DuckDB refuses,
    and to find the line of a problem. Raises the InputError for a file DuckDB cannot read."""
    conn.execute("DROP TABLE IF EXISTS stage")
    _stage_csv(
        conn,
        item.source,
        item.path,
        item.header,
        f"CREATE TEMP TABLE stage AS SELECT {item.index} AS file_index, {_police_select(item.header)} "
        "FROM {read_csv}",
    )


def _csv_error(staged: list[_Staged], exc: duckdb.Error) -> InputError:
    """An InputError for a DuckDB error reading several files: the file it names, else the first."""
    line, problem = _csv_problem(str(exc))
    named = re.search(r"^\s*file = (.*)$", str(exc), re.MULTILINE)
    by_path = {str(item.path): item.source.name for item in staged}
    name = by_path.get(named.group(1).strip()) if named else None
    return InputError(problem, file=name or staged[0].source.name, line=line)


def _summarise_police(conn, staged: list[_Staged]) -> None:
    """Read every file once: ``stage_groups``, rows counted by file, month, force and LSOA with the
    counts the checks need, and ``stage_points``, the distinct snap points by LSOA. Outside the
    load's transaction (temporary tables only), so a file DuckDB refuses is read again alone, as
    the files were before, for the message naming it and its line."""
    rows, params = _police_rows(staged)
    try:
        # Two groupings in one read: the summary, and the distinct snap points (by LSOA, which
        # gives their district) that need a ward. What the checks count is worked out once per
        # row, as bits of ``flags`` (almost always 0, or 1 for no location), a key of the summary:
        # a count per check per grouping cost as much again as the rest of the read.
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE stage_summary AS
            SELECT grouping(lon) = 0 AS is_point, file_index, month_text, reported_by, lsoa_code, flags, lon, lat,
                   count(*) AS n
            FROM (SELECT *,
                    (lon IS NULL)::INTEGER
                    + 2 * coalesce(nullif(trim(category), '') IS NULL, false)::INTEGER
                    + 4 * coalesce((lon IS NULL OR lat IS NULL)
                        AND ((lon IS NULL) <> (lat IS NULL) OR nullif(trim(lon_text), '') IS NOT NULL
                             OR nullif(trim(lat_text), '') IS NOT NULL), false)::INTEGER
                    + 8 * coalesce(lon NOT BETWEEN ? AND ? OR lat NOT BETWEEN ? AND ?, false)::INTEGER AS flags
                  FROM {rows})
            GROUP BY GROUPING SETS ((file_index, month_text, reported_by, lsoa_code, flags), (lsoa_code, lon, lat))""",
            [*GB_LONGITUDE, *GB_LATITUDE, *params],
        )
    except duckdb.Error as exc:
        for item in staged:
            _stage_one(conn, item)  # raises the InputError for the file refused
        raise _csv_error(staged, exc) from None
    conn.execute("""CREATE OR REPLACE TEMP TABLE stage_groups AS
                    SELECT file_index, month_text, reported_by, lsoa_code, n,
                           CASE WHEN flags & 1 <> 0 THEN n ELSE 0 END AS no_location,
                           CASE WHEN flags & 2 <> 0 THEN n ELSE 0 END AS no_category,
                           CASE WHEN flags & 4 <> 0 THEN n ELSE 0 END AS bad_number,
                           CASE WHEN flags & 8 <> 0 THEN n ELSE 0 END AS outside_gb
                    FROM stage_summary WHERE NOT is_point""")
    conn.execute("""CREATE OR REPLACE TEMP TABLE stage_points AS
                    SELECT lsoa_code, lon, lat FROM stage_summary WHERE is_point AND lon IS NOT NULL""")
    conn.execute("DROP TABLE stage_summary")
    lost = conn.execute("SELECT coalesce(sum(n), 0) FROM stage_groups WHERE file_index IS NULL").fetchone()[0]
    if lost:
        # Never expected (DuckDB's file_index is the position in the list given): refuse rather
        # than drop rows.
        raise RuntimeError(f"{lost:,} rows read could not be matched to their file; nothing was loaded.")


def _check_police(conn, staged: list[_Staged]) -> None:
    bad = conn.execute(_POLICE_CHECKS).fetchall()
    for file_index, bad_month, bad_number, outside_gb, no_category, no_force in bad:
        if bad_month or bad_number or outside_gb or no_category or no_force:
            item = staged[file_index]
            _stage_one(conn, item)  # only for a refused file: to find the line
            _explain_police_error(conn, item, bad_month, bad_number, outside_gb, no_category, no_force)


# The checks run on the summary: a file holds a handful of months, forces and crime types.
_POLICE_CHECKS = """
SELECT file_index,
  coalesce(sum(n) FILTER (WHERE NOT regexp_full_match(coalesce(month_text, ''), '[0-9]{4}-(0[1-9]|1[0-2])')), 0)
    AS bad_month,
  sum(bad_number), sum(outside_gb), sum(no_category),
  coalesce(sum(n) FILTER (WHERE nullif(trim(reported_by), '') IS NULL), 0) AS no_force
FROM stage_groups GROUP BY file_index ORDER BY file_index
"""


def _explain_police_error(conn, staged: _Staged, bad_month, bad_number, outside_gb, no_category, no_force):
    """Raise the InputError for the first problem of a file, with its line number.

    Finding the line costs a pass over the file in Python, paid only when a file is refused.
    """
    source, path, header = staged.source, staged.path, staged.header
    col = {name: header.index(name) for name in POLICE_UK_COLUMNS}
    where = f"file_index = {staged.index}"

    def number(text: str) -> float | None:
        try:
            return float(text) if text.strip() else None
        except ValueError:
            return float("nan")

    if bad_month:
        line = _find_line(path, lambda r: not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", r[col["Month"]]))
        value = conn.execute(
            f"SELECT month_text FROM stage WHERE {where} AND NOT regexp_full_match("
            "coalesce(month_text, ''), '[0-9]{4}-(0[1-9]|1[0-2])') LIMIT 1"
        ).fetchone()[0]
        what = f"the Month {_shown(value)} is not" if value else "the Month is empty, not"
        raise InputError(f"{what} a month written YYYY-MM ({bad_month:,} row(s) like it).", file=source.name, line=line)
    if bad_number:

        def bad(r):
            lon, lat = number(r[col["Longitude"]]), number(r[col["Latitude"]])
            return (
                (lon is None) != (lat is None) or (lon is not None and lon != lon) or (lat is not None and lat != lat)
            )

        line = _find_line(path, bad)
        raise InputError(
            f"a Longitude or Latitude is not a number, or one is given without the other ({bad_number:,} row(s)).",
            file=source.name,
            line=line,
        )
    if outside_gb:

        def outside(r):
            lon, lat = number(r[col["Longitude"]]), number(r[col["Latitude"]])
            return (
                lon is not None
                and lat is not None
                and not (GB_LONGITUDE[0] <= lon <= GB_LONGITUDE[1] and GB_LATITUDE[0] <= lat <= GB_LATITUDE[1])
            )

        line = _find_line(path, outside)
        lon, lat = conn.execute(
            f"SELECT lon, lat FROM stage WHERE {where} AND (lon NOT BETWEEN ? AND ? "
            "OR lat NOT BETWEEN ? AND ?) LIMIT 1",
            [*GB_LONGITUDE, *GB_LATITUDE],
        ).fetchone()
        hint = (
            " The longitude and latitude look swapped."
            if GB_LATITUDE[0] <= lon <= GB_LATITUDE[1] and GB_LONGITUDE[0] <= lat <= GB_LONGITUDE[1]
            else ""
        )
        raise InputError(
            f"the coordinates ({lon}, {lat}) are outside Great Britain ({outside_gb:,} row(s)).{hint}",
            file=source.name,
            line=line,
        )
    column = "Crime type" if no_category else "Reported by"
    line = _find_line(path, lambda r: not r[col[column]].strip())
    raise InputError(f"the {column} is empty.", file=source.name, line=line)


def _apply_police(conn, staged: list[_Staged], geography: Geography, districts: tuple[str, ...]) -> list[FileReport]:
    # police.uk publishes one file per force and month: when two files of one load hold the same
    # force-month, the later one is the revision and replaces the earlier, as across loads.
    # (The Month is checked as YYYY-MM, so its text and the month are one to one.)
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE stage_months AS
        SELECT reported_by, month_text, strptime(month_text || '-01', '%Y-%m-%d')::DATE AS month,
               max(file_index) AS file_index
        FROM stage_groups GROUP BY 1, 2""")
    # A row is kept when its LSOA is in one of the districts.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_lsoas AS
        SELECT lsoa_code, district, ward_wd22 AS lsoa_wd22, ward_wd25 AS lsoa_wd25
        FROM lsoa_lookup WHERE list_contains(?, district)""",
        [list(districts)],
    )
    per_file = {
        row[0]: row[1:]
        for row in conn.execute("""
        SELECT g.file_index, sum(g.n) AS rows_read,
               sum(g.n) - coalesce(sum(g.n) FILTER (WHERE k.lsoa_code IS NOT NULL), 0) AS outside,
               sum(g.no_location) - coalesce(sum(g.no_location) FILTER (WHERE k.lsoa_code IS NOT NULL), 0)
                 AS outside_no_location,
               min(g.month_text) || '..' || max(g.month_text) AS months
        FROM stage_groups g LEFT JOIN stage_lsoas k ON k.lsoa_code = g.lsoa_code
        GROUP BY g.file_index""").fetchall()
    }
    superseded = dict(
        conn.execute("""
        SELECT m.file_index, sum(g.n) FROM stage_groups g
        JOIN stage_lsoas k ON k.lsoa_code = g.lsoa_code
        JOIN stage_months m ON m.reported_by = g.reported_by AND m.month_text = g.month_text
        WHERE g.file_index < m.file_index GROUP BY 1""").fetchall()
    )
    replaced = dict(
        conn.execute("""
        SELECT m.file_index, count(*) FROM incidents i
        JOIN stage_months m ON m.reported_by = i.force AND m.month = i.month
        WHERE i.source = 'police_uk' GROUP BY 1""").fetchall()
    )
    conn.execute("""
        DELETE FROM incidents WHERE source = 'police_uk' AND (force, month) IN
          (SELECT reported_by, month FROM stage_months)""").fetchall()
    rows, params = _police_rows(staged)
    # The rows stored: in the districts, and of the file that is the force-month's latest.
    kept = f"""FROM {rows} s JOIN stage_lsoas k ON k.lsoa_code = s.lsoa_code
               JOIN stage_months m ON m.reported_by = s.reported_by AND m.month_text = s.month_text
                                  AND m.file_index = s.file_index"""
    # Every point of the rows in the districts (a few of rows superseded too: the join below
    # only looks points up).
    points = _assign_points(
        conn,
        "(SELECT p.lon, p.lat, k.district FROM stage_points p JOIN stage_lsoas k ON k.lsoa_code = p.lsoa_code) AS kept",
        geography,
    )
    base = _next_load_id(conn)
    conn.register("point_frame", points)
    try:
        # Copied once into a DuckDB table (one row per point), so the insert joins a table, with
        # its statistics, rather than scanning a pandas frame.
        conn.execute("CREATE OR REPLACE TEMP TABLE point_wards AS SELECT * FROM point_frame")
    finally:
        conn.unregister("point_frame")
    # (Planned as written, _joins_as_written: the small tables are the joins' build side.)
    try:
        conn.execute(
            f"""
            INSERT INTO incidents BY NAME
            SELECT 'police_uk' AS source, false AS synthetic, {base} + s.file_index AS load_id,
                   s.reported_by AS force, m.month, nullif(s.crime_id, '') AS crime_id, s.reported_by,
                   s.falls_within, s.category, s.category = '{ASB}' AS is_asb, s.lon AS longitude,
                   s.lat AS latitude, p.easting, p.northing, s.location, s.lsoa_code, s.lsoa_name,
                   nullif(s.outcome, '') AS outcome, nullif(s.context, '') AS context, k.district,
                   {_ward_columns()}
            {kept}
            LEFT JOIN point_wards p ON p.lon = s.lon AND p.lat = s.lat AND p.district = k.district""",
            params,
        )
    except duckdb.Error as exc:
        if not isinstance(exc, (duckdb.InvalidInputException, duckdb.ConversionException)):
            raise
        raise _csv_error(staged, exc) from None  # read once already: only if a file changed meanwhile
    stored = {
        row[0]: row[1:]
        for row in conn.execute(f"""
        SELECT load_id - {base}, count(*), count(*) FILTER (WHERE ward_method_wd22 <> '{METHOD_POINT}'
                                                          OR ward_method_wd25 <> '{METHOD_POINT}')
        FROM incidents WHERE load_id >= {base} AND source = 'police_uk' GROUP BY 1""").fetchall()
    }
    reports, records, now = [], [], datetime.now()
    for item in staged:
        rows_read, outside, outside_no_location, months = per_file[item.index]
        rows_stored, fallback = stored.get(item.index, (0, 0))
        rows_replaced = replaced.get(item.index, 0) + superseded.get(item.index, 0)
        records.append(
            (
                base + item.index,
                item.source.name,
                item.sha,
                rows_read,
                rows_stored,
                rows_replaced,
                outside,
                outside_no_location,
                months,
            )
        )
        reports.append(
            FileReport(
                item.source.name,
                item.sha,
                "loaded",
                rows_read=int(rows_read),
                rows_stored=int(rows_stored),
                rows_replaced=int(rows_replaced),
                rows_outside=int(outside),
                rows_outside_no_location=int(outside_no_location),
                rows_by_lsoa_fallback=int(fallback),
                months=months,
            )
        )
    # One statement for all the files' records, not one per file.
    columns = [list(column) for column in zip(*records, strict=False)]
    conn.execute(
        """
        INSERT INTO loads
        SELECT unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), 'police_uk', false,
               unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]),
               unnest(?::BIGINT[]), unnest(?::VARCHAR[]), ?::TIMESTAMP""",
        [*columns, now],
    )
    return reports


def _ward_columns(given: dict[str, str] | None = None) -> str:
    """SQL for the ward of each vintage: the point's ward, else the LSOA's (or the extract's own code)."""
    parts = []
    for vintage in VINTAGES:
        fallback = f"k.lsoa_{vintage}" if given is None else given[vintage]
        method = METHOD_LSOA if given is None else METHOD_GIVEN
        parts.append(f"coalesce(p.ward_{vintage}, {fallback}) AS ward_{vintage}")
        parts.append(
            f"CASE WHEN p.ward_{vintage} IS NOT NULL THEN '{METHOD_POINT}' "
            f"WHEN {fallback} IS NOT NULL THEN '{method}' END AS ward_method_{vintage}"
        )
    return ", ".join(parts)


def _assign_points(conn, table: str, geography: Geography) -> pd.DataFrame:
    """Ward of every distinct snap point, by point-in-polygon, and its British National Grid position.

    police.uk snaps locations to a limited set of anonymous points, so there are far fewer
    distinct points than rows: the geometry work is done once per point, the rest is a join.
    """
    points = conn.execute(f"SELECT DISTINCT lon, lat, district FROM {table} WHERE lon IS NOT NULL").df()
    lon = points["lon"].to_numpy(dtype=float)
    lat = points["lat"].to_numpy(dtype=float)
    district = points["district"].to_numpy(dtype=object)
    for vintage in VINTAGES:
        points[f"ward_{vintage}"] = geography.assign_points(lon, lat, district, vintage)
    points["easting"], points["northing"] = _TO_BNG.transform(lon, lat) if len(points) else ([], [])
    return points


def _next_load_id(conn) -> int:
    return conn.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]


class _joins_as_written:
    """Plan the load's joins in the order written, the small table on the right (the build side).

    DuckDB cannot know how many rows the files hold before it reads them: left to itself, it built
    the hash table of the insert's join with the snap points from every incident, with all its
    text, rather than from the points (at 1 M rows, a third of the insert's time). The setting is
    DuckDB-wide, so it is put back as it was when the load ends, after its transaction, either way.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def __enter__(self):
        self.before = self.conn.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]
        self.conn.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("SET disabled_optimizers = ?", [self.before])
        return False


class _transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any error, so a failed load changes nothing."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN TRANSACTION")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        _drop_stage(self.conn)
        return False


_STAGE_TABLES = (
    "stage_raw",
    "stage",
    "stage_typed",
    "stage_months",
    "stage_kept",
    "stage_summary",
    "stage_groups",
    "stage_points",
    "stage_lsoas",
    "point_wards",
)


def _drop_stage(conn) -> None:
    """Drop the temporary tables of a load (they live as long as the connection otherwise)."""
    for table in _STAGE_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


# --------------------------------------------------------------------------- force extracts


def ingest_extract(
    conn: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    column_map: dict[str, str] | None = None,
    synthetic: bool | None = None,
    force: str = "West Mercia Police",
    geography: Geography | None = None,
    districts: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Load a force ASB incident extract (CSV or XLSX).

    ``column_map`` maps the file's column names to ours (EXTRACT_COLUMNS) for other layouts.
    ``synthetic`` marks the demonstration extract; by default a file whose name says SYNTHETIC is.
    A load replaces the stored extract rows of the months it covers.
    """
    districts = districts or settings.districts()
    geography = geography or load_geography(conn)
    path = Path(path)
    if path.is_dir():
        raise InputError("this is a folder: give the extract file itself (CSV or XLSX).", file=str(path))
    if not path.is_file():
        raise InputError("no such file." if not path.exists() else "not a regular file.", file=str(path))
    source = _file_source(path)
    mapping = _extract_mapping(source, column_map)
    if not isinstance(force, str) or not force.strip():
        raise InputError(f"the force must be a name, not {_shown(force)}.", file=source.name)
    if synthetic is None:
        synthetic = "SYNTHETIC" in path.name.upper()
    excel = path.suffix.lower() in (".xlsx", ".xlsm")
    if progress:
        progress(0.1, f"Reading {source.name}")
    report = LoadReport()
    with tempfile.TemporaryDirectory(prefix="asb-extract-") as tmp:
        tmp = Path(tmp)
        scan = _scan(source, text=not excel)
        if conn.execute("SELECT count(*) FROM loads WHERE sha256 = ?", [scan.sha]).fetchone()[0]:
            report.files.append(FileReport(source.name, scan.sha, "skipped", message=SAME_CONTENT))
            return report
        if excel:
            converted = tmp / "workbook.csv"
            _xlsx_to_csv(source, converted)
            text_scan = _scan(_Source(source.name, lambda: open(converted, "rb"), converted))
        else:
            text_scan = scan
        path, first_line, has_rows = _text_file(source, text_scan, tmp / "extract.csv")
        required = tuple(sorted(mapping, key=lambda k: EXTRACT_COLUMNS.index(mapping[k])))
        header = _read_header(source, first_line, required, has_rows)
        with _transaction(conn):
            _stage_csv(
                conn,
                source,
                path,
                header,
                f"""
                CREATE OR REPLACE TEMP TABLE stage AS
                SELECT *, TRY_CAST(nullif(trim(lon_text), '') AS DOUBLE) AS lon,
                          TRY_CAST(nullif(trim(lat_text), '') AS DOUBLE) AS lat,
                          coalesce({", ".join(f"try_strptime(trim(reported_text), '{f}')" for f in EXTRACT_TIME_FORMATS)})
                            AS reported_at
                FROM (SELECT {_select_columns(header, {k: _EXTRACT_NAMES[v] for k, v in mapping.items()})}
                      FROM {{read_csv}})""",
            )
            if progress:
                progress(0.5, "Checking")
            _check_extract(conn, source, path, header, mapping, geography)
            report.files.append(_apply_extract(conn, source, scan.sha, synthetic, force, geography, districts))
    if progress:
        progress(1.0, "Loaded")
    return report


_EXTRACT_NAMES = {
    "incident_ref": "incident_ref",
    "reported_at": "reported_text",
    "keyword": "keyword",
    "nirs_class": "nirs_class",
    "district": "district_text",
    "ward_code": "ward_code",
    "longitude": "lon_text",
    "latitude": "lat_text",
    "location": "location",
}


def _extract_mapping(source: _Source, column_map: dict[str, str] | None) -> dict[str, str]:
    """The file's column for each of ours: ours by name, unless ``column_map`` names another.

    The map's names are only compared with the file's header, never put into SQL.
    """
    if not column_map:
        return {name: name for name in EXTRACT_COLUMNS}
    if not isinstance(column_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in column_map.items()
    ):
        raise InputError(
            "the column mapping must map the file's column names to ours, as text "
            f"(e.g. {{'Ref': 'incident_ref'}}); valid targets: {', '.join(EXTRACT_COLUMNS)}.",
            file=source.name,
        )
    unknown = sorted(set(column_map.values()) - set(EXTRACT_COLUMNS))
    if unknown:
        raise InputError(
            f"the column mapping names unknown target(s) {', '.join(_shown(u) for u in unknown)}; "
            f"valid targets: {', '.join(EXTRACT_COLUMNS)}.",
            file=source.name,
        )
    targets = list(column_map.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise InputError(
            f"the column mapping gives more than one column for {', '.join(twice)}; "
            "each of ours takes one column of the file.",
            file=source.name,
        )
    mapping = dict(column_map)
    for name in EXTRACT_COLUMNS:
        if name in targets:
            continue
        if name in column_map:
            raise InputError(
                f"the column mapping uses the file's column {name!r} for {column_map[name]!r}, "
                f"so no column gives {name!r}; map one to it.",
                file=source.name,
            )
        mapping[name] = name
    return mapping


def _xlsx_to_csv(source: _Source, out: Path) -> None:
    """The workbook's first sheet as CSV text, after the zip-bomb checks every archive gets."""
    archive, _ = _open_archive(source.path, "Excel workbook")
    archive.close()
    try:
        frame = pd.read_excel(source.path, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(f"not a readable Excel workbook ({str(exc)[:200]}).", file=source.name) from None
    frame.to_csv(out, index=False)


def _check_extract(
    conn, source: _Source, path: Path, header: list[str], mapping: dict[str, str], geography: Geography
) -> None:
    col = {target: header.index(name) for name, target in mapping.items()}
    ward_codes = list(geography.wards["wd22"].ward_code)
    checks = [
        (
            "reported_at IS NULL",
            "reported_at",
            "the date and time reported is not a date (expected e.g. 2018-10-31 19:45:00)",
        ),
        (
            "NOT list_contains(?, coalesce(keyword, ''))",
            "keyword",
            f"unknown key-word type; valid types: {', '.join(EXTRACT_KEYWORDS)}",
        ),
        (
            "nullif(trim(nirs_class), '') IS NOT NULL AND NOT list_contains(?, nirs_class)",
            "nirs_class",
            f"unknown NIRS class; valid classes: {', '.join(NIRS_CLASSES)}",
        ),
        (
            "(lon IS NULL) <> (lat IS NULL) OR (lon IS NULL AND nullif(trim(lon_text), '') IS NOT NULL)"
            " OR (lat IS NULL AND nullif(trim(lat_text), '') IS NOT NULL)",
            "longitude",
            "the longitude or latitude is not a number, or one is given without the other",
        ),
        (
            "lon NOT BETWEEN ? AND ? OR lat NOT BETWEEN ? AND ?",
            "longitude",
            "the coordinates are outside Great Britain",
        ),
        (
            "lon IS NULL AND NOT list_contains(?, coalesce(ward_code, ''))",
            "ward_code",
            "a row with no coordinates needs a known WD22 ward code",
        ),
        ("nullif(trim(incident_ref), '') IS NULL", "incident_ref", "the incident reference is empty"),
    ]
    params = {"keyword": [list(EXTRACT_KEYWORDS)], "nirs_class": [list(NIRS_CLASSES)], "ward_code": [ward_codes]}
    for index, (condition, column, problem) in enumerate(checks):
        args = params.get(column, [])
        if "BETWEEN" in condition:
            args = [*GB_LONGITUDE, *GB_LATITUDE]
        bad = conn.execute(f"SELECT count(*) FROM stage WHERE {condition}", args).fetchone()[0]
        if not bad:
            continue
        # Find the line: the first staged row failing the same condition, located in the file by
        # its incident reference (or, failing that, by the offending value).
        value = conn.execute(
            f"SELECT {_EXTRACT_NAMES[column]}, incident_ref FROM stage WHERE {condition} LIMIT 1", args
        ).fetchone()
        ref_col = col.get("incident_ref")
        line = None
        if value[1] and ref_col is not None and column in col:
            line = _find_line(path, lambda r: r[ref_col] == value[1] and r[col[column]] == (value[0] or ""))
        if line is None and column in col:
            line = _find_line(path, lambda r: r[col[column]] == (value[0] or ""))
        shown = _shown(value[0]) if value[0] is not None and value[0].strip() else "an empty value"
        raise InputError(f"{problem}: {shown} ({bad:,} row(s)).", file=source.name, line=line)


def _apply_extract(
    conn, source: _Source, sha: str, synthetic: bool, force: str, geography: Geography, districts: tuple[str, ...]
) -> FileReport:
    known = {name.lower(): name for name in geography.wards["wd22"].district.unique()}
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_kept AS
        SELECT s.*, date_trunc('month', s.reported_at)::DATE AS month, d.district
        FROM stage s JOIN (SELECT unnest(?) AS district) d ON lower(trim(s.district_text)) = lower(d.district)
        """,
        [list(d for d in districts if d.lower() in known)],
    )
    rows_read, rows_kept, outside_no_location, months = conn.execute("""
        SELECT (SELECT count(*) FROM stage), (SELECT count(*) FROM stage_kept),
               (SELECT count(*) FROM stage WHERE lon IS NULL) - (SELECT count(*) FROM stage_kept WHERE lon IS NULL),
               (SELECT strftime(min(reported_at), '%Y-%m') || '..' || strftime(max(reported_at), '%Y-%m') FROM stage)
        """).fetchone()
    points = _assign_points(conn, "stage_kept", geography)
    conn.register("point_wards", points)
    try:
        rows_replaced = conn.execute("""
            DELETE FROM incidents WHERE source = 'extract'
              AND month BETWEEN (SELECT min(month) FROM stage_kept) AND (SELECT max(month) FROM stage_kept)
            """).fetchone()[0]
        load_id = _next_load_id(conn)
        # Without a point, WD25 can only come from the extract's WD22 code where the ward did not
        # change between the vintages (Bromsgrove and Wyre Forest kept their codes).
        given = {"wd22": "nullif(k.ward_code, '')", "wd25": "w25.ward_code"}
        conn.execute(
            f"""
            INSERT INTO incidents BY NAME
            SELECT 'extract' AS source, ? AS synthetic, {load_id} AS load_id, ? AS force, k.month,
                   k.reported_at, k.incident_ref, ? AS reported_by, ? AS falls_within,
                   '{ASB}' AS category, true AS is_asb, k.keyword, nullif(k.nirs_class, '') AS nirs_class,
                   k.lon AS longitude, k.lat AS latitude, p.easting, p.northing, k.location, k.district,
                   {_ward_columns(given)}
            FROM stage_kept k
            LEFT JOIN point_wards p ON p.lon = k.lon AND p.lat = k.lat AND p.district = k.district
            LEFT JOIN wards w25 ON w25.vintage = 'wd25' AND w25.ward_code = k.ward_code""",
            [synthetic, force, force, force],
        )
        fallback = conn.execute(
            f"""SELECT count(*) FROM incidents WHERE load_id = ?
                                    AND (ward_method_wd22 <> '{METHOD_POINT}' OR ward_method_wd25 <> '{METHOD_POINT}')""",
            [load_id],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO loads VALUES (?, ?, ?, 'extract', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                source.name,
                sha,
                synthetic,
                rows_read,
                rows_kept,
                rows_replaced,
                rows_read - rows_kept,
                outside_no_location,
                months,
                datetime.now(),
            ],
        )
    finally:
        conn.unregister("point_wards")
    return FileReport(
        source.name,
        sha,
        "loaded",
        rows_read=rows_read,
        rows_stored=rows_kept,
        rows_replaced=rows_replaced,
        rows_outside=rows_read - rows_kept,
        rows_outside_no_location=outside_no_location,
        rows_by_lsoa_fallback=fallback,
        months=months,
    )


def load_geography(conn: duckdb.DuckDBPyConnection) -> Geography:
    """The geography held in the store (written there by the build)."""
    return Geography.from_store(conn)
