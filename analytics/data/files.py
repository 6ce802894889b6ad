"""Reading the files a load is given, safely.

- Zip archives: a member's name is only ever shown in messages, never used as a path; an archive
  that could unpack to more than the machine should hold (a zip bomb), or holds another archive,
  is refused before it is unpacked.
- Files are read in chunks of CHUNK_BYTES, never whole into memory: one pass (scan_file) hashes
  and checks the bytes, and DuckDB reads the file itself. A copy is written (in chunks, to the
  load's own temporary folder, under a name of our choosing) only for a zip member or text that
  is not UTF-8. A file, or zip member, larger than MAX_FILE_BYTES is refused before it is read.
- Bytes that are not CSV text (NUL bytes, a binary file, a gzip file or a workbook named .csv)
  are refused; UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark and
  Windows-1252 text load; columns separated by other than commas are named in the message.
- Bad input gets an InputError naming the file, the line and the problem.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

import duckdb

from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown  # quoted, cut short: a hostile value cannot flood a message

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
# The header is the first line: a first line longer than this is not a header.
MAX_HEADER_BYTES = 64 * 1024
# A NUL byte this near the start means a binary file; later, a damaged line.
BINARY_PROBE_BYTES = 64 * 1024


@dataclass
class Source:
    name: str  # what messages call it: a path, or 'archive.zip!2018-10/x.csv'
    open: Callable[[], IO[bytes]]  # a new binary stream of the file's bytes
    path: Path | None = None  # set when the bytes are a plain file on disk
    size: int | None = None  # bytes, when known before reading


def _too_big(name: str, size: int) -> InputError:
    return InputError(
        f"the file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} bytes one file may be "
        "(MAX_FILE_BYTES in analytics/data/files.py).",
        file=name,
        fix="Split it into smaller files: police.uk publishes one file per force and month.",
    )


# --------------------------------------------------------------------------- finding files


def iter_sources(paths: Sequence[Path | str], suffixes: tuple[str, ...]) -> Iterator[Source]:
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError("no such file or folder.", file=str(path))
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes + (".zip",))
            if not found:
                raise InputError(f"the folder holds no {' or '.join(suffixes)} files.", file=str(path))
            yield from iter_sources(found, suffixes)
        elif not path.is_file():
            raise InputError("not a regular file (a device, pipe or socket cannot be loaded).", file=str(path))
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path) and path.suffix.lower() not in suffixes:
            yield from _iter_zip(path, suffixes)
        else:
            yield file_source(path)


def file_source(path: Path) -> Source:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _too_big(str(path), size)  # before anything is read
    return Source(str(path), lambda: open(path, "rb"), path, size)


def open_archive(path: Path, what: str = "zip archive") -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
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
        "(MAX_UNPACKED_BYTES and MAX_COMPRESSION_RATIO in analytics/data/files.py)"
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


def _iter_zip(path: Path, suffixes: tuple[str, ...]) -> Iterator[Source]:
    archive, members = open_archive(path)
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
        yield Source(name, partial(archive.open, member), None, member.file_size)


# --------------------------------------------------------------------------- reading one file


@dataclass
class Scan:
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


LINE_END = re.compile(rb"[\r\n]")
_STREAM_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError)


def scan_file(source: Source, spill: Path | None = None, text: bool = True) -> Scan:
    """One pass over the file in chunks: its SHA-256 and the facts the text checks need.

    ``spill`` (for a zip member) receives a copy of the bytes, so DuckDB can read them from disk.
    Nothing is refused here but a file too big or unreadable, or one that is plainly not CSV text.
    """
    if source.size is not None and source.size > MAX_FILE_BYTES:
        raise _too_big(source.name, source.size)
    digest = hashlib.sha256()
    scan = Scan("", 0, source.path if spill is None else spill)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    out = open(spill, "wb") if spill is not None else None
    try:
        with source.open() as handle:
            while chunk := handle.read(CHUNK_BYTES):
                start = scan.size
                scan.size += len(chunk)
                _check_size(source, scan.size)
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
                if text:
                    _scan_text(source, scan, chunk, start, utf8)
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


def _check_size(source: Source, size: int) -> None:
    """Refuse a file once ``size`` bytes of it are more than one file may be, or than a member declares."""
    if size > MAX_FILE_BYTES:
        raise _too_big(source.name, size)
    if source.path is None and source.size is not None and size > source.size:
        raise InputError(f"it holds more than the {source.size:,} bytes it declares; refused.", file=source.name)


def _scan_text(source: Source, scan: Scan, chunk: bytes, start: int, utf8: codecs.IncrementalDecoder) -> None:
    """The text checks of one chunk, which starts at byte ``start``: what ``scan`` records of it."""
    if start == 0:
        _check_kind(source, chunk)
        scan.utf16 = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if scan.utf16:
        return  # converted and scanned again as UTF-8
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
        match = LINE_END.search(chunk)
        if match:
            scan.header_end = start + match.start()
    if scan.header_end is not None and not scan.has_rows:
        rest = chunk[max(0, scan.header_end - start) :]
        scan.has_rows = bool(rest) and not rest.isspace()


def _check_kind(source: Source, first: bytes) -> None:
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


def text_file(source: Source, scan: Scan, copy: Path) -> tuple[Path, str, bool]:
    """A UTF-8 file DuckDB can read, its first line, and whether rows follow; or the InputError saying why not.

    LF, CRLF and CR line ends all load; a UTF-8 byte-order mark is skipped; UTF-16 with a
    byte-order mark is converted; other text that is not UTF-8 is read as cp1252, which is what
    Excel on Windows writes. ``copy`` is where a converted copy goes (written in chunks).
    """
    raw = scan.raw
    if raw is None:  # scan_file keeps every file given here on disk (a zip member through its spill)
        raise ValueError(f"text_file needs the bytes of {source.name} on disk.")
    if scan.utf16:
        _convert(source, raw, "utf-16", copy)
        converted = scan_file(Source(source.name, lambda: open(copy, "rb"), copy))
        return text_file(source, converted, copy.with_suffix(".utf8.csv"))
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
            line=_line_at(raw, scan.nul_offset),
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
    path = raw
    if scan.utf8:
        header = first.decode("utf-8")
    else:
        _convert(source, raw, "cp1252", copy)
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


def _convert(source: Source, raw: Path, encoding: str, copy: Path) -> None:
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


def read_header(source: Source, first_line: str, required: tuple[str, ...], has_rows: bool) -> list[str]:
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


READ_CSV = (
    "read_csv(?, header=true, delim=',', quote='\"', escape='\"', all_varchar=true, strict_mode=true, "
    "null_padding=false, auto_detect=false, columns=?)"
)


def stage_csv(conn: duckdb.DuckDBPyConnection, source: Source, path: Path, header: list[str], sql: str) -> None:
    """Run ``sql``, which reads the file through ``{read_csv}`` (every column as text, named by position).

    The positional columns c0, c1, ... are renamed by ``select_columns`` through the allow-list of
    known names: anything else is dropped, so no header text ever reaches SQL.
    """
    columns = {f"c{i}": "VARCHAR" for i in range(len(header))}
    try:
        conn.execute(sql.replace("{read_csv}", READ_CSV), [str(path), columns])
    except duckdb.Error as exc:
        line, problem = csv_problem(str(exc))
        if "Expected Number of Columns" in str(exc):
            # DuckDB counts rows, not lines: after a value holding a line break its line is short
            # by one per break. The row's own line, counted in the file.
            line = find_line(path, lambda r: len(r) != len(header)) or line
        raise InputError(problem, file=source.name, line=line) from None


def csv_problem(text: str) -> tuple[int | None, str]:
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


def select_columns(header: list[str], wanted: dict[str, str]) -> str:
    """SELECT list mapping positional staged columns to internal names, for known columns only."""
    parts = []
    for i, name in enumerate(header):
        if name in wanted:
            parts.append(f"c{i} AS {wanted[name]}")
    return ", ".join(parts)


def find_line(path: Path, predicate: Callable[[list[str]], bool]) -> int | None:
    """Line number (1-based, header is line 1) of the first data row for which predicate holds."""
    return find_row(path, predicate)[0]


def find_row(path: Path, predicate: Callable[[list[str]], bool]) -> tuple[int | None, list[str] | None]:
    """The first data row for which predicate holds, and the line of the file it starts on (1-based,
    the header is line 1): a row whose quoted value holds a line break spans several lines."""
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row:
                continue  # a blank line: DuckDB skips it too
            try:
                if predicate(row):
                    return line, row
            except IndexError:
                continue
    return None, None
